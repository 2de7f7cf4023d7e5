package caracal

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/caracal-tools/bundle/bundle"
)

func init() { bundle.Register(cliCollector{}) }

// cliCollector runs the read-only commands of the `caracal` CLI that Caracal's own
// troubleshooting page lists as its diagnostic bundle.
type cliCollector struct{}

// Info names the collector "caracal-cli", in group "caracal".
func (cliCollector) Info() bundle.Info {
	return bundle.Info{Name: "caracal-cli", Group: "caracal",
		Description: "caracal status --json, status --ready --json and --version --json"}
}

// cliTimeout bounds each command; `caracal status` probes with 1.5 s timeouts.
var cliTimeout = 20 * time.Second

// cliCommands are the commands run, each with the file its output goes to.
var cliCommands = []struct {
	file string
	args []string
}{
	{"status.json", []string{"status", "--json"}},
	{"status-ready.json", []string{"status", "--ready", "--json"}},
	{"version.json", []string{"--version", "--json"}},
}

// Collect runs each command once, writes its output and commands.json, and reports
// what status and version say. Without the CLI on PATH it skips as not found.
func (cliCollector) Collect(ctx context.Context, env *bundle.Env, out *bundle.Sink) error {
	bin, err := exec.LookPath("caracal")
	if err != nil {
		return bundle.Skip(bundle.NotFound, "the caracal CLI is not on PATH")
	}

	runs := make([]cliRun, 0, len(cliCommands))
	for _, c := range cliCommands {
		r := runCLI(ctx, bin, c.args, cliTimeout)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("run caracal %s: %w", strings.Join(c.args, " "), err)
		}
		if err := r.write(out, c.file); err != nil {
			return err
		}
		runs = append(runs, r)
	}
	if err := out.WriteJSON("commands.json", runs); err != nil {
		return err
	}
	statusFindings(out, runs[1].stdout, out.Path("status-ready.json"))
	cliVersionFinding(out, runs[2].stdout, out.Path("version.json"))
	return nil
}

// write stores the command's stdout and stderr and marks the collector partial when
// the command could not run or timed out. A non-zero exit is data, not a failure.
func (r *cliRun) write(out *bundle.Sink, file string) error {
	if len(r.stdout) > 0 {
		r.Stdout = file
		if err := out.WriteFile(file, r.stdout); err != nil {
			return err
		}
	}
	if len(r.stderr) > 0 {
		r.Stderr = strings.TrimSuffix(file, ".json") + ".stderr.txt"
		if err := out.WriteFile(r.Stderr, r.stderr); err != nil {
			return err
		}
	}
	switch {
	case r.TimedOut:
		out.Partial("caracal %s timed out after %s", strings.Join(r.Args, " "), cliTimeout)
	case r.Error != "":
		out.Partial("caracal %s: %s", strings.Join(r.Args, " "), r.Error)
	}
	if r.ExitCode > 0 {
		out.Note("caracal %s exited %d: %s", strings.Join(r.Args, " "), r.ExitCode,
			firstLine(r.stderr))
	}
	if r.cut {
		out.Note("output of caracal %s cut at %d bytes", strings.Join(r.Args, " "), outputCap)
	}
	return nil
}

// statusReport is the JSON of `caracal status --json`.
type statusReport struct {
	Mode     string `json:"mode"`
	Services []struct {
		Name   string          `json:"name"`
		URL    string          `json:"url"`
		OK     bool            `json:"ok"`
		Detail json.RawMessage `json:"detail"`
	} `json:"services"`
}

// statusFindings reports each service `caracal status --ready` saw down, with the
// reason's meaning when its detail carries one ("503 audit_evidence_lost").
func statusFindings(out *bundle.Sink, stdout []byte, file string) {
	var rep statusReport
	if json.Unmarshal(stdout, &rep) != nil {
		return
	}
	for _, s := range rep.Services {
		if s.OK {
			continue
		}
		detail := strings.Trim(string(s.Detail), `"`)
		code, reason, _ := strings.Cut(detail, " ")
		f := bundle.Finding{Stage: bundle.StageReadiness, Severity: bundle.SeverityFail,
			Code: "caracal.cli.down", Subject: s.Name, Files: []string{file},
			Message: fmt.Sprintf("caracal status --ready: %s is down (%s)", s.Name, detail),
			Area:    "service readiness of " + s.Name}
		if m, ok := reasons[reasonKey(reason)]; ok && code != "" {
			f.Severity, f.Area = m.sev, m.area
			f.Message += ": " + m.text
		}
		out.Finding(f)
	}
}

func cliVersionFinding(out *bundle.Sink, stdout []byte, file string) {
	var v struct {
		Binary, Version, Mode, Sha string
	}
	if json.Unmarshal(stdout, &v) != nil || v.Version == "" {
		return
	}
	out.Finding(bundle.Finding{Stage: bundle.StageService, Severity: bundle.SeverityInfo,
		Code: "caracal.cli.version", Subject: "caracal", Files: []string{file},
		Message: fmt.Sprintf("caracal CLI %s (mode %s, sha %s)", v.Version, v.Mode, v.Sha)})
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return cut(line, 200)
}

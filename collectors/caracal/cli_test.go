package caracal

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
)

const statusHealth = `{"mode":"health","services":[
 {"name":"api","url":"http://localhost:3000/health","port":3000,"ok":true,"detail":200}]}`

const statusReady = `{"mode":"ready","services":[
 {"name":"api","url":"http://localhost:3000/ready","port":3000,"ok":true,"detail":200},
 {"name":"sts","url":"http://localhost:8080/ready","port":8080,"ok":false,
  "detail":"503 audit_evidence_lost"},
 {"name":"audit","url":"http://localhost:9090/ready","port":9090,"ok":false,
  "detail":"unreachable"}]}`

const version = `{"binary":"caracal","version":"1.0.0","mode":"stable","sha":"6b5b47f"}`

// standIn puts an executable named caracal with the given shell body first on PATH.
func standIn(t *testing.T, body string) {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\n" + body + "\n"
	if err := os.WriteFile(filepath.Join(dir, "caracal"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func TestCLI(t *testing.T) {
	normal := `case "$*" in
"status --json") echo '` + statusHealth + `' ;;
"status --ready --json") echo '` + statusReady + `'; echo "2 services down" >&2; exit 1 ;;
"--version --json") echo '` + version + `' ;;
*) echo "unexpected $*" >&2; exit 9 ;;
esac`
	tests := []struct {
		name      string
		body      string
		timeout   time.Duration
		status    bundle.Status
		exitCodes []string
		findings  []string
		maxTime   time.Duration
	}{
		{name: "normal", body: normal, status: bundle.StatusOK,
			exitCodes: []string{`"exitCode": 0`, `"exitCode": 1`},
			findings:  []string{"caracal.cli.down", "caracal.cli.version"}},
		{name: "failing", body: `echo "caracal: runtime not installed" >&2; exit 2`,
			status: bundle.StatusOK, exitCodes: []string{`"exitCode": 2`}},
		{name: "hanging", body: `exec sleep 30`, timeout: 300 * time.Millisecond,
			status: bundle.StatusPartial, exitCodes: []string{`"timedOut": true`},
			maxTime: 5 * time.Second},
		{name: "hanging child holds the pipes", body: `sleep 5 & wait`,
			timeout: 300 * time.Millisecond, status: bundle.StatusPartial,
			exitCodes: []string{`"timedOut": true`}, maxTime: 8 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			standIn(t, tc.body)
			if tc.timeout > 0 {
				old := cliTimeout
				cliTimeout = tc.timeout
				t.Cleanup(func() { cliTimeout = old })
			}
			start := time.Now()
			res := bundletest.Run(t, cliCollector{}, config.Config{})
			if res.Record.Status != tc.status {
				t.Fatalf("status %s (%s), want %s", res.Record.Status, res.Record.Reason,
					tc.status)
			}
			if tc.maxTime > 0 && time.Since(start) > tc.maxTime {
				t.Errorf("took %v, want under %v", time.Since(start), tc.maxTime)
			}
			cmds := res.File(t, "commands.json")
			for _, want := range tc.exitCodes {
				if !strings.Contains(cmds, want) {
					t.Errorf("commands.json lacks %s:\n%s", want, cmds)
				}
			}
			for _, code := range tc.findings {
				findingByCode(t, res, code)
			}
		})
	}
}

func TestCLIReadyFindings(t *testing.T) {
	standIn(t, `case "$*" in
"status --ready --json") echo '`+statusReady+`'; exit 1 ;;
*) exit 0 ;;
esac`)
	res := bundletest.Run(t, cliCollector{}, config.Config{})
	checkOK(t, res)
	bySubject := map[string]bundle.Finding{}
	for _, f := range res.Findings {
		bySubject[f.Subject] = f
	}
	if f := bySubject["sts"]; !strings.Contains(f.Area, "keep the evidence") {
		t.Errorf("sts finding %+v lacks the latch's recovery", f)
	}
	if f := bySubject["audit"]; f.Severity != bundle.SeverityFail ||
		!strings.Contains(f.Message, "unreachable") {
		t.Errorf("audit finding %+v", f)
	}
	if _, ok := bySubject["api"]; ok {
		t.Errorf("a ready service gave a finding")
	}
	if got := res.File(t, "status-ready.json"); !strings.Contains(got, "audit_evidence_lost") {
		t.Errorf("status-ready.json: %s", got)
	}
}

func TestCLINotOnPath(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	start := time.Now()
	res := bundletest.Run(t, cliCollector{}, config.Config{})
	if res.Record.Status != bundle.StatusSkipped || res.Record.SkipKind != bundle.NotFound ||
		!strings.Contains(res.Record.Reason, "not on PATH") {
		t.Errorf("got %s %s %q", res.Record.Status, res.Record.SkipKind, res.Record.Reason)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
}

package compose

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/caracal-tools/bundle/bundle"
)

func init() { bundle.Register(hostCollector{}) }

// hostCollector copies the installed runtime's files from $CARACAL_HOME: runtime.json,
// upgrade.log, compose.yml and caracal.env (values of secret-named variables withheld),
// and lists the names of the files under secrets/, never their contents.
type hostCollector struct{}

// Info names the collector "compose-host", in group "compose".
func (hostCollector) Info() bundle.Info {
	return bundle.Info{Name: "compose-host", Group: "compose",
		Description: "installed runtime ($CARACAL_HOME): runtime.json, upgrade.log, " +
			"compose.yml, caracal.env, secret file names"}
}

// hostFileCap bounds each copied file.
const hostFileCap = 5 << 20

// secretFile is one row of secrets.json.
type secretFile struct {
	Name     string    `json:"name"`
	Mode     string    `json:"mode"`
	Modified time.Time `json:"modified"`
}

// Collect copies the files of the runtime under $CARACAL_HOME and writes secrets.json.
// Without that folder it skips as not found.
func (hostCollector) Collect(ctx context.Context, env *bundle.Env, out *bundle.Sink) error {
	home := caracalHome(env.Config.Compose)
	if st, err := os.Stat(home); err != nil || !st.IsDir() {
		return bundle.Skip(bundle.NotFound,
			"no installed Caracal runtime at %s; set --caracal-home or CARACAL_HOME", home)
	}

	if err := copyRuntimeJSON(out, home); err != nil {
		return err
	}
	last, err := copyHostFile(out, home, "upgrade.log")
	if err != nil {
		return err
	}
	upgradeFinding(out, last)
	if _, err := copyHostFile(out, home, "compose.yml"); err != nil {
		return err
	}
	if err := copyEnvFile(env, out, home); err != nil {
		return err
	}
	return listSecrets(out, filepath.Join(home, "secrets"))
}

// copyHostFile streams home/name into the bundle, capped, and returns its last
// non-empty line. A missing file is a note.
func copyHostFile(out *bundle.Sink, home, name string) (string, error) {
	f, err := os.Open(filepath.Join(home, name))
	if errors.Is(err, fs.ErrNotExist) {
		out.Note("%s not found in %s", name, home)
		return "", nil
	}
	if err != nil {
		out.Partial("open %s: %v", filepath.Join(home, name), err)
		return "", nil
	}
	defer func() { _ = f.Close() }()

	w, err := out.Create(name)
	if err != nil {
		return "", err
	}
	cw := &capWriter{w: w, max: hostFileCap}
	last, cerr := copyLines(cw, f)
	if err := w.Close(); err != nil {
		return "", err
	}
	if errors.Is(cerr, errCapped) {
		out.Note("%s cut at %s", name, sizeString(hostFileCap))
	} else if cerr != nil {
		out.Partial("read %s: %v", filepath.Join(home, name), cerr)
	}
	return last, nil
}

// copyLines copies r to w line by line and returns the last non-empty line.
func copyLines(w io.Writer, r io.Reader) (string, error) {
	br := bufio.NewReader(r)
	last := ""
	for {
		line, err := br.ReadString('\n')
		if strings.TrimSpace(line) != "" {
			last = strings.TrimSpace(line)
		}
		if _, werr := io.WriteString(w, line); werr != nil {
			return last, werr
		}
		if err == io.EOF {
			return last, nil
		}
		if err != nil {
			return last, err
		}
	}
}

func copyRuntimeJSON(out *bundle.Sink, home string) error {
	if _, err := copyHostFile(out, home, "runtime.json"); err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(home, "runtime.json"))
	if err != nil {
		return nil
	}
	var rt struct {
		Version   string `json:"version"`
		UpdatedAt string `json:"updatedAt"`
	}
	if json.Unmarshal(b, &rt) != nil || rt.Version == "" {
		out.Finding(bundle.Finding{Stage: bundle.StageService, Severity: bundle.SeverityWarn,
			Code: "compose.runtime.unreadable", Message: "runtime.json has no version",
			Area: "installed runtime ($CARACAL_HOME)", Files: []string{out.Path("runtime.json")}})
		return nil
	}
	out.Finding(bundle.Finding{Stage: bundle.StageService, Severity: bundle.SeverityInfo,
		Code: "compose.runtime.version", Files: []string{out.Path("runtime.json")},
		Message: fmt.Sprintf("installed runtime %s (updated %s)", rt.Version, rt.UpdatedAt)})
	return nil
}

// upgradeFinding reports a last upgrade that did not succeed.
func upgradeFinding(out *bundle.Sink, last string) {
	if last == "" {
		return
	}
	var u struct{ At, From, To, Outcome string }
	if json.Unmarshal([]byte(last), &u) != nil || u.Outcome == "success" {
		return
	}
	out.Finding(bundle.Finding{Stage: bundle.StageService, Severity: bundle.SeverityFail,
		Code: "compose.upgrade.failed", Subject: u.To, Files: []string{out.Path("upgrade.log")},
		Message: fmt.Sprintf("last upgrade %s -> %s at %s ended %s", u.From, u.To, u.At,
			u.Outcome),
		Area: "upgrade (" + u.Outcome + "): see upgrade.log and the dbMigrate log"})
}

// copyEnvFile writes caracal.env with the values of secret-named variables withheld
// and the rest through the redactor.
func copyEnvFile(env *bundle.Env, out *bundle.Sink, home string) error {
	b, err := os.ReadFile(filepath.Join(home, "caracal.env"))
	if errors.Is(err, fs.ErrNotExist) {
		out.Note("caracal.env not found in %s", home)
		return nil
	}
	if err != nil {
		out.Partial("read %s: %v", filepath.Join(home, "caracal.env"), err)
		return nil
	}
	var sb strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		sb.WriteString(envLine(env, line))
		sb.WriteByte('\n')
	}
	return out.WriteFile("caracal.env", []byte(strings.TrimSuffix(sb.String(), "\n")))
}

func envLine(env *bundle.Env, line string) string {
	t := strings.TrimSpace(line)
	if t == "" || strings.HasPrefix(t, "#") {
		return env.Redactor.String(line)
	}
	name, value, ok := strings.Cut(t, "=")
	if !ok {
		return env.Redactor.String(line)
	}
	name = strings.TrimSpace(strings.TrimPrefix(name, "export "))
	return name + "=" + envValue(env.Redactor, name, value)
}

// listSecrets writes the names, modes and times of the files in dir, never contents.
func listSecrets(out *bundle.Sink, dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		out.Note("no secrets folder at %s", dir)
		return nil
	}
	if err != nil {
		out.Partial("list %s: %v", dir, err)
		return nil
	}
	list := make([]secretFile, 0, len(entries))
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue
		}
		list = append(list, secretFile{Name: e.Name(), Mode: info.Mode().String(),
			Modified: info.ModTime().UTC()})
	}
	return out.WriteJSON("secrets.json", list)
}

package compose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestInstalledHost(t *testing.T) {
	home := t.TempDir()
	writeFiles(t, home, map[string]string{
		"runtime.json": `{"version":"1.0.0","updatedAt":"2026-11-30T10:00:00Z"}`,
		"upgrade.log": `{"at":"2026-11-01T10:00:00Z","from":"0.9.0","to":"0.9.1",` +
			`"outcome":"success"}
{"at":"2026-11-30T10:00:00Z","from":"0.9.1","to":"1.0.0","outcome":"readinessFailed"}
`,
		"compose.yml": "name: caracal\nservices:\n  sts:\n    image: caracal-go:v1.0.0\n",
		"caracal.env": "# runtime\nCARACAL_MODE=stable\nCARACAL_REDIS_PASSWORD=" + testToken +
			"\nexport CARACAL_METRICS_BEARER=" + testToken + "\nCARACAL_VERSION=1.0.0\n",
		"secrets/redisPassword":  testToken,
		"secrets/metricsBearer":  testToken,
		"secrets/postgresAdmin":  testToken,
		"ca/root.pem":            "not collected",
		"secrets/.keep-ignored/": "",
	})

	res := bundletest.Run(t, hostCollector{}, config.Config{Compose: config.Compose{Home: home}})
	checkOK(t, res)
	env := res.File(t, "caracal.env")
	for _, want := range []string{"CARACAL_MODE=stable", "CARACAL_VERSION=1.0.0",
		"CARACAL_REDIS_PASSWORD=", "CARACAL_METRICS_BEARER="} {
		if !strings.Contains(env, want) {
			t.Errorf("caracal.env lacks %q:\n%s", want, env)
		}
	}
	secrets := res.File(t, "secrets.json")
	for _, name := range []string{"redisPassword", "metricsBearer", "postgresAdmin"} {
		if !strings.Contains(secrets, `"`+name+`"`) {
			t.Errorf("secrets.json lacks %s:\n%s", name, secrets)
		}
	}
	if !res.Has("compose.upgrade.failed") || !res.Has("compose.runtime.version") {
		t.Errorf("findings %+v lack the failed upgrade or the version", res.Findings)
	}
	if got := res.File(t, "compose.yml"); !strings.Contains(got, "caracal-go:v1.0.0") {
		t.Errorf("compose.yml: %s", got)
	}
	noLeak(t, res)
}

func TestInstalledHostMissing(t *testing.T) {
	tests := []struct {
		name string
		cfg  config.Config
		env  string
	}{
		{"configured home", config.Config{Compose: config.Compose{Home: "/nonexistent/x"}}, ""},
		{"CARACAL_HOME", config.Config{}, "/nonexistent/y"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CARACAL_HOME", tc.env)
			res := bundletest.Run(t, hostCollector{}, tc.cfg)
			wantSkip(t, res, bundle.NotFound, "no installed Caracal runtime at /nonexistent/")
		})
	}
}

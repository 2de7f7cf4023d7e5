package collectors_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/bundle/secret"
	_ "github.com/caracal-tools/bundle/collectors"
	"github.com/caracal-tools/bundle/internal/testbed"
)

// unconfigured points every default a collector might reach for at nothing.
func unconfigured(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, ".config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, ".local/share"))
	t.Setenv("KUBECONFIG", filepath.Join(dir, "no-kubeconfig"))
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(dir, "no-docker.sock"))
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	for _, k := range []string{"REDIS_URL", "DATABASE_URL", "CARACAL_ADMIN_TOKEN"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("PATH", dir)
}

// TestConformance runs every registered collector with nothing configured: each ends
// quickly, without failing, with a reason when it skips, and writes only clean paths.
func TestConformance(t *testing.T) {
	unconfigured(t)
	for _, c := range bundle.Registered() {
		t.Run(c.Info().Name, func(t *testing.T) {
			start := time.Now()
			res := bundletest.RunContext(context.Background(), t, c, config.Config{},
				30*time.Second)
			rec := res.Record
			if took := time.Since(start); took > 15*time.Second {
				t.Errorf("took %s with nothing configured", took)
			}
			switch rec.Status {
			case bundle.StatusOK:
			case bundle.StatusSkipped:
				if strings.TrimSpace(rec.Reason) == "" {
					t.Errorf("skipped without a reason")
				}
			default:
				t.Errorf("status %s (%s) with nothing configured", rec.Status, rec.Reason)
			}
			for _, f := range res.Files(t) {
				if !strings.HasPrefix(f, rec.Name+"/") {
					t.Errorf("file %s outside the collector's folder", f)
				}
			}
		})
	}
}

// TestRegistry checks every collector's metadata.
func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range bundle.Registered() {
		info := c.Info()
		if info.Description == "" || info.Group == "" {
			t.Errorf("%s: missing group or description", info.Name)
		}
		if seen[info.Name] {
			t.Errorf("%s registered twice", info.Name)
		}
		seen[info.Name] = true
	}
	for _, want := range []string{"bundle", "host"} {
		if !seen[want] {
			t.Errorf("collector %s is not registered", want)
		}
	}
}

// TestConformanceCancel points every collector at servers that accept connections and
// never answer, cancels the run a moment after it starts, and checks that each collector
// returns promptly and is recorded as canceled, skipped or failed, never left running
// until its timeout.
func TestConformanceCancel(t *testing.T) {
	unconfigured(t)
	hang := testbed.HangingServer(t)
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	kc := fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n"+
		"    server: https://%s\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n"+
		"  user:\n    token: t\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\n"+
		"current-context: c\n", hang)
	if err := os.WriteFile(kubeconfig, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_HOST", "tcp://"+hang)
	t.Setenv("CARACAL_TEST_TOKEN", "token-value")
	token := secret.Env("CARACAL_TEST_TOKEN")
	endpoints := map[string]string{}
	for _, svc := range []string{"sts", "gateway", "audit", "api", "coordinator", "web"} {
		endpoints[svc] = "http://" + hang
	}
	cfg := config.Config{
		Redis:      config.Redis{URL: secret.Value("redis://:pw@" + hang)},
		Postgres:   config.Postgres{URL: secret.Value("postgres://u:pw@" + hang + "/caracal")},
		Kubernetes: config.Kubernetes{Kubeconfig: kubeconfig},
		Compose:    config.Compose{Projects: []string{"caracal"}},
		Caracal: config.Caracal{Mode: "compose", Endpoints: endpoints, APIURL: "http://" + hang,
			AdminToken: token, MetricsBearer: token, CoordinatorToken: token},
		Request: config.Request{ID: "req-1", Zone: "z1"},
	}

	for _, c := range bundle.Registered() {
		t.Run(c.Info().Name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(300*time.Millisecond, cancel)
			start := time.Now()
			res := bundletest.RunContext(ctx, t, c, cfg, time.Minute)
			if took := time.Since(start); took > 1500*time.Millisecond {
				t.Errorf("returned %s after the cancel", took)
			}
			if s := res.Record.Status; s == bundle.StatusTimeout {
				t.Errorf("status %s: the collector ignored the cancel", s)
			}
		})
	}
}

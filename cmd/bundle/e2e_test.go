package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/caracal-tools/bundle/internal/testbed"
)

// e2eJWT is a planted token that must never reach the bundle.
const e2eJWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJlMmUtYWdlbnQiLCJ6b25lIjoiejEifQ." +
	"c2lnbmF0dXJlLW9mLXRoZS1lMmUtdGVzdA"

// TestEndToEnd runs the real binary against a real Redis, Postgres and Kubernetes API
// server at once, then checks the bundle verifies, holds each area's evidence and the
// request's timeline, and leaks none of the passwords or tokens planted on the way.
func TestEndToEnd(t *testing.T) {
	redisURL, redisPW := e2eRedis(t)
	pgURL, pgPW := e2ePostgres(t)
	kubeconfig, ns := e2eKube(t)

	bin, dir := bundleBin(t), t.TempDir()
	key := filepath.Join(dir, "key")
	env := []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"),
		"DOCKER_HOST=unix://" + filepath.Join(dir, "none.sock")}
	runBundle(t, bin, env, exitOK, "keygen", "--out", key)

	out := filepath.Join(dir, "e2e.tar.gz")
	cmd := exec.Command(bin, "collect", "--key", key, "--output", out,
		"--redis-url", redisURL, "--database-url", pgURL, "--kubeconfig", kubeconfig,
		"-n", ns, "--request-id", "req-e2e-42", "--skip", "compose,caracal", "--json")
	cmd.Env = env
	stdout, err := cmd.Output()
	if code := cmd.ProcessState.ExitCode(); code != exitOK && code != exitIncomplete {
		t.Fatalf("collect: exit %d (%v)\n%s", code, err, stdout)
	}
	for _, want := range []string{`"name": "redis"`, `"name": "postgres"`, `"name": "kube-logs"`} {
		if !strings.Contains(string(stdout), want) {
			t.Errorf("--json result lacks %s", want)
		}
	}

	x := filepath.Join(dir, "x")
	runBundle(t, bin, env, exitOK, "extract", "--key", key+".pub", out, x)
	all := readTree(t, x)
	for _, secret := range []string{redisPW, pgPW, e2eJWT, "Hunter2-e2e"} {
		if f := findIn(all, secret); f != "" {
			t.Errorf("%s leaked into %s", secret[:8]+"...", f)
		}
	}
	for file, want := range map[string]string{
		"redis/streams.txt":       "caracal.audit.events.dlq",
		"postgres/migrations.txt": "0003_operator_run_token_usage",
		"timeline/timeline.txt":   "req-e2e-42",
		"SUMMARY.md":              "## Streams: fail",
	} {
		if !strings.Contains(all[file], want) {
			t.Errorf("%s lacks %q:\n%s", file, want, all[file])
		}
	}
	if strings.Contains(all["SUMMARY.md"], "## Storage: ok") {
		t.Errorf("a pending migration left storage ok:\n%s", all["SUMMARY.md"])
	}
}

func e2eRedis(t *testing.T) (string, string) {
	srv := testbed.Redis(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	for _, g := range [][2]string{{"caracal.audit.events", "audit-ingestor"},
		{"caracal.audit.events.dlq", "audit-dlq-observer"}} {
		if err := rdb.XGroupCreateMkStream(ctx, g[0], g[1], "$").Err(); err != nil {
			t.Fatal(err)
		}
	}
	err := rdb.XAdd(ctx, &goredis.XAddArgs{Stream: "caracal.audit.events.dlq", Values: []string{
		"reason", "hmac_verify_failed", "src_id", "1-1", "src_data",
		`{"request_id":"req-e2e-42","token":"` + e2eJWT + `"}`}}).Err()
	if err != nil {
		t.Fatal(err)
	}
	return srv.URL(), srv.Password
}

func e2ePostgres(t *testing.T) (string, string) {
	srv := testbed.Postgres(t)
	srv.CreateDB(t, "caracal")
	srv.Exec(t, "caracal", `CREATE TABLE schema_migrations (version text PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now());
		INSERT INTO schema_migrations VALUES ('0001_baseline'), ('0002_approval_hardening');`)
	u := srv.CreateRole(t, "bundle_reader", "caracal")
	srv.Exec(t, "caracal", "GRANT SELECT ON ALL TABLES IN SCHEMA public TO bundle_reader")
	pw := u[strings.Index(u, ":")+3:]
	pw = pw[strings.Index(pw, ":")+1 : strings.Index(pw, "@")]
	return u, pw
}

func e2eKube(t *testing.T) (string, string) {
	c := testbed.Kube(t)
	ns := c.Namespace(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "caracal-caracal-sts-0", Namespace: ns,
			Labels: map[string]string{"app.kubernetes.io/name": "caracal",
				"app.kubernetes.io/instance": "caracal", "app.kubernetes.io/component": "sts"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "sts",
			Image: "ghcr.io/garudex-labs/caracal-go:v1.0.0"}}},
	}
	c.CreatePod(t, pod)
	logs := testbed.WriteCRILog(t, []string{
		`{"time":1764756000000,"level":"info","msg":"start","service":"sts","version":"dev"}`,
		fmt.Sprintf(`{"time":1764756000100,"level":"warn","msg":"exchange denied",`+
			`"request_id":"req-e2e-42","authorization":"Bearer %s"}`, e2eJWT),
		`{"time":1764756000200,"level":"info","msg":"db","dsn":"postgres://sts:Hunter2-e2e@db/x"}`,
	})
	c.SetLogs(t, ns, pod.Name, map[string]testbed.LogFiles{"sts": {Current: logs}})
	c.WaitPodsReady(t, ns, "app.kubernetes.io/instance=caracal", 1)
	c.WaitLogs(t, ns, pod.Name, "sts")

	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := c.WriteKubeconfig(kc, testbed.AdminUser, c.Token(testbed.AdminUser), ns); err != nil {
		t.Fatal(err)
	}
	return kc, ns
}

// readTree returns every file below dir by slash path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func findIn(files map[string]string, s string) string {
	for name, body := range files {
		if strings.Contains(body, s) {
			return name
		}
	}
	return ""
}

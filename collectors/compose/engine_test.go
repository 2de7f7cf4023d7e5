package compose

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/internal/testbed"
)

var dockerCollectors = []bundle.Collector{containersCollector{}, logsCollector{},
	versionsCollector{}}

// TestNoEngine points DOCKER_HOST at engines that are not there.
func TestNoEngine(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale.sock")
	l, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	tests := []struct{ name, host string }{
		{"missing socket", "unix://" + filepath.Join(dir, "none.sock")},
		{"socket nobody listens on", "unix://" + stale},
		{"closed tcp port", fmt.Sprintf("tcp://127.0.0.1:%d", testbed.FreePort(t))},
	}
	for _, tc := range tests {
		for _, c := range dockerCollectors {
			t.Run(tc.name+"/"+c.Info().Name, func(t *testing.T) {
				t.Setenv("DOCKER_HOST", tc.host)
				start := time.Now()
				res := bundletest.Run(t, c, projectConfig())
				wantSkip(t, res, bundle.NotFound, "no Docker engine at")
				if d := time.Since(start); d > 2*time.Second {
					t.Errorf("took %v, want under 2s", d)
				}
			})
		}
	}
}

func wantSkip(t *testing.T, res *bundletest.Result, kind bundle.SkipKind, reason string) {
	t.Helper()
	if res.Record.Status != bundle.StatusSkipped || res.Record.SkipKind != kind ||
		!strings.Contains(res.Record.Reason, reason) {
		t.Errorf("got %s %q (%s), want skipped %q containing %q", res.Record.Status,
			res.Record.SkipKind, res.Record.Reason, kind, reason)
	}
}

// childEnv marks the re-executed test binary that runs as an unprivileged user.
const childEnv = "COMPOSE_TEST_FORBIDDEN_CHILD"

// TestSocketPermissionDenied gives the collectors a socket they may not open. As root,
// permission checks do not apply, so the test binary re-runs itself as nobody.
func TestSocketPermissionDenied(t *testing.T) {
	dir, err := os.MkdirTemp("", "compose-perm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	if err := os.Chmod(sock, 0); err != nil {
		t.Fatal(err)
	}

	if os.Geteuid() != 0 {
		t.Setenv("DOCKER_HOST", "unix://"+sock)
		checkForbidden(t)
		return
	}
	runAsNobody(t, dir, "unix://"+sock)
}

// TestForbiddenChild is the unprivileged half of TestSocketPermissionDenied.
func TestForbiddenChild(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		t.Skip("runs only inside TestSocketPermissionDenied")
	}
	checkForbidden(t)
}

func checkForbidden(t *testing.T) {
	t.Helper()
	for _, c := range dockerCollectors {
		res := bundletest.Run(t, c, projectConfig())
		wantSkip(t, res, bundle.Forbidden, "permission denied on the Docker socket")
	}
}

func runAsNobody(t *testing.T, dir, host string) {
	t.Helper()
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no user nobody to run the unprivileged half: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "compose.test")
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o777); err != nil || os.Chmod(tmp, 0o777) != nil {
		t.Fatalf("make %s: %v", tmp, err)
	}

	cmd := exec.Command(bin, "-test.run=^TestForbiddenChild$", "-test.v", "-test.count=1")
	cmd.Dir = tmp
	cmd.Env = []string{childEnv + "=1", "DOCKER_HOST=" + host, "TMPDIR=" + tmp, "HOME=" + tmp,
		"PATH=" + os.Getenv("PATH")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
		Uid: uint32(uid), Gid: uint32(gid)}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestForbiddenChild") {
		t.Fatalf("unprivileged run: %v\n%s", err, out)
	}
}

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// bundleBin returns a path that runs this test binary as the bundle command.
func bundleBin(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "bundle")
	if err := os.Symlink(self, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestExitCodes runs the real binary and checks each documented exit code.
func TestExitCodes(t *testing.T) {
	bin := bundleBin(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "key")
	base := []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"),
		"DOCKER_HOST=unix://" + filepath.Join(dir, "none.sock"),
		"KUBECONFIG=" + filepath.Join(dir, "none")}
	runBundle(t, bin, base, 0, "keygen", "--out", key)

	tests := []struct {
		name string
		env  []string
		args []string
		want int
	}{
		{"complete", nil, []string{"--only", "host"}, exitOK},
		{"usage", nil, []string{"--only", "nosuch"}, exitUsage},
		{"incomplete", []string{"BUNDLE_TEST_STATE={}", "BUNDLE_TEST_FAIL=broken"},
			[]string{"--only", "test-state"}, exitIncomplete},
		{"missing output folder", nil, []string{"--only", "host", "--output",
			filepath.Join(dir, "missing-folder", "b.tar.gz")}, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"collect", "--key", key}, tt.args...)
			if !contains(tt.args, "--output") {
				name := fmt.Sprintf("b%d.tar.gz", tt.want)
				args = append(args, "--output", filepath.Join(dir, name))
			}
			runBundle(t, bin, append(base, tt.env...), tt.want, args...)
		})
	}

	t.Run("error", func(t *testing.T) {
		junk := filepath.Join(dir, "junk.tar.gz")
		if err := os.WriteFile(junk, []byte("not a bundle"), 0o644); err != nil {
			t.Fatal(err)
		}
		runBundle(t, bin, base, exitError, "verify", junk)
	})

	t.Run("interrupted", func(t *testing.T) {
		ready := filepath.Join(dir, "ready")
		cmd := exec.Command(bin, "collect", "--key", key, "--only", "host,test-sleep",
			"--output", filepath.Join(dir, "cut.tar.gz"))
		cmd.Env = append(base, "BUNDLE_TEST_SLEEP=1", "BUNDLE_TEST_SLEEP_READY="+ready)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ready)
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		if got := cmd.ProcessState.ExitCode(); got != exitInterrupted {
			t.Fatalf("exit code %d, want %d", got, exitInterrupted)
		}
		if _, err := os.Stat(filepath.Join(dir, "cut.tar.gz")); err != nil {
			t.Fatalf("no bundle after the interrupt: %v", err)
		}
	})
}

func runBundle(t *testing.T, bin string, env []string, want int, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	out, _ := cmd.CombinedOutput()
	if got := cmd.ProcessState.ExitCode(); got != want {
		t.Fatalf("bundle %v: exit code %d, want %d\n%s", args, got, want, out)
	}
}

func waitFor(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not appear", path)
}

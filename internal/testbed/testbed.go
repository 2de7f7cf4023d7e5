// Package testbed starts real, throw-away servers for tests: Redis, Postgres, a
// Kubernetes API server with kwok, and containers on the local Docker engine.
//
// Every server listens on a free loopback port, lives in a directory from t.TempDir and
// is stopped by t.Cleanup. A test whose server cannot be had is skipped with a message
// naming what is missing, unless BUNDLE_REQUIRE_TESTBED=1, where it fails instead.
package testbed

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RequireEnv is the environment variable that turns a missing server into a failure.
const RequireEnv = "BUNDLE_REQUIRE_TESTBED"

// Required reports whether missing servers must fail tests instead of skipping them.
func Required() bool {
	v, _ := strconv.ParseBool(os.Getenv(RequireEnv))
	return v
}

// Unavailable skips the test, or fails it when the test bed is required, with a message
// naming what could not be had.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf("testbed: "+format+" ("+RequireEnv+" is set)", args...)
	}
	t.Skipf("testbed: "+format, args...)
}

// LookPath finds a binary on PATH or in one of the extra directories, and calls
// Unavailable when it is nowhere.
func LookPath(t testing.TB, name string, dirs ...string) string {
	t.Helper()
	for _, d := range dirs {
		p := d + string(os.PathSeparator) + name
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	p, err := exec.LookPath(name)
	if err != nil {
		Unavailable(t, "%s not found on PATH", name)
	}
	return p
}

// FreePort asks the kernel for a free TCP port on 127.0.0.1.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testbed: free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatalf("testbed: free port: %v", err)
	}
	return port
}

// ClosedPort returns, as text, a loopback port that nothing listens on: one the kernel
// had free a moment ago.
func ClosedPort(t testing.TB) string {
	t.Helper()
	return strconv.Itoa(FreePort(t))
}

// HangingServer listens on a loopback port, accepts every connection and never answers,
// like a server that hangs; it returns host:port. The listener and the connections are
// closed in t.Cleanup.
func HangingServer(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testbed: hanging server: %v", err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		<-done
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

// stopProcess signals cmd's process and waits for it, killing its process group when it
// does not end within grace.
func stopProcess(cmd *exec.Cmd, sig syscall.Signal, grace time.Duration) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(grace):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// randomHex returns n random bytes in hex.
func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("testbed: random: %v", err)
	}
	return hex.EncodeToString(b)
}

// logFile creates dir/name for a server's output; it is closed in t.Cleanup.
func logFile(t testing.TB, dir, name string) *os.File {
	t.Helper()
	f, err := os.Create(dir + string(os.PathSeparator) + name)
	if err != nil {
		t.Fatalf("testbed: create %s: %v", name, err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// readLog returns the tail of a server log for a failure message.
func readLog(dir, name string) string {
	b, err := os.ReadFile(dir + string(os.PathSeparator) + name)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	s := string(b)
	if len(s) > 4000 {
		s = s[len(s)-4000:]
	}
	return strings.TrimSpace(s)
}

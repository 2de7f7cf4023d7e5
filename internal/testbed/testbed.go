// Package testbed starts real, throw-away servers for tests: Redis, Postgres, a
// Kubernetes API server with kwok, and containers on the local Docker engine.
//
// Every server listens on a free loopback port, lives in a directory from t.TempDir and
// is stopped by t.Cleanup. A test whose server cannot be had is skipped with a message
// naming what is missing, unless BUNDLE_REQUIRE_TESTBED=1, where it fails instead.
package testbed

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
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

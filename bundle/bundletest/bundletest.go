// Package bundletest runs collectors in tests, the way `bundle collect` runs them.
package bundletest

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/redact"
)

// Result is the outcome of one collector run in a test.
type Result struct {
	Record   bundle.CollectorRecord
	Findings []bundle.Finding
	// Dir is the staging folder: files are at Dir/<collector>/<name>.
	Dir string
	// Log holds what the run logged.
	Log *strings.Builder
}

// Run runs c with cfg (defaults filled in) under a two-minute collector timeout, with
// the real redactor, and returns its result. The staging folder is a t.TempDir.
func Run(t testing.TB, c bundle.Collector, cfg config.Config) *Result {
	t.Helper()
	return RunContext(context.Background(), t, c, cfg, 2*time.Minute)
}

// RunContext is Run with a parent context and a collector timeout.
func RunContext(ctx context.Context, t testing.TB, c bundle.Collector, cfg config.Config,
	timeout time.Duration) *Result {
	t.Helper()
	r, dir, logBuf := newRunner(t, cfg, timeout)
	rec := r.RunOne(ctx, c)
	return &Result{Record: rec, Findings: r.Env.Findings(), Dir: dir, Log: logBuf}
}

// newRunner makes a runner with the real redactor (under a fixed key), a debug log
// kept in memory, and a staging folder from t.TempDir.
func newRunner(t testing.TB, cfg config.Config, timeout time.Duration) (*bundle.Runner,
	string, *strings.Builder) {
	t.Helper()
	red, err := redact.New(cfg.Redact, []byte("bundletest fixed key"))
	if err != nil {
		t.Fatalf("redactor: %v", err)
	}
	dir := t.TempDir()
	logBuf := &strings.Builder{}
	log := slog.New(slog.NewTextHandler(&syncWriter{b: logBuf}, &slog.HandlerOptions{
		Level: slog.LevelDebug,
	}))
	env := bundle.NewEnv(cfg, red, log, dir)
	return &bundle.Runner{Env: env, Parallel: 1, CollectorTimeout: timeout}, dir, logBuf
}

// File returns the content of the collector's file name, failing the test if absent.
func (r *Result) File(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(r.Dir, r.Record.Name, filepath.FromSlash(name)))
	if err != nil {
		t.Fatalf("bundle file %s/%s: %v", r.Record.Name, name, err)
	}
	return string(b)
}

// Files lists every file written, as bundle paths.
func (r *Result) Files(t testing.TB) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(r.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(r.Dir, p)
		out = append(out, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatalf("walk %s: %v", r.Dir, err)
	}
	return out
}

// All returns every file's content joined, for no-leak assertions.
func (r *Result) All(t testing.TB) string {
	t.Helper()
	var b strings.Builder
	for _, f := range r.Files(t) {
		c, err := os.ReadFile(filepath.Join(r.Dir, filepath.FromSlash(f)))
		if err != nil {
			t.Fatalf("read %s: %v", f, err)
		}
		b.Write(c)
		b.WriteByte('\n')
	}
	return b.String()
}

// Has reports whether a finding with the code was reported.
func (r *Result) Has(code string) bool {
	for _, f := range r.Findings {
		if f.Code == code {
			return true
		}
	}
	return false
}

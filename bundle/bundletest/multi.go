package bundletest

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/config"
)

// RunAll runs several collectors into one staging folder the way `bundle collect`
// does (Late collectors after the others, one at a time) and returns each one's
// result by collector name. The results share Dir and Log; each holds only its own
// collector's findings.
func RunAll(t testing.TB, cfg config.Config, cs ...bundle.Collector) map[string]*Result {
	t.Helper()
	r, dir, logBuf := newRunner(t, cfg, 2*time.Minute)

	recs := r.Run(context.Background(), cs, nil)
	all := r.Env.Findings()
	out := make(map[string]*Result, len(recs))
	for _, rec := range recs {
		res := &Result{Record: rec, Dir: dir, Log: logBuf}
		for _, f := range all {
			if f.Collector == rec.Name {
				res.Findings = append(res.Findings, f)
			}
		}
		out[rec.Name] = res
	}
	return out
}

// Files is a collector that writes fixed files, to stage what other collectors would
// have written before a Late collector runs. Keys are file names inside its folder.
type Files struct {
	Name  string
	Files map[string]string
}

// Info implements bundle.Collector.
func (f Files) Info() bundle.Info {
	return bundle.Info{Name: f.Name, Group: "test", Description: "fixed files for a test"}
}

// Collect implements bundle.Collector: it writes the files in name order.
func (f Files) Collect(_ context.Context, _ *bundle.Env, out *bundle.Sink) error {
	names := make([]string, 0, len(f.Files))
	for n := range f.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := out.WriteFile(n, []byte(f.Files[n])); err != nil {
			return err
		}
	}
	return nil
}

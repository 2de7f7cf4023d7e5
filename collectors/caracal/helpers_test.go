package caracal

import (
	"strings"
	"testing"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
)

func notReady(reason string) map[string]any {
	return map[string]any{"ok": false, "ready": false, "reason": reason}
}

func checkOK(t *testing.T, res *bundletest.Result) {
	t.Helper()
	if res.Record.Status != bundle.StatusOK {
		t.Fatalf("status %s (%s), want ok; notes %q", res.Record.Status, res.Record.Reason,
			res.Record.Notes)
	}
}

func findingByCode(t *testing.T, res *bundletest.Result, code string) bundle.Finding {
	t.Helper()
	for _, f := range res.Findings {
		if f.Code == code {
			return f
		}
	}
	var codes []string
	for _, f := range res.Findings {
		codes = append(codes, f.Code)
	}
	t.Fatalf("no finding %s; got %s", code, strings.Join(codes, ", "))
	return bundle.Finding{}
}

// noLeak fails when a secret appears anywhere in what the collector wrote.
func noLeak(t *testing.T, res *bundletest.Result, secrets ...string) {
	t.Helper()
	all := res.All(t)
	for _, s := range secrets {
		if i := strings.Index(all, s); i >= 0 {
			t.Errorf("secret reached the bundle: ...%s...", all[max(0, i-80):i+len(s)])
		}
	}
}

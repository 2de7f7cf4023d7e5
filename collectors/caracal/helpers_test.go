package caracal

import (
	"net/http"
	"strings"
	"testing"
	"time"

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

// waitAnswers polls url until it answers with any status, for up to 30 seconds.
func waitAnswers(t *testing.T, url string) {
	t.Helper()
	c := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := c.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not answer within 30s", url)
}

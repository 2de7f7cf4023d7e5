package audit

import (
	"strings"
	"testing"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
)

// stagedLogs are files as the kube, compose and redis collectors write them: kubectl
// --timestamps over Go JSON, docker logs --timestamps over pino, CRI, and JSON reports.
var stagedLogs = []bundle.Collector{
	bundletest.Files{Name: "kube", Files: map[string]string{
		"logs/caracal/caracal-caracal-sts-0/sts.log": "" +
			`2026-12-03T10:00:00.130000000Z {"time":1796292000120,"level":"INFO",` +
			`"msg":"token exchange","service":"sts","request_id":"req-deny-1"}` + "\n" +
			`2026-12-03T10:00:00.200000000Z {"time":1796292000190,"level":"INFO",` +
			`"msg":"other","service":"sts","request_id":"req-deny-10"}` + "\n",
		"logs/caracal/caracal-caracal-gateway-0/gateway.log": "" +
			`2026-12-03T10:00:00.460000000Z {"time":1796292000455,"level":"ERROR",` +
			`"msg":"upstream denied","service":"gateway","request_id":"req-deny-1",` +
			`"authorization":"Bearer ghp_R3alLooking0nlyInTheDatabase0000000000"}` + "\n",
		"logs/raw/cri.log": "2026-12-03T10:00:00.300000000Z stdout F audit ingest " +
			"req-deny-1 ok\n",
	}},
	bundletest.Files{Name: "compose", Files: map[string]string{
		"logs/caracal/api.log": `2026-12-03T10:00:00.050000000Z {"level":30,` +
			`"time":"2026-12-03T10:00:00.040Z","service":"api","msg":"request",` +
			`"request_id":"req-deny-1"}` + "\n" +
			`2026-12-03T10:00:00.470000000Z {"level":50,"time":"2026-12-03T10:00:00.465Z",` +
			`"service":"api","msg":"control sink failed",` +
			`"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}` + "\n",
		"logs/caracal/huge.log": strings.Repeat("x", 300<<10) + " req-deny-1\n" +
			"2026-12-03T10:00:00.999Z after the huge line req-deny-1\n",
		"bin.dat": "\x00\x01req-deny-1\x00", // withheld by the sink: not in the timeline
	}},
	bundletest.Files{Name: "redis", Files: map[string]string{
		"dlq.json": "{\n  \"request_id\": \"req-deny-1\"\n}\n",
	}},
}

func TestTimeline(t *testing.T) {
	cfg := config.Config{Request: config.Request{ID: "req-deny-1"}}
	cs := append([]bundle.Collector{Timeline{}}, stagedLogs...)
	res := bundletest.RunAll(t, cfg, cs...)
	r := res["timeline"]
	if r.Record.Status != bundle.StatusOK {
		t.Fatalf("status %s: %s", r.Record.Status, r.Record.Reason)
	}
	text := r.File(t, "timeline.txt")
	order := []string{"compose/logs/caracal/api.log:1", "kube/logs/caracal/caracal-caracal-sts-0",
		"kube/logs/raw/cri.log:1", "caracal-gateway-0/gateway.log:1",
		"compose/logs/caracal/huge.log:2"}
	assertInOrder(t, text, order)
	for _, bad := range []string{"req-deny-10", "ghp_R3al", "xxxxxxxx", "bin.dat"} {
		if strings.Contains(text, bad) {
			t.Errorf("timeline holds %q:\n%s", bad, text)
		}
	}
	if !strings.Contains(text, "redis/dlq.json  1 lines") {
		t.Errorf("untimed mention of redis/dlq.json missing:\n%s", text)
	}
	if !r.Has("audit.timeline.lines") || !r.Has("audit.timeline.errors") {
		t.Errorf("findings %+v", r.Findings)
	}
	notes := strings.Join(r.Record.Notes, "; ")
	if !strings.Contains(notes, "1 lines over") {
		t.Errorf("notes %q", notes)
	}
}

func TestTimelineHealthyAndSkipped(t *testing.T) {
	cases := []struct {
		name   string
		id     string
		status bundle.Status
	}{
		{"no request id", "", bundle.StatusSkipped},
		{"request only in info lines", "req-deny-10", bundle.StatusOK},
		{"request in no line", "req-none", bundle.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Config{Request: config.Request{ID: tc.id}}
			res := bundletest.RunAll(t, cfg, append(stagedLogs, Timeline{})...)
			r := res["timeline"]
			if r.Record.Status != tc.status {
				t.Fatalf("status %s (%s), want %s", r.Record.Status, r.Record.Reason, tc.status)
			}
			for _, f := range r.Findings {
				if f.Severity != bundle.SeverityInfo {
					t.Errorf("healthy input gave %+v", f)
				}
			}
		})
	}
}

func TestTimelineWithAuditEvents(t *testing.T) {
	f := newFakeAPI(t)
	f.explain["zone-a/req-deny-1"], f.events["zone-a/req-deny-1"] = deniedExplain, deniedEvents
	cs := append([]bundle.Collector{Timeline{}, Request{}}, stagedLogs...)
	res := bundletest.RunAll(t, apiConfig(f, "req-deny-1", "zone-a"), cs...)
	r := res["timeline"]
	text := r.File(t, "timeline.txt")
	order := []string{"compose/logs/caracal/api.log:1",
		"kube/logs/caracal/caracal-caracal-sts-0",
		"audit  request/events.json:1  audit event sts.token_exchange decision=allow",
		"kube/logs/raw/cri.log:1",
		"request/events.json:2  audit event gateway.authorize decision=deny " +
			"evaluation=evaluated policies=deny-external-writes",
		"caracal-gateway-0/gateway.log:1", "compose/logs/caracal/api.log:2"}
	assertInOrder(t, text, order)
	if !strings.Contains(text, "trace IDs: 4bf92f3577b34da6a3ce929d0e0e4736") {
		t.Errorf("timeline header does not name the trace id:\n%s", text)
	}
	if strings.Contains(text, "request/explain.json") {
		t.Errorf("the request's own files were scanned as logs:\n%s", text)
	}
	assertNoSecrets(t, r)
}

// assertInOrder stops the test unless text holds every string of order, in that order.
func assertInOrder(t *testing.T, text string, order []string) {
	t.Helper()
	last := -1
	for _, s := range order {
		i := strings.Index(text, s)
		if i < 0 || i < last {
			t.Fatalf("timeline lacks %q or has it out of order:\n%s", s, text)
		}
		last = i
	}
}

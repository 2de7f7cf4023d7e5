package audit

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
)

func TestRequestFromAPI(t *testing.T) {
	cases := []struct {
		name      string
		id, zone  string
		adminOnly bool // the API does not accept the derived read-only token
		status    bundle.Status
		codes     []string // findings expected
		noWarn    bool     // healthy: no warn or fail findings
		token     string
		summary   []string
	}{
		{name: "denied request, read-only token", id: "req-deny-1", zone: "zone-a",
			status: bundle.StatusOK, codes: []string{"audit.request.denied"},
			token: "derived read-only token",
			summary: []string{"Request req-deny-1: DENY", "deny-external-writes",
				"scope repo:write not granted", "gateway.authorize"}},
		{name: "allowed request found by zone list, admin token", id: "req-ok-1",
			adminOnly: true, status: bundle.StatusOK,
			codes: []string{"audit.request.allowed"}, noWarn: true, token: "admin token",
			summary: []string{"Request req-ok-1: ALLOW", "zone: zone-b", "allow-agents"}},
		{name: "no audit event", id: "req-lost-1", zone: "zone-a", status: bundle.StatusOK,
			codes: []string{"audit.request.missing"}, token: "derived read-only token",
			summary: []string{"NOT FOUND", "DLQ"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.explain["zone-a/req-deny-1"], f.events["zone-a/req-deny-1"] =
				deniedExplain, deniedEvents
			f.explain["zone-b/req-ok-1"], f.events["zone-b/req-ok-1"] =
				allowedExplain, allowedEvents
			if tc.adminOnly {
				delete(f.accept, readOnlyToken(testAdminToken))
			}

			r := bundletest.Run(t, Request{}, apiConfig(f, tc.id, tc.zone))
			assertOutcome(t, r, tc.status, tc.codes)
			if tc.noWarn {
				assertQuiet(t, r)
			}
			var rep requestReport
			if err := json.Unmarshal([]byte(r.File(t, "request.json")), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.APIToken != tc.token || rep.Source != "api" {
				t.Errorf("token %q source %q, want %q via api", rep.APIToken, rep.Source,
					tc.token)
			}
			assertSummary(t, r, tc.summary)
			assertNoSecrets(t, r)
		})
	}
}

func TestRequestExplainKeptAsReturned(t *testing.T) {
	f := newFakeAPI(t)
	f.explain["zone-a/req-deny-1"], f.events["zone-a/req-deny-1"] = deniedExplain, deniedEvents
	r := bundletest.Run(t, Request{}, apiConfig(f, "req-deny-1", "zone-a"))

	var x map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.File(t, "explain.json")), &x); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(x["denied"]), "policy_input") {
		t.Errorf("explain.json lost the denied events' policy_input: %s", x["denied"])
	}
	var events []map[string]any
	if err := json.Unmarshal([]byte(r.File(t, "events.json")), &events); err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Errorf("events.json has %d events, want 2", len(events))
	}
	want := "/v1/zones/zone-a/audit/by-request/req-deny-1/explain"
	if !slices.Contains(f.requests(), want) {
		t.Errorf("requests %v lack %s", f.requests(), want)
	}
}

func TestRequestAPIRefused(t *testing.T) {
	cases := []struct {
		name  string
		setup func(*fakeAPI)
		want  string
	}{
		{"both tokens refused", func(f *fakeAPI) { f.accept = map[string]bool{} }, "401"},
		{"api not ready", func(f *fakeAPI) { f.down = true }, "503 postgres_unreachable"},
		{"route missing", func(f *fakeAPI) { f.noRoutes = true }, "404 Not Found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			tc.setup(f)
			r := bundletest.Run(t, Request{}, apiConfig(f, "req-deny-1", "zone-a"))
			if r.Record.Status != bundle.StatusFailed ||
				!strings.Contains(r.Record.Reason, tc.want) {
				t.Fatalf("record %s %q, want failed naming %q", r.Record.Status,
					r.Record.Reason, tc.want)
			}
			assertNoSecrets(t, r)
		})
	}
}

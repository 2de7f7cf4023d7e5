package audit

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/bundle/secret"
)

func TestRequestFromPostgres(t *testing.T) {
	pg := newPGFixture(t)
	at := time.Date(2026, 12, 3, 10, 0, 30, 0, time.UTC)
	cases := []struct {
		name     string
		req      config.Request
		api      func(*fakeAPI) // nil: no API configured
		status   bundle.Status
		codes    []string
		zone     string
		files    []string
		summary  []string
		decision string
	}{
		{name: "api refuses both tokens", req: config.Request{ID: "req-deny-1"},
			api: func(f *fakeAPI) { f.accept = map[string]bool{} }, status: bundle.StatusPartial,
			codes: []string{"audit.request.denied"}, zone: "zone-a", decision: "deny",
			summary: []string{"admin api: GET", "401", "left out: headers, " +
				"upstream_authorization", "deny-external-writes", "scope repo:write"}},
		{name: "api route missing", req: config.Request{ID: "req-ok-1"},
			api: func(f *fakeAPI) { f.noRoutes = true }, status: bundle.StatusPartial,
			codes: []string{"audit.request.allowed"}, zone: "zone-b", decision: "allow"},
		{name: "postgres only, zone found by request id",
			req:    config.Request{ID: "req-deny-1", Resource: "github", Subject: "app-ci"},
			status: bundle.StatusOK, codes: []string{"audit.request.denied"}, zone: "zone-a",
			decision: "deny", summary: []string{"--resource github matches",
				"--subject app-ci matches"}},
		{name: "postgres only, wrong zone given",
			req:    config.Request{ID: "req-deny-1", Zone: "zone-b"},
			status: bundle.StatusOK, codes: []string{"audit.request.zone"}, zone: "zone-a",
			decision: "deny"},
		{name: "postgres only, missing, events near --at",
			req:    config.Request{ID: "req-lost-1", At: &at, Resource: "github"},
			status: bundle.StatusOK,
			codes:  []string{"audit.request.missing", "audit.request.nearby"},
			files:  []string{"nearby.json"}, summary: []string{"NOT FOUND"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Config{Request: tc.req,
				Postgres: config.Postgres{URL: secret.Value(pg.db(t, requestRows))}}
			if tc.api != nil {
				f := newFakeAPI(t)
				tc.api(f)
				cfg.Caracal = apiConfig(f, "", "").Caracal
			}
			r := bundletest.Run(t, Request{}, cfg)
			assertOutcome(t, r, tc.status, tc.codes)
			var rep requestReport
			if err := json.Unmarshal([]byte(r.File(t, "request.json")), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Source != "postgres" || rep.Zone != tc.zone ||
				rep.FinalDecision != tc.decision {
				t.Errorf("source %q zone %q decision %q, want postgres %q %q", rep.Source,
					rep.Zone, rep.FinalDecision, tc.zone, tc.decision)
			}
			for _, f := range tc.files {
				r.File(t, f)
			}
			assertSummary(t, r, tc.summary)
			assertNoSecrets(t, r)
		})
	}
}

func TestRequestNearbyMatchesResource(t *testing.T) {
	pg := newPGFixture(t)
	at := time.Date(2026, 12, 3, 10, 0, 30, 0, time.UTC)
	cfg := config.Config{
		Request:  config.Request{ID: "req-lost-1", At: &at, Resource: "github"},
		Postgres: config.Postgres{URL: secret.Value(pg.db(t, requestRows))},
	}
	r := bundletest.Run(t, Request{}, cfg)
	var near []auditEvent
	if err := json.Unmarshal([]byte(r.File(t, "nearby.json")), &near); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, e := range near {
		ids[e.RequestID] = true
	}
	if len(near) != 3 || !ids["req-deny-1"] || !ids["req-other"] || ids["req-ok-1"] {
		t.Errorf("nearby events %v, want the 3 github events near --at", ids)
	}
}

package audit

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/bundle/secret"
)

const testAuditToken = "7d1e5c9a3b0f4e2d8c6a1f0e9d7b5c3a"

// newFakeAuditService plays the audit service (port 9090): with token "" its admin
// routes answer 404, as when AUDIT_ADMIN_TOKEN is unset. The search answer wraps each
// event in Go field names and carries unredacted metadata.
func newFakeAuditService(t *testing.T, token string) *httptest.Server {
	t.Helper()
	var events []map[string]any
	if err := json.Unmarshal([]byte(deniedEvents), &events); err != nil {
		t.Fatal(err)
	}
	items := make([]map[string]any, 0, len(events))
	for i, e := range events {
		e["metadata_json"].(map[string]any)["upstream_authorization"] = "Bearer " +
			plantedSecret
		items = append(items, map[string]any{"Event": e, "IngestedAt": e["ingested_at"],
			"ContentSHA256": "c0ffee", "PrevContentSHA256": "beef", "ChainHMAC": "aa",
			"ChainSeq": 41 + i})
	}
	body, err := json.Marshal(map[string]any{"events": items, "next_cursor": "42"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case token == "" || r.URL.Path != "/api/audit/search":
			http.NotFound(w, r)
		case r.Header.Get("Authorization") != "Bearer "+token:
			reply(w, 401, `{"error":"unauthorized"}`)
		case r.URL.Query().Get("zone_id") == "zone-a" &&
			r.URL.Query().Get("request_id") == "req-deny-1":
			reply(w, 200, string(body))
		default:
			reply(w, 200, `{"events":[],"next_cursor":""}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRequestFromAuditService(t *testing.T) {
	at := time.Date(2026, 12, 3, 10, 0, 30, 0, time.UTC)
	cases := []struct {
		name     string
		token    string // the service's AUDIT_ADMIN_TOKEN; "" = unset
		req      config.Request
		status   bundle.Status
		source   string
		reason   string
		decision string
		code     string
	}{
		{name: "api refuses, audit service answers", token: testAuditToken,
			req:    config.Request{ID: "req-deny-1", Zone: "zone-a"},
			status: bundle.StatusPartial, source: "audit service", decision: "deny",
			reason: "admin api failed", code: "audit.request.denied"},
		{name: "audit admin token unset on the service", token: "",
			req:    config.Request{ID: "req-deny-1", Zone: "zone-a"},
			status: bundle.StatusFailed, reason: "AUDIT_ADMIN_TOKEN is unset"},
		{name: "wrong audit admin token", token: "another-token",
			req:    config.Request{ID: "req-deny-1", Zone: "zone-a"},
			status: bundle.StatusFailed, reason: "audit service failed: GET /api/audit/search"},
		{name: "no zone given", token: testAuditToken,
			req:    config.Request{ID: "req-deny-1"},
			status: bundle.StatusFailed, reason: "search needs --zone"},
		{name: "missing request, nearby search", token: testAuditToken,
			req:    config.Request{ID: "req-lost-1", Zone: "zone-a", At: &at},
			status: bundle.StatusPartial, source: "audit service",
			code: "audit.request.nearby"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			api.accept = map[string]bool{}
			svc := newFakeAuditService(t, tc.token)
			cfg := apiConfig(api, tc.req.ID, tc.req.Zone)
			cfg.Request = tc.req
			cfg.Caracal.Endpoints = map[string]string{"audit": svc.URL}
			cfg.Caracal.AuditAdminToken = secret.Value(testAuditToken)

			r := bundletest.Run(t, Request{}, cfg)
			if r.Record.Status != tc.status || !strings.Contains(r.Record.Reason, tc.reason) {
				t.Fatalf("record %s %q, want %s naming %q", r.Record.Status,
					r.Record.Reason, tc.status, tc.reason)
			}
			all := r.All(t)
			if strings.Contains(all, testAuditToken) {
				t.Error("the audit admin token reached the bundle")
			}
			assertNoSecrets(t, r)
			if tc.source == "" {
				return
			}
			if !r.Has(tc.code) {
				t.Errorf("finding %s missing: %+v", tc.code, r.Findings)
			}
			var rep requestReport
			if err := json.Unmarshal([]byte(r.File(t, "request.json")), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Source != tc.source || rep.FinalDecision != tc.decision {
				t.Errorf("source %q decision %q", rep.Source, rep.FinalDecision)
			}
		})
	}
}

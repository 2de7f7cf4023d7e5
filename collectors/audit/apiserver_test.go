package audit

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// testAdminToken is the admin token the fake API knows; its derived read-only token
// is readOnlyToken(testAdminToken).
const testAdminToken = "3f9c0a7d5b1e4c2a8f6d0b9e7a5c3d1f2e4b6a8c0d9f7e5a"

// fakeAPI plays Caracal's Admin API (apps/api, Fastify): the routes of fact sheet
// section 5 with the response shapes it describes.
type fakeAPI struct {
	srv *httptest.Server
	// accept is the set of bearer tokens the API accepts.
	accept map[string]bool
	// down makes every route answer 503; noRoutes makes every route a Fastify 404.
	down, noRoutes bool
	// explain and events hold response bodies by "zone/request".
	explain, events map[string]string
	// adminAudit holds the admin-audit page by zone; search the audit list by zone.
	adminAudit, search map[string]string
	// activation holds activation-status bodies by "zone/policy set".
	activation map[string]string
	zones      []string

	mu    sync.Mutex
	seen  []string // paths with their queries, in order
	auths []string // bearer tokens presented
}

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	f := &fakeAPI{
		accept:     map[string]bool{readOnlyToken(testAdminToken): true, testAdminToken: true},
		explain:    map[string]string{},
		events:     map[string]string{},
		adminAudit: map[string]string{},
		search:     map[string]string{},
		activation: map[string]string{},
		zones:      []string{"zone-a", "zone-b"},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.seen = append(f.seen, r.URL.RequestURI())
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.auths = append(f.auths, tok)
	f.mu.Unlock()

	switch {
	case f.down:
		reply(w, 503, `{"ok":false,"error":"postgres_unreachable","dependency":"postgres"}`)
	case r.Method != http.MethodGet:
		reply(w, 405, `{"error":"method_not_allowed"}`)
	case !f.accept[tok]:
		reply(w, 401, `{"error":"unauthorized"}`)
	case f.noRoutes:
		f.notFoundRoute(w, r)
	default:
		f.route(w, r)
	}
}

func (f *fakeAPI) route(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/v1/zones":
		items := make([]map[string]string, 0, len(f.zones))
		for _, z := range f.zones {
			items = append(items, map[string]string{"id": z, "name": "Zone " + z})
		}
		b, _ := json.Marshal(map[string]any{"items": items, "next_cursor": nil})
		reply(w, 200, string(b))
	case len(parts) == 7 && parts[3] == "audit" && parts[4] == "by-request" &&
		parts[6] == "explain":
		f.lookup(w, f.explain, parts[2]+"/"+parts[5])
	case len(parts) == 6 && parts[3] == "audit" && parts[4] == "by-request":
		f.lookup(w, f.events, parts[2]+"/"+parts[5])
	case len(parts) == 4 && parts[3] == "admin-audit":
		f.page(w, f.adminAudit[parts[2]])
	case len(parts) == 6 && parts[3] == "policy-sets" && parts[5] == "activation-status":
		f.lookup(w, f.activation, parts[2]+"/"+parts[4])
	case len(parts) == 4 && parts[3] == "audit":
		f.page(w, f.search[parts[2]])
	default:
		f.notFoundRoute(w, r)
	}
}

func (f *fakeAPI) lookup(w http.ResponseWriter, m map[string]string, key string) {
	if body, ok := m[key]; ok {
		reply(w, 200, body)
		return
	}
	reply(w, 404, `{"error":"request_not_found"}`)
}

func (f *fakeAPI) page(w http.ResponseWriter, body string) {
	if body == "" {
		body = `{"items":[],"next_cursor":null}`
	}
	reply(w, 200, body)
}

func (f *fakeAPI) notFoundRoute(w http.ResponseWriter, r *http.Request) {
	reply(w, 404, `{"message":"Route GET:`+r.URL.Path+
		` not found","error":"Not Found","statusCode":404}`)
}

func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// requests returns the paths requested so far.
func (f *fakeAPI) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.seen...)
}

// Realistic bodies for a request denied at the gateway after an allowed STS exchange.
const (
	deniedEvents = `[
 {"id":"0b5d3c1e-6f7a-4c21-9a0e-1d2c3b4a5f60","zone_id":"zone-a",
  "event_type":"sts.token_exchange","request_id":"req-deny-1","decision":"allow",
  "policy_set_id":"ps-main","policy_set_version_id":"psv-7","manifest_sha":"9a1f",
  "evaluation_status":"evaluated","determining_policies_json":[{"policy":"allow-agents"}],
  "diagnostics_json":{},"metadata_json":{"application_id":"app-ci","resource":"github",
  "auth_mode":"client_credentials"},"occurred_at":"2026-12-03T10:00:00.120Z",
  "ingested_at":"2026-12-03T10:00:00.300Z"},
 {"id":"5e4f3a2b-1c0d-4e9f-8a7b-6c5d4e3f2a10","zone_id":"zone-a",
  "event_type":"gateway.authorize","request_id":"req-deny-1","decision":"deny",
  "policy_set_id":"ps-main","policy_set_version_id":"psv-7","manifest_sha":"9a1f",
  "evaluation_status":"evaluated",
  "determining_policies_json":[{"policy":"deny-external-writes"}],
  "diagnostics_json":{"rule":"data.caracal.authz.deny","reasons":["scope repo:write not granted"]},
  "metadata_json":{"application_id":"app-ci","resource":"github",
  "requested_scopes":["repo:write"],"reason":"scope_missing","authorization":"[REDACTED]",
  "trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"},
  "occurred_at":"2026-12-03T10:00:00.450Z","ingested_at":"2026-12-03T10:00:00.600Z"}]`

	deniedExplain = `{"request_id":"req-deny-1","zone_id":"zone-a","final_decision":"deny",
 "denied":[{"event_id":"5e4f3a2b-1c0d-4e9f-8a7b-6c5d4e3f2a10",
  "event_type":"gateway.authorize","evaluation_status":"evaluated",
  "determining_policies":[{"policy":"deny-external-writes"}],
  "diagnostics":{"rule":"data.caracal.authz.deny","reasons":["scope repo:write not granted"]},
  "metadata":{"application_id":"app-ci","resource":"github","reason":"scope_missing"},
  "policy_input":{"subject":{"application_id":"app-ci"},"action":"repo:write",
  "resource":"github","context":{"zone_id":"zone-a"}}}],
 "events":` + deniedEvents + `}`

	allowedEvents = `[{"id":"7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c20","zone_id":"zone-b",
  "event_type":"gateway.authorize","request_id":"req-ok-1","decision":"allow",
  "policy_set_id":"ps-main","policy_set_version_id":"psv-7","manifest_sha":"9a1f",
  "evaluation_status":"evaluated","determining_policies_json":[{"policy":"allow-agents"}],
  "diagnostics_json":null,"metadata_json":{"application_id":"app-ci","resource":"slack"},
  "occurred_at":"2026-12-03T11:00:00Z","ingested_at":"2026-12-03T11:00:00.200Z"}]`

	allowedExplain = `{"request_id":"req-ok-1","zone_id":"zone-b","final_decision":"allow",
 "denied":[],"events":` + allowedEvents + `}`
)

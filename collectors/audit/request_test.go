package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/bundle/secret"
)

// plantedSecret sits in audit metadata rows that only SQL can see; it must never
// reach the bundle.
const plantedSecret = "ghp_R3alLooking0nlyInTheDatabase0000000000"

// requestRows are audit_events rows of a denied request in zone-a and an allowed one
// in zone-b, with metadata keys the API would have redacted.
const requestRows = `
INSERT INTO audit_events (id, zone_id, event_type, request_id, decision, policy_set_id,
  policy_set_version_id, manifest_sha, evaluation_status, determining_policies_json,
  diagnostics_json, metadata_json, occurred_at) VALUES
 ('0b5d3c1e-6f7a-4c21-9a0e-1d2c3b4a5f60', 'zone-a', 'sts.token_exchange', 'req-deny-1',
  'allow', 'ps-main', 'psv-7', '9a1f', 'evaluated', '[{"policy":"allow-agents"}]', '{}',
  '{"application_id":"app-ci","resource":"github"}', '2026-12-03T10:00:00.120Z'),
 ('5e4f3a2b-1c0d-4e9f-8a7b-6c5d4e3f2a10', 'zone-a', 'gateway.authorize', 'req-deny-1',
  'deny', 'ps-main', 'psv-7', '9a1f', 'evaluated', '[{"policy":"deny-external-writes"}]',
  '{"rule":"data.caracal.authz.deny","reasons":["scope repo:write not granted"]}',
  '{"application_id":"app-ci","resource":"github","reason":"scope_missing",
    "upstream_authorization":"Bearer ` + plantedSecret + `",
    "headers":{"cookie":"sid=abc"}}', '2026-12-03T10:00:00.450Z'),
 ('7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c20', 'zone-b', 'gateway.authorize', 'req-ok-1',
  'allow', 'ps-main', 'psv-7', '9a1f', 'evaluated', '[{"policy":"allow-agents"}]', NULL,
  '{"application_id":"app-ci","resource":"slack"}', '2026-11-03T11:00:00Z'),
 ('8b7c6d5e-4f3a-4b2c-8d9e-0f1a2b3c4d50', 'zone-a', 'gateway.authorize', 'req-other',
  'deny', 'ps-main', 'psv-7', '9a1f', 'evaluated', '[{"policy":"deny-external-writes"}]',
  '{}', '{"application_id":"app-ci","resource":"github"}', '2026-12-03T10:01:00Z');
`

func apiConfig(f *fakeAPI, id, zone string) config.Config {
	return config.Config{
		Request: config.Request{ID: id, Zone: zone},
		Caracal: config.Caracal{APIURL: f.srv.URL, AdminToken: secret.Value(testAdminToken)},
	}
}

// assertNoSecrets fails when a token or planted secret reached the bundle or the log.
func assertNoSecrets(t *testing.T, r *bundletest.Result) {
	t.Helper()
	all := r.All(t) + r.Log.String() + r.Record.Reason
	for _, f := range r.Findings {
		all += f.Message
	}
	for _, s := range []string{testAdminToken, readOnlyToken(testAdminToken), plantedSecret,
		"sid=abc"} {
		if strings.Contains(all, s) {
			t.Errorf("secret %.12s... reached the bundle", s)
		}
	}
}

// assertOutcome stops the test when the run's status is not status, and fails it for
// every code in codes that the run did not report.
func assertOutcome(t *testing.T, r *bundletest.Result, status bundle.Status, codes []string) {
	t.Helper()
	if r.Record.Status != status {
		t.Fatalf("status %s (%s), want %s", r.Record.Status, r.Record.Reason, status)
	}
	for _, c := range codes {
		if !r.Has(c) {
			t.Errorf("finding %s missing; got %+v", c, r.Findings)
		}
	}
}

// assertQuiet fails when the run reported a warn or fail finding.
func assertQuiet(t *testing.T, r *bundletest.Result) {
	t.Helper()
	if bad := append(findingsOf(r, bundle.SeverityWarn),
		findingsOf(r, bundle.SeverityFail)...); len(bad) > 0 {
		t.Errorf("healthy input gave findings %v", bad)
	}
}

// assertSummary fails for every string in want that summary.txt does not hold.
func assertSummary(t *testing.T, r *bundletest.Result, want []string) {
	t.Helper()
	sum := r.File(t, "summary.txt")
	for _, s := range want {
		if !strings.Contains(sum, s) {
			t.Errorf("summary.txt lacks %q:\n%s", s, sum)
		}
	}
}

// findingsOf returns the codes of the run's findings of severity sev.
func findingsOf(r *bundletest.Result, sev bundle.Severity) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Severity == sev {
			out = append(out, f.Code)
		}
	}
	return out
}

func TestRequestSkips(t *testing.T) {
	cases := []struct {
		name string
		cfg  config.Config
		kind bundle.SkipKind
		want string
	}{
		{"no request id", config.Config{}, bundle.NotApplicable, "no --request-id given"},
		{"nothing to read from", config.Config{Request: config.Request{ID: "req-1"}},
			bundle.NotConfigured, "--api-url"},
		{"api url without token", config.Config{Request: config.Request{ID: "req-1"},
			Caracal: config.Caracal{APIURL: "http://127.0.0.1:1"}},
			bundle.NotConfigured, "--admin-token-file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			r := bundletest.Run(t, Request{}, tc.cfg)
			if r.Record.Status != bundle.StatusSkipped || r.Record.SkipKind != tc.kind ||
				!strings.Contains(r.Record.Reason, tc.want) {
				t.Fatalf("record = %+v, want %s skip naming %q", r.Record, tc.kind, tc.want)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("skip took %s", d)
			}
		})
	}
}

func TestRequestBadInput(t *testing.T) {
	cases := []struct {
		name string
		cfg  config.Config
		want string
	}{
		{"request id with a space", config.Config{Request: config.Request{ID: "req 1"},
			Caracal: config.Caracal{APIURL: "http://127.0.0.1:1",
				AdminToken: secret.Value("x")}}, "request IDs match"},
		{"api url without scheme", config.Config{Request: config.Request{ID: "req-1"},
			Caracal: config.Caracal{APIURL: "localhost:3000",
				AdminToken: secret.Value("x")}}, "want http(s)://host[:port]"},
		{"admin token file missing", config.Config{Request: config.Request{ID: "req-1"},
			Caracal: config.Caracal{APIURL: "http://127.0.0.1:1",
				AdminToken: secret.File("/nonexistent/admin-token")}}, "/nonexistent/admin-token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := bundletest.Run(t, Request{}, tc.cfg)
			if r.Record.Status != bundle.StatusFailed ||
				!strings.Contains(r.Record.Reason, tc.want) ||
				strings.Contains(r.Record.Reason, "\n") {
				t.Fatalf("record = %+v, want a one-line failure naming %q", r.Record, tc.want)
			}
		})
	}
}

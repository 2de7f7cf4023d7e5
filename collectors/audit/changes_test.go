package audit

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/bundle/secret"
)

// plantedValue sits in admin audit payloads; only field names may reach the bundle.
const plantedValue = "PlantedPayloadValue7Q2"

// envelope returns SQL for a CSS1 envelope sealed under KEK id kek (16 hex digits).
func envelope(kek string) string {
	return `'\x43535331` + kek + `9f8e7d6c5b4a39281706f5e4d3c2b1a0'::bytea`
}

const kekA, kekB = "1a2b3c4d5e6f7081", "99aa88bb77cc66dd"

// healthyChanges: two ordinary mutations, an activation already dispatched, one KEK,
// one old signing key version.
var healthyChanges = `
INSERT INTO admin_audit_events (request_id, actor_id, actor_name, actor_scope, action,
  method, path, zone_id, entity_type, entity_id, status_code, payload_json, occurred_at)
VALUES
 ('req-adm-1', 'tok-1', 'ops-bot', 'global', 'POST /v1/zones/zone-a/policies', 'POST',
  '/v1/zones/zone-a/policies', 'zone-a', 'policies', 'pol-9', 201,
  '{"change_kind":"create","changed_fields":["name","content"],"rls_mode":"zone",
    "after":{"content":"` + plantedValue + `"}}', now() - interval '3 hours'),
 ('req-adm-2', 'tok-1', 'ops-bot', 'global', 'POST /v1/zones/zone-a/policy-sets/ps-main/activate',
  'POST', '/v1/zones/zone-a/policy-sets/ps-main/activate', 'zone-a', 'policy-sets',
  'ps-main', 202, '{"change_kind":"action"}', now() - interval '1 hour'),
 ('req-adm-old', 'tok-1', 'ops-bot', 'global', 'DELETE /v1/zones/zone-a/grants/g1',
  'DELETE', '/v1/zones/zone-a/grants/g1', 'zone-a', 'grants', 'g1', 204,
  '{"change_kind":"delete"}', now() - interval '30 days');
INSERT INTO policy_set_bindings VALUES
 ('zone-a', 'ps-main', 'psv-8', now() - interval '1 hour'),
 ('zone-z', 'ps-legacy', 'psv-1', now() - interval '40 days');
INSERT INTO event_outbox (stream_name, payload_json, attempts, request_id, created_at,
  dispatched_at) VALUES
 ('caracal.policy.invalidate', '{"zone_id":"zone-a","version_id":"psv-8"}', 1,
  'req-adm-2', now() - interval '1 hour', now() - interval '59 minutes');
INSERT INTO secrets (zone_id, name, version, envelope, created_at) VALUES
 ('zone-a', 'zone_signing_key', 1, ` + envelope(kekA) + `, now() - interval '10 days'),
 ('zone-a', 'provider_token', 1, ` + envelope(kekA) + `, now() - interval '10 days');
INSERT INTO secret_store (name, envelope) VALUES ('github-app', ` + envelope(kekA) + `);
`

// degradedChanges: a secret rotation, a dead and a stuck invalidation, envelopes under
// two KEKs and a signing key rotated within the window.
var degradedChanges = healthyChanges + `
INSERT INTO admin_audit_events (request_id, actor_id, actor_name, actor_scope, action,
  method, path, zone_id, entity_type, entity_id, status_code, payload_json, occurred_at)
VALUES
 ('req-adm-3', 'tok-2', 'alice', 'zone', 'POST /v1/zones/zone-b/providers/gh/rotate-secret',
  'POST', '/v1/zones/zone-b/providers/gh/rotate-secret', 'zone-b', 'providers', 'gh', 200,
  '{"change_kind":"secret_rotation","secret_rotated":true,
    "changed_fields":["client_secret","` + plantedValue + ` with spaces"],
    "client_secret":"` + plantedValue + `"}', now() - interval '20 minutes');
INSERT INTO policy_set_bindings VALUES
 ('zone-b', 'ps-b', 'psv-3', now() - interval '30 minutes'),
 ('zone-c', 'ps-c', 'psv-2', now() - interval '10 minutes');
INSERT INTO event_outbox (stream_name, payload_json, attempts, available_at, last_error,
  request_id, created_at) VALUES
 ('caracal.policy.invalidate', '{"zone_id":"zone-b"}', 100, 'infinity',
  'XADD caracal.policy.invalidate: NOAUTH Authentication required', 'req-adm-4',
  now() - interval '30 minutes'),
 ('caracal.policy.invalidate', '{"zoneId":"zone-c"}', 7, now() + interval '1 minute',
  'connect ECONNREFUSED 10.0.0.7:6379', 'req-adm-5', now() - interval '10 minutes');
INSERT INTO secrets (zone_id, name, version, envelope, created_at) VALUES
 ('zone-a', 'zone_signing_key', 2, ` + envelope(kekB) + `, now() - interval '2 hours');
INSERT INTO provider_connections (provider_id, credentials_envelope) VALUES
 ('gh', ` + envelope(kekB) + `);
`

func TestChangesFromPostgres(t *testing.T) {
	pg := newPGFixture(t)
	cases := []struct {
		name    string
		sql     string
		status  bundle.Status
		codes   []string
		healthy bool
		summary []string
	}{
		{name: "healthy", sql: healthyChanges, status: bundle.StatusOK, healthy: true,
			codes: []string{"audit.changes.mutations", "audit.changes.policy-activated"},
			summary: []string{"fields: name, content", "invalidation: dispatched",
				"secret_store.envelope  " + kekA}},
		{name: "degraded", sql: degradedChanges, status: bundle.StatusOK,
			codes: []string{"audit.changes.secret-rotated",
				"audit.changes.policy-not-propagated", "audit.changes.kek-rotation",
				"audit.changes.signing-key-rotated"},
			summary: []string{"SECRET ROTATED  fields: client_secret\n", "dead queued",
				"NOAUTH", "version 2 created"}},
		{name: "no change tables", status: bundle.StatusPartial, healthy: true,
			sql:     "DROP TABLE admin_audit_events, event_outbox, policy_set_bindings;",
			summary: []string{"Not collected", "admin audit:", "policy_set_bindings:"}},
		{name: "tables missing", sql: "DROP TABLE admin_audit_events, event_outbox;",
			status: bundle.StatusOK, healthy: true, summary: []string{"Not collected",
				"admin audit:", "event_outbox:"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Config{Postgres: config.Postgres{URL: secret.Value(pg.db(t, tc.sql))}}
			r := bundletest.Run(t, Changes{}, cfg)
			assertOutcome(t, r, tc.status, tc.codes)
			if tc.healthy {
				assertQuiet(t, r)
			}
			assertSummary(t, r, tc.summary)
			if strings.Contains(r.All(t), plantedValue) {
				t.Errorf("a payload value reached the bundle")
			}
			assertNoSecrets(t, r)
		})
	}
}

func TestChangesDegradedDetail(t *testing.T) {
	pg := newPGFixture(t)
	cfg := config.Config{Postgres: config.Postgres{URL: secret.Value(pg.db(t, degradedChanges))}}
	r := bundletest.Run(t, Changes{}, cfg)

	sev := map[string]bundle.Severity{}
	for _, f := range r.Findings {
		if f.Code == "audit.changes.policy-not-propagated" {
			sev[f.Subject] = f.Severity
		}
	}
	if len(sev) != 2 || !hasSeverity(sev, bundle.SeverityFail) ||
		!hasSeverity(sev, bundle.SeverityWarn) {
		t.Errorf("invalidation findings %v, want one dead (fail) and one stuck (warn)", sev)
	}
	var pol policyReport
	if err := json.Unmarshal([]byte(r.File(t, "policy-activations.json")), &pol); err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, b := range pol.Bindings {
		states[b.ZoneID] = b.Propagation
	}
	want := map[string]string{"zone-a": "dispatched", "zone-b": "dead", "zone-c": "pending",
		"zone-z": ""}
	for z, s := range want {
		if states[z] != s {
			t.Errorf("zone %s propagation %q, want %q", z, states[z], s)
		}
	}
	var keys keysReport
	if err := json.Unmarshal([]byte(r.File(t, "keys.json")), &keys); err != nil {
		t.Fatal(err)
	}
	if ids, _ := kekIDs(keys.KEKs); len(ids) != 2 || ids[0] != kekA {
		t.Errorf("KEK ids %v, want %s (most used) and %s", ids, kekA, kekB)
	}
}

func hasSeverity(m map[string]bundle.Severity, s bundle.Severity) bool {
	for _, v := range m {
		if v == s {
			return true
		}
	}
	return false
}

// apiAdminAudit is an admin-audit page as the API returns it, with payload_json as an
// object holding a value that must not be copied.
const apiAdminAudit = `{"items":[
 {"id":"41","request_id":"req-adm-3","actor_id":"tok-2","actor_name":"alice",
  "actor_scope":"zone","action":"POST /v1/zones/zone-a/providers/gh/rotate-secret",
  "method":"POST","path":"/v1/zones/zone-a/providers/gh/rotate-secret","zone_id":"zone-a",
  "entity_type":"providers","entity_id":"gh","status_code":200,
  "payload_json":{"change_kind":"secret_rotation","secret_rotated":true,
   "changed_fields":["client_secret"],"client_secret":"` + plantedValue + `"},
  "occurred_at":"%s"}],"next_cursor":null}`

func TestChangesFromAPI(t *testing.T) {
	cases := []struct {
		name   string
		zone   string
		status bundle.Status
		rotate bool
	}{
		{"zone given", "zone-a", bundle.StatusOK, true},
		{"every zone listed", "", bundle.StatusOK, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			cfg := apiConfig(f, "", tc.zone)
			at := time.Now().UTC().Add(-10 * time.Minute)
			f.adminAudit["zone-a"] = strings.Replace(apiAdminAudit, "%s",
				at.Format("2006-01-02T15:04:05.000Z"), 1)
			r := bundletest.Run(t, Changes{}, cfg)
			if r.Record.Status != tc.status {
				t.Fatalf("status %s (%s)", r.Record.Status, r.Record.Reason)
			}
			if r.Has("audit.changes.secret-rotated") != tc.rotate {
				t.Errorf("findings %+v", r.Findings)
			}
			var a adminAuditReport
			if err := json.Unmarshal([]byte(r.File(t, "admin-audit.json")), &a); err != nil {
				t.Fatal(err)
			}
			if a.Source != "api" || len(a.Mutations) != 1 ||
				strings.Join(a.Mutations[0].ChangedFields, ",") != "client_secret" {
				t.Errorf("admin audit %+v", a)
			}
			if strings.Contains(r.All(t), plantedValue) {
				t.Errorf("a payload value reached the bundle")
			}
			assertNoSecrets(t, r)
		})
	}
}

func TestChangesActivationStatus(t *testing.T) {
	pg := newPGFixture(t)
	cases := []struct {
		name   string
		status string // propagation_status of zone-a's activation
		warn   bool
	}{
		{"propagated", "propagated", false},
		{"failed", "failed", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.activation["zone-a/ps-main"] = `{"active":true,"active_version_id":"psv-8",` +
				`"manifest_sha256":"5d41402abc4b2a76b9719d911017c592","propagation_status":"` +
				tc.status + `","outbox":{"id":"1","status":"dispatched"},` +
				`"sts":{"active_version_id":"psv-8","age_seconds":3}}`
			cfg := apiConfig(f, "", "")
			cfg.Postgres.URL = secret.Value(pg.db(t, healthyChanges))
			r := bundletest.Run(t, Changes{}, cfg)
			if r.Has("audit.changes.policy-propagation") != tc.warn {
				t.Errorf("findings %+v", r.Findings)
			}
			if !strings.Contains(r.File(t, "summary.txt"), "api propagation: "+tc.status) {
				t.Errorf("summary.txt:\n%s", r.File(t, "summary.txt"))
			}
			if !strings.Contains(r.File(t, "policy-activations.json"), `"sts"`) {
				t.Errorf("activation status not kept")
			}
		})
	}
}

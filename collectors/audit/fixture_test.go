package audit

import (
	"fmt"
	"testing"

	"github.com/caracal-tools/bundle/internal/testbed"
)

// caracalSchema creates the tables the audit collectors read, shaped as in Caracal's
// baseline migration (fact sheet sections 4-6): audit_events partitioned by month with
// a default partition, the admin audit chain, policy bindings, the event outbox and
// the secret tables holding CSS1 envelopes.
const caracalSchema = `
CREATE TABLE audit_events (
  id uuid NOT NULL, zone_id text NOT NULL, event_type text NOT NULL,
  request_id text, decision text, policy_set_id text, policy_set_version_id text,
  manifest_sha text, evaluation_status text, determining_policies_json jsonb,
  diagnostics_json jsonb, metadata_json jsonb, occurred_at timestamptz NOT NULL,
  ingested_at timestamptz NOT NULL DEFAULT now(), content_sha256 text,
  prev_content_sha256 text, chain_hmac text, chain_seq bigint, ingest_signature text,
  PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);
CREATE TABLE audit_events_y2026m12 PARTITION OF audit_events
  FOR VALUES FROM ('2026-12-01') TO ('2027-01-01');
CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT;
CREATE INDEX audit_events_request_idx ON audit_events (request_id)
  WHERE request_id IS NOT NULL;
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY zone_isolation ON audit_events USING (
  current_setting('caracal.zone_id', true) = '*'
  OR zone_id = current_setting('caracal.zone_id', true));

CREATE TABLE admin_audit_events (
  id bigserial PRIMARY KEY, request_id text, actor_id text, actor_name text,
  actor_scope text, action text, method text, path text, zone_id text,
  entity_type text, entity_id text, status_code int, payload_json jsonb,
  occurred_at timestamptz NOT NULL, content_sha256 text, chain_hmac text);

CREATE TABLE policy_set_bindings (
  zone_id text PRIMARY KEY, policy_set_id text NOT NULL,
  active_version_id text NOT NULL, updated_at timestamptz NOT NULL);

CREATE TABLE event_outbox (
  id bigserial PRIMARY KEY, stream_name text NOT NULL, payload_json jsonb NOT NULL,
  attempts int NOT NULL DEFAULT 0, available_at timestamptz NOT NULL DEFAULT now(),
  locked_until timestamptz, locked_by text, last_error text, dispatched_at timestamptz,
  request_id text, created_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE secrets (
  id bigserial PRIMARY KEY, zone_id text, name text NOT NULL, version int NOT NULL,
  envelope bytea, public_jwk text, created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE secret_store (
  id bigserial PRIMARY KEY, name text, envelope bytea,
  updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE provider_connections (
  id bigserial PRIMARY KEY, provider_id text, credentials_envelope bytea,
  updated_at timestamptz NOT NULL DEFAULT now());
`

// pgFixture is one Postgres server shared by the subtests of a test, each using a
// fresh database.
type pgFixture struct {
	srv *testbed.PostgresServer
	n   int
	// lastDB and lastRole name the database and role of the last db call.
	lastDB, lastRole string
}

func newPGFixture(t *testing.T) *pgFixture {
	t.Helper()
	return &pgFixture{srv: testbed.Postgres(t)}
}

// db creates a database with the Caracal schema plus extra SQL and returns the URL of
// a read-only role that has only SELECT on the tables, like caracalapi.
func (f *pgFixture) db(t *testing.T, extra string) string {
	t.Helper()
	f.n++
	name := fmt.Sprintf("caracal_%d", f.n)
	f.srv.CreateDB(t, name)
	f.srv.Exec(t, name, caracalSchema+extra)
	role := fmt.Sprintf("reader_%d", f.n)
	url := f.srv.CreateRole(t, role, name)
	f.srv.Exec(t, name, fmt.Sprintf("GRANT SELECT ON ALL TABLES IN SCHEMA public TO %s",
		role))
	f.lastDB, f.lastRole = name, role
	return url
}

// revoke takes SELECT on table away from the last database's role.
func (f *pgFixture) revoke(t *testing.T, table string) {
	t.Helper()
	f.srv.Exec(t, f.lastDB, fmt.Sprintf("REVOKE SELECT ON %s FROM %s", table, f.lastRole))
}

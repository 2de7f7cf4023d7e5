package postgres

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/caracal-tools/bundle/internal/testbed"
)

// specialTables are created by hand in caracalSchema; the rest get a plain shape.
var specialTables = []string{
	"audit_events", "audit_events_default", "event_outbox", "caracal_outbox",
	"delegation_edges", "sessions", "policy_versions", "policy_set_versions",
}

// caracalSchema is a Caracal-shaped schema built directly: Caracal's baseline migration
// needs Postgres 17, these tests run on 15. It holds only what the collector reads.
func caracalSchema() string {
	var b strings.Builder
	b.WriteString(`
CREATE TABLE schema_migrations (version TEXT PRIMARY KEY,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
INSERT INTO schema_migrations (version) VALUES ('0001_baseline'),
  ('0002_approval_hardening'), ('0003_operator_run_token_usage');

CREATE TABLE audit_events (id text, zone_id text, occurred_at timestamptz NOT NULL,
  PRIMARY KEY (id, occurred_at)) PARTITION BY RANGE (occurred_at);
CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT;
DO $$ DECLARE m timestamptz; BEGIN
  FOR n IN 0..3 LOOP
    m := date_trunc('month', now()) + make_interval(months => n);
    EXECUTE format('CREATE TABLE %I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
      'audit_events_y' || to_char(m, 'YYYY') || 'm' || to_char(m, 'MM'), m,
      m + interval '1 month');
  END LOOP;
END $$;

CREATE TABLE event_outbox (id bigserial PRIMARY KEY, stream_name text NOT NULL,
  payload_json jsonb NOT NULL DEFAULT '{}', attempts int NOT NULL DEFAULT 0,
  available_at timestamptz NOT NULL DEFAULT now(), locked_until timestamptz,
  locked_by text, last_error text, dispatched_at timestamptz, request_id text,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE caracal_outbox (id bigserial PRIMARY KEY, producer text NOT NULL,
  topic text NOT NULL, dedupe_key text, payload_json jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'pending', attempts int NOT NULL DEFAULT 0,
  available_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now());

CREATE TABLE delegation_edges (id text, zone_id text, parent_edge_id text,
  UNIQUE (zone_id, id),
  CONSTRAINT delegation_edges_zone_parent_fk FOREIGN KEY (zone_id, parent_edge_id)
    REFERENCES delegation_edges (zone_id, id));
CREATE TABLE sessions (id text PRIMARY KEY, zone_id text, ended_at timestamptz);
CREATE INDEX sessions_terminal_retention_idx ON sessions (ended_at);

CREATE FUNCTION reject_change() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'immutable'; END $$;
CREATE TABLE policy_versions (id text PRIMARY KEY, zone_id text, content text);
CREATE TABLE policy_set_versions (id text PRIMARY KEY, zone_id text, manifest_json text);
CREATE TRIGGER policy_versions_immutable BEFORE UPDATE OR DELETE ON policy_versions
  FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER policy_set_versions_immutable BEFORE UPDATE OR DELETE
  ON policy_set_versions FOR EACH ROW EXECUTE FUNCTION reject_change();

INSERT INTO event_outbox (stream_name, dispatched_at)
  VALUES ('caracal.policy.invalidate', now()), ('caracal.sessions.revoke', now());
INSERT INTO caracal_outbox (producer, topic, status, published_at)
  VALUES ('coordinator', 'caracal.agents.lifecycle', 'published', now());
`)
	for _, t := range expectedTables {
		if !slices.Contains(specialTables, t) {
			fmt.Fprintf(&b, "CREATE TABLE %s (id text PRIMARY KEY, zone_id text);\n", t)
		}
	}
	for _, t := range rlsTables {
		fmt.Fprintf(&b, "ALTER TABLE %s ENABLE ROW LEVEL SECURITY;\n"+
			"CREATE POLICY zone_isolation ON %s USING (zone_id = "+
			"current_setting('caracal.zone_id', true));\n", t, t)
	}
	return b.String()
}

// degradation breaks a Caracal-shaped schema in every way the collector reports.
const degradation = `
DELETE FROM schema_migrations WHERE version = '0003_operator_run_token_usage';
INSERT INTO schema_migrations (version) VALUES ('0009_from_the_future');
DROP TABLE audit_ingest_alerts;
CREATE TABLE teams (id text);
DROP TRIGGER policy_set_versions_immutable ON policy_set_versions;
ALTER TABLE providers DISABLE ROW LEVEL SECURITY;
DO $$ BEGIN
  EXECUTE format('DROP TABLE %I', 'audit_events_y' ||
    to_char(date_trunc('month', now()) + interval '3 months', 'YYYY') || 'm' ||
    to_char(date_trunc('month', now()) + interval '3 months', 'MM'));
END $$;
INSERT INTO event_outbox (stream_name, available_at, attempts, created_at)
  VALUES ('caracal.policy.invalidate', 'infinity', 100, now() - interval '2 hours'),
         ('caracal.policy.invalidate', 'infinity', 100, now() - interval '1 hour');
INSERT INTO event_outbox (stream_name, created_at)
  VALUES ('caracal.sessions.revoke', now() - interval '30 minutes');
INSERT INTO caracal_outbox (producer, topic, status)
  VALUES ('coordinator', 'caracal.agents.lifecycle', 'dead');
`

// caracalDB creates a fresh database with the Caracal-shaped schema and returns its URL.
func caracalDB(t *testing.T, srv *testbed.PostgresServer, name string) string {
	t.Helper()
	url := srv.CreateDB(t, name)
	srv.Exec(t, name, caracalSchema())
	return url
}

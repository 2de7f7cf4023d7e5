package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// expectedTables are the tables Caracal's verify.sh requires.
var expectedTables = []string{
	"admin_audit_events", "admin_tokens", "agent_invocations", "agent_services",
	"sessions", "agent_topology", "applications", "audit_events", "audit_events_default",
	"audit_export_watermark", "audit_ingest_alerts", "caracal_outbox",
	"coordinator_idempotency_receipts", "delegated_grants", "delegation_edges",
	"delegation_graph_epochs", "event_outbox", "policies", "policy_set_bindings",
	"policy_set_versions", "policy_sets", "policy_versions", "providers", "resources",
	"secrets", "authority_records", "step_up_challenges", "zones",
}

// retiredTables must be absent.
var retiredTables = []string{
	"gateway_binding_revision", "gateway_resource_bindings", "invitations", "teams",
}

// immutabilityTriggers reject UPDATE and DELETE on the versioned policy tables.
var immutabilityTriggers = []string{"policy_versions_immutable", "policy_set_versions_immutable"}

// rlsTables are zone tables that must have row-level security and a zone_isolation
// policy. Any other table with a zone_isolation policy is checked too.
var rlsTables = []string{
	"providers", "applications", "sessions", "secrets", "delegated_grants", "policies",
	"policy_sets", "policy_set_bindings", "resources", "audit_events", "delegation_edges",
	"agent_services", "agent_invocations", "step_up_challenges", "admin_audit_events",
	"admin_tokens", "delegation_graph_epochs",
}

const (
	retentionIndex = "sessions_terminal_retention_idx"
	zoneParentFK   = "delegation_edges_zone_parent_fk"
)

// readSchema runs the catalog checks. Each is independent: one refused marks the
// collector partial and the others still run.
func (r *run) readSchema(ctx context.Context) error {
	s := &r.mig.Schema
	checks := []struct {
		what string
		dst  *[]string
		sql  string
		args []any
	}{
		{"expected tables", &s.MissingTables, `SELECT t FROM unnest($1::text[]) t
WHERE to_regclass('public.' || quote_ident(t)) IS NULL ORDER BY t`, []any{expectedTables}},
		{"retired tables", &s.RetiredPresent, `SELECT t FROM unnest($1::text[]) t
WHERE to_regclass('public.' || quote_ident(t)) IS NOT NULL ORDER BY t`,
			[]any{retiredTables}},
		{"immutability triggers", &s.MissingTriggers, `SELECT t FROM unnest($1::text[]) t
WHERE NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = t AND NOT tgisinternal)
ORDER BY t`, []any{immutabilityTriggers}},
		{"audit partitions", &s.Partitions, `SELECT format('audit_events_y%sm%s',
  to_char(m, 'YYYY'), to_char(m, 'MM'))
FROM generate_series(date_trunc('month', now()),
  date_trunc('month', now()) + interval '3 months', interval '1 month') m
ORDER BY 1`, nil},
		{"indexes and constraints", &s.MissingObjects, `SELECT n FROM (
  SELECT $1::text AS n WHERE to_regclass('public.' || $1::text) IS NULL
  UNION ALL
  SELECT $2::text WHERE NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = $2::text)
) x`, []any{retentionIndex, zoneParentFK}},
	}
	for _, c := range checks {
		*c.dst = []string{}
		if err := r.strings(ctx, c.sql, c.args, c.dst); err != nil {
			if err := r.soft(ctx, c.what, err, nil); err != nil {
				return err
			}
			s.Errors = append(s.Errors, c.what+": "+err.Error())
		}
	}
	if err := r.readPartitions(ctx); err != nil {
		return err
	}
	return r.readRLS(ctx)
}

// strings runs a query returning one text column into dst.
func (r *run) strings(ctx context.Context, sql string, args []any, dst *[]string) error {
	rows, err := r.conn.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	*dst = append(*dst, got...)
	return nil
}

func (r *run) readPartitions(ctx context.Context) error {
	s := &r.mig.Schema
	s.MissingPartitions = []string{}
	if len(s.Partitions) == 0 {
		return nil
	}
	err := r.strings(ctx, `SELECT t FROM unnest($1::text[]) t
WHERE to_regclass('public.' || quote_ident(t)) IS NULL ORDER BY t`,
		[]any{s.Partitions}, &s.MissingPartitions)
	if err != nil {
		if err := r.soft(ctx, "audit partitions", err, nil); err != nil {
			return err
		}
		s.Errors = append(s.Errors, "audit partitions: "+err.Error())
	}
	return nil
}

// readRLS reads relrowsecurity and the zone_isolation policy of the zone tables and of
// every other table carrying a zone_isolation policy.
func (r *run) readRLS(ctx context.Context) error {
	s := &r.mig.Schema
	rows, err := r.conn.Query(ctx, `SELECT c.relname::text, c.relrowsecurity,
  EXISTS (SELECT 1 FROM pg_policies p WHERE p.schemaname = 'public'
    AND p.tablename = c.relname AND p.policyname = 'zone_isolation')
FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND (c.relname = ANY($1::text[]) OR EXISTS (SELECT 1 FROM pg_policies p
    WHERE p.schemaname = 'public' AND p.tablename = c.relname
      AND p.policyname = 'zone_isolation'))
ORDER BY 1`, rlsTables)
	if err == nil {
		s.RLS, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (rlsTable, error) {
			var t rlsTable
			return t, row.Scan(&t.Table, &t.Enabled, &t.Policy)
		})
	}
	if err != nil {
		if err := r.soft(ctx, "row-level security", err, nil); err != nil {
			return err
		}
		s.Errors = append(s.Errors, "row-level security: "+err.Error())
	}
	if s.RLS == nil {
		s.RLS = []rlsTable{}
	}
	return nil
}

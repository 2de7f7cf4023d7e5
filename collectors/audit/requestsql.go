package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/caracal-tools/bundle/collectors/internal/pgread"
)

// maxRequestRows bounds the rows read for one request.
const maxRequestRows = 1000

// privilegeHint says what to grant when err is a refused privilege.
func privilegeHint(err error) string {
	if pgread.SQLState(err) == pgread.InsufficientPrivilege {
		return " (the role needs SELECT on public.audit_events, as caracalapi has)"
	}
	return ""
}

// zonesOfRequest returns the zones that hold audit rows of the request (the partial
// index on request_id serves it).
func zonesOfRequest(ctx context.Context, conn *pgx.Conn, id string) ([]string, error) {
	rows, err := conn.Query(ctx, `SELECT DISTINCT zone_id::text FROM public.audit_events
WHERE request_id = $1 AND zone_id IS NOT NULL ORDER BY 1 LIMIT 100`, id)
	if err != nil {
		return nil, fmt.Errorf("find zones of request %s: %w", id, err)
	}
	zones, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("find zones of request %s: %w", id, err)
	}
	return zones, nil
}

// eventColumns selects an audit_events row in the order scanEvent reads it.
const eventColumns = `id::text, coalesce(zone_id::text, ''), coalesce(event_type::text, ''),
  coalesce(request_id::text, ''), coalesce(decision::text, ''),
  coalesce(policy_set_id::text, ''), coalesce(policy_set_version_id::text, ''),
  coalesce(manifest_sha::text, ''), coalesce(evaluation_status::text, ''),
  determining_policies_json::text, diagnostics_json::text, metadata_json::text,
  occurred_at, ingested_at`

const requestRowsSQL = "SELECT " + eventColumns + ` FROM public.audit_events
WHERE request_id = $1 ORDER BY occurred_at, id LIMIT $2`

// fromSQL reads the request's audit_events rows. Metadata keeps only the keys the API
// itself exports; the names of the others are listed.
func (r *requestRun) fromSQL(ctx context.Context) (*evidence, error) {
	conn, err := r.db.get(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := conn.Query(ctx, requestRowsSQL, r.req.ID, maxRequestRows+1)
	if err != nil {
		return nil, fmt.Errorf("query audit_events: %w%s", err, privilegeHint(err))
	}
	withheld := map[string]bool{}
	events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (auditEvent, error) {
		return scanEvent(row, withheld)
	})
	if err != nil {
		return nil, fmt.Errorf("read audit_events: %w%s", err, privilegeHint(err))
	}
	if len(events) > maxRequestRows {
		events = events[:maxRequestRows]
		r.out.Note("request %s: only the first %d audit rows were read", r.req.ID,
			maxRequestRows)
	}
	ev := r.pickZone(events)
	ev.WithheldKeys = sortedKeys(withheld)
	return ev, nil
}

// pickZone keeps the rows of --zone when given; when that zone has none but others
// do, it keeps the first other zone's rows and lists the zones.
func (r *requestRun) pickZone(events []auditEvent) *evidence {
	ev := &evidence{Source: "postgres", Zone: r.req.Zone}
	byZone := map[string][]auditEvent{}
	var zones []string
	for _, e := range events {
		z := string(e.ZoneID)
		if _, seen := byZone[z]; !seen {
			zones = append(zones, z)
		}
		byZone[z] = append(byZone[z], e)
	}
	switch {
	case len(zones) == 0:
		ev.ZonesTried = []string{r.req.Zone}
		return ev
	case r.req.Zone != "" && byZone[r.req.Zone] != nil:
		ev.Zone = r.req.Zone
	default:
		ev.Zone = zones[0]
		if r.req.Zone != "" || len(zones) > 1 {
			ev.OtherZones = zones
		}
	}
	ev.Found = true
	ev.Explain = explain(r.req.ID, byZone[ev.Zone])
	return ev
}

func scanEvent(row pgx.CollectableRow, withheld map[string]bool) (auditEvent, error) {
	var e auditEvent
	var det, diag, meta *string
	var occurred, ingested *time.Time
	err := row.Scan(&e.ID, &e.ZoneID, &e.EventType, &e.RequestID, &e.Decision,
		&e.PolicySetID, &e.PolicySetVersionID, &e.ManifestSHA, &e.EvaluationStatus,
		&det, &diag, &meta, &occurred, &ingested)
	if err != nil {
		return e, err
	}
	e.DeterminingPolicies = rawOrNil(det)
	e.Diagnostics = rawOrNil(diag)
	e.Metadata = safeMetadata(rawOrNil(meta), withheld)
	e.OccurredAt = isoTime(occurred)
	e.IngestedAt = isoTime(ingested)
	return e, nil
}

// exportedMetadataKeys are the metadata keys the API's own CSV export lists; only
// these are copied from rows read with SQL, where the API's redaction did not run.
var exportedMetadataKeys = map[string]bool{
	"application_id": true, "application_name": true, "resource": true,
	"requested_scopes": true, "agent_session_id": true, "delegation_edge_id": true,
	"method": true, "latency_ms": true, "upstream_status": true, "result_class": true,
	"reason": true, "trace_id": true, "provider_id": true, "upstream_host": true,
	"gateway_status": true, "error_kind": true, "auth_mode": true, "challenge_id": true,
	"tier": true, "approver_class": true,
}

// safeMetadata keeps the exported keys whose values are scalars or lists of scalars
// and records the names of the keys left out.
func safeMetadata(raw json.RawMessage, withheld map[string]bool) json.RawMessage {
	var m map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return nil
	}
	kept := map[string]json.RawMessage{}
	for k, v := range m {
		if exportedMetadataKeys[k] && flat(v) {
			kept[k] = v
			continue
		}
		withheld[k] = true
	}
	b, err := json.Marshal(kept)
	if err != nil {
		return nil
	}
	return b
}

// flat reports whether v is a scalar or an array of scalars.
func flat(v json.RawMessage) bool {
	var items []json.RawMessage
	if json.Unmarshal(v, &items) == nil {
		for _, it := range items {
			if scalar(it) == "" && string(it) != `""` {
				return false
			}
		}
		return true
	}
	return scalar(v) != "" || string(v) == `""` || string(v) == "null"
}

func rawOrNil(s *string) json.RawMessage {
	if s == nil || !json.Valid([]byte(*s)) {
		return nil
	}
	return json.RawMessage(*s)
}

func isoTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// sortedKeys returns m's keys in order, an empty slice rather than nil for an empty map.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

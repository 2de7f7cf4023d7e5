package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
)

// maxMutations bounds the admin audit rows kept.
const maxMutations = 1000

// mutation is one admin_audit_events row without its payload values: the payload
// gives only change_kind, secret_rotated and the changed field names.
type mutation struct {
	OccurredAt    time.Time `json:"occurred_at"`
	RequestID     string    `json:"request_id,omitempty"`
	ActorID       string    `json:"actor_id,omitempty"`
	ActorName     string    `json:"actor_name,omitempty"`
	ActorScope    string    `json:"actor_scope,omitempty"`
	Operator      string    `json:"operator,omitempty"`
	Action        string    `json:"action,omitempty"`
	ZoneID        string    `json:"zone_id,omitempty"`
	EntityType    string    `json:"entity_type,omitempty"`
	EntityID      string    `json:"entity_id,omitempty"`
	StatusCode    int       `json:"status_code,omitempty"`
	ChangeKind    string    `json:"change_kind,omitempty"`
	SecretRotated bool      `json:"secret_rotated,omitempty"`
	ChangedFields []string  `json:"changed_fields,omitempty"`
}

// adminAuditReport is changes/admin-audit.json.
type adminAuditReport struct {
	Source    string     `json:"source"`
	Since     time.Time  `json:"since"`
	Until     time.Time  `json:"until"`
	Truncated bool       `json:"truncated,omitempty"`
	Mutations []mutation `json:"mutations"`
	Note      string     `json:"note"`
}

const payloadNote = "payload values are never copied: only change_kind, secret_rotated " +
	"and the names of the changed fields"

// fieldName is what a changed field name may look like; anything else is dropped, so
// a value cannot pass for a name.
var fieldName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-\[\]]{0,63}$`)

// adminAudit reads the mutations from Postgres, else from the API. What cannot be
// read is recorded as left out; it never fails the collector.
func (r *changesRun) adminAudit(ctx context.Context) adminAuditReport {
	rep := adminAuditReport{Source: "none", Since: r.since.UTC(), Until: r.until.UTC(),
		Note: payloadNote, Mutations: []mutation{}}
	if r.sqlConn() {
		ms, err := r.adminAuditSQL(ctx)
		if err == nil {
			rep.Source, rep.Mutations = "postgres", ms
			return r.cap(rep)
		}
		if r.api == nil {
			r.softOrPartial("admin audit", err)
			return rep
		}
		r.env.Logger.Warn("admin audit from postgres failed, trying the api", "error", err)
	}
	if r.api == nil {
		return rep
	}
	ms, err := r.adminAuditAPI(ctx)
	if err != nil {
		r.out.Partial("admin audit: %v", err)
		r.leftOut("admin audit", err)
		return rep
	}
	rep.Source, rep.Mutations = "api", ms
	return r.cap(rep)
}

func (r *changesRun) cap(rep adminAuditReport) adminAuditReport {
	if len(rep.Mutations) > maxMutations {
		rep.Mutations, rep.Truncated = rep.Mutations[:maxMutations], true
		r.out.Note("admin audit: only the newest %d mutations were kept", maxMutations)
	}
	return rep
}

const adminAuditSQL = `SELECT occurred_at, coalesce(request_id::text, ''),
  coalesce(actor_id::text, ''), coalesce(actor_name::text, ''),
  coalesce(actor_scope::text, ''), coalesce(payload_json::jsonb->>'operator', ''),
  coalesce(action::text, ''), coalesce(zone_id::text, ''), coalesce(entity_type::text, ''),
  coalesce(entity_id::text, ''), coalesce(status_code, 0)::int,
  coalesce(payload_json::jsonb->>'change_kind', ''),
  coalesce(payload_json::jsonb->'secret_rotated' = 'true'::jsonb, false),
  CASE WHEN jsonb_typeof(payload_json::jsonb->'changed_fields') = 'array'
    THEN ARRAY(SELECT jsonb_array_elements_text(payload_json::jsonb->'changed_fields'))
  END
FROM public.admin_audit_events
WHERE occurred_at >= $1 AND occurred_at <= $2
ORDER BY occurred_at DESC LIMIT $3`

// adminAuditSQL reads the rows; the payload's parts are picked inside the query, so
// its values never leave the database.
func (r *changesRun) adminAuditSQL(ctx context.Context) ([]mutation, error) {
	rows, err := r.db.conn.Query(ctx, adminAuditSQL, r.since, r.until, maxMutations+1)
	if err != nil {
		return nil, fmt.Errorf("query admin_audit_events: %w", err)
	}
	ms, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (mutation, error) {
		var m mutation
		var fields []string
		err := row.Scan(&m.OccurredAt, &m.RequestID, &m.ActorID, &m.ActorName,
			&m.ActorScope, &m.Operator, &m.Action, &m.ZoneID, &m.EntityType, &m.EntityID,
			&m.StatusCode, &m.ChangeKind, &m.SecretRotated, &fields)
		m.ChangedFields = names(fields)
		m.OccurredAt = m.OccurredAt.UTC()
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("read admin_audit_events: %w", err)
	}
	return ms, nil
}

// names keeps the entries that look like field names.
func names(xs []string) []string {
	var out []string
	for _, x := range xs {
		if fieldName.MatchString(x) {
			out = append(out, x)
		}
	}
	return out
}

// adminAuditAPI pages through GET /v1/zones/{z}/admin-audit for --zone or every zone.
func (r *changesRun) adminAuditAPI(ctx context.Context) ([]mutation, error) {
	zones := []string{r.env.Config.Request.Zone}
	if zones[0] == "" {
		var err error
		if zones, err = listZones(ctx, r.api, r.out); err != nil {
			return nil, err
		}
	}
	var out []mutation
	for _, z := range zones {
		ms, err := r.zoneAdminAudit(ctx, z, maxMutations+1-len(out))
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
		if len(out) > maxMutations {
			break
		}
	}
	return out, nil
}

// apiMutation is an admin audit item as the API returns it.
type apiMutation struct {
	OccurredAt string          `json:"occurred_at"`
	RequestID  flexString      `json:"request_id"`
	ActorID    flexString      `json:"actor_id"`
	ActorName  string          `json:"actor_name"`
	ActorScope string          `json:"actor_scope"`
	Action     string          `json:"action"`
	ZoneID     flexString      `json:"zone_id"`
	EntityType string          `json:"entity_type"`
	EntityID   flexString      `json:"entity_id"`
	StatusCode int             `json:"status_code"`
	Payload    json.RawMessage `json:"payload_json"`
}

func (r *changesRun) zoneAdminAudit(ctx context.Context, zone string, room int) ([]mutation,
	error) {
	q := url.Values{"since": {r.since.UTC().Format(time.RFC3339)},
		"until": {r.until.UTC().Format(time.RFC3339)}, "limit": {"500"}}
	var out []mutation
	for len(out) < room {
		var page struct {
			Items      []apiMutation `json:"items"`
			NextCursor string        `json:"next_cursor"`
		}
		route := zonePath(zone) + "/admin-audit?" + q.Encode()
		if err := r.api.getJSON(ctx, route, &page); err != nil {
			return nil, fmt.Errorf("admin audit of zone %s: %w", zone, err)
		}
		for _, it := range page.Items {
			out = append(out, it.mutation())
		}
		if page.NextCursor == "" || len(page.Items) == 0 {
			break
		}
		q.Set("cursor", page.NextCursor)
	}
	return out, nil
}

// mutation keeps the item's fields and picks the allowed parts of its payload, which
// the API may give as an object or as JSON text.
func (a apiMutation) mutation() mutation {
	m := mutation{RequestID: string(a.RequestID), ActorID: string(a.ActorID),
		ActorName: a.ActorName, ActorScope: a.ActorScope, Action: a.Action,
		ZoneID: string(a.ZoneID), EntityType: a.EntityType, EntityID: string(a.EntityID),
		StatusCode: a.StatusCode}
	if t, err := time.Parse(time.RFC3339Nano, a.OccurredAt); err == nil {
		m.OccurredAt = t.UTC()
	}
	raw := a.Payload
	var text string
	if json.Unmarshal(raw, &text) == nil {
		raw = json.RawMessage(text)
	}
	var p struct {
		ChangeKind    string          `json:"change_kind"`
		SecretRotated bool            `json:"secret_rotated"`
		ChangedFields json.RawMessage `json:"changed_fields"`
		Operator      flexString      `json:"operator"`
	}
	if json.Unmarshal(raw, &p) == nil {
		var fields []string
		_ = json.Unmarshal(p.ChangedFields, &fields)
		m.ChangeKind, m.SecretRotated = p.ChangeKind, p.SecretRotated
		m.ChangedFields, m.Operator = names(fields), string(p.Operator)
	}
	return m
}

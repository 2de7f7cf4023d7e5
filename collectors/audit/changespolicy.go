package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
)

// policyStream is the stream an activation queues its invalidation on.
const policyStream = "caracal.policy.invalidate"

// pendingGrace is how long an undispatched invalidation may wait before it counts as
// stuck; the API's outbox dispatcher normally sends within seconds.
const pendingGrace = 2 * time.Minute

// policyReport is changes/policy-activations.json.
type policyReport struct {
	Bindings []binding   `json:"bindings"`
	Outbox   []outboxRow `json:"invalidations"`
	Error    string      `json:"error,omitempty"`
}

// binding is one policy_set_bindings row: a zone's active policy set version.
type binding struct {
	ZoneID          string    `json:"zone_id"`
	PolicySetID     string    `json:"policy_set_id"`
	ActiveVersionID string    `json:"active_version_id"`
	UpdatedAt       time.Time `json:"updated_at"`
	InWindow        bool      `json:"in_window"`
	// Propagation is the state of the invalidation queued for it, when one is found.
	Propagation string `json:"propagation,omitempty"`
	OutboxID    string `json:"outbox_id,omitempty"`
	// ActivationStatus is the API's activation-status answer, when it was asked.
	ActivationStatus json.RawMessage `json:"activation_status,omitempty"`
}

// outboxRow is one event_outbox row of the policy stream, without its payload (only
// the zone it names is read).
type outboxRow struct {
	ID           string     `json:"id"`
	ZoneID       string     `json:"zone_id,omitempty"`
	RequestID    string     `json:"request_id,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	DispatchedAt *time.Time `json:"dispatched_at,omitempty"`
	Attempts     int        `json:"attempts"`
	State        string     `json:"state"` // dispatched, pending or dead
	LastError    string     `json:"last_error,omitempty"`
}

// policies reads the bindings and the policy invalidations of the window.
func (r *changesRun) policies(ctx context.Context) policyReport {
	rep := policyReport{Bindings: []binding{}, Outbox: []outboxRow{}}
	if !r.sqlConn() {
		return rep
	}
	var err error
	if rep.Bindings, err = r.bindings(ctx); err != nil {
		rep.Error = err.Error()
		r.softOrPartial("policy_set_bindings", err)
		rep.Bindings = []binding{}
	}
	if rep.Outbox, err = r.invalidations(ctx); err != nil {
		rep.Error = err.Error()
		r.softOrPartial("event_outbox", err)
		rep.Outbox = []outboxRow{}
	}
	link(rep.Bindings, rep.Outbox)
	r.activationStatus(ctx, rep.Bindings)
	return rep
}

// maxStatusCalls bounds the activation-status calls of one run.
const maxStatusCalls = 20

// activationStatus asks the API, when configured, how each activation of the window
// propagated (outbox and STS state).
func (r *changesRun) activationStatus(ctx context.Context, bs []binding) {
	if r.api == nil {
		return
	}
	calls := 0
	for i := range bs {
		b := &bs[i]
		if !b.InWindow || calls == maxStatusCalls {
			continue
		}
		calls++
		route := zonePath(b.ZoneID) + "/policy-sets/" + url.PathEscape(b.PolicySetID) +
			"/activation-status"
		var raw json.RawMessage
		if err := r.api.getJSON(ctx, route, &raw); err != nil {
			r.out.Note("activation status of zone %s: %v", b.ZoneID, err)
			continue
		}
		b.ActivationStatus = raw
	}
}

// propagationStatus returns the propagation_status of an activation-status answer.
func propagationStatus(raw json.RawMessage) string {
	var s struct {
		PropagationStatus string `json:"propagation_status"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s.PropagationStatus
}

// softOrPartial notes a soft SQL error, or marks the run partial for any other.
func (r *changesRun) softOrPartial(part string, err error) {
	if r.soft(part, err) != nil {
		r.leftOut(part, err)
		r.out.Partial("%s: %v", part, err)
	}
}

func (r *changesRun) bindings(ctx context.Context) ([]binding, error) {
	rows, err := r.db.conn.Query(ctx, `SELECT zone_id::text, policy_set_id::text,
  active_version_id::text, updated_at FROM public.policy_set_bindings
ORDER BY updated_at DESC LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("query policy_set_bindings: %w", err)
	}
	bs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (binding, error) {
		var b binding
		err := row.Scan(&b.ZoneID, &b.PolicySetID, &b.ActiveVersionID, &b.UpdatedAt)
		b.UpdatedAt = b.UpdatedAt.UTC()
		b.InWindow = !b.UpdatedAt.Before(r.since) && !b.UpdatedAt.After(r.until)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("read policy_set_bindings: %w", err)
	}
	return bs, nil
}

const invalidationsSQL = `SELECT id::text,
  coalesce(payload_json::jsonb->>'zone_id', payload_json::jsonb->>'zoneId', ''),
  coalesce(request_id::text, ''), created_at, dispatched_at, attempts::int,
  CASE WHEN dispatched_at IS NOT NULL THEN 'dispatched'
    WHEN available_at = 'infinity' THEN 'dead' ELSE 'pending' END,
  coalesce(left(last_error, 300), '')
FROM public.event_outbox
WHERE stream_name = $1 AND (created_at >= $2 OR dispatched_at IS NULL)
ORDER BY created_at DESC LIMIT 500`

func (r *changesRun) invalidations(ctx context.Context) ([]outboxRow, error) {
	rows, err := r.db.conn.Query(ctx, invalidationsSQL, policyStream, r.since)
	if err != nil {
		return nil, fmt.Errorf("query event_outbox: %w", err)
	}
	obs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (outboxRow, error) {
		var o outboxRow
		err := row.Scan(&o.ID, &o.ZoneID, &o.RequestID, &o.CreatedAt, &o.DispatchedAt,
			&o.Attempts, &o.State, &o.LastError)
		o.CreatedAt = o.CreatedAt.UTC()
		return o, err
	})
	if err != nil {
		return nil, fmt.Errorf("read event_outbox: %w", err)
	}
	return obs, nil
}

// link gives each binding of the window the state of the first invalidation queued
// for its zone at or after its activation (allowing for clock skew of a few seconds).
func link(bs []binding, obs []outboxRow) {
	for i := range bs {
		b := &bs[i]
		if !b.InWindow {
			continue
		}
		b.Propagation = "no invalidation found"
		var best *outboxRow
		for j := range obs {
			o := &obs[j]
			if o.ZoneID != "" && o.ZoneID != b.ZoneID ||
				o.CreatedAt.Before(b.UpdatedAt.Add(-5*time.Second)) {
				continue
			}
			if best == nil || o.CreatedAt.Before(best.CreatedAt) {
				best = o
			}
		}
		if best != nil {
			b.Propagation, b.OutboxID = best.State, best.ID
		}
	}
}

package audit

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/caracal-tools/bundle/bundle"
)

// nearbyWindow is how far from --at events are searched when the request is missing.
const nearbyWindow = 5 * time.Minute

// maxNearby bounds the nearby events kept.
const maxNearby = 100

// nearby looks for events close to --at (and matching --subject/--resource) when the
// request itself left no audit event, and writes them to nearby.json.
func (r *requestRun) nearby(ctx context.Context, ev *evidence) error {
	since, until := r.req.At.Add(-nearbyWindow), r.req.At.Add(nearbyWindow)
	var events []auditEvent
	var err error
	switch ev.Source {
	case "api":
		events, err = r.nearbyAPI(ctx, ev.ZonesTried, since, until)
	case "audit service":
		events, err = r.nearbyAuditService(ctx, since, until)
	default:
		events, err = r.nearbySQL(ctx, since, until)
	}
	if err != nil {
		r.out.Partial("events near --at: %v", err)
		return nil
	}
	events = r.matching(events)
	if err := r.out.WriteJSON("nearby.json", events); err != nil {
		return err
	}
	denied := 0
	for _, e := range events {
		if e.Decision == "deny" {
			denied++
		}
	}
	finding(r.env, r.out, bundle.Finding{
		Stage: bundle.StageAudit, Severity: bundle.SeverityInfo,
		Code: "audit.request.nearby", Subject: r.req.ID,
		Files: []string{r.out.Path("nearby.json")},
		Message: fmt.Sprintf("%d audit events (%d denied) within %s of --at %s",
			len(events), denied, nearbyWindow, r.req.At.UTC().Format(time.RFC3339))})
	return nil
}

// matching keeps the events that match --subject and --resource, when given.
func (r *requestRun) matching(events []auditEvent) []auditEvent {
	out := []auditEvent{}
	for _, e := range events {
		one := []auditEvent{e}
		if r.req.Resource != "" && !slices.Contains(metaValues(one, "resource"),
			r.req.Resource) {
			continue
		}
		if r.req.Subject != "" && !slices.Contains(metaValues(one, subjectKeys...),
			r.req.Subject) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// nearbyAPI searches at most three zones through GET /v1/zones/{z}/audit.
func (r *requestRun) nearbyAPI(ctx context.Context, zones []string,
	since, until time.Time) ([]auditEvent, error) {
	if len(zones) == 0 || len(zones) > 3 {
		return nil, fmt.Errorf("searched only with --zone or up to 3 zones (%d known)",
			len(zones))
	}
	q := url.Values{"since": {since.UTC().Format(time.RFC3339)},
		"until": {until.UTC().Format(time.RFC3339)}, "limit": {fmt.Sprint(maxNearby)}}
	var out []auditEvent
	for _, z := range zones {
		var page struct {
			Items []auditEvent `json:"items"`
		}
		if err := r.api.getJSON(ctx, zonePath(z)+"/audit?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
	}
	return out, nil
}

func (r *requestRun) nearbySQL(ctx context.Context, since, until time.Time) ([]auditEvent,
	error) {
	conn, err := r.db.get(ctx)
	if err != nil {
		return nil, err
	}
	q := "SELECT " + eventColumns +
		" FROM public.audit_events WHERE occurred_at BETWEEN $1 AND $2"
	args := []any{since, until}
	if r.req.Zone != "" {
		q += " AND zone_id::text = $3"
		args = append(args, r.req.Zone)
	}
	q += fmt.Sprintf(" ORDER BY occurred_at LIMIT %d", maxNearby)
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query audit_events near --at: %w", err)
	}
	withheld := map[string]bool{}
	events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (auditEvent, error) {
		return scanEvent(row, withheld)
	})
	if err != nil {
		return nil, fmt.Errorf("read audit_events near --at: %w", err)
	}
	return events, nil
}

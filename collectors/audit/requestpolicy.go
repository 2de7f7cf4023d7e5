package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/caracal-tools/bundle/bundle"
)

// propagationGrace is how long after an activation an event may still carry the
// previous policy version: STS picks up invalidations and polls within seconds.
const propagationGrace = 30 * time.Second

// policyCheck compares the policy version each event was evaluated with against the
// zone's active binding in Postgres. It returns lines for the report's checks and
// reports a stale evaluation; without Postgres it returns nothing.
func (r *requestRun) policyCheck(ctx context.Context, ev *evidence) []string {
	if r.db.cfg.URL.IsZero() || !ev.Found {
		return nil
	}
	conn, err := r.db.get(ctx)
	if err != nil {
		return nil
	}
	var b binding
	err = conn.QueryRow(ctx, `SELECT policy_set_id::text, active_version_id::text,
  updated_at FROM public.policy_set_bindings WHERE zone_id::text = $1`, ev.Zone).
		Scan(&b.PolicySetID, &b.ActiveVersionID, &b.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return []string{"zone " + ev.Zone + " has no active policy set binding"}
	}
	if err != nil {
		r.env.Logger.Warn("read the zone's policy binding", "error", err)
		return nil
	}
	return r.compareVersions(ev, b)
}

func (r *requestRun) compareVersions(ev *evidence, b binding) []string {
	out := []string{fmt.Sprintf("active policy set of zone %s: %s version %s since %s",
		ev.Zone, b.PolicySetID, b.ActiveVersionID, b.UpdatedAt.UTC().Format(time.RFC3339))}
	for _, e := range ev.Explain.Events {
		at, err := time.Parse(time.RFC3339Nano, e.OccurredAt)
		v := string(e.PolicySetVersionID)
		if err != nil || v == "" || v == b.ActiveVersionID {
			continue
		}
		if b.UpdatedAt.After(at) {
			out = append(out, fmt.Sprintf("event %s used version %s; the binding changed "+
				"after the request", e.ID, v))
			continue
		}
		if at.Sub(b.UpdatedAt) < propagationGrace {
			continue
		}
		finding(r.env, r.out, bundle.Finding{
			Stage: bundle.StageAudit, Severity: bundle.SeverityWarn,
			Code: "audit.request.policy-stale", Subject: ev.Zone + "/" + string(e.ID),
			Files: []string{r.out.Path("summary.txt"), r.out.Path("events.json")},
			Area:  "policy age: STS policy refresh, caracal.policy.invalidate, OPA compile errors",
			Message: fmt.Sprintf("event %s (%s) was evaluated with policy version %s, "+
				"%s after version %s became active", e.ID, e.EventType, v,
				at.Sub(b.UpdatedAt).Round(time.Second), b.ActiveVersionID)})
		out = append(out, fmt.Sprintf("event %s used stale version %s", e.ID, v))
	}
	return out
}

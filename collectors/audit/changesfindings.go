package audit

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/caracal-tools/bundle/bundle"
)

// maxRotationFindings bounds the findings for secret rotations.
const maxRotationFindings = 10

func (r *changesRun) add(sev bundle.Severity, code, subject, area, file, msg string) {
	finding(r.env, r.out, bundle.Finding{Stage: bundle.StageAudit, Severity: sev,
		Code: code, Subject: subject, Area: area, Message: msg,
		Files: []string{r.out.Path(file), r.out.Path("summary.txt")}})
}

// adminFindings counts the mutations and reports each secret rotation.
func (r *changesRun) adminFindings(a adminAuditReport) {
	if len(a.Mutations) == 0 {
		return
	}
	r.add(bundle.SeverityInfo, "audit.changes.mutations", "admin_audit_events", "",
		"admin-audit.json", fmt.Sprintf("%d admin mutations from %s (%s)",
			len(a.Mutations), r.window(), kindCounts(a.Mutations)))
	n := 0
	for _, m := range a.Mutations {
		if !m.SecretRotated && m.ChangeKind != "secret_rotation" {
			continue
		}
		if n++; n > maxRotationFindings {
			continue
		}
		r.add(bundle.SeverityWarn, "audit.changes.secret-rotated",
			m.EntityType+"/"+m.EntityID,
			"recent secret rotation: clients and providers using the old secret",
			"admin-audit.json", fmt.Sprintf("secret rotated at %s: %s by %s (zone %s)",
				m.OccurredAt.Format(time.RFC3339), m.Action, actor(m), orDash(m.ZoneID)))
	}
	if n > maxRotationFindings {
		r.out.Note("%d more secret rotations in admin-audit.json", n-maxRotationFindings)
	}
}

func actor(m mutation) string {
	for _, s := range []string{m.ActorName, m.ActorID, m.Operator} {
		if s != "" {
			return s
		}
	}
	return "unknown actor"
}

func kindCounts(ms []mutation) string {
	count := map[string]int{}
	for _, m := range ms {
		k := m.ChangeKind
		if k == "" {
			k = "unspecified"
		}
		count[k]++
	}
	kinds := make([]string, 0, len(count))
	for k := range count {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %d", k, count[k])
	}
	return strings.Join(parts, ", ")
}

const policyArea = "policy propagation: event_outbox, caracal.policy.invalidate, " +
	"STS policy age"

// policyFindings reports activations in the window and invalidations not sent.
func (r *changesRun) policyFindings(p policyReport) {
	for _, b := range p.Bindings {
		if b.InWindow {
			r.add(bundle.SeverityInfo, "audit.changes.policy-activated", b.ZoneID, "",
				"policy-activations.json", fmt.Sprintf(
					"zone %s activated policy set %s version %s at %s (invalidation: %s)",
					b.ZoneID, b.PolicySetID, b.ActiveVersionID,
					b.UpdatedAt.Format(time.RFC3339), b.Propagation))
		}
	}
	for _, o := range p.Outbox {
		r.invalidationFinding(o)
	}
	for _, b := range p.Bindings {
		if st := propagationStatus(b.ActivationStatus); badEvaluation(st) ||
			strings.Contains(strings.ToLower(st), "dead") {
			r.add(bundle.SeverityWarn, "audit.changes.policy-propagation", b.ZoneID,
				policyArea, "policy-activations.json", fmt.Sprintf(
					"the API reports propagation %q for policy set %s version %s in zone %s",
					st, b.PolicySetID, b.ActiveVersionID, b.ZoneID))
		}
	}
}

func (r *changesRun) invalidationFinding(o outboxRow) {
	age := r.env.Start.Sub(o.CreatedAt).Round(time.Second)
	subject := "event_outbox/" + o.ID
	what := "policy invalidation"
	if o.ZoneID != "" {
		what += " for zone " + o.ZoneID
	}
	switch {
	case o.State == "dead":
		r.add(bundle.SeverityFail, "audit.changes.policy-not-propagated", subject, policyArea,
			"policy-activations.json", fmt.Sprintf(
				"%s queued at %s is dead after %d attempts: %s", what,
				o.CreatedAt.Format(time.RFC3339), o.Attempts, orDash(o.LastError)))
	case o.State == "pending" && age > pendingGrace:
		r.add(bundle.SeverityWarn, "audit.changes.policy-not-propagated", subject,
			policyArea, "policy-activations.json", fmt.Sprintf(
				"%s queued at %s still pending after %s (%d attempts)", what,
				o.CreatedAt.Format(time.RFC3339), age, o.Attempts))
	}
}

// keyFindings reports a KEK re-seal in progress and signing key rotations.
func (r *changesRun) keyFindings(k keysReport) {
	if ids, count := kekIDs(k.KEKs); len(ids) > 1 {
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = fmt.Sprintf("%s: %d", id, count[id])
		}
		r.add(bundle.SeverityWarn, "audit.changes.kek-rotation", "secret store",
			"secret store KEK rotation: re-seal with secretStoreKekPrevious",
			"keys.json", fmt.Sprintf("envelopes are sealed under %d KEKs (%s): "+
				"a KEK re-seal is in progress or was left unfinished", len(ids),
				strings.Join(parts, ", ")))
	}
	for _, s := range k.ZoneSigningKeys {
		if s.InWindow && s.Version > 1 {
			r.add(bundle.SeverityInfo, "audit.changes.signing-key-rotated", s.ZoneID, "",
				"keys.json", fmt.Sprintf("zone %s signing key rotated to version %d at %s; "+
					"version %d stays valid for 24 h", s.ZoneID, s.Version,
					s.CreatedAt.Format(time.RFC3339), s.Version-1))
		}
	}
}

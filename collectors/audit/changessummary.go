package audit

import (
	"fmt"
	"strings"
	"time"
)

// maxSummaryRows bounds the mutations listed in summary.txt.
const maxSummaryRows = 50

// summary is changes/summary.txt.
func (r *changesRun) summary(a adminAuditReport, p policyReport, k keysReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Changes from %s\n", r.window())

	fmt.Fprintf(&b, "\nAdmin mutations (%d, from %s; field names only, never values)\n",
		len(a.Mutations), a.Source)
	for i, m := range a.Mutations {
		if i == maxSummaryRows {
			fmt.Fprintf(&b, "  ... %d more in admin-audit.json\n", len(a.Mutations)-i)
			break
		}
		fmt.Fprintf(&b, "  %s  %-15s %s by %s", m.OccurredAt.Format(time.RFC3339),
			orDash(m.ChangeKind), m.Action, actor(m))
		if m.SecretRotated {
			b.WriteString("  SECRET ROTATED")
		}
		if len(m.ChangedFields) > 0 {
			fmt.Fprintf(&b, "  fields: %s", strings.Join(m.ChangedFields, ", "))
		}
		b.WriteString("\n")
	}

	b.WriteString("\nPolicy activations\n")
	for _, x := range p.Bindings {
		mark := " "
		if x.InWindow {
			mark = "*"
		}
		fmt.Fprintf(&b, " %s zone %s: policy set %s version %s since %s", mark, x.ZoneID,
			x.PolicySetID, x.ActiveVersionID, x.UpdatedAt.Format(time.RFC3339))
		if x.Propagation != "" {
			fmt.Fprintf(&b, " (invalidation: %s)", x.Propagation)
		}
		if st := propagationStatus(x.ActivationStatus); st != "" {
			fmt.Fprintf(&b, " (api propagation: %s)", st)
		}
		b.WriteString("\n")
	}
	writeInvalidations(&b, p.Outbox)
	writeKeys(&b, k)
	writeList(&b, "Not collected", r.missing)
	return b.String()
}

func writeInvalidations(b *strings.Builder, obs []outboxRow) {
	if len(obs) == 0 {
		return
	}
	b.WriteString("\nPolicy invalidations in event_outbox\n")
	for _, o := range obs {
		fmt.Fprintf(b, "  #%s %s queued %s, %d attempts", o.ID, o.State,
			o.CreatedAt.Format(time.RFC3339), o.Attempts)
		if o.LastError != "" {
			fmt.Fprintf(b, ", last error: %s", o.LastError)
		}
		b.WriteString("\n")
	}
}

func writeKeys(b *strings.Builder, k keysReport) {
	b.WriteString("\nSecret store KEK ids (envelopes per key id)\n")
	for _, g := range k.KEKs {
		fmt.Fprintf(b, "  %s.%s  %s  %d\n", g.Table, g.Column, g.KEKID, g.Envelopes)
	}
	b.WriteString("\nZone signing key versions\n")
	for _, s := range k.ZoneSigningKeys {
		mark := " "
		if s.InWindow {
			mark = "*"
		}
		fmt.Fprintf(b, " %s zone %s: version %d created %s\n", mark, orDash(s.ZoneID),
			s.Version, s.CreatedAt.Format(time.RFC3339))
	}
	b.WriteString("\n(* = within the window)\n")
}

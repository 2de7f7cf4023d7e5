package postgres

import (
	"bytes"
	"fmt"
	"text/tabwriter"
	"time"
)

// migrationsText renders postgres/migrations.txt, the page a person reads first.
func migrationsText(m *migrationsReport, h *healthReport) []byte {
	var b bytes.Buffer
	s := m.Server
	fmt.Fprintf(&b, "postgres %s  database %s  user %s  replica %v\ncollected %s\n\n",
		s.Version, s.Database, s.User, s.InRecovery, m.CollectedAt.Format(time.RFC3339))

	writeMigrationsText(&b, &m.Migrations)
	writeLockText(&b, &m.Lock)
	writeSchemaText(&b, &m.Schema)
	writeOutboxText(&b, h)
	return b.Bytes()
}

// writeMigrationsText lists the applied migrations, then the pending ones.
func writeMigrationsText(b *bytes.Buffer, mg *migrations) {
	fmt.Fprintf(b, "MIGRATIONS (known from %s)\n", mg.Source)
	if mg.Error != "" {
		fmt.Fprintf(b, "  schema_migrations unreadable: %s\n", mg.Error)
	}
	tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
	for _, a := range mg.Applied {
		note := ""
		if !a.Known {
			note = "UNKNOWN"
		}
		fmt.Fprintf(tw, "  %s\tapplied %s\t%s\n", a.Version, a.AppliedAt.Format(time.RFC3339),
			note)
	}
	for _, p := range mg.Pending {
		fmt.Fprintf(tw, "  %s\tPENDING\t\n", p)
	}
	_ = tw.Flush()
}

// writeLockText shows the migration lock and who holds or waits for it.
func writeLockText(b *bytes.Buffer, l *migrationLock) {
	fmt.Fprintf(b, "\nMIGRATION LOCK %d (classid %d, objid %d)\n", l.Key, l.ClassID, l.ObjID)
	if len(l.Holders) == 0 {
		b.WriteString("  not held\n")
	}
	for _, h := range l.Holders {
		fmt.Fprintf(b, "  pid %d granted=%v state=%s query age %s transaction age %s\n",
			h.PID, h.Granted, orDash(h.State), age(h.QueryAgeSec), age(h.XactAgeSec))
	}
}

// writeSchemaText summarizes the schema checks.
func writeSchemaText(b *bytes.Buffer, sc *schema) {
	fmt.Fprintf(b, "\nSCHEMA\n  missing tables: %s\n  retired tables present: %s\n",
		joinOr(sc.MissingTables, "none"), joinOr(sc.RetiredPresent, "none"))
	fmt.Fprintf(b, "  missing triggers: %s\n  audit partitions missing: %s (expected %s)\n",
		joinOr(sc.MissingTriggers, "none"), joinOr(sc.MissingPartitions, "none"),
		joinOr(sc.Partitions, "-"))
	fmt.Fprintf(b, "  missing indexes/constraints: %s\n  row-level security:",
		joinOr(sc.MissingObjects, "none"))
	for _, t := range sc.RLS {
		fmt.Fprintf(b, " %s=%s", t.Table, rlsState(t))
	}
	b.WriteString("\n")
}

// rlsState is a table's row-level security in one word.
func rlsState(t rlsTable) string {
	switch {
	case t.Enabled && t.Policy:
		return "on"
	case t.Enabled:
		return "on-no-policy"
	}
	return "OFF"
}

// writeOutboxText lists the outbox counts and the parts of health.json that failed.
func writeOutboxText(b *bytes.Buffer, h *healthReport) {
	b.WriteString("\nOUTBOXES\n")
	if ob := h.EventOutbox; ob != nil {
		fmt.Fprintf(b, "  event_outbox: pending %d (oldest %s), dead %d (oldest %s)\n",
			ob.Pending, age(ob.OldestPendingSec), ob.Dead, age(ob.OldestDeadSec))
	}
	for _, c := range h.CaracalOutbox {
		fmt.Fprintf(b, "  caracal_outbox %s %s: %d\n", c.Producer, c.Status, c.Count)
	}
	for _, e := range h.Errors {
		fmt.Fprintf(b, "  unreadable: %s\n", e)
	}
}

package postgres

import (
	"fmt"
	"strings"

	"github.com/caracal-tools/bundle/bundle"
)

// Areas, in the words of Caracal's debugging page, readiness reasons and verify.sh.
const (
	areaMigrations = "Postgres migrations"
	areaSchema     = "Postgres schema verification"
	areaRLS        = "row-level security: zone isolation"
	areaPolicy     = "policy versions immutable"
	areaPartitions = "audit partitions: current rolling window"
	areaOutbox     = "outbox_dead_messages: API event outbox"
	areaCoordOut   = "outbox_dead: coordinator outbox"
	areaHealth     = "Postgres connectivity, migrations, pools and outbox age"
)

// Thresholds for findings.
const (
	// lockStuckSeconds: the Helm migration Job's activeDeadlineSeconds.
	lockStuckSeconds = 900
	// pendingOldSeconds flags an outbox that is not draining.
	pendingOldSeconds = 300
	replicaLagSeconds = 60
)

func (r *run) finding(sev bundle.Severity, code, subject, area, format string, args ...any) {
	files := []string{r.out.Path("migrations.json")}
	if strings.HasPrefix(code, "postgres.outbox") || strings.HasPrefix(code, "postgres.health") {
		files = []string{r.out.Path("health.json")}
	}
	r.out.Finding(bundle.Finding{
		Stage: bundle.StageStorage, Severity: sev, Code: code, Subject: subject, Area: area,
		Message: fmt.Sprintf(format, args...), Files: files,
	})
}

func (r *run) findings() {
	r.migrationFindings()
	r.schemaFindings()
	r.outboxFindings()
	r.healthFindings()
}

func (r *run) migrationFindings() {
	m := r.mig.Migrations
	if len(m.Pending) > 0 && m.Error == "" {
		r.finding(bundle.SeverityFail, "postgres.migrations.pending", "schema_migrations",
			areaMigrations, "%d migration(s) not applied: %s", len(m.Pending),
			strings.Join(m.Pending, ", "))
	}
	if len(m.Unknown) > 0 {
		r.finding(bundle.SeverityWarn, "postgres.migrations.unknown", "schema_migrations",
			areaMigrations, "applied migration(s) unknown to %s: %s (newer Caracal?)",
			m.Source, strings.Join(m.Unknown, ", "))
	}
	for _, h := range r.mig.Lock.Holders {
		if !h.Granted {
			continue
		}
		sev, what := bundle.SeverityWarn, "a migration is in progress"
		if h.XactAgeSec != nil && *h.XactAgeSec > lockStuckSeconds {
			sev, what = bundle.SeverityFail, "a migration looks stuck"
		}
		r.finding(sev, "postgres.migrations.locked", fmt.Sprintf("pid %d", h.PID),
			areaMigrations, "%s: advisory lock %d held by pid %d (%s), query age %s, "+
				"transaction age %s", what, migrationLockKey, h.PID, orDash(h.State),
			age(h.QueryAgeSec), age(h.XactAgeSec))
	}
}

func (r *run) schemaFindings() {
	s := r.mig.Schema
	list := []struct {
		items []string
		sev   bundle.Severity
		code  string
		area  string
		what  string
	}{
		{s.MissingTables, bundle.SeverityFail, "postgres.schema.tables_missing", areaSchema,
			"expected tables missing"},
		{s.RetiredPresent, bundle.SeverityWarn, "postgres.schema.retired_present", areaSchema,
			"retired tables still present"},
		{s.MissingTriggers, bundle.SeverityFail, "postgres.schema.triggers_missing",
			areaPolicy, "immutability triggers missing"},
		{s.MissingPartitions, bundle.SeverityFail, "postgres.schema.partitions_missing",
			areaPartitions, "audit partitions missing"},
		{s.MissingObjects, bundle.SeverityWarn, "postgres.schema.objects_missing", areaSchema,
			"indexes or constraints missing"},
	}
	for _, l := range list {
		if len(l.items) > 0 {
			r.finding(l.sev, l.code, strings.Join(l.items, ", "), l.area, "%s: %s", l.what,
				strings.Join(l.items, ", "))
		}
	}
	var off []string
	for _, t := range s.RLS {
		if !t.Enabled || !t.Policy {
			off = append(off, t.Table)
		}
	}
	if len(off) > 0 {
		r.finding(bundle.SeverityFail, "postgres.schema.rls_off", strings.Join(off, ", "),
			areaRLS, "row-level security off or zone_isolation policy missing on: %s",
			strings.Join(off, ", "))
	}
}

func (r *run) outboxFindings() {
	if ob := r.hl.EventOutbox; ob != nil {
		if ob.Dead > 0 {
			r.finding(bundle.SeverityFail, "postgres.outbox.dead", "event_outbox", areaOutbox,
				"event_outbox holds %d dead row(s), the oldest %s old", ob.Dead,
				age(ob.OldestDeadSec))
		}
		if ob.OldestPendingSec != nil && *ob.OldestPendingSec > pendingOldSeconds {
			r.finding(bundle.SeverityWarn, "postgres.outbox.stalled", "event_outbox",
				areaOutbox, "event_outbox has %d pending row(s), the oldest %s old",
				ob.Pending, age(ob.OldestPendingSec))
		}
	}
	for _, c := range r.hl.CaracalOutbox {
		switch {
		case c.Status == "dead":
			r.finding(bundle.SeverityFail, "postgres.outbox.dead", "caracal_outbox "+c.Producer,
				areaCoordOut, "caracal_outbox holds %d dead row(s) from %s", c.Count, c.Producer)
		case c.Status == "pending" && c.OldestAgeSec != nil && *c.OldestAgeSec > pendingOldSeconds:
			r.finding(bundle.SeverityWarn, "postgres.outbox.stalled",
				"caracal_outbox "+c.Producer, areaCoordOut,
				"caracal_outbox has %d pending row(s) from %s, the oldest %s old",
				c.Count, c.Producer, age(c.OldestAgeSec))
		}
	}
}

func (r *run) healthFindings() {
	h := r.hl
	if h.MaxConnections > 0 && h.TotalConnections*10 > h.MaxConnections*9 {
		r.finding(bundle.SeverityWarn, "postgres.health.connections", "max_connections",
			areaHealth, "%d of %d connections in use", h.TotalConnections, h.MaxConnections)
	}
	for _, x := range h.LongTransactions {
		r.finding(bundle.SeverityWarn, "postgres.health.long_transaction",
			fmt.Sprintf("pid %d", x.PID), areaHealth,
			"transaction open for %.0fs (%s, user %s, application %s)",
			x.AgeSeconds, orDash(x.State), orDash(x.User), orDash(x.Application))
	}
	if l := h.Replication.ReplayLagSeconds; l != nil && *l > replicaLagSeconds {
		r.finding(bundle.SeverityWarn, "postgres.health.replica_lag", "replication",
			areaHealth, "replica is %.0fs behind its primary", *l)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

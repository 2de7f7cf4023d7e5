package postgres

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/caracal-tools/bundle/collectors/internal/pgread"
)

// knownMigrations are Caracal's released migrations (fact sheet, section 4).
var knownMigrations = []string{
	"0001_baseline",
	"0002_approval_hardening",
	"0003_operator_run_token_usage",
}

// Caracal's migration advisory lock and the audit service's leader session locks.
const (
	migrationLockKey int64 = 4732518903281471
	auditExporterKey int64 = 0x4341524130303031
	auditRetainerKey int64 = 0x4341524130303032
)

var upFile = regexp.MustCompile(`^([0-9]{4}_[A-Za-z0-9_]+)\.up\.sql$`)

// readMigrationsDir returns the versions of a migrations/ folder's NNNN_name.up.sql
// files, sorted.
func readMigrationsDir(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("postgres.migrationsDir: %w", err)
	}
	var out []string
	for _, e := range entries {
		if m := upFile.FindStringSubmatch(e.Name()); m != nil && !e.IsDir() {
			out = append(out, m[1])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("postgres.migrationsDir %s: no NNNN_name.up.sql file in it; "+
			"point it at Caracal's infra/postgres/migrations", dir)
	}
	sort.Strings(out)
	return out, nil
}

// readMigrations reads schema_migrations and compares it with known.
func (r *run) readMigrations(ctx context.Context, known []string) error {
	m := &r.mig.Migrations
	m.Known, m.Applied, m.Pending, m.Unknown = known, []applied{}, []string{}, []string{}
	rows, err := r.conn.Query(ctx,
		`SELECT version, applied_at FROM public.schema_migrations ORDER BY version`)
	if err != nil {
		m.TableMissing = pgread.SQLState(err) == pgread.UndefinedTable
		return r.soft(ctx, "public.schema_migrations", err, &m.Error)
	}
	got, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (applied, error) {
		var a applied
		return a, row.Scan(&a.Version, &a.AppliedAt)
	})
	if err != nil {
		return r.soft(ctx, "public.schema_migrations", err, &m.Error)
	}
	seen := map[string]bool{}
	for _, a := range got {
		a.Known = slices.Contains(known, a.Version)
		a.AppliedAt = a.AppliedAt.UTC()
		seen[a.Version] = true
		m.Applied = append(m.Applied, a)
		if !a.Known {
			m.Unknown = append(m.Unknown, a.Version)
		}
	}
	for _, k := range known {
		if !seen[k] {
			m.Pending = append(m.Pending, k)
		}
	}
	return nil
}

// readLocks finds the migration lock and the audit leader locks in pg_locks, with the
// holders' query and transaction ages. The query text is left out: it may hold data.
func (r *run) readLocks(ctx context.Context) error {
	l := &r.mig.Lock
	l.Key, l.Holders = migrationLockKey, []lockHolder{}
	l.ClassID, l.ObjID = lockIDs(migrationLockKey)
	rows, err := r.conn.Query(ctx, fmt.Sprintf(`SELECT l.pid, l.granted, l.mode,
  coalesce(a.usename, ''), coalesce(a.application_name, ''), coalesce(a.state, ''),
  coalesce(a.wait_event, ''),
  extract(epoch FROM now() - a.query_start)::float8,
  extract(epoch FROM now() - a.xact_start)::float8
FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.classid = %d AND l.objid = %d AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY l.granted DESC, l.pid`, l.ClassID, l.ObjID))
	if err != nil {
		return r.soft(ctx, "pg_locks", err, &l.Error)
	}
	l.Holders, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (lockHolder, error) {
		var h lockHolder
		return h, row.Scan(&h.PID, &h.Granted, &h.Mode, &h.User, &h.Application, &h.State,
			&h.WaitEvent, &h.QueryAgeSec, &h.XactAgeSec)
	})
	if err != nil {
		return r.soft(ctx, "pg_locks", err, &l.Error)
	}
	return r.readLeaderLocks(ctx)
}

func (r *run) readLeaderLocks(ctx context.Context) error {
	r.mig.LeaderLocks = []leaderLock{}
	for _, k := range []struct {
		name string
		key  int64
	}{{"audit exporter", auditExporterKey}, {"audit retention", auditRetainerKey}} {
		ll := leaderLock{Name: k.name}
		classID, objID := lockIDs(k.key)
		err := r.conn.QueryRow(ctx, fmt.Sprintf(`SELECT pid FROM pg_locks
WHERE locktype = 'advisory' AND granted AND classid = %d AND objid = %d AND objsubid = 1
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
LIMIT 1`, classID, objID)).Scan(&ll.PID)
		switch {
		case err == pgx.ErrNoRows:
		case err != nil:
			var msg string
			return r.soft(ctx, "pg_locks", err, &msg)
		default:
			ll.Held = true
		}
		r.mig.LeaderLocks = append(r.mig.LeaderLocks, ll)
	}
	return nil
}

// lockIDs splits a bigint advisory lock key the way pg_locks shows it: the high 32
// bits in classid, the low 32 bits in objid (objsubid is 1).
func lockIDs(key int64) (classID, objID uint32) {
	return uint32(uint64(key) >> 32), uint32(uint64(key) & 0xffffffff)
}

// age formats seconds for the text report.
func age(s *float64) string {
	if s == nil {
		return "-"
	}
	return (time.Duration(*s) * time.Second).String()
}

func joinOr(s []string, none string) string {
	if len(s) == 0 {
		return none
	}
	return strings.Join(s, ", ")
}

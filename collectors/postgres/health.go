package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// readHealth reads connections, long transactions, replication and database sizes.
// Without pg_read_all_stats, other roles' sessions show no state; they are counted
// as "(hidden)".
func (r *run) readHealth(ctx context.Context) error {
	h := &r.hl
	h.Connections, h.LongTransactions, h.Databases = []connGroup{}, []longXact{}, []dbSize{}
	h.Replication.Replicas = []replica{}
	steps := []struct {
		what string
		fn   func(context.Context) error
	}{
		{"pg_stat_activity connections", r.readConnections},
		{"pg_stat_activity transactions", r.readLongTransactions},
		{"replication", r.readReplication},
		{"database sizes", r.readSizes},
	}
	for _, s := range steps {
		if err := s.fn(ctx); err != nil {
			if err := r.softHealth(ctx, s.what, err); err != nil {
				return err
			}
		}
	}
	return nil
}

// softHealth is soft for the health report: the error goes into health.json.
func (r *run) softHealth(ctx context.Context, what string, err error) error {
	var msg string
	if err := r.soft(ctx, what, err, &msg); err != nil {
		return err
	}
	r.hl.Errors = append(r.hl.Errors, what+": "+msg)
	return nil
}

func (r *run) readConnections(ctx context.Context) error {
	h := &r.hl
	if err := r.conn.QueryRow(ctx,
		`SELECT current_setting('max_connections')::int`).Scan(&h.MaxConnections); err != nil {
		return err
	}
	rows, err := r.conn.Query(ctx, `SELECT coalesce(state, '(hidden)'),
  coalesce(wait_event_type, ''), coalesce(wait_event, ''), count(*)::int
FROM pg_stat_activity WHERE backend_type = 'client backend'
GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2, 3`)
	if err != nil {
		return err
	}
	h.Connections, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (connGroup, error) {
		var c connGroup
		err := row.Scan(&c.State, &c.WaitEventType, &c.WaitEvent, &c.Count)
		h.TotalConnections += c.Count
		return c, err
	})
	return err
}

func (r *run) readLongTransactions(ctx context.Context) error {
	rows, err := r.conn.Query(ctx, `SELECT pid, coalesce(usename, '')::text,
  coalesce(datname, '')::text, coalesce(application_name, ''), coalesce(state, ''),
  coalesce(wait_event, ''), extract(epoch FROM now() - xact_start)::float8
FROM pg_stat_activity
WHERE xact_start < now() - interval '1 minute' AND pid <> pg_backend_pid()
ORDER BY xact_start LIMIT 50`)
	if err != nil {
		return err
	}
	r.hl.LongTransactions, err = pgx.CollectRows(rows,
		func(row pgx.CollectableRow) (longXact, error) {
			var x longXact
			return x, row.Scan(&x.PID, &x.User, &x.Database, &x.Application, &x.State,
				&x.WaitEvent, &x.AgeSeconds)
		})
	return err
}

// readReplication reads the replay lag on a replica, or the replicas of a primary.
func (r *run) readReplication(ctx context.Context) error {
	rep := &r.hl.Replication
	rep.InRecovery = r.mig.Server.InRecovery
	if rep.InRecovery {
		return r.conn.QueryRow(ctx, `SELECT CASE
  WHEN pg_last_wal_receive_lsn() IS DISTINCT FROM pg_last_wal_replay_lsn()
    OR pg_last_wal_receive_lsn() IS NULL
  THEN extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 ELSE 0 END`).Scan(
			&rep.ReplayLagSeconds)
	}
	rows, err := r.conn.Query(ctx, `SELECT coalesce(application_name, ''),
  coalesce(state, ''), coalesce(sync_state, ''), extract(epoch FROM replay_lag)::float8
FROM pg_stat_replication ORDER BY 1`)
	if err != nil {
		return err
	}
	rep.Replicas, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (replica, error) {
		var x replica
		return x, row.Scan(&x.Application, &x.State, &x.SyncState, &x.ReplayLagSec)
	})
	return err
}

func (r *run) readSizes(ctx context.Context) error {
	rows, err := r.conn.Query(ctx, `SELECT datname::text,
  CASE WHEN has_database_privilege(datname, 'CONNECT') THEN pg_database_size(datname) END
FROM pg_database WHERE datallowconn ORDER BY 1`)
	if err != nil {
		return err
	}
	r.hl.Databases, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (dbSize, error) {
		var d dbSize
		return d, row.Scan(&d.Name, &d.Bytes)
	})
	return err
}

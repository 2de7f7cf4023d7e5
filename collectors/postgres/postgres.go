// Package postgres holds the postgres collector: Caracal's migration state, schema
// checks, outboxes and server health, read with SELECTs in a read-only session.
package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/collectors/internal/netutil"
	"github.com/caracal-tools/bundle/collectors/internal/pgread"
)

func init() { bundle.Register(collector{}) }

// collector reads Postgres in a read-only session; it never writes and never runs
// Caracal's own scripts.
type collector struct{}

// Info names the collector and its group, both "postgres".
func (collector) Info() bundle.Info {
	return bundle.Info{Name: "postgres", Group: "postgres",
		Description: "Postgres migrations, migration lock, schema checks, outboxes and health"}
}

// run is one collection: the connection, the sink and the reports being filled.
type run struct {
	conn *pgx.Conn
	out  *bundle.Sink
	mig  migrationsReport
	hl   healthReport
}

// Collect connects with the configured URL and writes migrations.json,
// migrations.txt and health.json.
func (collector) Collect(ctx context.Context, env *bundle.Env, out *bundle.Sink) error {
	cfg := env.Config.Postgres
	if cfg.URL.IsZero() {
		return bundle.Skip(bundle.NotConfigured, "set --database-url or DATABASE_URL")
	}
	known, source := knownMigrations, "embedded"
	if cfg.MigrationsDir != "" {
		var err error
		if known, err = readMigrationsDir(cfg.MigrationsDir); err != nil {
			return err
		}
		source = cfg.MigrationsDir
	}
	rawURL, err := cfg.URL.Resolve()
	if err != nil {
		return fmt.Errorf("database url: %w", err)
	}
	conn, err := connect(ctx, rawURL)
	if err != nil {
		netutil.SettleDeadline(ctx)
		return err
	}
	defer func() { _ = conn.Close(context.Background()) }()

	r := &run{conn: conn, out: out}
	r.mig.CollectedAt = env.Start.UTC()
	r.hl.CollectedAt = r.mig.CollectedAt
	r.mig.Migrations.Source = source
	if err := r.all(ctx, known); err != nil {
		netutil.SettleDeadline(ctx)
		return pgread.Scrub(fmt.Errorf("read postgres: %w", err), rawURL)
	}
	return r.write()
}

// all runs every step; a step fails only when the session itself is lost.
func (r *run) all(ctx context.Context, known []string) error {
	steps := []func(context.Context) error{
		r.readServer,
		func(ctx context.Context) error { return r.readMigrations(ctx, known) },
		r.readLocks, r.readSchema, r.readOutboxes, r.readHealth,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) readServer(ctx context.Context) error {
	s := &r.mig.Server
	err := r.conn.QueryRow(ctx, `SELECT current_setting('server_version'),
  current_setting('server_version_num')::int, pg_is_in_recovery(),
  current_database()::text, current_user::text`).Scan(
		&s.Version, &s.VersionNum, &s.InRecovery, &s.Database, &s.User)
	if err != nil {
		return fmt.Errorf("server version: %w", err)
	}
	return nil
}

// soft handles a failed query. An error from the server (missing table, permission
// denied, statement timeout) marks the collector partial, is noted in *msg when msg
// is not nil, and nil is returned so the other checks go on. A lost session or an
// ended ctx is returned.
func (r *run) soft(ctx context.Context, what string, err error, msg *string) error {
	state := pgread.SQLState(err)
	if state == "" || ctx.Err() != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if msg != nil {
		*msg = err.Error()
	}
	r.out.Partial("postgres %s: %v", what, err)
	switch state {
	case pgread.UndefinedTable, pgread.UndefinedColumn:
		r.finding(bundle.SeverityFail, "postgres.table.missing", what, areaSchema,
			"%s could not be read: %v", what, err)
	case pgread.InsufficientPrivilege:
		r.finding(bundle.SeverityWarn, "postgres.table.unreadable", what, areaSchema,
			"%s could not be read: permission denied for this role", what)
	}
	return nil
}

// write writes the three files, then the findings.
func (r *run) write() error {
	err := errors.Join(
		r.out.WriteJSON("migrations.json", &r.mig),
		r.out.WriteFile("migrations.txt", migrationsText(&r.mig, &r.hl)),
		r.out.WriteJSON("health.json", &r.hl),
	)
	if err != nil {
		return err
	}
	r.findings()
	return nil
}

package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/collectors/internal/netutil"
)

// errNoPostgres means no database URL is configured.
var errNoPostgres = errors.New("set --database-url or DATABASE_URL")

// pgSetup makes the session read-only, bounds every statement, and lets a Caracal
// service role (RLS on, not forced) see every zone through the caracal.zone_id GUC.
const pgSetup = `SET default_transaction_read_only = on;
SET statement_timeout = '20s';
SET lock_timeout = '2s';
SELECT set_config('caracal.zone_id', '*', false)`

// SQLSTATE codes told apart.
const (
	stateUndefinedTable  = "42P01"
	stateUndefinedColumn = "42703"
	stateNoPrivilege     = "42501"
)

// pgConnect opens one read-only session to the configured database. Errors name the
// operation and never hold the URL or its password.
func pgConnect(ctx context.Context, p config.Postgres) (*pgx.Conn, error) {
	if p.URL.IsZero() {
		return nil, errNoPostgres
	}
	raw, err := p.URL.Resolve()
	if err != nil {
		return nil, fmt.Errorf("postgres url: %w", err)
	}
	cfg, err := pgx.ParseConfig(raw)
	if err != nil {
		return nil, hideURL(fmt.Errorf("parse postgres url %s: %w", p.URL, err), raw)
	}
	if !strings.Contains(raw, "connect_timeout") {
		cfg.ConnectTimeout = 5 * time.Second
	}
	cfg.RuntimeParams["application_name"] = "caracal-bundle-audit"
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec

	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, hideURL(fmt.Errorf("connect to postgres: %w", err), raw)
	}
	if _, err := conn.Exec(ctx, pgSetup); err != nil {
		_ = conn.Close(context.Background())
		return nil, hideURL(fmt.Errorf("set up read-only postgres session: %w", err), raw)
	}
	return conn, nil
}

// hideURL returns err with the URL, its user info and password masked in its message;
// errors.Is and errors.As still see the original chain.
func hideURL(err error, raw string) error {
	var pw string
	if c, perr := pgconn.ParseConfig(raw); perr == nil {
		pw = c.Password
	}
	return netutil.Scrub(err, raw, pw)
}

// sqlState returns the SQLSTATE of a server error, or "".
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// softSQL reports whether err is a missing table or column or a refused privilege: the
// part is left out with a note rather than failing the collector.
func softSQL(err error) bool {
	switch sqlState(err) {
	case stateUndefinedTable, stateUndefinedColumn, stateNoPrivilege:
		return true
	}
	return false
}

// lazyDB opens the read-only session on first use and remembers a failure to connect.
// It is not safe for concurrent use.
type lazyDB struct {
	cfg  config.Postgres
	conn *pgx.Conn
	err  error
}

// get returns the session, connecting on the first call.
func (d *lazyDB) get(ctx context.Context) (*pgx.Conn, error) {
	if d.conn == nil && d.err == nil {
		d.conn, d.err = pgConnect(ctx, d.cfg)
	}
	return d.conn, d.err
}

// close ends the session, if one was opened.
func (d *lazyDB) close() {
	if d.conn != nil {
		_ = d.conn.Close(context.Background())
	}
}

package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/collectors/internal/pgread"
)

// errNoPostgres means no database URL is configured.
var errNoPostgres = errors.New("set --database-url or DATABASE_URL")

// pgSetup lets a Caracal service role (RLS on, not forced) see every zone through the
// caracal.zone_id GUC.
const pgSetup = `SELECT set_config('caracal.zone_id', '*', false)`

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
	return pgread.Connect(ctx, raw, pgread.Options{AppName: "caracal-bundle-audit",
		Setup: pgSetup, ExecMode: pgx.QueryExecModeExec})
}

// hideURL returns err with the URL, its user info and password masked in its message;
// errors.Is and errors.As still see the original chain.
func hideURL(err error, raw string) error { return pgread.Scrub(err, raw) }

// softSQL reports whether err is a missing table or column or a refused privilege: the
// part is left out with a note rather than failing the collector.
func softSQL(err error) bool {
	switch pgread.SQLState(err) {
	case pgread.UndefinedTable, pgread.UndefinedColumn, pgread.InsufficientPrivilege:
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

// Package pgread opens read-only Postgres sessions for the collectors that read
// Caracal's database, with errors that never hold the URL's secrets.
package pgread

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/caracal-tools/bundle/collectors/internal/netutil"
)

// ConnectTimeout bounds the dial and login unless the URL sets connect_timeout.
const ConnectTimeout = 5 * time.Second

// readOnly makes the session read-only and bounds every statement. It is set after
// login rather than as startup parameters, which connection poolers may refuse.
const readOnly = `SET default_transaction_read_only = on;
SET statement_timeout = '20s';
SET lock_timeout = '2s';
SET idle_in_transaction_session_timeout = '60s'`

// SQLSTATE codes the collectors tell apart.
const (
	UndefinedTable        = "42P01"
	UndefinedColumn       = "42703"
	InsufficientPrivilege = "42501"
)

// Options tune a session.
type Options struct {
	// AppName is the session's application_name.
	AppName string
	// Setup holds more statements run after the read-only settings.
	Setup string
	// ExecMode is pgx's query mode; zero means the simple protocol, which poolers in
	// transaction mode accept.
	ExecMode pgx.QueryExecMode
}

// Connect opens one read-only session to rawURL (a URL or a keyword/value DSN).
func Connect(ctx context.Context, rawURL string, o Options) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, Scrub(fmt.Errorf("parse database url: %w", err), rawURL)
	}
	if !strings.Contains(rawURL, "connect_timeout") {
		cfg.ConnectTimeout = ConnectTimeout
	}
	cfg.RuntimeParams["application_name"] = o.AppName
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	if o.ExecMode != 0 {
		cfg.DefaultQueryExecMode = o.ExecMode
	}

	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, Scrub(fmt.Errorf("connect to postgres: %w", err), rawURL)
	}
	setup := readOnly
	if o.Setup != "" {
		setup += ";\n" + o.Setup
	}
	if _, err := conn.Exec(ctx, setup); err != nil {
		_ = conn.Close(context.Background())
		return nil, Scrub(fmt.Errorf("set read-only session: %w", err), rawURL)
	}
	return conn, nil
}

// Scrub hides the URL's secrets in err's message: those netutil.Scrub finds in a URL,
// and the password of a keyword/value DSN. errors.Is and errors.As still see the chain.
func Scrub(err error, rawURL string) error {
	var pw string
	if cfg, perr := pgconn.ParseConfig(rawURL); perr == nil {
		pw = cfg.Password
	}
	return netutil.Scrub(err, rawURL, pw)
}

// SQLState returns the SQLSTATE of a server error, or "".
func SQLState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

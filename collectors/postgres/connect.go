package postgres

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

// connectTimeout bounds the dial and login unless the URL sets connect_timeout.
const connectTimeout = 5 * time.Second

// sessionSettings make the session read-only and bound every statement. They are set
// after login rather than as startup parameters, which poolers may refuse.
const sessionSettings = `SET default_transaction_read_only = on;
SET statement_timeout = '20s';
SET lock_timeout = '2s';
SET idle_in_transaction_session_timeout = '60s'`

// connect opens one read-only session. Errors never hold the URL's password.
func connect(ctx context.Context, rawURL string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return nil, scrub(fmt.Errorf("parse database url: %w", err), rawURL)
	}
	if !strings.Contains(rawURL, "connect_timeout") {
		cfg.ConnectTimeout = connectTimeout
	}
	cfg.RuntimeParams["application_name"] = "caracal-bundle"
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol

	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, scrub(fmt.Errorf("connect to postgres: %w", err), rawURL)
	}
	if _, err := conn.Exec(ctx, sessionSettings); err != nil {
		_ = conn.Close(context.Background())
		return nil, scrub(fmt.Errorf("set read-only session: %w", err), rawURL)
	}
	return conn, nil
}

// scrub hides the URL's secrets in err's message: those netutil.Scrub finds in a URL,
// and the password of a keyword/value DSN.
func scrub(err error, rawURL string) error {
	return netutil.Scrub(err, rawURL, dsnPassword(rawURL))
}

// dsnPassword returns the password a URL or DSN carries, or "".
func dsnPassword(raw string) string {
	if cfg, err := pgconn.ParseConfig(raw); err == nil {
		return cfg.Password
	}
	return ""
}

// Error codes the collector tells apart.
const (
	codeUndefinedTable   = "42P01"
	codeInsufficientPriv = "42501"
	codeUndefinedColumn  = "42703"
)

// sqlState returns the SQLSTATE of a server error, or "".
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

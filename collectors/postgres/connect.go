package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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

// scrubbedError hides secrets in a message and keeps the chain for errors.Is.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrub replaces the URL, its user info and its password in err's message.
func scrub(err error, rawURL string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, s := range secretsOf(rawURL) {
		msg = strings.ReplaceAll(msg, s, "xxxxx")
	}
	if msg == err.Error() {
		return err
	}
	return &scrubbedError{msg: msg, err: err}
}

// secretsOf returns the parts of a URL or DSN that must not appear in a message.
func secretsOf(raw string) []string {
	out := []string{raw}
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		out = append(out, u.User.String())
		if pw, ok := u.User.Password(); ok && pw != "" {
			out = append(out, pw, url.QueryEscape(pw), url.PathEscape(pw))
		}
	}
	if cfg, err := pgconn.ParseConfig(raw); err == nil && cfg.Password != "" {
		out = append(out, cfg.Password)
	}
	return out
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

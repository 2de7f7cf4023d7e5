package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/caracal-tools/bundle/collectors/internal/pgread"
)

// connect opens one read-only session. Errors never hold the URL's password.
func connect(ctx context.Context, rawURL string) (*pgx.Conn, error) {
	return pgread.Connect(ctx, rawURL, pgread.Options{AppName: "caracal-bundle"})
}

package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// readOutboxes counts event_outbox pending and dead rows by stream and caracal_outbox
// rows by producer and status, with the oldest ages. Payloads are not read.
func (r *run) readOutboxes(ctx context.Context) error {
	if err := r.readEventOutbox(ctx); err != nil {
		return err
	}
	rows, err := r.conn.Query(ctx, `SELECT producer::text, status::text, count(*),
  extract(epoch FROM now() - min(available_at)
    FILTER (WHERE status::text <> 'published'))::float8
FROM public.caracal_outbox GROUP BY 1, 2 ORDER BY 1, 2`)
	if err == nil {
		r.hl.CaracalOutbox, err = pgx.CollectRows(rows,
			func(row pgx.CollectableRow) (caracalOutbox, error) {
				var c caracalOutbox
				return c, row.Scan(&c.Producer, &c.Status, &c.Count, &c.OldestAgeSec)
			})
	}
	if err != nil {
		return r.softHealth(ctx, "public.caracal_outbox", err)
	}
	return nil
}

const eventOutboxSQL = `SELECT coalesce(stream_name, '')::text,
  count(*) FILTER (WHERE NOT dead), count(*) FILTER (WHERE dead),
  extract(epoch FROM now() - min(created_at) FILTER (WHERE NOT dead))::float8,
  extract(epoch FROM now() - min(created_at) FILTER (WHERE dead))::float8
FROM (SELECT stream_name, created_at, available_at = 'infinity' AS dead
  FROM public.event_outbox WHERE dispatched_at IS NULL) o
GROUP BY 1 ORDER BY 1`

// readEventOutbox counts undispatched rows: dead ones have available_at = infinity.
func (r *run) readEventOutbox(ctx context.Context) error {
	rows, err := r.conn.Query(ctx, eventOutboxSQL)
	if err != nil {
		return r.softHealth(ctx, "public.event_outbox", err)
	}
	ob := &eventOutbox{ByStream: []outboxStream{}}
	var st outboxStream
	var pendAge, deadAge *float64
	_, err = pgx.ForEachRow(rows, []any{&st.Stream, &st.Pending, &st.Dead, &pendAge, &deadAge},
		func() error {
			ob.ByStream = append(ob.ByStream, st)
			ob.Pending += st.Pending
			ob.Dead += st.Dead
			ob.OldestPendingSec = older(ob.OldestPendingSec, pendAge)
			ob.OldestDeadSec = older(ob.OldestDeadSec, deadAge)
			return nil
		})
	if err != nil {
		return r.softHealth(ctx, "public.event_outbox", err)
	}
	r.hl.EventOutbox = ob
	return nil
}

// older returns the larger of two optional ages.
func older(a, b *float64) *float64 {
	if b == nil || (a != nil && *a >= *b) {
		return a
	}
	v := *b
	return &v
}

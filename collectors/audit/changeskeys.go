package audit

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
)

// envelopeTables are the tables whose CSS1 envelopes the KEK re-seal rewrites.
var envelopeTables = []string{"secret_store", "secrets", "provider_connections",
	"notification_sinks"}

// keysReport is changes/keys.json. It holds KEK fingerprints (the 8-byte key ID in
// each envelope) and version numbers, never an envelope or key.
type keysReport struct {
	KEKs            []kekGroup   `json:"kek_ids"`
	KEKError        string       `json:"kek_error,omitempty"`
	ZoneSigningKeys []signingKey `json:"zone_signing_keys"`
	SigningKeyError string       `json:"zone_signing_key_error,omitempty"`
	Note            string       `json:"note"`
}

const keysNote = "kek_id is bytes 5-12 of each CSS1 envelope (the first 8 bytes of " +
	"SHA-256 of the KEK); envelopes and key values are not read out"

// kekGroup counts the envelopes of one column sealed under one KEK.
type kekGroup struct {
	Table     string `json:"table"`
	Column    string `json:"column"`
	KEKID     string `json:"kek_id"`
	Envelopes int64  `json:"envelopes"`
}

// signingKey is one version of a zone's signing key: its secrets row without values.
type signingKey struct {
	ZoneID    string    `json:"zone_id"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	InWindow  bool      `json:"in_window"`
}

func (r *changesRun) keys(ctx context.Context) keysReport {
	rep := keysReport{KEKs: []kekGroup{}, ZoneSigningKeys: []signingKey{}, Note: keysNote}
	if !r.sqlConn() {
		return rep
	}
	var err error
	if rep.KEKs, err = r.kekGroups(ctx); err != nil {
		rep.KEKError = err.Error()
		r.softOrPartial("KEK ids", err)
		rep.KEKs = []kekGroup{}
	}
	if rep.ZoneSigningKeys, err = r.signingKeys(ctx); err != nil {
		rep.SigningKeyError = err.Error()
		r.softOrPartial("zone signing keys", err)
		rep.ZoneSigningKeys = []signingKey{}
	}
	return rep
}

// kekGroups finds the bytea columns of the envelope tables and groups their CSS1
// envelopes by KEK ID without decrypting anything.
func (r *changesRun) kekGroups(ctx context.Context) ([]kekGroup, error) {
	rows, err := r.db.conn.Query(ctx, `SELECT table_name::text, column_name::text
FROM information_schema.columns
WHERE table_schema = 'public' AND table_name = ANY($1) AND data_type = 'bytea'
ORDER BY 1, 2`, envelopeTables)
	if err != nil {
		return nil, fmt.Errorf("list envelope columns: %w", err)
	}
	cols, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) ([2]string, error) {
		var c [2]string
		return c, row.Scan(&c[0], &c[1])
	})
	if err != nil {
		return nil, fmt.Errorf("list envelope columns: %w", err)
	}
	out := []kekGroup{}
	for _, c := range cols {
		gs, err := r.kekColumn(ctx, c[0], c[1])
		if err != nil {
			return out, err
		}
		out = append(out, gs...)
	}
	return out, nil
}

func (r *changesRun) kekColumn(ctx context.Context, table, column string) ([]kekGroup,
	error) {
	col := pgx.Identifier{column}.Sanitize()
	q := fmt.Sprintf(`SELECT encode(substring(%[1]s from 5 for 8), 'hex'), count(*)
FROM %[2]s WHERE substring(%[1]s from 1 for 4) = 'CSS1'::bytea
GROUP BY 1 ORDER BY 2 DESC`, col, pgx.Identifier{"public", table}.Sanitize())
	rows, err := r.db.conn.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("group %s.%s by KEK: %w", table, column, err)
	}
	gs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (kekGroup, error) {
		g := kekGroup{Table: table, Column: column}
		return g, row.Scan(&g.KEKID, &g.Envelopes)
	})
	if err != nil {
		return nil, fmt.Errorf("group %s.%s by KEK: %w", table, column, err)
	}
	return gs, nil
}

// signingKeys lists the versions of every zone's signing key, newest first.
func (r *changesRun) signingKeys(ctx context.Context) ([]signingKey, error) {
	rows, err := r.db.conn.Query(ctx, `SELECT coalesce(zone_id::text, ''), version::bigint,
  created_at FROM public.secrets WHERE name = 'zone_signing_key'
ORDER BY 1, 2 DESC LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("query zone signing keys: %w", err)
	}
	ks, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (signingKey, error) {
		var k signingKey
		err := row.Scan(&k.ZoneID, &k.Version, &k.CreatedAt)
		k.CreatedAt = k.CreatedAt.UTC()
		k.InWindow = !k.CreatedAt.Before(r.since) && !k.CreatedAt.After(r.until)
		return k, err
	})
	if err != nil {
		return nil, fmt.Errorf("read zone signing keys: %w", err)
	}
	return ks, nil
}

// kekIDs returns the distinct KEK IDs with their envelope counts, most used first.
func kekIDs(gs []kekGroup) ([]string, map[string]int64) {
	count := map[string]int64{}
	for _, g := range gs {
		count[g.KEKID] += g.Envelopes
	}
	ids := make([]string, 0, len(count))
	for id := range count {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if count[ids[i]] != count[ids[j]] {
			return count[ids[i]] > count[ids[j]]
		}
		return ids[i] < ids[j]
	})
	return ids, count
}

package redisstreams

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// fixtureCtx bounds fixture set-up.
func fixtureCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
}

// provision does what Caracal's provisioner does: every group at "$" with MKSTREAM,
// and one init entry in the rate-limit stream.
func provision(t testing.TB, c *redis.Client) {
	t.Helper()
	ctx := fixtureCtx(t)
	for _, s := range caracalStreams {
		for _, g := range s.groups {
			must(t, c.XGroupCreateMkStream(ctx, s.name, g, "$").Err())
		}
	}
	must(t, c.XAdd(ctx, &redis.XAddArgs{Stream: "caracal.providers.ratelimit",
		Values: []any{"init", "1"}}).Err())
}

// addEntries adds n entries; at is the time of their IDs (zero: now).
func addEntries(t testing.TB, c *redis.Client, stream string, n int, at time.Time) {
	t.Helper()
	ctx := fixtureCtx(t)
	pipe := c.Pipeline()
	for i := 0; i < n; i++ {
		id := "*"
		if !at.IsZero() {
			id = fmt.Sprintf("%d-%d", at.UnixMilli(), i+1)
		}
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: stream, ID: id,
			Values: []any{"id", fmt.Sprint(i), "data", `{"event":"x"}`, "sig", "00"}})
	}
	_, err := pipe.Exec(ctx)
	must(t, err)
}

// consume reads every new entry as consumer, acknowledging them when ack is set.
func consume(t testing.TB, c *redis.Client, stream, group, consumer string, ack bool) {
	t.Helper()
	ctx := fixtureCtx(t)
	res, err := c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: consumer,
		Streams: []string{stream, ">"}, Count: 100000, Block: -1}).Result()
	if err != nil && err != redis.Nil {
		t.Fatalf("fixture: xreadgroup %s %s: %v", stream, group, err)
	}
	if !ack {
		return
	}
	for _, s := range res {
		for _, m := range s.Messages {
			must(t, c.XAck(ctx, stream, group, m.ID).Err())
		}
	}
}

// healthy builds a deployment where every stream is provisioned and consumed.
func healthy(t testing.TB, c *redis.Client) {
	t.Helper()
	provision(t, c)
	addEntries(t, c, "caracal.audit.events", 20, time.Time{})
	consume(t, c, "caracal.audit.events", "audit-ingestor", "audit-0", true)
	addEntries(t, c, "caracal.policy.invalidate", 3, time.Time{})
	consume(t, c, "caracal.policy.invalidate", "opa-engine", "sts-a-1", true)
	addEntries(t, c, "caracal.invocations.lifecycle", 5, time.Time{})
}

// degraded builds a deployment with every fault the collector must report.
func degraded(t testing.TB, c *redis.Client) {
	t.Helper()
	ctx := fixtureCtx(t)
	provision(t, c)
	must(t, c.Del(ctx, "caracal.keys.invalidate").Err())
	must(t, c.Del(ctx, "caracal.agents.lifecycle").Err())
	addEntries(t, c, "caracal.agents.lifecycle", 2, time.Time{})

	addEntries(t, c, "caracal.audit.events", 4, time.Now().Add(-10*time.Minute))
	consume(t, c, "caracal.audit.events", "audit-ingestor", "audit-0", false)
	addEntries(t, c, "caracal.policy.invalidate", 1100, time.Time{})

	for reason, n := range map[string]int{
		"hmac_verify_failed": 3, "json_parse_error:unexpected EOF": 2,
		"transient_exceeded_max_deliveries:timeout": 1,
	} {
		for i := 0; i < n; i++ {
			must(t, c.XAdd(ctx, &redis.XAddArgs{Stream: auditDLQ, Values: []any{
				"reason", reason, "src_id", "1-1", "received_at", "1", "src_data", "{}"}}).Err())
		}
	}
	for i := 0; i < 2; i++ {
		must(t, c.XAdd(ctx, &redis.XAddArgs{Stream: "caracal.sessions.revoke.dead",
			Values: []any{"original_id", "1-1", "error", "verify signature: mismatch",
				"values", `{"session":"s1"}`, "_sig", "ab"}}).Err())
	}
	must(t, c.Set(ctx, "stream-failure:caracal.sessions.revoke:gw:1-1", "3", time.Hour).Err())
}

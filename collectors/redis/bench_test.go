package redisstreams

import (
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/internal/testbed"
)

// roundTrips counts what the collector sends: one per single command, one per
// pipeline, one per new connection (its HELLO handshake).
type roundTrips struct{ n, dials atomic.Int64 }

func (h *roundTrips) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		h.dials.Add(1)
		return next(ctx, network, addr)
	}
}

func (h *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h *roundTrips) ProcessPipelineHook(
	next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// manyStreams adds n streams with three groups and two entries each; group "a" has a
// consumer holding one entry pending.
func manyStreams(b *testing.B, c *redis.Client, n int) {
	b.Helper()
	ctx := fixtureCtx(b)
	pipe := c.Pipeline()
	for i := 0; i < n; i++ {
		s := fmt.Sprintf("bench.stream.%05d", i)
		for _, g := range []string{"a", "b", "c"} {
			pipe.XGroupCreateMkStream(ctx, s, g, "$")
		}
		for j := 0; j < 2; j++ {
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: s, Values: []any{"k", "v"}})
		}
		pipe.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "a", Consumer: "c1",
			Streams: []string{s, ">"}, Count: 1, Block: -1})
		if pipe.Len() >= 4000 {
			_, err := pipe.Exec(ctx)
			must(b, err)
		}
	}
	_, err := pipe.Exec(ctx)
	must(b, err)
}

func BenchmarkCollect5000Streams(b *testing.B) {
	srv := testbed.Redis(b, testbed.WithPersistence())
	c := srv.Client(b)
	healthy(b, c)
	manyStreams(b, c, 5000)

	rt := &roundTrips{}
	hooks = []redis.Hook{rt}
	b.Cleanup(func() { hooks = nil })
	runs := 0
	for b.Loop() {
		res := bundletest.Run(b, collector{}, cfgFor(srv.URL()))
		if res.Record.Status != bundle.StatusOK {
			b.Fatalf("status %s: %s", res.Record.Status, res.Record.Reason)
		}
		runs++
	}
	b.ReportMetric(float64(rt.n.Load())/float64(runs), "roundtrips/op")
	b.ReportMetric(float64(rt.dials.Load())/float64(runs), "dials/op")
}

// Package redisstreams holds the redis collector: the state of Caracal's Redis streams,
// consumer groups and dead letters, read with read-only commands only.
package redisstreams

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/collectors/internal/netutil"
)

func init() { bundle.Register(collector{}) }

// collector reads Redis with PING, INFO, CONFIG GET, TYPE, SCAN, XINFO, XPENDING
// (summary) and XREVRANGE with COUNT, pipelined. It never writes.
type collector struct{}

// Info names the collector and its group, both "redis".
func (collector) Info() bundle.Info {
	return bundle.Info{Name: "redis", Group: "redis",
		Description: "Redis streams, consumer groups, dead letters and server checks"}
}

// Collect connects with the configured URL and writes streams.json, streams.txt and
// info.txt, plus dead/<stream>.json samples when payloads are asked for.
func (collector) Collect(ctx context.Context, env *bundle.Env, out *bundle.Sink) error {
	cfg := env.Config.Redis
	if cfg.URL.IsZero() {
		return bundle.Skip(bundle.NotConfigured, "set --redis-url or REDIS_URL")
	}
	rawURL, err := cfg.URL.Resolve()
	if err != nil {
		return fmt.Errorf("redis url: %w", err)
	}
	c, err := newClient(rawURL, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	// A read blocked on a silent server sees deadlines but not cancellation: closing the
	// client when ctx ends unblocks it.
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()

	g := &gatherer{
		c: c, out: out, now: time.Now(), sample: cfg.DeadLetterSample,
		rep:     &report{Streams: []*stream{}, DeadLetters: []*dead{}},
		byName:  map[string]*stream{},
		samples: map[string][]redis.XMessage{}, payloads: cfg.IncludePayloads,
	}
	g.rep.CollectedAt = g.now.UTC()
	if g.sample <= 0 {
		g.sample = 200
	}
	if err := g.run(ctx); err != nil {
		netutil.SettleDeadline(ctx)
		if strings.HasPrefix(rawURL, "rediss:") && errors.Is(err, context.DeadlineExceeded) &&
			ctx.Err() == nil {
			err = fmt.Errorf("%w (no TLS handshake answer: is the server plain redis://?)", err)
		}
		return netutil.Scrub(fmt.Errorf("read redis: %w", err), rawURL)
	}
	env.Logger.Debug("redis read", "streams", len(g.rep.Streams),
		"deadLetters", len(g.rep.DeadLetters))
	return g.write()
}

// run performs every step; a step fails only when the server cannot be talked to.
func (g *gatherer) run(ctx context.Context) error {
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"probe", g.probe},
		{"scan streams", g.discover},
		{"xinfo streams", g.streams},
		{"xinfo groups", g.groups},
		{"dead letters", g.deadLetters},
		{"stream-failure keys", g.failureKeys},
	}
	for _, s := range steps {
		if err := s.fn(ctx); err != nil {
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				return fmt.Errorf("%s: timed out: %w", s.name, err)
			}
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if s.name == "xinfo streams" {
			g.missingGroups()
		}
	}
	return nil
}

// write writes the files and the findings.
func (g *gatherer) write() error {
	var txt bytes.Buffer
	if err := writeText(&txt, g.rep); err != nil {
		return fmt.Errorf("format redis/streams.txt: %w", err)
	}
	err := errors.Join(
		g.out.WriteJSON("streams.json", g.rep),
		g.out.WriteFile("streams.txt", txt.Bytes()),
		g.out.WriteFile("info.txt", []byte(g.infoText)),
		g.writeSamples(),
	)
	if err != nil {
		return err
	}
	f := &finder{out: g.out, files: []string{g.out.Path("streams.json"),
		g.out.Path("streams.txt")}}
	f.report(g.rep)
	return nil
}

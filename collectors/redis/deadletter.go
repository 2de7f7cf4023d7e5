package redisstreams

import (
	"context"
	"sort"
	"strings"

	"github.com/redis/go-redis/v9"
)

// maxReasonLen cuts reason and error values before they are counted.
const maxReasonLen = 200

// deadLetters reads the newest sample entries of every dead-letter stream (XREVRANGE
// with COUNT, one round trip for all) and counts their reasons.
func (g *gatherer) deadLetters(ctx context.Context) error {
	pipe := g.c.Pipeline()
	type job struct {
		d   *dead
		cmd *redis.XMessageSliceCmd
	}
	var jobs []job
	for _, st := range g.rep.Streams {
		if !isDeadLetter(st.Name) || !st.Exists || st.Type != "" {
			continue
		}
		d := &dead{
			Stream: st.Name, Length: st.Length, Reasons: []count{}, Classes: []count{},
			OldestAgeSeconds: st.FirstAgeSeconds, NewestAgeSeconds: st.LastAgeSeconds,
		}
		g.rep.DeadLetters = append(g.rep.DeadLetters, d)
		if st.Length > 0 {
			cmd := pipe.XRevRangeN(ctx, st.Name, "+", "-", int64(g.sample))
			jobs = append(jobs, job{d, cmd})
		}
	}
	if len(jobs) == 0 {
		return nil
	}
	if err := g.exec(ctx, pipe); err != nil {
		return err
	}
	for _, j := range jobs {
		msgs, err := j.cmd.Result()
		if err != nil {
			j.d.Error = "xrevrange: " + err.Error()
			g.out.Partial("redis XREVRANGE %s: %v", j.d.Stream, err)
			continue
		}
		j.d.count(msgs)
		if g.payloads {
			g.samples[j.d.Stream] = msgs
		}
	}
	return nil
}

// count fills the histograms from sampled entries.
func (d *dead) count(msgs []redis.XMessage) {
	reasons, classes := map[string]int{}, map[string]int{}
	for _, m := range msgs {
		r := reasonOf(m.Values)
		if replayable(r) {
			d.Replayable++
		}
		class, _, _ := strings.Cut(r, ":")
		if len(r) > maxReasonLen {
			r = r[:maxReasonLen]
		}
		reasons[r]++
		classes[class]++
	}
	d.Sampled = len(msgs)
	d.Reasons, d.Classes = histogram(reasons), histogram(classes)
}

// reasonOf returns the audit DLQ "reason" field, else the .dead "error" field.
func reasonOf(v map[string]any) string {
	for _, k := range []string{"reason", "error"} {
		if s, ok := v[k].(string); ok && s != "" {
			return s
		}
	}
	return "(none)"
}

// histogram sorts counts, largest first.
func histogram(m map[string]int) []count {
	out := make([]count, 0, len(m))
	for v, n := range m {
		out = append(out, count{v, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Value < out[j].Value
	})
	return out
}

// failureKeys counts the "stream-failure:*" retry counters with SCAN MATCH.
func (g *gatherer) failureKeys(ctx context.Context) error {
	var cursor uint64
	for i := 0; i < maxFailureScans; i++ {
		keys, next, err := g.c.Scan(ctx, cursor, "stream-failure:*", scanCount).Result()
		if err != nil {
			if isReplyError(err) {
				g.out.Partial("redis SCAN for stream-failure keys refused: %v", err)
				return nil
			}
			return err
		}
		g.rep.StreamFailureKeys += int64(len(keys))
		if cursor = next; cursor == 0 {
			return nil
		}
	}
	g.out.Note("stream-failure keys: counting stopped after %d SCAN calls", maxFailureScans)
	return nil
}

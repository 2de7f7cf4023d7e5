package redisstreams

import (
	"context"

	"github.com/redis/go-redis/v9"
)

type groupCmds struct {
	st        *stream
	gr        *group
	consumers *redis.XInfoConsumersCmd
	pending   *redis.XPendingCmd
}

// groups reads XINFO CONSUMERS (groups with consumers) and the XPENDING summary
// (groups with pending entries), batched.
func (g *gatherer) groups(ctx context.Context) error {
	pipe := g.c.Pipeline()
	var cmds []groupCmds
	flush := func() error {
		if len(cmds) == 0 {
			return nil
		}
		if err := g.exec(ctx, pipe); err != nil {
			return err
		}
		for _, c := range cmds {
			g.readGroup(c)
		}
		pipe, cmds = g.c.Pipeline(), cmds[:0]
		return nil
	}

	queued := 0
	for _, st := range g.rep.Streams {
		for _, gr := range st.Groups {
			c := groupCmds{st: st, gr: gr}
			if gr.Consumers > 0 {
				c.consumers = pipe.XInfoConsumers(ctx, st.Name, gr.Name)
				queued++
			}
			if gr.Pending > 0 {
				c.pending = pipe.XPending(ctx, st.Name, gr.Name)
				queued++
			}
			if c.consumers == nil && c.pending == nil {
				continue
			}
			cmds = append(cmds, c)
			if queued >= batchCommands {
				if err := flush(); err != nil {
					return err
				}
				queued = 0
			}
		}
	}
	return flush()
}

func (g *gatherer) readGroup(c groupCmds) {
	if c.consumers != nil {
		cs, err := c.consumers.Result()
		if err != nil {
			c.gr.Error = "xinfo consumers: " + err.Error()
			g.out.Partial("redis XINFO CONSUMERS %s %s: %v", c.st.Name, c.gr.Name, err)
		}
		for _, x := range cs {
			c.gr.ConsumerList = append(c.gr.ConsumerList, &consumer{
				Name: x.Name, Pending: x.Pending, IdleMS: x.Idle.Milliseconds(),
			})
		}
	}
	if c.pending != nil {
		p, err := c.pending.Result()
		if err != nil {
			c.gr.Error = "xpending: " + err.Error()
			g.out.Partial("redis XPENDING %s %s: %v", c.st.Name, c.gr.Name, err)
			return
		}
		c.gr.OldestPendingID = p.Lower
		c.gr.OldestPendingAgeSeconds = ageOf(p.Lower, g.now)
	}
}

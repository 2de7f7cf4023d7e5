package redisstreams

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/caracal-tools/bundle/bundle"
)

// Limits that keep round trips few and memory bounded.
const (
	// batchCommands is how many commands go in one pipeline (one round trip).
	batchCommands = 1000
	// scanCount is the COUNT hint of every SCAN.
	scanCount = 1000
	// maxStreams caps how many streams besides Caracal's are read.
	maxStreams = 20000
	// maxFailureScans caps the SCAN calls that count stream-failure keys.
	maxFailureScans = 5000
)

// gatherer reads a Redis server's stream state into a report.
type gatherer struct {
	c        *redis.Client
	out      *bundle.Sink
	now      time.Time
	sample   int
	rep      *report
	byName   map[string]*stream
	infoText string
	// samples holds the newest dead letters per stream, kept only to copy payloads.
	samples  map[string][]redis.XMessage
	payloads bool
}

// exec runs a pipeline. Error replies stay on their commands; only a failure of the
// connection (dial, login, timeout, ctx) is returned.
func (g *gatherer) exec(ctx context.Context, pipe redis.Pipeliner) error {
	cmds, err := pipe.Exec(ctx)
	if err == nil {
		return ctx.Err()
	}
	if !isReplyError(err) {
		return err
	}
	for _, c := range cmds {
		if c.Err() != nil {
			return ctx.Err()
		}
	}
	return err
}

func (g *gatherer) addStream(name string) *stream {
	if st, ok := g.byName[name]; ok {
		return st
	}
	st := &stream{Name: name, Groups: []*group{}}
	if spec, ok := specFor(name); ok {
		st.Caracal, st.Bound = true, spec.bound
	}
	g.byName[name] = st
	g.rep.Streams = append(g.rep.Streams, st)
	return st
}

// discover finds every stream with SCAN ... TYPE stream, one round trip per
// scanCount keys of the keyspace.
func (g *gatherer) discover(ctx context.Context) error {
	var cursor uint64
	found := 0
	for {
		keys, next, err := g.c.ScanType(ctx, cursor, "*", scanCount, "stream").Result()
		if err != nil {
			if isReplyError(err) {
				g.out.Partial("redis SCAN refused, only Caracal's streams read: %v", err)
				return nil
			}
			return err
		}
		for _, k := range keys {
			if _, seen := g.byName[k]; seen {
				continue
			}
			if found >= maxStreams {
				g.rep.StreamsCapped = true
				continue
			}
			found++
			g.addStream(k).Exists = true
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	if g.rep.StreamsCapped {
		g.out.Note("more than %d streams besides Caracal's: the rest were not read", maxStreams)
	}
	g.sortStreams()
	return nil
}

// sortStreams puts Caracal's streams first, in the fact sheet's order, then the others
// by name.
func (g *gatherer) sortStreams() {
	rank := func(s *stream) int {
		for i, c := range caracalStreams {
			if c.name == s.Name {
				return i
			}
		}
		return len(caracalStreams)
	}
	sort.SliceStable(g.rep.Streams, func(i, j int) bool {
		a, b := g.rep.Streams[i], g.rep.Streams[j]
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra < rb
		}
		return a.Name < b.Name
	})
}

type streamCmds struct {
	st     *stream
	info   *redis.XInfoStreamCmd
	groups *redis.XInfoGroupsCmd
}

// streams reads XINFO STREAM and XINFO GROUPS of every existing stream, batched.
func (g *gatherer) streams(ctx context.Context) error {
	var todo []*stream
	for _, st := range g.rep.Streams {
		if st.Exists && st.Type == "" {
			todo = append(todo, st)
		}
	}
	for start := 0; start < len(todo); start += batchCommands / 2 {
		batch := todo[start:min(start+batchCommands/2, len(todo))]
		pipe := g.c.Pipeline()
		cmds := make([]streamCmds, len(batch))
		for i, st := range batch {
			cmds[i] = streamCmds{st, pipe.XInfoStream(ctx, st.Name), pipe.XInfoGroups(ctx, st.Name)}
		}
		if err := g.exec(ctx, pipe); err != nil {
			return err
		}
		for _, c := range cmds {
			g.readStream(c)
		}
	}
	return nil
}

func (g *gatherer) readStream(c streamCmds) {
	st := c.st
	info, err := c.info.Result()
	if err != nil {
		if strings.Contains(err.Error(), "no such key") {
			st.Exists = false
			return
		}
		st.Error = "xinfo stream: " + err.Error()
		g.out.Partial("redis XINFO STREAM %s: %v", st.Name, err)
		return
	}
	st.Length, st.LastGeneratedID, st.EntriesAdded = info.Length, info.LastGeneratedID,
		info.EntriesAdded
	st.FirstID, st.LastID = info.FirstEntry.ID, info.LastEntry.ID
	st.FirstAgeSeconds, st.LastAgeSeconds = ageOf(st.FirstID, g.now), ageOf(st.LastID, g.now)

	groups, err := c.groups.Result()
	if err != nil {
		st.Error = "xinfo groups: " + err.Error()
		g.out.Partial("redis XINFO GROUPS %s: %v", st.Name, err)
		return
	}
	for _, gr := range groups {
		st.Groups = append(st.Groups, newGroup(st.Name, gr))
	}
}

func newGroup(streamName string, gr redis.XInfoGroup) *group {
	out := &group{
		Name: gr.Name, Consumers: gr.Consumers, Pending: gr.Pending,
		LastDeliveredID: gr.LastDeliveredID, EntriesRead: gr.EntriesRead,
		ExpectedUnconsumed: expectedUnconsumed(gr.Name),
	}
	if gr.Lag >= 0 {
		lag := gr.Lag
		out.Lag = &lag
	}
	if spec, ok := specFor(streamName); ok {
		for _, p := range spec.groups {
			out.Provisioned = out.Provisioned || p == gr.Name
		}
	}
	return out
}

// missingGroups records the provisioned groups a Caracal stream lacks.
func (g *gatherer) missingGroups() {
	for _, st := range g.rep.Streams {
		spec, ok := specFor(st.Name)
		if !ok || !st.Exists || st.Type != "" || st.Error != "" {
			continue
		}
		for _, want := range spec.groups {
			if !st.hasGroup(want) {
				st.MissingGroups = append(st.MissingGroups, want)
			}
		}
	}
}

func (s *stream) hasGroup(name string) bool {
	for _, gr := range s.Groups {
		if gr.Name == name {
			return true
		}
	}
	return false
}

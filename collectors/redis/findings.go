package redisstreams

import (
	"fmt"
	"strings"

	"github.com/caracal-tools/bundle/bundle"
)

// Thresholds for stream findings.
const (
	// stuckPendingSeconds: Caracal reclaims pending entries idle for 30 s, so an entry
	// pending for twice that is stuck.
	stuckPendingSeconds = 60
	// lagWarn follows Caracal's doctor, which warns above an audit lag of 1000.
	lagWarn = 1000
)

// finder turns a report into findings.
type finder struct {
	out   *bundle.Sink
	files []string
}

func (f *finder) add(sev bundle.Severity, code, subject, area, format string, args ...any) {
	f.out.Finding(bundle.Finding{
		Stage: bundle.StageStreams, Severity: sev, Code: code, Subject: subject, Area: area,
		Message: fmt.Sprintf(format, args...), Files: f.files,
	})
}

func (f *finder) server(s server) {
	switch {
	case s.ConfigError != "":
		f.add(bundle.SeverityInfo, "redis.config.unavailable", "redis", areaRedis,
			"CONFIG GET refused; maxmemory-policy and save were not checked")
	case s.MaxmemoryPolicy != "noeviction":
		f.add(bundle.SeverityFail, "redis.maxmemory_policy", "redis", areaRedis,
			"maxmemory-policy is %q, not noeviction: Redis may evict stream entries",
			s.MaxmemoryPolicy)
	}
	if s.InfoError != "" {
		return
	}
	if !s.AOFEnabled && s.ConfigError == "" && strings.TrimSpace(s.Save) == "" {
		f.add(bundle.SeverityWarn, "redis.persistence.off", "redis", areaRedis,
			"persistence is off (no AOF, no save points): a restart loses every stream")
	}
	if (s.AOFEnabled && s.AOFLastWrite != "ok") ||
		(s.RDBLastBgsave != "" && s.RDBLastBgsave != "ok") {
		f.add(bundle.SeverityFail, "redis.persistence.failing", "redis", areaRedis,
			"persistence is failing: aof_last_write_status=%s rdb_last_bgsave_status=%s",
			s.AOFLastWrite, s.RDBLastBgsave)
	}
	if s.Role == "slave" && s.MasterLinkStatus != "up" {
		f.add(bundle.SeverityFail, "redis.replication.broken", "redis", areaRedis,
			"replica's link to its master is %q", s.MasterLinkStatus)
	}
	if s.EvictedKeys > 0 {
		f.add(bundle.SeverityWarn, "redis.evictions", "redis", areaRedis,
			"%d keys were evicted since the server started", s.EvictedKeys)
	}
	if s.Maxmemory > 0 && s.UsedMemory*10 > s.Maxmemory*9 {
		f.add(bundle.SeverityWarn, "redis.memory.high", "redis", areaRedis,
			"used memory %d is above 90%% of maxmemory %d", s.UsedMemory, s.Maxmemory)
	}
}

func (f *finder) stream(st *stream) {
	area := areaFor(st.Name)
	switch {
	case !st.Exists && st.Error != "":
		f.add(bundle.SeverityWarn, "redis.stream.unreadable", st.Name, area,
			"stream %s could not be read: %s", st.Name, st.Error)
		return
	case st.Caracal && !st.Exists:
		f.add(bundle.SeverityFail, "redis.stream.missing", st.Name, area,
			"Caracal stream %s does not exist (provisioning did not run or it was deleted)",
			st.Name)
		return
	case st.Type != "":
		f.add(bundle.SeverityFail, "redis.stream.wrong_type", st.Name, area,
			"key %s is a %s, not a stream", st.Name, st.Type)
		return
	}
	for _, m := range st.MissingGroups {
		f.add(bundle.SeverityFail, "redis.group.missing", st.Name+" "+m, area,
			"stream %s lacks its provisioned consumer group %s", st.Name, m)
	}
	if st.Bound > 0 && st.Length > st.Bound {
		f.add(bundle.SeverityWarn, "redis.stream.over_bound", st.Name, area,
			"stream %s holds %d entries, above its intended bound of %d",
			st.Name, st.Length, st.Bound)
	}
	for _, gr := range st.Groups {
		f.group(st, gr, area)
	}
}

func (f *finder) group(st *stream, gr *group, area string) {
	if gr.ExpectedUnconsumed || isDeadLetter(st.Name) {
		return
	}
	subject := st.Name + " " + gr.Name
	if age := gr.OldestPendingAgeSeconds; gr.Pending > 0 && age != nil &&
		*age > stuckPendingSeconds {
		f.add(bundle.SeverityWarn, "redis.group.pending", subject, area,
			"group %s on %s has %d pending entries, the oldest %.0fs old",
			gr.Name, st.Name, gr.Pending, *age)
	}
	if gr.Lag != nil && *gr.Lag > lagWarn {
		f.add(bundle.SeverityWarn, "redis.group.lag", subject, area,
			"group %s on %s lags %d entries behind", gr.Name, st.Name, *gr.Lag)
	}
	if gr.Consumers == 0 && gr.Lag != nil && *gr.Lag > 0 {
		f.add(bundle.SeverityWarn, "redis.group.no_consumers", subject, area,
			"group %s on %s has no consumers and %d undelivered entries",
			gr.Name, st.Name, *gr.Lag)
	}
}

func (f *finder) dead(d *dead) {
	if d.Length == 0 {
		return
	}
	code, what := "redis.dead.entries", "dead-letter stream"
	if d.Stream == auditDLQ {
		code, what = "redis.dlq.entries", "audit DLQ"
	}
	top := make([]string, 0, 3)
	for _, c := range d.Classes[:min(3, len(d.Classes))] {
		top = append(top, fmt.Sprintf("%s×%d", c.Value, c.Count))
	}
	f.add(bundle.SeverityWarn, code, d.Stream, areaFor(d.Stream),
		"%s %s holds %d entries (newest %d sampled: %s; %d replayable)",
		what, d.Stream, d.Length, d.Sampled, strings.Join(top, ", "), d.Replayable)
}

func (f *finder) report(r *report) {
	f.server(r.Server)
	for _, st := range r.Streams {
		f.stream(st)
	}
	for _, d := range r.DeadLetters {
		f.dead(d)
	}
	if r.StreamFailureKeys > 0 {
		f.add(bundle.SeverityWarn, "redis.stream_failures", "stream-failure:*", areaRedis,
			"%d stream-failure retry counters: messages are failing and being retried",
			r.StreamFailureKeys)
	}
}

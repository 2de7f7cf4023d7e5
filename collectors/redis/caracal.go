package redisstreams

import "strings"

// streamSpec is one stream Caracal's Redis provisioner creates (fact sheet, section 3).
type streamSpec struct {
	name   string
	groups []string // provisioned consumer groups
	bound  int64    // intended maximum length; 0 when none is stated
	area   string   // where to look, in Caracal's words
}

// Areas, in the words of Caracal's debugging and readiness pages.
const (
	areaRedis      = "Redis connectivity, noeviction, persistence, consumer groups, pending entries"
	areaAudit      = "audit event missing: stream health, DLQ, replay backlog"
	areaSTS        = "stream_consumers_not_ready: sts stream consumers"
	areaRevocation = "revocation_snapshot_stale: session revocation stream"
	areaCoord      = "coordinator relay: agent lifecycle stream"
)

const auditDLQ = "caracal.audit.events.dlq"

var caracalStreams = []streamSpec{
	{"caracal.audit.events", []string{"audit-ingestor", "siem-export"}, 1000000, areaAudit},
	{auditDLQ, []string{"audit-dlq-observer"}, 100000, areaAudit},
	{"caracal.policy.invalidate", []string{"opa-engine"}, 10000, areaSTS},
	{"caracal.sessions.revoke", []string{"sts-revocation"}, 10000, areaRevocation},
	{"caracal.keys.invalidate", []string{"sts-keys"}, 10000, areaSTS},
	{"caracal.agents.lifecycle", []string{"coordinator-relay"}, 0, areaCoord},
	{"caracal.invocations.lifecycle", []string{"invocations-observer"}, 0, areaRedis},
	{"caracal.delegations.invalidate", []string{"delegations-observer"}, 0, areaRedis},
	{"caracal.providers.ratelimit", nil, 0, areaRedis},
}

// specFor returns the Caracal spec of a stream, if it is one of Caracal's.
func specFor(name string) (streamSpec, bool) {
	for _, s := range caracalStreams {
		if s.name == name {
			return s, true
		}
	}
	return streamSpec{}, false
}

// areaFor returns the area for a stream, including dead-letter streams of Caracal's.
func areaFor(name string) string {
	if s, ok := specFor(strings.TrimSuffix(name, ".dead")); ok {
		return s.area
	}
	return areaRedis
}

// expectedUnconsumed reports whether Caracal ships no consumer for a group, so that
// its lag only grows and is not a fault: siem-export and the *-observer groups.
func expectedUnconsumed(group string) bool {
	return group == "siem-export" || strings.HasSuffix(group, "-observer")
}

// isDeadLetter reports whether a stream holds dead letters: the audit DLQ or a
// "<stream>.dead" stream.
func isDeadLetter(name string) bool {
	return name == auditDLQ || strings.HasSuffix(name, ".dead")
}

// replayable reports whether an audit DLQ reason can be replayed by the audit service.
func replayable(reason string) bool {
	return strings.HasPrefix(reason, "transient_exceeded_max_deliveries:") ||
		strings.HasPrefix(reason, "pg_permanent_error:")
}

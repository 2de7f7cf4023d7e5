package caracal

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/caracal-tools/bundle/bundle"
)

// meaning is what a readiness reason means and where to look, in Caracal's words.
type meaning struct {
	sev  bundle.Severity
	text string
	area string
}

// reasons maps the readiness reasons of Caracal's services (the JSON reason of sts,
// gateway and audit, the error of api and coordinator, the status of web).
var reasons = map[string]meaning{
	"postgres_unreachable": {bundle.SeverityFail, "cannot reach Postgres",
		"Postgres connectivity, migrations and pools"},
	"redis_unreachable": {bundle.SeverityFail, "cannot reach Redis",
		"Redis connectivity, noeviction and persistence"},
	"redis_unavailable": {bundle.SeverityFail, "Redis is unavailable to the service",
		"Redis connectivity, noeviction and persistence"},
	"audit_evidence_lost": {bundle.SeverityFail, "the evidence-loss latch is set: audit " +
		"events were lost; the state is latched and does not clear by itself",
		"evidence-loss latch: keep the evidence, then replace the process"},
	"audit_replay_unavailable": {bundle.SeverityFail, "the audit replay store is " +
		"unavailable; it can clear by itself once storage recovers",
		"audit replay (replay volume, /var/lib/caracal/audit-replay) and Redis"},
	"stream_consumers_not_ready": {bundle.SeverityFail, "the stream consumers are not " +
		"running", "Redis consumer groups and pending entries"},
	"revocation_snapshot_stale": {bundle.SeverityFail, "the revocation snapshot is stale",
		"gateway revocation: caracal.sessions.revoke and the gateway's consumer group"},
	"sts_unavailable": {bundle.SeverityFail, "STS is unavailable to the gateway",
		"STS circuit: STS readiness and the gateway's sts_exchange_errors"},
	"sts_unreachable": {bundle.SeverityFail, "the gateway cannot reach STS",
		"STS readiness and the gateway's STS URL"},
	"consumer_unhealthy": {bundle.SeverityFail, "the audit consumer is unhealthy; known " +
		"quirk: after a Redis outage audit keeps this state until a new event arrives on " +
		"caracal.audit.events (in Kubernetes the liveness probe restarts it)",
		"audit consumer (caracal.audit.events, group audit-ingestor) and Redis"},
	"audit_dlq_threshold": {bundle.SeverityFail, "the audit DLQ is above " +
		"AUDIT_READY_DLQ_MAX", "audit DLQ (caracal.audit.events.dlq)"},
	"audit_lag_threshold": {bundle.SeverityFail, "the audit consumer lag is above " +
		"AUDIT_READY_LAG_MAX", "audit consumer lag (caracal.audit.events, audit-ingestor)"},
	"audit_pel_oldest_threshold": {bundle.SeverityFail, "the oldest pending audit entry " +
		"is older than AUDIT_READY_PEL_OLDEST_SECS_MAX",
		"audit pending entries (caracal.audit.events, audit-ingestor)"},
	"outbox_unreachable": {bundle.SeverityFail, "the outbox cannot be read",
		"Postgres: outboxes"},
	"outbox_dead_messages": {bundle.SeverityFail, "the API outbox holds more dead " +
		"messages than API_READY_OUTBOX_DEAD_MAX", "drain outboxes: event_outbox dead rows"},
	"outbox_dead": {bundle.SeverityFail, "the coordinator outbox has dead rows",
		"drain outboxes: caracal_outbox rows of producer coordinator with status dead"},
	"draining": {bundle.SeverityWarn, "the service is draining (shutting down or rolling)",
		"rollout or shutdown in progress"},
	"unavailable": {bundle.SeverityFail, "the console's auth database is unreachable",
		"Postgres: the caracal_auth database of the web console"},
	"rate_limited": {bundle.SeverityWarn, "the readiness endpoint rate-limited this probe " +
		"(READY_RATE_LIMIT_PER_MIN, 120 per minute per IP); it was not retried",
		"readiness rate limit"},
}

// readyBody is the union of the readiness bodies of Caracal's services.
type readyBody struct {
	Reason     string `json:"reason"`
	Error      string `json:"error"`
	Detail     string `json:"detail"`
	Dependency string `json:"dependency"`
	Status     string `json:"status"`
	Draining   bool   `json:"draining"`
	DeadCount  *int   `json:"deadCount"`
	Limit      *int   `json:"limit"`
}

// reasonOf extracts the reason from a not-ready body, and a short detail to show.
func reasonOf(body []byte) (reason, detail string) {
	var b readyBody
	if json.Unmarshal(body, &b) != nil {
		line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		return "", cut(line, 120)
	}
	switch {
	case b.Reason != "":
		reason = b.Reason
	case b.Error != "":
		reason = b.Error
	case b.Draining:
		reason = "draining"
	case b.Status != "" && b.Status != "ready" && b.Status != "ok":
		reason = b.Status
	default:
		reason = b.Detail
	}
	if b.Dependency != "" {
		detail = "dependency " + b.Dependency
	}
	if b.DeadCount != nil && b.Limit != nil {
		detail = strings.TrimSpace(fmt.Sprintf("%s deadCount %d limit %d", detail,
			*b.DeadCount, *b.Limit))
	}
	return reason, detail
}

// notReadyFinding maps a not-ready answer to a finding with the reason's meaning.
func notReadyFinding(svc string, status int, reason, detail string,
	files []string) bundle.Finding {
	m, ok := reasons[reasonKey(reason)]
	code := "caracal.ready." + reasonKey(reason)
	if !ok {
		m = meaning{bundle.SeverityFail, "not ready", "service readiness and logs of " + svc}
		code = "caracal.ready.not-ready"
	}
	msg := fmt.Sprintf("%s /ready answered %d", svc, status)
	if reason != "" {
		msg += " " + reason
	}
	if detail != "" {
		msg += " (" + detail + ")"
	}
	return bundle.Finding{Stage: bundle.StageReadiness, Severity: m.sev, Code: code,
		Message: msg + ": " + m.text, Subject: svc, Area: m.area, Files: files}
}

// reasonKey strips a ":<detail>" suffix some reasons may carry.
func reasonKey(r string) string {
	r, _, _ = strings.Cut(r, ":")
	return r
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

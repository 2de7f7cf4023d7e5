package caracal

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/caracal-tools/bundle/bundle"
)

// threshold is one check of a metrics.json or stats value.
type threshold struct {
	service string
	key     string // dotted path in the JSON object
	// bad reports whether the value needs attention.
	bad   func(v float64) bool
	sev   bundle.Severity
	stage bundle.Stage
	what  string
	area  string
}

func above(n float64) func(float64) bool { return func(v float64) bool { return v > n } }
func isFalse(v float64) bool             { return v == 0 }

// thresholds follow the console's doctor engine (audit lag above 1000 warns, tamper
// evidence fails, coordinator pending outbox above 500 warns) and the alert rules.
var thresholds = []threshold{
	{"audit", "consumer_lag", above(1000), bundle.SeverityWarn, bundle.StageStreams,
		"audit consumer lag is %v (above 1000)",
		"audit consumer lag (caracal.audit.events, audit-ingestor)"},
	{"audit", "dlq_size", above(0), bundle.SeverityWarn, bundle.StageAudit,
		"audit DLQ holds %v entries", "audit DLQ (caracal.audit.events.dlq)"},
	{"audit", "tamper_mismatch_total", above(0), bundle.SeverityFail, bundle.StageAudit,
		"%v audit tamper mismatches", "audit tamper evidence"},
	{"audit", "tamper_chain_breaks", above(0), bundle.SeverityFail, bundle.StageAudit,
		"%v audit chain breaks", "audit tamper evidence"},
	{"audit", "tamper_hmac_failures", above(0), bundle.SeverityFail, bundle.StageAudit,
		"%v audit HMAC failures on tamper checks", "audit tamper evidence"},
	{"audit", "hmac_failures_total", above(0), bundle.SeverityWarn, bundle.StageAudit,
		"%v audit events failed HMAC verification", "AUDIT_HMAC_KEY agreement"},
	{"gateway", "revocation_snapshot_fresh", isFalse, bundle.SeverityFail,
		bundle.StageStreams, "the gateway revocation snapshot is not fresh (%v)",
		"gateway revocation: caracal.sessions.revoke"},
	{"gateway", "sts_circuit_open", above(0), bundle.SeverityFail, bundle.StageService,
		"the gateway's STS circuit is open (%v)", "STS circuit"},
	{"gateway", "audit_replay_files", above(0), bundle.SeverityWarn, bundle.StageAudit,
		"gateway audit replay backlog: %v files", "audit replay and Redis delivery"},
	{"gateway", "audit_dropped", above(0), bundle.SeverityFail, bundle.StageAudit,
		"gateway dropped %v audit events", "audit delivery (evidence-loss latch)"},
	{"gateway", "revocation_dead_letters", above(0), bundle.SeverityWarn,
		bundle.StageStreams, "%v revocation dead letters",
		"caracal.sessions.revoke.dead"},
	{"sts", "sts.audit_replay_files", above(0), bundle.SeverityWarn, bundle.StageAudit,
		"sts audit replay backlog: %v files", "audit replay and Redis delivery"},
	{"sts", "audit_dropped", above(0), bundle.SeverityFail, bundle.StageAudit,
		"sts dropped %v audit events", "audit delivery (evidence-loss latch)"},
	{"sts", "sts.provider_circuit_open", above(0), bundle.SeverityWarn,
		bundle.StageService, "sts provider circuit open (%v)", "provider refresh"},
	{"sts", "opa.compile_errors", above(0), bundle.SeverityFail, bundle.StageService,
		"%v OPA policy compile errors", "policy deployment (OPA compile)"},
	{"coordinator", "outbox.pending", above(500), bundle.SeverityWarn, bundle.StageStorage,
		"coordinator outbox has %v pending rows (above 500)", "drain outboxes"},
	{"coordinator", "outbox.dead", above(0), bundle.SeverityWarn, bundle.StageStorage,
		"coordinator outbox has %v dead rows", "drain outboxes: caracal_outbox"},
}

// metricsFindings checks one service's metrics.json or stats body.
func metricsFindings(svc string, body []byte, files []string) []bundle.Finding {
	var doc map[string]any
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	var out []bundle.Finding
	for _, th := range thresholds {
		if th.service != svc {
			continue
		}
		v, ok := number(doc, th.key)
		if !ok || !th.bad(v) {
			continue
		}
		out = append(out, bundle.Finding{Stage: th.stage, Severity: th.sev,
			Code:    "caracal.metrics." + svc + "." + th.key,
			Message: fmt.Sprintf(th.what, strconv.FormatFloat(v, 'f', -1, 64)),
			Subject: svc, Area: th.area, Files: files})
	}
	return out
}

// number reads a dotted key as a number; booleans are 0 or 1.
func number(doc map[string]any, key string) (float64, bool) {
	var cur any = doc
	for _, part := range strings.Split(key, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return 0, false
		}
		cur, ok = m[part]
		if !ok {
			return 0, false
		}
	}
	switch v := cur.(type) {
	case float64:
		return v, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}

package caracal

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/bundle/secret"
	"github.com/caracal-tools/bundle/internal/testbed"
)

func TestEndpointsHealthy(t *testing.T) {
	f, cfg := newFleet(t, func(f fleet) {
		f["audit"].metrics = map[string]any{"consumer_lag": 3, "dlq_size": 0,
			"tamper_mismatch_total": 0, "tamper_chain_breaks": 0}
		f["gateway"].metrics = map[string]any{"revocation_snapshot_fresh": true,
			"sts_circuit_open": false, "audit_replay_files": 0}
		f["sts"].metrics = map[string]any{"sts": map[string]any{"audit_replay_files": 0},
			"opa": map[string]any{"compile_errors": 0}, "audit_dropped": 0}
		f["coordinator"].metrics = map[string]any{"pending": 3, "dead": 0}
	})
	res := bundletest.Run(t, endpointsCollector{}, cfg)
	checkOK(t, res)
	for _, fd := range res.Findings {
		if fd.Severity != bundle.SeverityInfo {
			t.Errorf("healthy services gave %s finding %s: %s", fd.Severity, fd.Code, fd.Message)
		}
	}
	for _, name := range []string{"metrics/sts.json", "metrics/gateway.json",
		"metrics/audit.json", "stats/coordinator.json"} {
		if b := res.File(t, name); !strings.Contains(b, "{") {
			t.Errorf("%s: %q", name, b)
		}
	}
	if p := res.File(t, "probes.json"); !strings.Contains(p, `"ready": true`) {
		t.Errorf("probes.json lacks the ready bodies:\n%s", p)
	}
	if got := f["sts"].auths["/metrics.json"]; got != "Bearer "+testMetricsBearer {
		t.Errorf("sts metrics got Authorization %q", got)
	}
	if got := f["coordinator"].auths["/stats"]; got != "Bearer "+testCoordToken {
		t.Errorf("coordinator stats got Authorization %q", got)
	}
	for name, svc := range f {
		if svc.hits["/ready"] != 1 {
			t.Errorf("%s /ready hit %d times, want exactly 1", name, svc.hits["/ready"])
		}
	}
	noLeak(t, res, testMetricsBearer, testCoordToken)
}

func TestReadinessReasons(t *testing.T) {
	tests := []struct {
		name, svc string
		status    int
		body      any
		code      string
		sev       bundle.Severity
		area      string
	}{
		{"evidence latch", "sts", 503, notReady("audit_evidence_lost"),
			"caracal.ready.audit_evidence_lost", bundle.SeverityFail,
			"keep the evidence, then replace the process"},
		{"replay unavailable", "gateway", 503, notReady("audit_replay_unavailable"),
			"caracal.ready.audit_replay_unavailable", bundle.SeverityFail, "audit replay"},
		{"revocation", "gateway", 503, notReady("revocation_snapshot_stale"),
			"caracal.ready.revocation_snapshot_stale", bundle.SeverityFail,
			"gateway revocation"},
		{"sts circuit", "gateway", 503, notReady("sts_unavailable"),
			"caracal.ready.sts_unavailable", bundle.SeverityFail, "STS circuit"},
		{"audit quirk", "audit", 503, notReady("consumer_unhealthy"),
			"caracal.ready.consumer_unhealthy", bundle.SeverityFail, "audit consumer"},
		{"audit dlq", "audit", 503, notReady("audit_dlq_threshold"),
			"caracal.ready.audit_dlq_threshold", bundle.SeverityFail, "audit DLQ"},
		{"stream consumers", "sts", 503, notReady("stream_consumers_not_ready"),
			"caracal.ready.stream_consumers_not_ready", bundle.SeverityFail, "consumer groups"},
		{"postgres", "sts", 503, notReady("postgres_unreachable"),
			"caracal.ready.postgres_unreachable", bundle.SeverityFail, "Postgres"},
		{"api outbox", "api", 503, map[string]any{"ok": false, "error": "outbox_dead_messages",
			"dependency": "outbox", "deadCount": 4, "limit": 0},
			"caracal.ready.outbox_dead_messages", bundle.SeverityFail, "drain outboxes"},
		{"coordinator outbox", "coordinator", 503, map[string]any{"ok": false,
			"error": "outbox_dead", "dependency": "outbox"}, "caracal.ready.outbox_dead",
			bundle.SeverityFail, "caracal_outbox"},
		{"api draining", "api", 503, map[string]any{"ok": false, "draining": true},
			"caracal.ready.draining", bundle.SeverityWarn, "rollout"},
		{"rate limited", "coordinator", 429, map[string]any{"error": "rate_limited"},
			"caracal.ready.rate_limited", bundle.SeverityWarn, "rate limit"},
		{"web auth db", "web", 503, map[string]any{"status": "unavailable"},
			"caracal.ready.unavailable", bundle.SeverityFail, "caracal_auth"},
		{"unknown reason", "sts", 503, notReady("something_new"),
			"caracal.ready.not-ready", bundle.SeverityFail, "readiness"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, cfg := newFleet(t, func(f fleet) {
				f[tc.svc].readyStatus, f[tc.svc].readyBody = tc.status, tc.body
			})
			res := bundletest.Run(t, endpointsCollector{}, cfg)
			checkOK(t, res)
			fd := findingByCode(t, res, tc.code)
			if fd.Severity != tc.sev || fd.Subject != tc.svc ||
				!strings.Contains(fd.Area, tc.area) {
				t.Errorf("finding %+v, want severity %s subject %s area with %q", fd, tc.sev,
					tc.svc, tc.area)
			}
			if got := f[tc.svc].hits["/ready"]; got != 1 {
				t.Errorf("/ready hit %d times, want 1 (no retries)", got)
			}
			if p := res.File(t, "probes.json"); tc.status == 503 &&
				!strings.Contains(p, `"status": 503`) {
				t.Errorf("probes.json lacks the 503:\n%s", p)
			}
		})
	}
}

func TestMetricsAccess(t *testing.T) {
	tests := []struct {
		name   string
		change func(*config.Config)
		codes  []string
	}{
		{"no bearer configured", func(c *config.Config) {
			c.Caracal.MetricsBearer = secret.Ref{}
		}, []string{"caracal.metrics.unauthorized"}},
		{"wrong bearer", func(c *config.Config) {
			c.Caracal.MetricsBearer = secret.Env("TEST_COORD_TOKEN")
		}, []string{"caracal.metrics.unauthorized"}},
		{"coordinator quirk: metrics bearer is not the coordinator token",
			func(c *config.Config) { c.Caracal.CoordinatorToken = secret.Ref{} },
			[]string{"caracal.stats.forbidden"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, cfg := newFleet(t, nil)
			tc.change(&cfg)
			res := bundletest.Run(t, endpointsCollector{}, cfg)
			checkOK(t, res)
			for _, code := range tc.codes {
				findingByCode(t, res, code)
			}
			noLeak(t, res, testMetricsBearer, testCoordToken)
		})
	}
}

func TestMetricsThresholds(t *testing.T) {
	tests := []struct {
		name, svc string
		metrics   map[string]any
		code      string
		sev       bundle.Severity
	}{
		{"audit lag", "audit", map[string]any{"consumer_lag": 1001},
			"caracal.metrics.audit.consumer_lag", bundle.SeverityWarn},
		{"audit dlq", "audit", map[string]any{"dlq_size": 2},
			"caracal.metrics.audit.dlq_size", bundle.SeverityWarn},
		{"tamper", "audit", map[string]any{"tamper_mismatch_total": 1},
			"caracal.metrics.audit.tamper_mismatch_total", bundle.SeverityFail},
		{"chain", "audit", map[string]any{"tamper_chain_breaks": 1},
			"caracal.metrics.audit.tamper_chain_breaks", bundle.SeverityFail},
		{"snapshot", "gateway", map[string]any{"revocation_snapshot_fresh": false},
			"caracal.metrics.gateway.revocation_snapshot_fresh", bundle.SeverityFail},
		{"circuit", "gateway", map[string]any{"sts_circuit_open": 1},
			"caracal.metrics.gateway.sts_circuit_open", bundle.SeverityFail},
		{"gateway replay", "gateway", map[string]any{"audit_replay_files": 3},
			"caracal.metrics.gateway.audit_replay_files", bundle.SeverityWarn},
		{"sts replay", "sts", map[string]any{"sts": map[string]any{"audit_replay_files": 1}},
			"caracal.metrics.sts.sts.audit_replay_files", bundle.SeverityWarn},
		{"opa", "sts", map[string]any{"opa": map[string]any{"compile_errors": 2}},
			"caracal.metrics.sts.opa.compile_errors", bundle.SeverityFail},
		{"coordinator pending", "coordinator", map[string]any{"pending": 501},
			"caracal.metrics.coordinator.outbox.pending", bundle.SeverityWarn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, cfg := newFleet(t, func(f fleet) { f[tc.svc].metrics = tc.metrics })
			res := bundletest.Run(t, endpointsCollector{}, cfg)
			checkOK(t, res)
			if fd := findingByCode(t, res, tc.code); fd.Severity != tc.sev {
				t.Errorf("severity %s, want %s", fd.Severity, tc.sev)
			}
		})
	}
}

func TestEndpointsUnreachable(t *testing.T) {
	cfg := config.Config{Caracal: config.Caracal{Mode: "compose", Endpoints: map[string]string{}}}
	for _, s := range services {
		cfg.Caracal.Endpoints[s.name] = fmt.Sprintf("http://127.0.0.1:%d", testbed.FreePort(t))
	}
	start := time.Now()
	res := bundletest.Run(t, endpointsCollector{}, cfg)
	checkOK(t, res)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
	fd := findingByCode(t, res, "caracal.ready.unreachable")
	if !strings.Contains(fd.Message, "connection refused") {
		t.Errorf("message %q", fd.Message)
	}
	if res.Has("caracal.metrics.unreachable") || res.Has("caracal.health.unreachable") {
		t.Errorf("an unreachable service is reported more than once: %+v", res.Findings)
	}
}

func TestEndpointsBadConfig(t *testing.T) {
	tests := []struct {
		name      string
		endpoints map[string]string
		want      string
	}{
		{"unknown service", map[string]string{"stss": "http://127.0.0.1:1"},
			"caracal.endpoints.stss: unknown service"},
		{"not a URL", map[string]string{"sts": "127.0.0.1:8080"},
			"caracal.endpoints.sts: want a base URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Config{Caracal: config.Caracal{Mode: "compose",
				Endpoints: tc.endpoints}}
			res := bundletest.Run(t, endpointsCollector{}, cfg)
			rec := res.Record
			if rec.Status != bundle.StatusFailed || !strings.Contains(rec.Reason, tc.want) {
				t.Errorf("got %s %q, want failed with %q", rec.Status, rec.Reason, tc.want)
			}
		})
	}
}

// TestAutoNothing: nothing on the localhost ports and no kubeconfig ends fast.
func TestAutoNothing(t *testing.T) {
	for _, s := range services {
		if anyAnswers(t.Context(), map[string]*url.URL{s.name: localBase(s)}) != "" {
			t.Skipf("port %d is in use on this machine; auto mode would pick compose", s.port)
		}
	}
	dir := t.TempDir()
	t.Setenv("KUBECONFIG", filepath.Join(dir, "none"))
	t.Setenv("HOME", dir)
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	start := time.Now()
	res := bundletest.Run(t, endpointsCollector{}, config.Config{})
	if res.Record.Status != bundle.StatusSkipped || res.Record.SkipKind != bundle.NotFound ||
		!strings.Contains(res.Record.Reason, "--caracal-mode") {
		t.Errorf("got %s %s %q", res.Record.Status, res.Record.SkipKind, res.Record.Reason)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v, want under 2s", d)
	}
}

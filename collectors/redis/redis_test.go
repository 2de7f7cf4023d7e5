package redisstreams

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/bundle/secret"
	"github.com/caracal-tools/bundle/internal/testbed"
)

func cfgFor(url string) config.Config {
	return config.Config{Redis: config.Redis{URL: secret.Value(url)}}
}

func TestCollectHealthy(t *testing.T) {
	srv := testbed.Redis(t, testbed.WithPersistence())
	healthy(t, srv.Client(t))

	res := bundletest.Run(t, collector{}, cfgFor(srv.URL()))
	if res.Record.Status != bundle.StatusOK {
		t.Fatalf("status %s: %s", res.Record.Status, res.Record.Reason)
	}
	for _, f := range res.Findings {
		if f.Severity != bundle.SeverityInfo {
			t.Errorf("healthy deployment flagged: %s %s: %s", f.Code, f.Subject, f.Message)
		}
	}
	rep := readReport(t, res)
	if len(rep.Streams) != len(caracalStreams) {
		t.Errorf("streams: got %d, want %d", len(rep.Streams), len(caracalStreams))
	}
	audit := rep.Streams[0]
	if audit.Name != "caracal.audit.events" || audit.Length != 20 || len(audit.Groups) != 2 {
		t.Errorf("audit stream: %+v", audit)
	}
	for _, name := range []string{"streams.txt", "info.txt"} {
		if res.File(t, name) == "" {
			t.Errorf("%s is empty", name)
		}
	}
	if strings.Contains(res.All(t), srv.Password) {
		t.Error("the password reached the bundle")
	}
}

func TestCollectDegraded(t *testing.T) {
	srv := testbed.Redis(t, testbed.WithRedisArgs("--maxmemory-policy", "allkeys-lru"))
	degraded(t, srv.Client(t))

	cfg := cfgFor(srv.URL())
	cfg.Redis.IncludePayloads = true
	res := bundletest.Run(t, collector{}, cfg)
	if res.Record.Status != bundle.StatusOK {
		t.Fatalf("status %s: %s", res.Record.Status, res.Record.Reason)
	}
	want := map[string]string{
		"redis.stream.missing":     "caracal.keys.invalidate",
		"redis.group.missing":      "caracal.agents.lifecycle coordinator-relay",
		"redis.group.pending":      "caracal.audit.events audit-ingestor",
		"redis.group.lag":          "caracal.policy.invalidate opa-engine",
		"redis.group.no_consumers": "caracal.policy.invalidate opa-engine",
		"redis.dlq.entries":        auditDLQ,
		"redis.dead.entries":       "caracal.sessions.revoke.dead",
		"redis.stream_failures":    "stream-failure:*",
		"redis.maxmemory_policy":   "redis",
		"redis.persistence.off":    "redis",
	}
	for code, subject := range want {
		if !hasFinding(res.Findings, code, subject) {
			t.Errorf("no finding %s for %s", code, subject)
		}
	}
	for _, f := range res.Findings {
		if strings.Contains(f.Subject, "siem-export") || strings.Contains(f.Subject, "observer") {
			t.Errorf("expected-unconsumed group flagged: %s %s", f.Code, f.Subject)
		}
	}

	rep := readReport(t, res)
	dlq := rep.DeadLetters[0]
	if dlq.Stream != auditDLQ || dlq.Length != 6 || dlq.Replayable != 1 ||
		len(dlq.Classes) != 3 || dlq.Classes[0] != (count{"hmac_verify_failed", 3}) {
		t.Errorf("audit DLQ histogram: %+v", dlq)
	}
	t.Logf("streams.txt:\n%s", res.File(t, "streams.txt"))
	if !strings.Contains(res.File(t, "dead/caracal.sessions.revoke.dead.json"), "original_id") {
		t.Error("dead-letter payload sample not written")
	}
}

func TestCollectNotConfigured(t *testing.T) {
	start := time.Now()
	res := bundletest.Run(t, collector{}, config.Config{})
	if res.Record.Status != bundle.StatusSkipped || res.Record.SkipKind != bundle.NotConfigured ||
		!strings.Contains(res.Record.Reason, "REDIS_URL") {
		t.Fatalf("got %s %s: %s", res.Record.Status, res.Record.SkipKind, res.Record.Reason)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestCollectFaults(t *testing.T) {
	srv := testbed.Redis(t)
	wrongPW := "wrong-secret-7f3a9c"
	hang := testbed.HangingServer(t)
	tests := []struct {
		name    string
		url     string
		timeout time.Duration
		status  bundle.Status
		reason  string
	}{
		{"unreachable", "redis://:pw-x@127.0.0.1:" + testbed.ClosedPort(t), time.Minute,
			bundle.StatusFailed, "connection refused"},
		{"refused auth", "redis://:" + wrongPW + "@" + srv.Addr, time.Minute,
			bundle.StatusFailed, "WRONGPASS"},
		{"tls against plain server", "rediss://:" + srv.Password + "@" + srv.Addr,
			time.Minute, bundle.StatusFailed, "TLS handshake"},
		{"accepts then hangs", "redis://:pw-y@" + hang, 2 * time.Second,
			bundle.StatusTimeout, ""},
		{"malformed url", "redis://:pw-x@127.0.0.1:notaport/0", time.Minute,
			bundle.StatusFailed, "parse redis url"},
		{"not a redis url", "http://:pw-x@" + srv.Addr, time.Minute,
			bundle.StatusFailed, "parse redis url"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			res := bundletest.RunContext(t.Context(), t, collector{}, cfgFor(tc.url), tc.timeout)
			if res.Record.Status != tc.status || !strings.Contains(res.Record.Reason, tc.reason) {
				t.Fatalf("got %s %q, want %s with %q", res.Record.Status, res.Record.Reason,
					tc.status, tc.reason)
			}
			t.Logf("%s after %v: %s", res.Record.Status, time.Since(start), res.Record.Reason)
			if d := time.Since(start); d > tc.timeout+5*time.Second {
				t.Errorf("took %v", d)
			}
			for _, secretValue := range []string{wrongPW, srv.Password, "pw-x", "pw-y"} {
				if strings.Contains(res.Record.Reason, secretValue) ||
					strings.Contains(res.All(t), secretValue) {
					t.Errorf("password in the error or the bundle: %s", res.Record.Reason)
				}
			}
		})
	}
}

// TestCollectGivesUpOnSilentServer: a server that accepts but never answers ends the
// collector within the probe timeout, long before the collector timeout.
func TestCollectGivesUpOnSilentServer(t *testing.T) {
	hang := testbed.HangingServer(t)
	start := time.Now()
	res := bundletest.RunContext(t.Context(), t, collector{}, cfgFor("redis://:pw-z@"+hang),
		time.Minute)
	if res.Record.Status != bundle.StatusFailed ||
		!strings.Contains(res.Record.Reason, "no answer within") {
		t.Fatalf("got %s %q", res.Record.Status, res.Record.Reason)
	}
	if d := time.Since(start); d > probeTimeout+5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestCollectPermissionDenied(t *testing.T) {
	srv := testbed.Redis(t, testbed.WithPersistence())
	c := srv.Client(t)
	healthy(t, c)
	addEntries(t, c, "other.stream", 2, time.Time{})
	tests := []struct {
		name    string
		rules   []string
		status  bundle.Status
		finding string
	}{
		{"no CONFIG", []string{"~*", "+@read", "+@connection", "+info", "-config"},
			bundle.StatusOK, "redis.config.unavailable"},
		{"caracal keys only", []string{"~caracal.*", "+@read", "+@connection", "+info",
			"+config|get"}, bundle.StatusPartial, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url := srv.AddUser(t, strings.ReplaceAll(tc.name, " ", "-"), tc.rules...)
			res := bundletest.Run(t, collector{}, cfgFor(url))
			if res.Record.Status != tc.status {
				t.Fatalf("status %s (%s), want %s", res.Record.Status, res.Record.Reason,
					tc.status)
			}
			if tc.finding != "" && !res.Has(tc.finding) {
				t.Errorf("no finding %s: %+v", tc.finding, res.Findings)
			}
		})
	}
}

func readReport(t *testing.T, res *bundletest.Result) *report {
	t.Helper()
	var rep report
	if err := json.Unmarshal([]byte(res.File(t, "streams.json")), &rep); err != nil {
		t.Fatalf("streams.json: %v", err)
	}
	return &rep
}

func hasFinding(fs []bundle.Finding, code, subject string) bool {
	for _, f := range fs {
		if f.Code == code && f.Subject == subject && f.Severity != bundle.SeverityInfo {
			return true
		}
	}
	return false
}

func TestCollectTLS(t *testing.T) {
	srv := testbed.Redis(t, testbed.WithTLS(), testbed.WithPersistence())
	healthy(t, srv.Client(t))
	tests := []struct {
		name     string
		caFile   string
		insecure bool
		status   bundle.Status
		reason   string
	}{
		{"CA file", srv.CAFile, false, bundle.StatusOK, ""},
		{"unknown CA", "", false, bundle.StatusFailed, "certificate"},
		{"insecure skip verify", "", true, bundle.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cfgFor(srv.URL())
			cfg.Redis.CAFile, cfg.Redis.InsecureSkipVerify = tc.caFile, tc.insecure
			res := bundletest.Run(t, collector{}, cfg)
			if res.Record.Status != tc.status || !strings.Contains(res.Record.Reason, tc.reason) {
				t.Fatalf("got %s %q, want %s with %q", res.Record.Status, res.Record.Reason,
					tc.status, tc.reason)
			}
		})
	}
}

func TestCollectServerChecks(t *testing.T) {
	tests := []struct {
		name string
		opts []testbed.RedisOption
		code string
	}{
		{"replica of a dead master", []testbed.RedisOption{testbed.WithPersistence(),
			testbed.WithRedisArgs("--replicaof", "127.0.0.1", testbed.ClosedPort(t))},
			"redis.replication.broken"},
		{"evicting policy", []testbed.RedisOption{testbed.WithPersistence(),
			testbed.WithRedisArgs("--maxmemory-policy", "volatile-lru")},
			"redis.maxmemory_policy"},
		{"no persistence", nil, "redis.persistence.off"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := testbed.Redis(t, tc.opts...)
			res := bundletest.Run(t, collector{}, cfgFor(srv.URL()))
			if !hasFinding(res.Findings, tc.code, "redis") {
				t.Errorf("no finding %s (status %s: %s)", tc.code, res.Record.Status,
					res.Record.Reason)
			}
		})
	}
}

package collectors_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/bundle/secret"
	"github.com/caracal-tools/bundle/internal/testbed"
)

// caracalGroups are the streams and groups Caracal's Redis provisioner creates.
var caracalGroups = [][2]string{
	{"caracal.audit.events", "audit-ingestor"}, {"caracal.audit.events", "siem-export"},
	{"caracal.audit.events.dlq", "audit-dlq-observer"},
	{"caracal.policy.invalidate", "opa-engine"}, {"caracal.sessions.revoke", "sts-revocation"},
	{"caracal.keys.invalidate", "sts-keys"}, {"caracal.agents.lifecycle", "coordinator-relay"},
	{"caracal.invocations.lifecycle", "invocations-observer"},
	{"caracal.delegations.invalidate", "delegations-observer"},
}

// TestDiffNightAndMorning collects a healthy Redis at night and a degraded one in the
// morning, and checks that bundle diff shows the new dead letters.
func TestDiffNightAndMorning(t *testing.T) {
	srv := testbed.Redis(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	for _, g := range caracalGroups {
		if err := rdb.XGroupCreateMkStream(ctx, g[0], g[1], "$").Err(); err != nil {
			t.Fatal(err)
		}
	}
	rdb.XAdd(ctx, &goredis.XAddArgs{Stream: "caracal.providers.ratelimit",
		Values: []string{"init", "1"}})

	dir := t.TempDir()
	night := collectRedis(t, dir, "night", srv.URL())

	for i := range 3 {
		err := rdb.XAdd(ctx, &goredis.XAddArgs{Stream: "caracal.audit.events.dlq",
			Values: []string{"reason", "hmac_verify_failed", "src_id", fmt.Sprintf("1-%d", i),
				"received_at", "1764756000000"}}).Err()
		if err != nil {
			t.Fatal(err)
		}
	}
	morning := collectRedis(t, dir, "morning", srv.URL())

	d := bundle.Diff(night, morning)
	if len(d.NewFindings) == 0 {
		t.Fatalf("no new findings: %+v", d)
	}
	var dlqFinding, dlqLength bool
	for _, f := range d.NewFindings {
		dlqFinding = dlqFinding || strings.Contains(f.Subject+f.Message, "dlq")
	}
	for _, v := range d.Values {
		if strings.Contains(v.Path, "[caracal.audit.events.dlq].length") && v.Old == "0" &&
			v.New == "3" {
			dlqLength = true
		}
	}
	if !dlqFinding || !dlqLength {
		t.Errorf("diff misses the DLQ growth: findings %+v values %+v", d.NewFindings, d.Values)
	}
}

func collectRedis(t *testing.T, dir, name, url string) *bundle.Snapshot {
	t.Helper()
	var redis bundle.Collector
	for _, c := range bundle.Registered() {
		if c.Info().Name == "redis" {
			redis = c
		}
	}
	signer, err := bundle.GenerateKey(filepath.Join(dir, name+".key"), "test")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name+".tar.gz")
	cfg := config.Config{Redis: config.Redis{URL: secret.Value(url)}}
	_, err = bundle.Collect(context.Background(), bundle.CollectOptions{Config: cfg,
		Collectors: []bundle.Collector{redis}, Output: out, Signer: signer,
		Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := bundle.ReadSnapshot(f, bundle.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

package kube

import (
	"strings"
	"testing"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/internal/testbed"
)

func TestReadiness(t *testing.T) {
	cl := testbed.Kube(t)
	s := seedRelease(t, cl)

	res := bundletest.Run(t, readiness{}, kubeCfg(cl, s.ns))
	if res.Record.Status != bundle.StatusOK {
		t.Fatalf("status %s: %s", res.Record.Status, res.Record.Reason)
	}
	table := res.File(t, "status.txt")
	for _, want := range []string{s.sts, s.api, s.migrate, s.migrationJob, "BackoffLimit",
		"CrashLoopBackOff"} {
		if !strings.Contains(table, want) {
			t.Errorf("status.txt lacks %q:\n%s", want, table)
		}
	}
	pods := res.File(t, "pods.json")
	for _, want := range []string{`"lastReason": "OOMKilled"`, `"lastExitCode": 137`,
		"Readiness probe failed"} {
		if !strings.Contains(pods, want) {
			t.Errorf("pods.json lacks %q", want)
		}
	}
	for _, code := range []string{"kube.pod.oom_killed", "kube.probe.failed",
		"kube.migration.failed", "kube.pod.crash_loop", "kube.pod.not_ready"} {
		if !res.Has(code) {
			t.Errorf("no finding %s; findings: %+v", code, res.Findings)
		}
	}
}

package kube

import (
	"strings"
	"testing"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/internal/testbed"
)

func TestLogs(t *testing.T) {
	cl := testbed.Kube(t)
	s := seedRelease(t, cl)

	tests := []struct {
		name      string
		tail      int64
		logBytes  int64
		wantNote  string
		wantLines int
	}{
		{name: "defaults", wantLines: 50},
		{name: "tail", tail: 10, wantNote: "cut to its last 10 lines", wantLines: 10},
		{name: "bytes", logBytes: 600, wantNote: "cut at 600 bytes", wantLines: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := kubeCfg(cl, s.ns)
			cfg.Kubernetes.Tail, cfg.Kubernetes.LogBytes = tc.tail, tc.logBytes
			res := bundletest.Run(t, logs{}, cfg)
			if res.Record.Status != bundle.StatusOK {
				t.Fatalf("status %s: %s", res.Record.Status, res.Record.Reason)
			}
			cur := res.File(t, s.sts+"/sts.log")
			if tc.wantLines >= 0 && strings.Count(cur, "\n") != tc.wantLines {
				t.Errorf("sts.log has %d lines, want %d", strings.Count(cur, "\n"), tc.wantLines)
			}
			if tc.wantNote != "" && !hasNote(res.Record.Notes, tc.wantNote) {
				t.Errorf("no note %q in %q", tc.wantNote, res.Record.Notes)
			}
			if tc.name != "defaults" {
				return
			}
			prev := res.File(t, s.api+"/api.previous.log")
			if !strings.Contains(prev, "fatal: out of memory") {
				t.Errorf("previous log of api lacks its last line:\n%s", prev)
			}
			res.File(t, s.migrate+"/migrate.log")
			res.File(t, "index.json")
			assertNoLeak(t, res.All(t))
		})
	}
}

func hasNote(notes []string, sub string) bool {
	for _, n := range notes {
		if strings.Contains(n, sub) {
			return true
		}
	}
	return false
}

package bundle_test

import (
	"strings"
	"testing"

	"github.com/caracal-tools/bundle/bundle"
)

func TestSummarize(t *testing.T) {
	redisOK := bundle.CollectorRecord{Name: "redis", Group: "redis", Status: bundle.StatusOK}
	pgFailed := bundle.CollectorRecord{Name: "postgres", Group: "postgres",
		Status: bundle.StatusFailed, Reason: "dial tcp 127.0.0.1:5432: connection refused"}
	kubeSkipped := bundle.CollectorRecord{Name: "k8s", Group: "kubernetes",
		Status: bundle.StatusSkipped, SkipKind: bundle.NotConfigured, Reason: "set --kubeconfig"}
	dlq := bundle.Finding{Stage: bundle.StageStreams, Severity: bundle.SeverityWarn,
		Code: "redis.dlq.entries", Message: "audit DLQ holds 3 entries",
		Area:  "audit event missing: stream health, DLQ, replay backlog",
		Files: []string{"redis/streams.txt"}}
	info := bundle.Finding{Stage: bundle.StageStreams, Severity: bundle.SeverityInfo,
		Code: "redis.expected-lag", Message: "siem-export lag grows: expected"}

	tests := []struct {
		name        string
		m           bundle.Manifest
		wantStatus  map[bundle.Stage]string
		wantMissing []string
		wantText    []string
		wantAbsent  []string
	}{
		{
			name: "healthy",
			m: bundle.Manifest{Result: "complete", Collectors: []bundle.CollectorRecord{redisOK},
				Findings: []bundle.Finding{info}},
			wantStatus: map[bundle.Stage]string{
				bundle.StageStreams: bundle.StageOK, bundle.StageStorage: bundle.StageNotChecked,
			},
		},
		{
			name: "degraded",
			m: bundle.Manifest{Result: "incomplete",
				Collectors: []bundle.CollectorRecord{redisOK, pgFailed, kubeSkipped},
				Findings:   []bundle.Finding{info, dlq}},
			wantStatus: map[bundle.Stage]string{
				bundle.StageStreams: bundle.StageWarn, bundle.StageStorage: bundle.StageNotChecked,
				bundle.StageReadiness: bundle.StageNotChecked,
			},
			wantMissing: []string{"postgres", "k8s"},
			wantText: []string{"[redis/streams.txt](redis/streams.txt)", "look at: audit event",
				"## Storage: not checked\n\nCould not be checked completely: `postgres` did not"},
			wantAbsent: []string{"## Readiness: not checked\n\nCould not"},
		},
		{
			name: "subject already in the message",
			m: bundle.Manifest{Result: "complete", Collectors: []bundle.CollectorRecord{redisOK},
				Findings: []bundle.Finding{{Stage: bundle.StageStreams,
					Severity: bundle.SeverityWarn, Code: "redis.x", Subject: "a, b",
					Message: "groups missing: a, b"}}},
			wantText:   []string{"groups missing: a, b `redis.x`"},
			wantAbsent: []string{"(a, b)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := bundle.Summarize(&tt.m)
			for _, st := range s.Stages {
				if want, ok := tt.wantStatus[st.Stage]; ok && st.Status != want {
					t.Errorf("stage %s = %s, want %s", st.Stage, st.Status, want)
				}
			}
			var missing []string
			for _, n := range s.NotCollected {
				missing = append(missing, n.Collector)
			}
			if strings.Join(missing, ",") != strings.Join(tt.wantMissing, ",") {
				t.Errorf("not collected = %v, want %v", missing, tt.wantMissing)
			}
			md := string(s.Markdown())
			for _, w := range tt.wantText {
				if !strings.Contains(md, w) {
					t.Errorf("SUMMARY.md lacks %q:\n%s", w, md)
				}
			}
			for _, w := range tt.wantAbsent {
				if strings.Contains(md, w) {
					t.Errorf("SUMMARY.md has %q:\n%s", w, md)
				}
			}
			var short strings.Builder
			s.Short(&short, 10)
			if tt.name == "healthy" && strings.Contains(short.String(), "warn ") {
				t.Errorf("healthy summary warns:\n%s", short.String())
			}
		})
	}
}

func TestDiffIgnoresVolatileFields(t *testing.T) {
	tests := map[string]bool{
		"image": false, "message": false, "storage": false, "format": false, "version": false,
		"createdAt": true, "received_at": true, "lastTransitionTime": true, "age_seconds": true,
		"idle": true, "durationMs": true, "resourceVersion": true, "pendingAge": true,
	}
	for k, want := range tests {
		if got := bundle.Volatile(k); got != want {
			t.Errorf("volatile(%q) = %v, want %v", k, got, want)
		}
	}
}

package audit

import (
	"strings"
	"testing"

	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/bundle/secret"
)

func TestRequestPolicyVersion(t *testing.T) {
	pg := newPGFixture(t)
	cases := []struct {
		name    string
		binding string // policy_set_bindings row for zone-a
		stale   bool
		check   string
	}{
		{"evaluated with the active version",
			`('zone-a', 'ps-main', 'psv-7', '2026-12-01T00:00:00Z')`, false,
			"active policy set of zone zone-a: ps-main version psv-7"},
		{"evaluated an hour after a newer version became active",
			`('zone-a', 'ps-main', 'psv-8', '2026-12-03T09:00:00Z')`, true,
			"used stale version psv-7"},
		{"activation within the propagation grace",
			`('zone-a', 'ps-main', 'psv-8', '2026-12-03T10:00:00.300Z')`, false,
			"version psv-8 since"},
		{"binding changed after the request",
			`('zone-a', 'ps-main', 'psv-8', '2026-12-03T12:00:00Z')`, false,
			"the binding changed after the request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sql := requestRows + "INSERT INTO policy_set_bindings VALUES " + tc.binding + ";"
			cfg := config.Config{Request: config.Request{ID: "req-deny-1"},
				Postgres: config.Postgres{URL: secret.Value(pg.db(t, sql))}}
			r := bundletest.Run(t, Request{}, cfg)
			if got := r.Has("audit.request.policy-stale"); got != tc.stale {
				t.Errorf("policy-stale finding = %v, want %v: %+v", got, tc.stale, r.Findings)
			}
			if sum := r.File(t, "summary.txt"); !strings.Contains(sum, tc.check) {
				t.Errorf("summary.txt lacks %q:\n%s", tc.check, sum)
			}
		})
	}
}

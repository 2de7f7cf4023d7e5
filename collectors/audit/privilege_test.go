package audit

import (
	"strings"
	"testing"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/bundle/secret"
)

func TestPrivilegeRefused(t *testing.T) {
	pg := newPGFixture(t)
	cases := []struct {
		name   string
		c      bundle.Collector
		req    config.Request
		table  string
		status bundle.Status
		want   string
	}{
		{"request without select on audit_events", Request{},
			config.Request{ID: "req-deny-1"}, "audit_events", bundle.StatusFailed,
			"needs SELECT on public.audit_events"},
		{"changes without select on admin_audit_events", Changes{}, config.Request{},
			"admin_audit_events", bundle.StatusPartial, "grant the role SELECT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := pg.db(t, requestRows+healthyChanges)
			pg.revoke(t, tc.table)
			cfg := config.Config{Request: tc.req,
				Postgres: config.Postgres{URL: secret.Value(url)}}
			r := bundletest.Run(t, tc.c, cfg)
			if r.Record.Status != tc.status || !strings.Contains(r.Record.Reason, tc.want) {
				t.Fatalf("record %s %q, want %s naming %q", r.Record.Status,
					r.Record.Reason, tc.status, tc.want)
			}
			if strings.Contains(r.Record.Reason, url) {
				t.Error("the database url reached the record")
			}
		})
	}
}

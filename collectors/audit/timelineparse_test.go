package audit

import (
	"testing"
	"time"
)

func TestParseLine(t *testing.T) {
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name    string
		line    string
		time    time.Time
		level   string
		service string
	}{
		{"go json, unix ms", `{"time":1796292000120,"level":"ERROR","msg":"exchange failed",` +
			`"service":"sts","request_id":"r1"}`, at("2026-12-03T10:00:00.12Z"), "error", "sts"},
		{"pino, iso time, numeric level", `{"level":40,"time":"2026-12-03T10:00:01.5Z",` +
			`"service":"api","msg":"slow","request_id":"r1"}`, at("2026-12-03T10:00:01.5Z"),
			"warn", "api"},
		{"pino, epoch ms and label", `{"level":"info","time":1796292002000,"msg":"x"}`,
			at("2026-12-03T10:00:02Z"), "info", ""},
		{"kubectl timestamps prefix, json body", `2026-12-03T10:00:09.000000000Z {"time":` +
			`1796292003000,"level":"INFO","service":"gateway"}`, at("2026-12-03T10:00:03Z"),
			"info", "gateway"},
		{"cri prefix, text body", `2026-12-03T10:00:04.250000000Z stderr F request r1 denied`,
			at("2026-12-03T10:00:04.25Z"), "", ""},
		{"docker timestamps, offset zone", `2026-12-03T11:00:05.000000000+01:00 ERROR r1 boom`,
			at("2026-12-03T10:00:05Z"), "error", ""},
		{"compose logs prefix", `sts-1  | 2026-12-03T10:00:06Z level=warn request_id=r1`,
			at("2026-12-03T10:00:06Z"), "warn", ""},
		{"logfmt time", `level=error time=2026-12-03T10:00:07.1Z msg=x request_id=r1`,
			at("2026-12-03T10:00:07.1Z"), "error", ""},
		{"go log std format", `2026/12/03 10:00:08 r1 upstream timeout`,
			at("2026-12-03T10:00:08Z"), "", ""},
		{"no timestamp", `  "request_id": "r1",`, time.Time{}, "", ""},
		{"broken json falls back to text", `{"time":17962920 r1`, time.Time{}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := parseLine([]byte(tc.line))
			if !l.Time.Equal(tc.time) || l.Level != tc.level || l.Service != tc.service {
				t.Errorf("got time %s level %q service %q, want %s %q %q", l.Time, l.Level,
					l.Service, tc.time, tc.level, tc.service)
			}
		})
	}
}

func TestHasToken(t *testing.T) {
	cases := []struct {
		name string
		line string
		want bool
	}{
		{"json value", `{"request_id":"req-1"}`, true},
		{"end of sentence", `denied request req-1.`, true},
		{"longer id", `{"request_id":"req-12"}`, false},
		{"prefixed id", `{"request_id":"xreq-1"}`, false},
		{"dotted continuation", `req-1.2 happened`, false},
		{"second occurrence counts", `req-12 then req-1 here`, true},
		{"colon then space", `req-1: denied`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := hasToken([]byte(tc.line), []byte("req-1")); got != tc.want {
				t.Errorf("hasToken(%q) = %v, want %v", tc.line, got, tc.want)
			}
		})
	}
}

func FuzzParseLine(f *testing.F) {
	f.Add([]byte(`2026-12-03T10:00:04Z stdout F {"time":1796292000120,"level":50}`))
	f.Add([]byte(`sts-1  | level=info time=2026-12-03T10:00:06Z`))
	f.Fuzz(func(t *testing.T, b []byte) {
		l := parseLine(b)
		if len(l.Text) > maxTextLen+len("…") {
			t.Fatalf("text of %d bytes kept", len(l.Text))
		}
	})
}

package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/caracal-tools/bundle/bundle/config"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		wantErr string
	}{
		{"empty", "", ""},
		{"full", `
since: 7d
timeout: 15m
parallel: 4
redis: {url: env:REDIS_URL, deadLetterSample: 50}
postgres: {url: file:/run/secrets/databaseUrl}
kubernetes: {namespace: prod, release: caracal, tail: 100}
caracal: {mode: compose, endpoints: {api: "http://127.0.0.1:3000"}}
redact: {patterns: [{name: t, regex: 'x(?P<secret>y)'}], keys: [k]}
`, ""},
		{"unknown field", "redi: {}", `unknown field "redi"`},
		{"nested unknown field", "redis: {uri: env:X}", `unknown field "uri"`},
		{"literal secret", "redis: {url: 'redis://:pw@h:6379'}", "redis.url: must be a reference"},
		{"literal token", "caracal: {mode: auto, adminToken: tok}",
			"caracal.adminToken: must be a reference"},
		{"literal redact value", "redact: {values: ['env:A', hunter2]}",
			"redact.values[1]: must be a reference"},
		{"bad duration", "since: yesterday", `since: invalid duration "yesterday"`},
		{"bad nested duration", "timeout: 1m\ncollectorTimeout: 3 days", "collectorTimeout: invalid"},
		{"bad mode", "caracal: {mode: swarm}", "caracal.mode: must be auto, compose or kubernetes"},
		{"negative tail", "kubernetes: {tail: -1}", "kubernetes.tail: must not be negative"},
		{"pattern without regex", "redact: {patterns: [{name: x}]}", "redact.patterns[0]"},
		{"parallel", "parallel: 1000", "parallel: must be between 1 and 256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse([]byte(tt.yaml))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
			case err != nil && strings.HasPrefix(err.Error(), "json: "):
				t.Fatalf("error %q keeps the decoder's prefix", err)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c := config.Config{}.WithDefaults()
	if c.Since.D() != 24*time.Hour || c.Kubernetes.Namespace != "caracal" ||
		c.Kubernetes.Tail != 10000 || c.Parallel != 8 || c.Caracal.Mode != "auto" {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"90s": 90 * time.Second, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour,
	} {
		got, err := config.ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "7days", "d", "1.5d"} {
		if _, err := config.ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}

func TestCheckRefs(t *testing.T) {
	t.Setenv("BUNDLE_TEST_SET", "x")
	c, err := config.Parse([]byte("redis: {url: env:BUNDLE_TEST_SET}\n" +
		"postgres: {url: env:BUNDLE_TEST_UNSET}\n" +
		"caracal: {adminToken: file:/nonexistent/token}\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = c.CheckRefs()
	if err == nil {
		t.Fatal("unresolvable references accepted")
	}
	for _, want := range []string{"postgres.url: ", "BUNDLE_TEST_UNSET is not set",
		"caracal.adminToken: "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "redis.url") {
		t.Errorf("a set variable was reported: %v", err)
	}
}

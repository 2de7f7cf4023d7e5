package compose

import (
	"strings"
	"testing"

	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/redact"
)

func TestEnvValue(t *testing.T) {
	red, err := redact.New(config.Redact{}, []byte("test key"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, key, value string
		keep             string // a substring that must stay
		gone             string // a substring that must go
	}{
		{"plain setting", "CARACAL_MODE", "stable", "stable", ""},
		{"path to a secret", "REDIS_PASSWORD_FILE", "/run/secrets/redisPassword",
			"/run/secrets/redisPassword", ""},
		{"secret name", "METRICS_BEARER", "mb_secretvalue1", "", "mb_secretvalue1"},
		{"token name", "CARACAL_COORDINATOR_TOKEN", "ct_value2", "", "ct_value2"},
		{"url with password", "STS_UPSTREAM", "redis://:pw_value3@redis:6379/0", "redis:6379",
			"pw_value3"},
		{"url without password", "STS_URL", "http://sts:8080", "http://sts:8080", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := envValue(red, tc.key, tc.value)
			if tc.keep != "" && !strings.Contains(got, tc.keep) {
				t.Errorf("%s=%q lost %q", tc.key, got, tc.keep)
			}
			if tc.gone != "" && strings.Contains(got, tc.gone) {
				t.Errorf("%s=%q kept %q", tc.key, got, tc.gone)
			}
		})
	}
}

func TestCaracalTag(t *testing.T) {
	tests := []struct {
		name, ref, tag string
		ok             bool
	}{
		{"release", "ghcr.io/garudex-labs/caracal-go:v1.0.0", "v1.0.0", true},
		{"dev build on a registry port", "localhost:5000/caracal-web:v1.0.0-dev.sha1234",
			"v1.0.0-dev.sha1234", true},
		{"tag and digest", "caracal-redis:v1.0.0@sha256:abc", "v1.0.0", true},
		{"not caracal", "busybox:1.36", "", false},
		{"no tag", "ghcr.io/garudex-labs/caracal-node", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tag, ok := caracalTag(tc.ref)
			if tag != tc.tag || ok != tc.ok {
				t.Errorf("caracalTag(%q) = %q, %v; want %q, %v", tc.ref, tag, ok, tc.tag, tc.ok)
			}
		})
	}
}

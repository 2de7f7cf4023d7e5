package config_test

import (
	"testing"

	"github.com/caracal-tools/bundle/bundle/config"
)

// FuzzParse: the configuration parser never panics, and whatever it accepts validates.
func FuzzParse(f *testing.F) {
	f.Add([]byte("since: 7d\nredis: {url: env:REDIS_URL}\n"))
	f.Add([]byte("kubernetes: {tail: -1}"))
	f.Add([]byte("redact: {patterns: [{name: x, regex: 'a(?P<secret>b)'}]}"))
	f.Add([]byte("caracal: {endpoints: {api: 'http://x'}}\nrequest: {at: 2026-12-03T10:00:00Z}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := config.Parse(b)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted a configuration that does not validate: %v", err)
		}
		_ = c.WithDefaults()
	})
}

// FuzzParseDuration: durations never panic and are never negative when accepted from
// the days form.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"7d", "90s", "-1d", "99999999999d", "1.5h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = config.ParseDuration(s)
	})
}

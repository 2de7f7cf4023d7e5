package netutil

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestScrub(t *testing.T) {
	tests := []struct {
		name   string
		rawURL string
		more   []string
		msg    string
		gone   []string
		want   string
	}{
		{"whole url", "redis://:pw-a1@127.0.0.1:6379/0", nil,
			"dial redis://:pw-a1@127.0.0.1:6379/0: refused", []string{"pw-a1"},
			"dial xxxxx: refused"},
		{"user info", "postgres://bob:pw-b2@db/x", nil, "auth bob:pw-b2 refused",
			[]string{"pw-b2"}, "auth xxxxx refused"},
		{"password alone", "postgres://bob:pw-c3@db/x", nil, "password pw-c3 wrong",
			[]string{"pw-c3"}, "password xxxxx wrong"},
		{"query-escaped password", "redis://:p%20w%2Fd@h:1", nil, "bad p+w%2Fd",
			[]string{"p+w"}, "bad xxxxx"},
		{"path-escaped password", "redis://:p%20w%2Fd@h:1", nil, "bad p%20w%2Fd",
			[]string{"p%20w"}, "bad xxxxx"},
		{"extra secret", "host=db password=pw-d4", []string{"pw-d4"},
			"connect: password pw-d4 rejected", []string{"pw-d4"},
			"connect: password xxxxx rejected"},
		{"one-letter password leaves words alone", "postgres://u:p@db/x", nil,
			"postgres: expected password", nil, "postgres: expected password"},
		{"empty extra ignored", "redis://h:1", []string{""}, "refused", nil, "refused"},
		{"empty url ignored", "", nil, "refused", nil, "refused"},
		{"empty user info ignored", "redis://@h:1", nil, "refused", nil, "refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := errors.New(tt.msg)
			got := Scrub(fmt.Errorf("read: %w", base), tt.rawURL, tt.more...)
			if got.Error() != "read: "+tt.want {
				t.Errorf("Scrub = %q, want %q", got, "read: "+tt.want)
			}
			for _, s := range tt.gone {
				if strings.Contains(got.Error(), s) {
					t.Errorf("Scrub = %q: still holds %q", got, s)
				}
			}
			if !errors.Is(got, base) {
				t.Errorf("Scrub lost the error chain")
			}
		})
	}
}

func TestScrubUnchanged(t *testing.T) {
	if Scrub(nil, "redis://:pw@h:1") != nil {
		t.Error("Scrub(nil) is not nil")
	}
	err := errors.New("connection refused")
	if got := Scrub(err, "redis://:pw@h:1"); got != err {
		t.Errorf("Scrub wrapped an error with nothing to hide: %#v", got)
	}
}

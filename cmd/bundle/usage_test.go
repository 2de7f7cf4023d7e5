package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestUsageMistakes checks that typos in commands and flags exit 2 with one error line
// and a hint that names the likely fix.
func TestUsageMistakes(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		want     int
		wantHint string
	}{
		{"command typo", []string{"colect"}, exitUsage, "did you mean 'bundle collect'?"},
		{"unknown command", []string{"xyzzyq"}, exitUsage, "'bundle --help' lists the commands"},
		{"flag typo", []string{"collect", "--redis-ulr", "x"}, exitUsage,
			"did you mean --redis-url? 'bundle collect --help' lists the flags"},
		{"short flag", []string{"verify", "-x"}, exitUsage, "'bundle verify --help'"},
		{"command as a flag", []string{"--version"}, exitUsage, "run 'bundle version'"},
		{"help", []string{"help"}, exitOK, ""},
		{"help for a command", []string{"help", "verify"}, exitOK, ""},
		{"help for nothing", []string{"help", "nosuch"}, exitUsage, "lists the commands"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			got := run(append([]string{"bundle"}, tt.args...), nil, &stdout, &stderr)
			if got != tt.want {
				t.Fatalf("exit code %d, want %d\n%s", got, tt.want, stderr.String())
			}
			if tt.wantHint == "" {
				if stdout.Len() == 0 || stderr.Len() != 0 {
					t.Fatalf("want help on stdout only, got stdout %q, stderr %q",
						stdout.String(), stderr.String())
				}
				return
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "bundle: error: ") ||
				!strings.Contains(lines[1], tt.wantHint) {
				t.Fatalf("stderr = %q, want one error and a hint with %q", stderr.String(),
					tt.wantHint)
			}
		})
	}
}

package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadRedact(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		wantErr string
	}{
		{"full", "patterns:\n- name: t\n  regex: 'T-[0-9]+'\n  files: ['*.log']\n" +
			"keys: [frob]\nvalues: ['env:X']\ndisable: [jwt]\n", ""},
		{"empty", "", ""},
		{"unknown field", "pattern: []\n", `unknown field "pattern"`},
		{"literal value", "values: ['hunter2']\n", "values[0]: must be a reference"},
		{"whole configuration", "since: 7d\nredact:\n  keys: [frob]\n", ""},
		{"whole configuration, literal value", "redact:\n  values: ['hunter2']\n",
			"redact.values[0]: must be a reference"},
		{"no regex", "patterns:\n- name: t\n", "patterns[0]: needs both name and regex"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "rules.yaml")
			if err := os.WriteFile(p, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadRedact(p)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("LoadRedact: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("LoadRedact error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

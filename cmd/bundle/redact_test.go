package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// runRedactApp runs `bundle redact args...` with stdin and returns stdout and stderr.
func runRedactApp(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	app := &cli.App{
		Name: "bundle", Reader: strings.NewReader(stdin), Writer: &stdout, ErrWriter: &stderr,
		Commands: []*cli.Command{redactCommand()},
	}
	err := app.RunContext(context.Background(), append([]string{"bundle", "redact"}, args...))
	return stdout.String(), stderr.String(), err
}

func TestRedactCommand(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(rules, []byte("keys: [frobnicator]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	badRules := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badRules, []byte("patterns:\n- {name: x, regex: '('}\n"),
		0o600); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "app.log")
	if err := os.WriteFile(in, []byte("password=hunter2\nok\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		stdin      string
		args       []string
		wantOut    string
		wantErrOut string
		wantErr    string
	}{
		{"stdin", "token=abc123\n", nil, "token=[REDACTED:key-value:", "key-value 1", ""},
		{"dash", "nothing\n", []string{"-"}, "nothing\n", "nothing redacted", ""},
		{"file json", "", []string{"--report", "json", in}, "password=[REDACTED:",
			`"redactions":{"key-value":1}`, ""},
		{"rules", "frobnicator: x1\n", []string{"--rules", rules}, "frobnicator: [REDACTED:", "", ""},
		{"bad rules", "", []string{"--rules", badRules}, "", "", `patterns[0] "x": invalid regex`},
		{"bad report", "", []string{"--report", "xml"}, "", "", "--report must be text or json"},
		{"missing file", "", []string{filepath.Join(dir, "nope")}, "", "", "open input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := runRedactApp(t, tt.stdin, tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out, tt.wantOut) || !strings.Contains(errOut, tt.wantErrOut) {
				t.Errorf("stdout %q stderr %q", out, errOut)
			}
		})
	}
}

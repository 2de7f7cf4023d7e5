package secret_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caracal-tools/bundle/bundle/secret"
)

func TestRef(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte("s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BUNDLE_TEST_SECRET", "from-env")

	tests := []struct {
		in, want, wantErr string
	}{
		{"env:BUNDLE_TEST_SECRET", "from-env", ""},
		{"file:" + file, "s3cr3t", ""},
		{"env:BUNDLE_TEST_UNSET_VAR", "", "is not set"},
		{"file:" + filepath.Join(dir, "missing"), "", "no such file"},
		{"", "", ""},
	}
	for _, tt := range tests {
		r, err := secret.Parse(tt.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.in, err)
		}
		got, err := r.Resolve()
		if got != tt.want || (tt.wantErr != "" && (err == nil ||
			!strings.Contains(err.Error(), tt.wantErr))) {
			t.Errorf("%q: got %q, %v", tt.in, got, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error leaks the value: %v", err)
		}
	}
	for _, bad := range []string{"hunter2", "redis://:pw@h", "vault:x", "env:"} {
		if _, err := secret.Parse(bad); !errors.Is(err, secret.ErrNotRef) {
			t.Errorf("Parse(%q) = %v, want ErrNotRef", bad, err)
		}
	}
	v := secret.Value("literal")
	if strings.Contains(v.String(), "literal") {
		t.Errorf("a literal value prints: %s", v)
	}
	if got, _ := v.Resolve(); got != "literal" {
		t.Errorf("Value resolves to %q", got)
	}
	back, err := secret.Parse(v.String())
	if err != nil {
		t.Fatalf("the printed form of a Value does not parse back: %v", err)
	}
	if got, err := back.Resolve(); got != "" || err == nil {
		t.Errorf("a hidden value resolved to %q, %v", got, err)
	}
}

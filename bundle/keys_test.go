package bundle_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caracal-tools/bundle/bundle"
)

func TestAllowedSigners(t *testing.T) {
	dir := t.TempDir()
	s, err := bundle.GenerateKey(filepath.Join(dir, "k"), "t")
	if err != nil {
		t.Fatal(err)
	}
	other, err := bundle.GenerateKey(filepath.Join(dir, "o"), "t")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "k.pub"))
	if err != nil {
		t.Fatal(err)
	}
	pub := strings.TrimSpace(string(b))

	tests := []struct {
		name  string
		file  string
		allow bool
		err   string
	}{
		{"plain", "support " + pub, true, ""},
		{"namespace ours", `support namespaces="caracal-bundle" ` + pub, true, ""},
		{"namespace other", `support namespaces="git" ` + pub, false, ""},
		{"comments", "# team\n\nsupport " + pub + "\n", true, ""},
		{"empty", "# nothing\n", false, "no entries"},
		{"garbage", "support not-a-key", false, "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as, err := bundle.ParseAllowedSigners(strings.NewReader(tt.file))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := as[0].Allows(s.PublicKey()); got != tt.allow {
				t.Errorf("Allows = %v, want %v", got, tt.allow)
			}
			if as[0].Allows(other.PublicKey()) {
				t.Error("another key is allowed")
			}
		})
	}
}

// FuzzParseAllowedSigners: the allowed_signers parser never panics.
func FuzzParseAllowedSigners(f *testing.F) {
	f.Add([]byte("support ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE\n"))
	f.Add([]byte(`a,b namespaces="x,y" ssh-ed25519 AAAA`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = bundle.ParseAllowedSigners(bytes.NewReader(b))
	})
}

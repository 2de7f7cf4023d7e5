package redact

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caracal-tools/bundle/bundle/config"
)

// expectation is a corpus file's list of secrets that must vanish and text that must
// stay.
type expectation struct {
	secrets []string
	keeps   []string
}

func readExpect(t *testing.T, path string) expectation {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var e expectation
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "secret: "):
			e.secrets = append(e.secrets, strings.TrimPrefix(line, "secret: "))
		case strings.HasPrefix(line, "keep: "):
			e.keeps = append(e.keeps, strings.TrimPrefix(line, "keep: "))
		default:
			t.Fatalf("%s: bad line %q", path, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return e
}

func newTestRedactor(t testing.TB) *Redactor {
	t.Helper()
	r, err := New(config.Redact{}, []byte("test-key"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func redactBytes(t testing.TB, r *Redactor, name string, in []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if _, _, err := r.Redact(&out, bytes.NewReader(in), name); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestCorpus(t *testing.T) {
	r := newTestRedactor(t)
	files, err := filepath.Glob("testdata/corpus/*.expect")
	if err != nil {
		t.Fatal(err)
	}
	hidden, _ := filepath.Glob("testdata/corpus/.*.expect")
	files = append(files, hidden...)
	if len(files) < 10 {
		t.Fatalf("found only %d corpus files", len(files))
	}
	for _, exp := range files {
		src := strings.TrimSuffix(exp, ".expect")
		t.Run(filepath.Base(src), func(t *testing.T) {
			in, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			e := readExpect(t, exp)
			out := redactBytes(t, r, filepath.Base(src), in)
			for _, s := range e.secrets {
				if !bytes.Contains(in, []byte(s)) {
					t.Errorf("fixture does not hold secret %q", s)
				}
				if bytes.Contains(out, []byte(s)) {
					t.Errorf("secret survived: %q", s)
				}
			}
			for _, k := range e.keeps {
				if !bytes.Contains(out, []byte(k)) {
					t.Errorf("lost: %q", k)
				}
			}
			if again := redactBytes(t, r, filepath.Base(src), out); !bytes.Equal(again, out) {
				t.Errorf("not idempotent:\n%s\n---\n%s", out, again)
			}
			rules, err := r.Guard(bytes.NewReader(out), src)
			if err != nil || len(rules) > 0 {
				t.Errorf("guard after redaction: %v %v", rules, err)
			}
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}
}

package redact

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/bundle/secret"
)

func TestString(t *testing.T) {
	r := newTestRedactor(t)
	tests := []struct {
		name, in, gone, keep string
	}{
		{"yaml key", "postgresPassword: hunter2", "hunter2", "postgresPassword: [REDACTED:key-value:"},
		{"logfmt bait", "token_type=refresh password_policy=strict", "",
			"token_type=refresh password_policy=strict"},
		{"bearer header", "Authorization: Bearer abcDEF123456", "abcDEF123456",
			"Authorization: Bearer [REDACTED:bearer:"},
		{"url", "redis://:p4ss@redis:6379/0", "p4ss", "@redis:6379/0"},
		{"query", "/cb?code=c0de&state=s1", "c0de", "state=s1"},
		{"sql", "ALTER ROLE x PASSWORD 'pw123';", "pw123", "ALTER ROLE x PASSWORD '"},
		{"redis config", "requirepass foobared", "foobared", "requirepass "},
		{"flag", "--token tok-123456 --verbose", "tok-123456", "--verbose"},
		{"placeholder", "password: ${DB_PASSWORD}", "", "password: ${DB_PASSWORD}"},
		{"reference", "token: env:CARACAL_TOKEN", "", "token: env:CARACAL_TOKEN"},
		{"redacted", "password: <redacted>", "", "password: <redacted>"},
		{"empty", `"password": ""`, "", `"password": ""`},
		{"pwd path", "PWD=/home/op", "", "PWD=/home/op"},
		{"jwt", "t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nat-ure", "eyJzdWIiOiIxIn0", "t=[REDACTED:"},
		{"caracal token", "x cat_AbCdEfGhIjKlMnOpQrStUv y", "cat_AbCdEfGhIjKlMnOpQrStUv",
			"x [REDACTED:caracal-admin-token:"},
		{"no token in word", "category cat_x", "", "category cat_x"},
		{"task name", "task-runner-abcdefghijklmnopqrstuvwxyz", "",
			"task-runner-abcdefghijklmnopqrstuvwxyz"},
		{"uuid stays", "request_id=7c9e6679-7425-40de-944b-e07fc1f90ae7", "",
			"7c9e6679-7425-40de-944b-e07fc1f90ae7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := r.String(tt.in)
			if tt.gone != "" && strings.Contains(out, tt.gone) {
				t.Errorf("String(%q) = %q: still holds %q", tt.in, out, tt.gone)
			}
			if !strings.Contains(out, tt.keep) {
				t.Errorf("String(%q) = %q: lost %q", tt.in, out, tt.keep)
			}
			if again := r.String(out); again != out {
				t.Errorf("not idempotent: %q -> %q", out, again)
			}
		})
	}
}

func TestTokenStable(t *testing.T) {
	r := newTestRedactor(t)
	a := r.String("password=one")
	b := r.String("password=one")
	c := r.String("password=two")
	if a != b || a == c {
		t.Errorf("tokens: %q %q %q", a, b, c)
	}
	other, err := New(config.Redact{}, []byte("other-key"))
	if err != nil {
		t.Fatal(err)
	}
	if other.String("password=one") == a {
		t.Error("token does not depend on the key")
	}
}

// TestChunkBoundaries plants secrets at every offset around the window edges, in text
// with lines and in one over-long line, written in small and odd-sized pieces.
func TestChunkBoundaries(t *testing.T) {
	r := newTestRedactor(t)
	const planted = "ghp_B0undaryT0kenForTest1ngCh0nks0123"
	tests := []struct {
		name string
		sep  string
	}{
		{"lines", "\n"},
		{"single line", " "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, off := range []int{chunkSize - 40, chunkSize - 3, chunkSize + 7,
				chunkSize - overlapSize - 20, 2*chunkSize - overlapSize + 11, 3*chunkSize - 1} {
				var in bytes.Buffer
				for in.Len() < off {
					in.WriteString("level=info msg=filler" + tt.sep)
				}
				in.WriteString("x password=" + planted + tt.sep + "a b" + tt.sep)
				for in.Len() < off+3*chunkSize {
					in.WriteString("level=info msg=after" + tt.sep)
				}
				for _, piece := range []int{1 << 20, 4093, 17} {
					var out bytes.Buffer
					w := r.NewWriter(&out, "b.log")
					src := in.Bytes()
					for len(src) > 0 {
						n := min(piece, len(src))
						if _, err := w.Write(src[:n]); err != nil {
							t.Fatal(err)
						}
						src = src[n:]
					}
					if err := w.Close(); err != nil {
						t.Fatal(err)
					}
					if bytes.Contains(out.Bytes(), []byte("B0undaryT0ken")) {
						t.Fatalf("offset %d piece %d: secret survived", off, piece)
					}
					want := len(in.Bytes()) - len(planted)
					if out.Len() < want {
						t.Fatalf("offset %d piece %d: output too short", off, piece)
					}
				}
			}
		})
	}
}

func TestBinary(t *testing.T) {
	r := newTestRedactor(t)
	tests := []struct {
		name   string
		in     []byte
		binary bool
	}{
		{"nul", []byte("abc\x00def password=x"), true},
		{"invalid utf8", bytes.Repeat([]byte{0xff, 0xfe, 0x80, 'a'}, 100), true},
		{"text with latin1 byte", []byte("caf\xe9 password=x\n"), false},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			_, bin, err := r.Redact(&out, bytes.NewReader(tt.in), "f.bin")
			if err != nil {
				t.Fatal(err)
			}
			if bin != tt.binary {
				t.Fatalf("Binary() = %v, want %v", bin, tt.binary)
			}
			if bin && (bytes.Count(out.Bytes(), []byte("\n")) != 1 ||
				!bytes.Contains(out.Bytes(), []byte("binary content left out"))) {
				t.Errorf("notice = %q", out.String())
			}
		})
	}
}

func TestGuard(t *testing.T) {
	r := newTestRedactor(t)
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"clean", "nothing here password_policy=strict\n", ""},
		{"github", "x ghp_abcdefghijklmnopqrstuvwxyz0123456789\n", "github-token"},
		{"jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln\n", "jwt"},
		{"pem", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n", "pem"},
		{"marker", "-----BEGIN PRIVATE KEY-----\n[REDACTED:pem:abcdef]\n-----END PRIVATE KEY-----\n", ""},
		{"redacted", "password=[REDACTED:key-value:3f9a1c] [REDACTED:github-token:000000]\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Guard(strings.NewReader(tt.in), "f")
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, ",") != tt.want {
				t.Errorf("Guard = %v, want %q", got, tt.want)
			}
		})
	}
}

func TestUserRules(t *testing.T) {
	t.Setenv("REDACT_TEST_VALUE", "s3cr3t-literal")
	user := config.Redact{
		Patterns: []config.Pattern{
			{Name: "ticket", Regex: `TICKET-(?P<secret>[0-9]{6})`},
			{Name: "scoped", Regex: `[a-z]+@corp\.example`, Files: []string{"*.csv"}},
		},
		Keys:    []string{"frobnicator"},
		Values:  []secret.Ref{secret.Env("REDACT_TEST_VALUE")},
		Disable: []string{"url-password"},
	}
	r, err := New(user, []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, in, want string
	}{
		{"pattern group", "a.log", "see TICKET-123456 now", "see TICKET-[REDACTED:ticket:"},
		{"scoped in", "x/users.csv", "bob@corp.example,1", "[REDACTED:scoped:"},
		{"scoped out", "a.log", "bob@corp.example", "bob@corp.example"},
		{"key", "a.log", "frobnicator: abc", "frobnicator: [REDACTED:key-value:"},
		{"value", "a.log", "said s3cr3t-literal.", "said [REDACTED:value:"},
		{"disabled", "a.log", "postgres://u:pw@h/db", "postgres://u:pw@h/db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if _, _, err := r.Redact(&out, strings.NewReader(tt.in), tt.file); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("got %q, want it to hold %q", out.String(), tt.want)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		name string
		user config.Redact
		want string
	}{
		{"bad regex", config.Redact{Patterns: []config.Pattern{{Name: "x", Regex: "("}}},
			`redact.patterns[0] "x": invalid regex`},
		{"unknown rule", config.Redact{Disable: []string{"nope"}}, `redact.disable[0] "nope"`},
		{"unset env", config.Redact{Values: []secret.Ref{secret.Env("REDACT_TEST_UNSET_9")}},
			"redact.values[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.user, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() error = %v, want %q", err, tt.want)
			}
		})
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestWriteError(t *testing.T) {
	r := newTestRedactor(t)
	w := r.NewWriter(failWriter{}, "f")
	_, _ = w.Write(bytes.Repeat([]byte("line\n"), chunkSize))
	if err := w.Close(); err == nil {
		t.Error("Close() = nil after a failed write")
	}
}

// TestRedactErrors checks that Redact names the file once and tells the source's
// failures from the destination's.
func TestRedactErrors(t *testing.T) {
	r := newTestRedactor(t)
	tests := []struct {
		name string
		dst  io.Writer
		src  io.Reader
		want string
	}{
		{"destination fails", failWriter{}, strings.NewReader("line\n"),
			"redact f.log: " + io.ErrClosedPipe.Error()},
		{"source fails", io.Discard, iotest.ErrReader(io.ErrUnexpectedEOF),
			"read f.log: " + io.ErrUnexpectedEOF.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := r.Redact(tt.dst, tt.src, "f.log")
			if err == nil || err.Error() != tt.want {
				t.Errorf("Redact error = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestPEMAcrossWindows places a multi-line private key across the first window edge.
func TestPEMAcrossWindows(t *testing.T) {
	r := newTestRedactor(t)
	body := strings.Repeat("UEVNQm9keUxpbmVGb3JUZXN0aW5nQWNyb3NzV2luZG93c0VkZ2U=\n", 60)
	for _, off := range []int{chunkSize - 500, chunkSize - 30, chunkSize + 100} {
		var in bytes.Buffer
		for in.Len() < off {
			in.WriteString("level=info msg=filler\n")
		}
		in.WriteString("-----BEGIN RSA PRIVATE KEY-----\n" + body + "-----END RSA PRIVATE KEY-----\n")
		in.WriteString(strings.Repeat("tail line\n", 10000))
		out := redactBytes(t, r, "k.pem", in.Bytes())
		if bytes.Contains(out, []byte("UEVNQm9keUxpbmVGb3JUZXN0aW5n")) {
			t.Errorf("offset %d: PEM body survived", off)
		}
		if !bytes.Contains(out, []byte("-----END RSA PRIVATE KEY-----\ntail line\n")) {
			t.Errorf("offset %d: END line lost", off)
		}
	}
}

func TestFlagNamesInProse(t *testing.T) {
	red, err := New(config.Redact{}, []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]bool{ // input → redacted?
		"set --database-url or DATABASE_URL": false,
		"pass --redis-url to reach it":       false,
		"--password (see above)":             false,
		"--token --other-flag":               false,
		"psql --password hunter22":           true,
		"redis-cli --pass s3cr3t-value -h x": true,
	}
	for in, want := range tests {
		got := red.String(in)
		if (got != in) != want {
			t.Errorf("%q → %q, want redacted=%v", in, got, want)
		}
	}
}

// TestJSONStaysValid: redacting a valid JSON document gives a valid JSON document, also
// where a secret-looking key holds a bare number or word.
func TestJSONStaysValid(t *testing.T) {
	red, err := New(config.Redact{}, []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{
		"counts":   `{"redactions": {"bearer": 1, "github-token": 12, "cookie": 3}}`,
		"numeric":  `{"password": 12345678, "pin": 1234, "token": 98765432109}`,
		"pretty":   "{\n  \"password\": 12345678,\n  \"secret\": true,\n  \"apiKey\": null\n}",
		"nested":   `[{"name": "x", "auth": {"token": 424242424242, "bearer": false}}]`,
		"negative": `{"session": -1, "kek": 0.5}`,
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			out := red.String(doc)
			if !json.Valid([]byte(out)) {
				t.Fatalf("invalid JSON after redaction:\n%s", out)
			}
			if strings.Contains(out, "12345678") || strings.Contains(out, "424242424242") {
				t.Errorf("a numeric secret survived:\n%s", out)
			}
		})
	}
	corpus, _ := filepath.Glob("testdata/corpus/*.json")
	for _, f := range corpus {
		b, err := os.ReadFile(f)
		if err != nil || !json.Valid(b) {
			continue
		}
		if out := red.String(string(b)); !json.Valid([]byte(out)) {
			t.Errorf("%s: invalid JSON after redaction", f)
		}
	}
}

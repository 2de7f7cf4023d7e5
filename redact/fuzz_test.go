package redact

import (
	"bytes"
	"testing"
)

// plantedSecret is inserted by FuzzRedact into every input; it must never survive.
const plantedSecret = "ghp_FuzzPlantedT0kenV4lue0123456789abcd"

func FuzzRedact(f *testing.F) {
	for _, seed := range []string{
		"", "password=x", "a\r\nb\r\n", "no newline", "token: [REDACTED:key-value:000000]",
		"Authorization: Bearer abc\n", "postgres://u:p@h/db", "data:\n  k: dmFsdWU=\n",
		"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		"{\"password\": \"a\\\"b\"}", "key: |\n  x\n", "\xff\xfe", "curl -u a:b x",
	} {
		f.Add([]byte(seed), uint16(0))
	}
	r := newTestRedactor(f)
	f.Fuzz(func(t *testing.T, in []byte, at uint16) {
		if bytes.IndexByte(in, 0) >= 0 {
			return
		}
		once := fuzzRedact(t, r, in)
		if twice := fuzzRedact(t, r, once); !bytes.Equal(once, twice) {
			t.Fatalf("not idempotent:\n%q\n%q\n%q", in, once, twice)
		}
		if plainText(t, r, in) && !bytes.Equal(once, in) {
			t.Fatalf("changed text without key/value shapes or tokens:\n%q\n%q", in, once)
		}
		lower := bytes.ToLower(in)
		if bytes.Count(once, []byte("\n")) != bytes.Count(in, []byte("\n")) &&
			!bytes.Contains(lower, []byte("-----begin")) {
			t.Fatalf("line breaks changed:\n%q\n%q", in, once)
		}
		pos := int(at) % (len(in) + 1)
		planted := append(append(append([]byte{}, in[:pos]...), " "+plantedSecret+" "...),
			in[pos:]...)
		if out := fuzzRedact(t, r, planted); bytes.Contains(out, []byte(plantedSecret)) &&
			!looksBinary(planted) {
			t.Fatalf("planted secret survived:\n%q\n%q", planted, out)
		}
	})
}

func fuzzRedact(t *testing.T, r *Redactor, in []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w := r.NewWriter(&out, "fuzz.txt")
	w.sniffed = true
	if _, err := w.Write(in); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// plainText reports whether in has none of the shapes a rule looks for: no key/value
// punctuation, no auth scheme or redis setting, no known token.
func plainText(t *testing.T, r *Redactor, in []byte) bool {
	t.Helper()
	lower := bytes.ToLower(in)
	for _, w := range []string{"basic", "bearer", "requirepass", "masterauth"} {
		if bytes.Contains(lower, []byte(w)) {
			return false
		}
	}
	if bytes.ContainsAny(in, "[]:=\"'@/-_.") {
		return false
	}
	rules, err := r.Guard(bytes.NewReader(in), "fuzz.txt")
	if err != nil {
		t.Fatal(err)
	}
	return len(rules) == 0
}

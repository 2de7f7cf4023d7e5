package redact

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"sort"

	"github.com/caracal-tools/bundle/bundle/config"
)

// markerPrefix starts every replacement token.
const markerPrefix = "[REDACTED:"

// Redactor holds the compiled rules and the per-bundle key. It is safe for concurrent use.
type Redactor struct {
	key      []byte
	main     *ruleset
	guard    *ruleset
	disabled map[string]bool
	userKeys map[string]bool
	patterns []userPattern
	// valueCount is how many of the user keywords are literal values.
	valueCount int
}

// New compiles the built-in rules plus the user's. key is the per-bundle HMAC key that
// makes replacement tokens stable within one bundle; nil means a random one. An error
// names the bad rule (`redact.patterns[2] "x": invalid regex: ...`).
func New(user config.Redact, key []byte) (*Redactor, error) {
	if key == nil {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("redaction key: %w", err)
		}
	}
	r := &Redactor{key: key, disabled: map[string]bool{}, userKeys: map[string]bool{}}
	extra, err := r.addUser(user)
	if err != nil {
		return nil, err
	}
	if r.main, err = buildRuleset(append(extra, builtinKeywords()...)); err != nil {
		return nil, err
	}
	if r.guard, err = buildRuleset(append(r.valueKeywords(extra), guardKeywords()...)); err != nil {
		return nil, err
	}
	return r, nil
}

// Rules returns the names of the built-in rules, sorted; these are the names that
// counts, tokens and redact.disable use.
func Rules() []string {
	names := append([]string(nil), builtinRules...)
	sort.Strings(names)
	return names
}

// NewWriter returns a writer that redacts what is written to it into dst. name is the
// file's bundle path, used to scope user rules. Close flushes; it does not close dst.
// A Writer is not safe for concurrent use; many Writers may run in parallel.
func (r *Redactor) NewWriter(dst io.Writer, name string) *Writer {
	return newWriter(r, r.main, dst, name)
}

// String redacts a short string such as a command-line argument. Binary detection does
// not apply.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	var b bytes.Buffer
	w := newWriter(r, r.main, &b, "")
	w.sniffed = true
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

// Redact copies src to dst through a new Writer and returns the per-rule counts and
// whether the content was binary (left out with a notice). It does not close dst.
// Errors name the file: "redact NAME: ..." for dst, "read NAME: ..." for src.
func (r *Redactor) Redact(dst io.Writer, src io.Reader, name string) (map[string]int, bool, error) {
	w := r.NewWriter(dst, name)
	if _, err := io.Copy(w, src); err != nil {
		if w.err != nil {
			return nil, false, err // the Writer's error names the file already
		}
		return nil, false, fmt.Errorf("read %s: %w", name, err)
	}
	if err := w.Close(); err != nil {
		return nil, false, err
	}
	return w.Counts(), w.Binary(), nil
}

// appendToken appends the replacement token for secret to dst.
func appendToken(dst []byte, mac hash.Hash, sum []byte, rule string, secret []byte) []byte {
	mac.Reset()
	mac.Write(secret)
	sum = mac.Sum(sum[:0])
	dst = append(dst, markerPrefix...)
	dst = append(dst, rule...)
	dst = append(dst, ':')
	dst = hex.AppendEncode(dst, sum[:3])
	return append(dst, ']')
}

func (r *Redactor) newMAC() hash.Hash { return hmac.New(sha256.New, r.key) }

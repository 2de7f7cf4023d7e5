package netutil

import (
	"net/url"
	"strings"
)

// mask replaces a secret in an error message.
const mask = "xxxxx"

// minPart is the shortest user info or password Scrub masks on its own.
const minPart = 4

// scrubbedError carries a message with secrets masked and the original error beneath,
// so errors.Is and errors.As still see the chain.
type scrubbedError struct {
	msg string
	err error
}

// Error returns the masked message.
func (e *scrubbedError) Error() string { return e.msg }

// Unwrap returns the original error.
func (e *scrubbedError) Unwrap() error { return e.err }

// Scrub returns err with rawURL, its user info and its password (raw, query- and
// path-escaped) and every one of more replaced by "xxxxx" in its message. Parts shorter
// than four characters, other than the URL itself, are left: masking them would mangle
// the words of the message. err itself is returned when nothing was replaced, nil for nil.
func Scrub(err error, rawURL string, more ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	parts := append(urlSecrets(rawURL), more...)
	for i, s := range parts {
		// A part shorter than minPart would mask letters of ordinary words; the whole
		// URL (parts[0]) is always masked.
		if s != "" && (i == 0 || len(s) >= minPart) {
			msg = strings.ReplaceAll(msg, s, mask)
		}
	}
	if msg == err.Error() {
		return err
	}
	return &scrubbedError{msg: msg, err: err}
}

// urlSecrets returns the parts of a URL that must not appear in a message, the whole
// URL first.
func urlSecrets(rawURL string) []string {
	out := []string{rawURL}
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		return out
	}
	out = append(out, u.User.String())
	if pw, ok := u.User.Password(); ok && pw != "" {
		out = append(out, pw, url.QueryEscape(pw), url.PathEscape(pw))
	}
	return out
}

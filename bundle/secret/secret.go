// Package secret holds references to secret values: "env:NAME" or "file:PATH".
//
// Configuration never holds a secret itself, only a Ref to where it lives, so a
// configuration file can be copied into a bundle or a ticket without leaking anything.
package secret

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrNotRef is returned when a string is neither "env:NAME" nor "file:PATH".
var ErrNotRef = errors.New(`must be a reference: "env:NAME" or "file:PATH"`)

// Ref is a reference to a secret value. The zero Ref is unset.
type Ref struct {
	kind string // "env", "file" or "value"
	name string
}

// hiddenValue is how a Value prints, in a manifest for instance.
const hiddenValue = "value:(from command line)"

// Parse parses "env:NAME" or "file:PATH". The empty string gives the zero Ref. The
// printed form of a Value parses back to a Ref that cannot be resolved, so that a
// manifest recording one can be read again.
func Parse(s string) (Ref, error) {
	switch s {
	case "":
		return Ref{}, nil
	case hiddenValue:
		return Ref{kind: "hidden"}, nil
	}
	kind, name, ok := strings.Cut(s, ":")
	if !ok || name == "" || (kind != "env" && kind != "file") {
		return Ref{}, ErrNotRef
	}
	return Ref{kind: kind, name: name}, nil
}

// Env returns a Ref to the environment variable name.
func Env(name string) Ref { return Ref{kind: "env", name: name} }

// File returns a Ref to the file at path.
func File(path string) Ref { return Ref{kind: "file", name: path} }

// Value returns a Ref holding a literal value given on the command line. It prints as
// "value:(from command line)" and never as the value itself; YAML cannot produce one.
func Value(v string) Ref { return Ref{kind: "value", name: v} }

// IsZero reports whether the Ref is unset.
func (r Ref) IsZero() bool { return r.kind == "" }

// String returns the reference itself ("env:NAME"), never the value.
func (r Ref) String() string {
	switch r.kind {
	case "":
		return ""
	case "value", "hidden":
		return hiddenValue
	}
	return r.kind + ":" + r.name
}

// Resolve reads the value. A file's trailing newlines are trimmed. An unset environment
// variable or an unreadable file is an error that names the reference, never the value.
func (r Ref) Resolve() (string, error) {
	switch r.kind {
	case "":
		return "", nil
	case "value":
		return r.name, nil
	case "hidden":
		return "", fmt.Errorf("secret %s: the value was given on a command line and is "+
			"not kept", hiddenValue)
	case "env":
		v, ok := os.LookupEnv(r.name)
		if !ok {
			return "", fmt.Errorf("secret %s: environment variable %s is not set", r, r.name)
		}
		return v, nil
	default:
		b, err := os.ReadFile(r.name)
		if err != nil {
			return "", fmt.Errorf("secret %s: %w", r, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
}

// MarshalText writes the reference, never the value.
func (r Ref) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText parses a reference; a literal value is refused with ErrNotRef.
func (r *Ref) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

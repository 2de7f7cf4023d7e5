package config

import (
	"bytes"
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

// LoadRedact reads a rules file for `bundle redact --rules`: the same YAML shape as the
// configuration's redact section (patterns, keys, values, disable), or a whole
// configuration file, of which only the redact section is used. Unknown fields are an
// error naming them; an empty file gives no extra rules.
func LoadRedact(path string) (Redact, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Redact{}, fmt.Errorf("read redaction rules: %w", err)
	}
	var r Redact
	if isWholeConfig(b) {
		c, err := Parse(b)
		if err != nil {
			return Redact{}, fmt.Errorf("redaction rules %s: %w", path, err)
		}
		r = c.Redact
	} else if len(bytes.TrimSpace(b)) > 0 {
		if err := yaml.UnmarshalStrict(b, &r); err != nil {
			return Redact{}, fmt.Errorf("redaction rules %s: %w", path,
				cleanYAMLError(namedRefError(b, &r, err)))
		}
	}
	for i, p := range r.Patterns {
		if p.Name == "" || p.Regex == "" {
			return Redact{}, fmt.Errorf("redaction rules %s: patterns[%d]: needs both name "+
				"and regex", path, i)
		}
	}
	return r, nil
}

// isWholeConfig reports whether b is a whole configuration file (with a redact: section)
// rather than the contents of that section alone.
func isWholeConfig(b []byte) bool {
	var top map[string]any
	if yaml.Unmarshal(b, &top) != nil {
		return false
	}
	_, ok := top["redact"]
	return ok
}

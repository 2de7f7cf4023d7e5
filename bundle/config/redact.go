package config

import (
	"bytes"
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

// LoadRedact reads a rules file for `bundle redact --rules`: the same YAML shape as the
// configuration's redact section (patterns, keys, values, disable). Unknown fields are
// an error naming them; an empty file gives no extra rules.
func LoadRedact(path string) (Redact, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Redact{}, fmt.Errorf("read redaction rules: %w", err)
	}
	var r Redact
	if len(bytes.TrimSpace(b)) > 0 {
		if err := yaml.UnmarshalStrict(b, &r); err != nil {
			return Redact{}, fmt.Errorf("redaction rules %s: %w", path, cleanYAMLError(err))
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

package kube

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"sigs.k8s.io/yaml"

	"github.com/caracal-tools/bundle/redact"
)

// valueScrubber makes Helm values safe to copy and to diff. Secret values become
// "[secret hmac:<12 hex>]", an HMAC under a key that lives only for this run: equal
// values give equal tags, so a changed secret shows as changed, but its value cannot
// be recovered or guessed from the bundle. Every other string goes through the
// bundle's redactor.
type valueScrubber struct {
	key []byte
	red *redact.Redactor
}

func newValueScrubber(red *redact.Redactor) (*valueScrubber, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate values scrubbing key: %w", err)
	}
	return &valueScrubber{key: key, red: red}, nil
}

// scrub returns a scrubbed deep copy of values.
func (s *valueScrubber) scrub(values map[string]any) map[string]any {
	out, _ := s.walk(values, nil, false).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

// walk copies v; plaintext is set below secrets.plaintext, where every leaf is secret.
func (s *valueScrubber) walk(v any, path []string, plaintext bool) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, child := range t {
			p := append(append([]string{}, path...), k)
			out[k] = s.walk(child, p, plaintext || plaintextPath(p))
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, child := range t {
			out[i] = s.walk(child, path, plaintext)
		}
		if len(path) > 0 && strings.EqualFold(path[len(path)-1], "extraEnv") {
			s.scrubEnvValues(out)
		}
		return out
	case string:
		if t != "" && (plaintext || secretKey(path)) {
			return s.tag(t)
		}
		return s.red.String(t)
	default:
		if t != nil && (plaintext || secretKey(path)) {
			return s.tag(fmt.Sprint(t))
		}
		return t
	}
}

func plaintextPath(p []string) bool {
	return len(p) == 2 && p[0] == "secrets" && p[1] == "plaintext"
}

// scrubEnvValues tags the values of extraEnv entries whose names look secret.
func (s *valueScrubber) scrubEnvValues(list []any) {
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		name, _ := m["name"].(string)
		if v, has := m["value"]; has && isSecretName(name) && v != nil && v != "" {
			m["value"] = s.tag(fmt.Sprint(v))
		}
	}
}

func (s *valueScrubber) tag(v string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(v))
	return "[secret hmac:" + hex.EncodeToString(m.Sum(nil))[:12] + "]"
}

// secretKey reports whether the leaf at path is named like a secret and is not a
// reference to one (secretName, passwordKey, ...) or a URL (URLs pass through the
// redactor instead, which hides their passwords).
func secretKey(path []string) bool {
	if len(path) == 0 {
		return false
	}
	k := strings.ToLower(path[len(path)-1])
	switch {
	case strings.HasSuffix(k, "name"), strings.HasSuffix(k, "url"), k == "key",
		strings.HasSuffix(k, "passwordkey"), strings.HasPrefix(k, "existingsecret"),
		k == "kekrotation", k == "create":
		return false
	}
	return isSecretName(k)
}

// valueChange is one difference between two sets of values.
type valueChange struct {
	Path   string `json:"path"`
	Change string `json:"change"` // added, removed or changed
	Old    any    `json:"old,omitempty"`
	New    any    `json:"new,omitempty"`
}

// valuesDiff compares two scrubbed value sets: a list of changes by dotted path, and a
// unified diff of their YAML.
func valuesDiff(oldV, newV map[string]any, oldName, newName string) ([]valueChange, string,
	error) {
	a, b := map[string]any{}, map[string]any{}
	flatten(oldV, "", a)
	flatten(newV, "", b)
	changes := []valueChange{}
	for _, p := range unionKeys(a, b) {
		ov, inOld := a[p]
		nv, inNew := b[p]
		switch {
		case !inOld:
			changes = append(changes, valueChange{Path: p, Change: "added", New: nv})
		case !inNew:
			changes = append(changes, valueChange{Path: p, Change: "removed", Old: ov})
		case fmt.Sprint(ov) != fmt.Sprint(nv):
			changes = append(changes, valueChange{Path: p, Change: "changed", Old: ov, New: nv})
		}
	}
	text, err := unifiedYAML(oldV, newV, oldName, newName)
	return changes, text, err
}

func unifiedYAML(oldV, newV map[string]any, oldName, newName string) (string, error) {
	ay, err := yaml.Marshal(oldV)
	if err != nil {
		return "", fmt.Errorf("encode values of %s: %w", oldName, err)
	}
	by, err := yaml.Marshal(newV)
	if err != nil {
		return "", fmt.Errorf("encode values of %s: %w", newName, err)
	}
	return difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(string(ay)), B: difflib.SplitLines(string(by)),
		FromFile: oldName, ToFile: newName, Context: 3,
	})
}

// flatten writes every leaf of v into out by dotted path; lists are leaves.
func flatten(v any, prefix string, out map[string]any) {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		if prefix != "" {
			out[prefix] = v
		}
		return
	}
	for k, child := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		flatten(child, p, out)
	}
}

func unionKeys(a, b map[string]any) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	return keysOf(seen)
}

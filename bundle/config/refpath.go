package config

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/caracal-tools/bundle/bundle/secret"
)

// textChecks are the field types whose text the decoder checks without saying which
// field it was reading, with the same check, so the error can be given its path.
var textChecks = map[reflect.Type]func(string) error{
	reflect.TypeOf(secret.Ref{}): func(s string) error {
		_, err := secret.Parse(s)
		return err
	},
	reflect.TypeOf(Duration(0)): func(s string) error {
		_, err := ParseDuration(s)
		return err
	},
}

// namedRefError adds the field's path to a decoding error caused by a literal value where
// a secret reference belongs: the decoder reports the problem without saying where. The
// value itself is never repeated.
func namedRefError(b []byte, target any, err error) error {
	var doc any
	if yaml.Unmarshal(b, &doc) != nil {
		return err
	}
	path, bad := badRef(reflect.TypeOf(target).Elem(), doc, "")
	switch {
	case path == "":
		return err
	case errors.Is(bad, secret.ErrNotRef):
		return fmt.Errorf("%s: %w (a literal secret is not accepted here)", path,
			secret.ErrNotRef)
	}
	return fmt.Errorf("%s: %w", path, bad)
}

// badRef walks doc along the type t and returns the path of the first value of a
// textChecks type that does not pass its check, and why; or "".
func badRef(t reflect.Type, doc any, path string) (string, error) {
	if check, ok := textChecks[t]; ok {
		if s, ok := doc.(string); ok {
			if err := check(s); err != nil {
				return path, err
			}
		}
		return "", nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		return badRef(t.Elem(), doc, path)
	case reflect.Struct:
		return badRefStruct(t, doc, path)
	case reflect.Slice:
		items, _ := doc.([]any)
		for i, item := range items {
			if p, err := badRef(t.Elem(), item, fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p, err
			}
		}
	case reflect.Map:
		m, _ := doc.(map[string]any)
		for _, k := range sortedKeys(m) {
			if p, err := badRef(t.Elem(), m[k], join(path, k)); p != "" {
				return p, err
			}
		}
	}
	return "", nil
}

func badRefStruct(t reflect.Type, doc any, path string) (string, error) {
	m, ok := doc.(map[string]any)
	if !ok {
		return "", nil
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		if v, ok := m[name]; ok {
			if p, err := badRef(f.Type, v, join(path, name)); p != "" {
				return p, err
			}
		}
	}
	return "", nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/caracal-tools/bundle/bundle/secret"
)

var refType = reflect.TypeOf(secret.Ref{})

// namedRefError adds the field's path to a decoding error caused by a literal value where
// a secret reference belongs: the decoder reports the problem without saying where. The
// value itself is never repeated.
func namedRefError(b []byte, target any, err error) error {
	if !strings.Contains(err.Error(), secret.ErrNotRef.Error()) {
		return err
	}
	var doc any
	if yaml.Unmarshal(b, &doc) != nil {
		return err
	}
	path := badRef(reflect.TypeOf(target).Elem(), doc, "")
	if path == "" {
		return err
	}
	return fmt.Errorf("%s: %w (a literal secret is not accepted here)", path, secret.ErrNotRef)
}

// badRef walks doc along the type t and returns the path of the first secret reference
// whose value does not parse, or "".
func badRef(t reflect.Type, doc any, path string) string {
	if t == refType {
		if s, ok := doc.(string); ok {
			if _, err := secret.Parse(s); err != nil {
				return path
			}
		}
		return ""
	}
	switch t.Kind() {
	case reflect.Pointer:
		return badRef(t.Elem(), doc, path)
	case reflect.Struct:
		return badRefStruct(t, doc, path)
	case reflect.Slice:
		items, _ := doc.([]any)
		for i, item := range items {
			if p := badRef(t.Elem(), item, fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	case reflect.Map:
		m, _ := doc.(map[string]any)
		for _, k := range sortedKeys(m) {
			if p := badRef(t.Elem(), m[k], join(path, k)); p != "" {
				return p
			}
		}
	}
	return ""
}

func badRefStruct(t reflect.Type, doc any, path string) string {
	m, ok := doc.(map[string]any)
	if !ok {
		return ""
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		if v, ok := m[name]; ok {
			if p := badRef(f.Type, v, join(path, name)); p != "" {
				return p
			}
		}
	}
	return ""
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

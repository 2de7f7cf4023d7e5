package kube

import (
	"regexp"
)

// secretName matches names of settings whose values are likely secret: Caracal's own
// secret keys (caracalAdminToken, auditHmacKey, secretStoreKek, *DatabaseUrl, ...) and
// the usual environment variable names. URLs are included because database and Redis
// URLs carry passwords.
var secretName = regexp.MustCompile(
	`(?i)(secret|token|passw|pwd|bearer|credential|hmac|kek|private|apikey|api_key|` +
		`key$|_key_|dsn|url$|_url_|cookie|session)`)

// leftOut replaces a value the bundle does not copy.
const leftOut = "[left out by bundle]"

// isSecretName reports whether a setting with this name should not be copied.
func isSecretName(name string) bool { return secretName.MatchString(name) }

// scrubObject prepares a Kubernetes object (as decoded JSON) for the bundle: it drops
// managedFields and the last-applied annotation (a second copy of the object) and
// replaces the literal value of every env entry whose name looks secret.
func scrubObject(obj map[string]any) {
	if md, ok := obj["metadata"].(map[string]any); ok {
		delete(md, "managedFields")
		if ann, ok := md["annotations"].(map[string]any); ok {
			delete(ann, "kubectl.kubernetes.io/last-applied-configuration")
		}
	}
	scrubEnv(obj)
}

// scrubEnv walks v and blanks secret-looking env values wherever a list named "env"
// holds {name, value} entries (containers of pods, templates and cron jobs).
func scrubEnv(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if list, ok := child.([]any); ok && k == "env" {
				scrubEnvList(list)
				continue
			}
			scrubEnv(child)
		}
	case []any:
		for _, child := range t {
			scrubEnv(child)
		}
	}
}

func scrubEnvList(list []any) {
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		name, _ := m["name"].(string)
		if _, has := m["value"]; has && isSecretName(name) {
			m["value"] = leftOut
		}
	}
}

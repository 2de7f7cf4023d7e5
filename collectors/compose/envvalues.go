package compose

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/caracal-tools/bundle/redact"
)

// withheld replaces the value of an environment variable whose name says it is secret.
const withheld = "[withheld]"

// secretName matches variable names whose values are secrets whatever they look like.
var secretName = regexp.MustCompile(
	`(?i)(PASS|PWD|TOKEN|SECRET|KEY|BEARER|CREDENTIAL|AUTH|COOKIE|SALT|PRIVATE|HMAC|KEK|` +
		`SIGNATURE|CERT|DSN|SESSION)`)

// pathName matches variable names that hold a path, not a secret (REDIS_PASSWORD_FILE).
var pathName = regexp.MustCompile(`_(FILE|DIR|PATH)$`)

// envValue returns what the bundle keeps of one variable: names are kept; a value of a
// secret-named variable is withheld; a URL loses its password; anything else goes
// through the redactor.
func envValue(red *redact.Redactor, name, value string) string {
	if secretName.MatchString(name) && !pathName.MatchString(name) {
		return withheld
	}
	if u, err := url.Parse(value); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			value = u.Redacted()
		}
	}
	return red.String(value)
}

// envList applies envValue to KEY=VALUE entries, as in a container's Config.Env.
func envList(red *redact.Redactor, env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			out = append(out, red.String(kv))
			continue
		}
		out = append(out, name+"="+envValue(red, name, value))
	}
	return out
}

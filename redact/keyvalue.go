package redact

import (
	"bytes"
)

// keyChar marks the bytes of a key name.
var keyChar = charset("A-Za-z0-9_.-")

// keyValue is the handler of secret-looking key names: it finds the key around the
// hit, decides whether the key is secret, finds the separator and redacts the value.
func (s *scan) keyValue(hs, he int) {
	if hs < s.keyEnd {
		return
	}
	if hs >= 4 && bytes.HasPrefix(s.b[hs-4:s.n], []byte("AGE-SECRET-KEY-1")) {
		s.knownToken(hs-4, he)
		return
	}
	ks, ke := s.keyBounds(hs, he)
	if ks > 0 && s.b[ks-1] == '/' {
		return
	}
	s.keyEnd = ke
	flag := false
	for ks < ke && s.b[ks] == '-' {
		ks++
		flag = true
	}
	var nb [64]byte
	norm := normalizeKey(nb[:0], s.low[ks:ke])
	rule := s.classify(norm, ks)
	if rule == "" {
		s.bearerScheme(hs, he)
		return
	}
	v, kind, ok := s.separator(ks, ke, norm, flag)
	if !ok {
		if !s.nameValue(ks, ke) {
			s.bearerScheme(hs, he)
		}
		return
	}
	if (string(norm) == "pwd" || string(norm) == "oldpwd") && s.b[v] == '/' {
		return
	}
	if rule == ruleKeyValue && s.isDSN(norm, ks, v) {
		rule = ruleDSNPassword
	}
	s.value(v, kind, rule, bytes.HasSuffix(norm, []byte("url")))
}

// keyBounds widens the hit to the whole key name.
func (s *scan) keyBounds(hs, he int) (int, int) {
	ks, ke := hs, he
	if s.b[ke-1] == '=' {
		ke--
	}
	for ks > 0 && keyChar[s.b[ks-1]] {
		ks--
	}
	for ke < s.n && keyChar[s.b[ke]] {
		ke++
	}
	for ke > ks && (s.b[ke-1] == '.' || s.b[ke-1] == '-') {
		ke--
	}
	return ks, ke
}

// normalizeKey appends key without '_', '-' and '.' to dst.
func normalizeKey(dst, key []byte) []byte {
	for _, c := range key {
		if c != '_' && c != '-' && c != '.' {
			dst = append(dst, c)
		}
	}
	return dst
}

// classify returns the rule for a normalized key name, or "" when it is not secret.
func (s *scan) classify(norm []byte, ks int) string {
	query := ks > 0 && (s.b[ks-1] == '?' || s.b[ks-1] == '&')
	if query && querySecrets[string(norm)] {
		return ruleQuery
	}
	if !s.w.r.userKeys[string(norm)] && !secretKey(norm) {
		return ""
	}
	switch {
	case query:
		return ruleQuery
	case bytes.HasSuffix(norm, []byte("authorization")):
		return ruleAuthz
	case bytes.HasSuffix(norm, []byte("cookie")):
		return ruleCookie
	case bytes.HasSuffix(norm, []byte("apikey")) && bytes.HasPrefix(norm, []byte("x")):
		return ruleAPIKeyHeader
	case bytes.HasSuffix(norm, []byte("apikey")):
		return ruleAPIKey
	case bytes.Contains(norm, []byte("aws")) && bytes.Contains(norm, []byte("secret")):
		return ruleAWSSecret
	}
	return ruleKeyValue
}

// secretKey reports whether a normalized key name ends like a secret's.
func secretKey(norm []byte) bool {
	for _, v := range versionSuffixes {
		if len(norm) > len(v) {
			norm = bytes.TrimSuffix(norm, []byte(v))
		}
	}
	for _, x := range notSecretSuffixes {
		if bytes.HasSuffix(norm, []byte(x)) {
			return false
		}
	}
	for _, suf := range secretSuffixes {
		if bytes.HasSuffix(norm, []byte(suf)) {
			return true
		}
	}
	return false
}

// separator finds the separator after the key [ks, ke) and returns where the value
// starts and how it ends. ok is false when no key = value shape follows.
func (s *scan) separator(ks, ke int, norm []byte, flag bool) (int, valueKind, bool) {
	b, j := s.b, ke
	quoted, escaped := false, false
	switch {
	case j < s.n && (b[j] == '"' || b[j] == '\''):
		quoted = true
		j++
	case j+1 < s.n && b[j] == '\\' && b[j+1] == '"':
		escaped = true
		j += 2
	}
	k := s.skipBlanks(j)
	var sep byte
	if k < s.n && (b[k] == ':' || b[k] == '=') {
		sep = b[k]
		k++
		if k < s.n && ((sep == ':' && b[k] == '=') || (sep == '=' && b[k] == '>')) {
			k++
		}
		if sep == ':' && k < s.n && b[k] == ':' {
			return 0, 0, false
		}
		k = s.skipBlanks(k)
	} else if !s.bareSeparatorOK(ks, j, k, norm, flag) {
		return 0, 0, false
	}
	return s.valueStart(ks, k, sep, quoted, escaped)
}

// bareSeparatorOK allows "key value" without ':' or '=': command-line flags
// (--password x), SQL (PASSWORD 'x') and redis settings (requirepass x).
func (s *scan) bareSeparatorOK(ks, j, k int, norm []byte, flag bool) bool {
	if k == j || k >= s.n || s.b[k] == '\n' || s.b[k] == '\r' {
		return false
	}
	if s.b[k] == '\'' && string(norm) == "password" {
		return true
	}
	if flag {
		return !s.proseAfterFlag(k)
	}
	switch string(norm) {
	case "requirepass", "masterauth":
		return true
	}
	return false
}

// proseWords are words that follow a flag's name in prose ("set --redis-url or
// REDIS_URL"), never a secret value.
var proseWords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "flag": true, "for": true,
	"from": true, "if": true, "in": true, "instead": true, "is": true, "not": true,
	"of": true, "option": true, "or": true, "the": true, "to": true, "when": true,
	"with": true,
}

// proseAfterFlag reports whether the word at k reads as prose or another flag rather
// than a flag's value.
func (s *scan) proseAfterFlag(k int) bool {
	if c := s.b[k]; c == '-' || c == '(' {
		return true
	}
	e := k
	for e < s.n && e-k < 16 && s.low[e] >= 'a' && s.low[e] <= 'z' {
		e++
	}
	if e < s.n && keyChar[s.b[e]] {
		return false
	}
	return proseWords[string(s.low[k:e])]
}

// valueStart decides how the value at k ends from its first byte and the context.
func (s *scan) valueStart(ks, k int, sep byte, quoted, escaped bool) (int, valueKind, bool) {
	if k >= s.n {
		return 0, 0, false
	}
	b := s.b
	switch c := b[k]; {
	case c == '\\' && k+1 < s.n && b[k+1] == '"':
		return k + 2, vEscDQ, true
	case c == '"':
		return k + 1, vDQ, true
	case c == '\'':
		return k + 1, vSQ, true
	case c == '[' && k+1 < s.n && b[k+1] == '"':
		return k + 2, vDQ, true
	case c == '[':
		return k + 1, vBare, true
	case c == '{' || c == '\n' || c == '\r':
		return 0, 0, false
	case c == '|' || c == '>':
		s.blockScalar(ks, k)
		return 0, 0, false
	}
	if escaped {
		return k, vBare, true
	}
	if sep == '=' && ks > 0 && b[ks-1] == '"' && !quoted {
		return k, vDQ, true
	}
	if sep == ':' && !quoted {
		if start, _ := s.atLineStart(ks); start {
			return k, vEOL, true
		}
	}
	return k, vBare, true
}

// blockScalar enters the block state when a secret key's value is a YAML block scalar
// ("key: |", "key: >-").
func (s *scan) blockScalar(ks, k int) {
	e := s.lineEnd(k)
	rest := bytes.TrimRight(s.b[k+1:e], " \t\r")
	rest = bytes.TrimLeft(rest, "+-0123456789")
	if len(rest) != 0 {
		return
	}
	start, indent := s.atLineStart(ks)
	if !start || s.kind == passCut && e == s.n {
		return
	}
	s.runState(e)
	s.enter(k, lineState{kind: stateBlock, indent: indent, rule: ruleKeyValue})
}

// value redacts the value starting at v of the given kind; urlKey says the key names a
// URL.
func (s *scan) value(v int, kind valueKind, rule string, urlKey bool) {
	end, done := s.valueEnd(v, kind)
	if rule == ruleAuthz || rule == ruleBearer {
		v, end, rule = s.authzValue(v, end, kind)
	}
	if end <= v {
		return
	}
	if isPlaceholder(s.b[v:end]) || urlKey && s.urlValue(v, end) {
		return
	}
	jsonBare := kind == vBare && s.afterJSONKey(v)
	if jsonBare && jsonScalar(s.b[v:end]) {
		return
	}
	if !s.add(v, end, rule) {
		return
	}
	if !done {
		s.w.cont = continuation{rule: rule, kind: kind}
		return
	}
	s.spans[len(s.spans)-1].quote = jsonBare
}

// afterJSONKey reports whether the value at v follows a quoted key and a colon, as in
// {"bearer": 3}.
func (s *scan) afterJSONKey(v int) bool {
	j := v
	for j > 0 && (s.b[j-1] == ' ' || s.b[j-1] == '\t') {
		j--
	}
	if j == 0 || s.b[j-1] != ':' {
		return false
	}
	j--
	for j > 0 && (s.b[j-1] == ' ' || s.b[j-1] == '\t') {
		j--
	}
	return j > 0 && s.b[j-1] == '"'
}

// jsonScalar reports whether a bare JSON value is a literal or a small number (a count,
// a port, a flag), which is never a secret.
func jsonScalar(v []byte) bool {
	switch string(v) {
	case "true", "false", "null":
		return true
	}
	if len(v) > 5 {
		return false
	}
	for _, c := range v {
		if (c < '0' || c > '9') && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

// isDSN reports whether a "password=" sits in a libpq key/value connection string.
func (s *scan) isDSN(norm []byte, ks, v int) bool {
	if string(norm) != "password" || v == 0 || s.b[v-1] != '=' {
		return false
	}
	lo, hi := max(0, ks-200), min(s.n, ks+200)
	near := s.low[lo:hi]
	return bytes.Contains(near, []byte("dbname=")) || bytes.Contains(near, []byte("host="))
}

// nameValue handles name/value pairs such as {"name": "DB_PASSWORD", "value": "x"} and
// their YAML form, also across lines: the key [ks, ke) is the value of a "name" field.
func (s *scan) nameValue(ks, ke int) bool {
	if !s.afterNameField(ks) {
		return false
	}
	hi := min(s.n, ke+256)
	win := s.low[ke:hi]
	i := bytes.Index(win, []byte("value"))
	if i < 0 || bytes.Contains(win[:i], []byte("name")) || bytes.IndexByte(win[:i], '}') >= 0 {
		return false
	}
	vs := ke + i
	v, kind, ok := s.separator(vs, vs+len("value"), []byte("value"), false)
	if !ok {
		return false
	}
	s.value(v, kind, ruleKeyValue, false)
	return true
}

// afterNameField reports whether the key at ks is the value of a "name" field.
func (s *scan) afterNameField(ks int) bool {
	j := ks
	if j > 0 && s.b[j-1] == '"' {
		j--
	}
	for j > 0 && (s.b[j-1] == ' ' || s.b[j-1] == '\t') {
		j--
	}
	if j == 0 || (s.b[j-1] != ':' && s.b[j-1] != '=') {
		return false
	}
	j--
	if j > 0 && s.b[j-1] == '"' {
		j--
	}
	if j < 4 || !bytes.Equal(s.low[j-4:j], []byte("name")) {
		return false
	}
	return j == 4 || !keyChar[s.b[j-5]]
}

func (s *scan) skipBlanks(j int) int {
	for j < s.n && (s.b[j] == ' ' || s.b[j] == '\t') {
		j++
	}
	return j
}

// urlValue reports whether [v, end) is a URL ("scheme://..."): under a key ending in
// "url" its password, if any, is the URL rule's, and the host and database stay.
func (s *scan) urlValue(v, end int) bool {
	i := bytes.Index(s.b[v:end], []byte("://"))
	return i > 0 && bytes.IndexByte(s.b[v:v+i], ' ') < 0
}

package redact

import (
	"bytes"
)

// valueKind says how a value ends.
type valueKind int

const (
	vBare  valueKind = iota // at blank space or a delimiter
	vEOL                    // at the end of the line, without trailing blanks or " #..."
	vDQ                     // at the closing '"'; backslash escapes
	vEscDQ                  // at the closing `\"` (JSON inside a JSON string)
	vSQ                     // at the closing '\''
)

// bareStop ends a bare value.
var bareStop = charset(" \t\r\n\f\v\"',;&})]<>`\\")

// valueEnd returns where the value starting at i ends. done is false when the value
// runs into the end of a cut window and continues in the next one.
func (s *scan) valueEnd(i int, k valueKind) (int, bool) {
	b, j := s.b, i
	switch k {
	case vDQ:
		for ; j < s.n && b[j] != '"' && b[j] != '\n'; j++ {
			if b[j] == '\\' {
				j++
			}
		}
	case vEscDQ:
		for ; j < s.n && b[j] != '"' && b[j] != '\n'; j++ {
			if b[j] == '\\' && j+1 < s.n && b[j+1] == '"' {
				return j, true
			}
			if b[j] == '\\' && j+1 < s.n && b[j+1] == '\\' {
				j++
			}
		}
	case vSQ:
		for j < s.n && b[j] != '\'' && b[j] != '\n' {
			j++
		}
	case vBare:
		for j < s.n && !bareStop[b[j]] {
			j++
		}
	case vEOL:
		return s.eolValueEnd(i)
	}
	if j >= s.n {
		return s.n, s.kind != passCut
	}
	return j, true
}

// eolValueEnd ends a value at the line end, dropping trailing blanks and a comment.
func (s *scan) eolValueEnd(i int) (int, bool) {
	e := s.lineEnd(i)
	if e == s.n && s.kind == passCut {
		return e, false
	}
	v := s.b[i:e]
	if c := bytes.Index(v, []byte(" #")); c >= 0 {
		v = v[:c]
	}
	v = bytes.TrimRight(v, " \t\r")
	return i + len(v), true
}

// placeholders are values that are obviously not secrets.
var placeholders = map[string]bool{
	"true": true, "false": true, "null": true, "nil": true, "none": true, "yes": true,
	"no": true, "on": true, "off": true, "undefined": true, "redacted": true,
	"[]": true, "{}": true, `""`: true, "''": true, "-": true,
}

// placeholderPrefixes start references and templates, not secrets.
var placeholderPrefixes = []string{
	"<", markerPrefix, "$", "{{", "env:", "file:", "secretkeyref", "valuefrom", "%s", "%v",
}

// isPlaceholder reports whether v is empty or obviously not a secret.
func isPlaceholder(v []byte) bool {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || len(bytes.Trim(v, "*")) == 0 {
		return true
	}
	if len(v) <= 12 {
		var lb [12]byte
		l := lb[:len(v)]
		for i, c := range v {
			l[i] = lowerTable[c]
		}
		if placeholders[string(l)] {
			return true
		}
	}
	for _, p := range placeholderPrefixes {
		if len(v) >= len(p) && bytes.EqualFold(v[:len(p)], []byte(p)) {
			return true
		}
	}
	return false
}

// authSchemes are the Authorization schemes whose credentials follow a blank.
var authSchemes = map[string]string{
	"bearer": ruleBearer, "basic": ruleBasicAuth, "token": ruleAuthz, "digest": ruleAuthz,
	"negotiate": ruleAuthz, "ntlm": ruleAuthz, "apikey": ruleAuthz, "sso-key": ruleAuthz,
}

// authzValue keeps the scheme of an Authorization value and returns the credentials.
func (s *scan) authzValue(v, end int, kind valueKind) (int, int, string) {
	j := v
	for j < end && s.b[j] != ' ' {
		j++
	}
	rule, ok := authSchemes[string(s.low[v:j])]
	if !ok {
		return v, end, ruleAuthz
	}
	c := s.skipBlanks(j)
	if kind == vBare && j == end {
		e, _ := s.valueEnd(c, vBare)
		return c, e, rule
	}
	return c, end, rule
}

// tokenChar marks the bytes of an HTTP credential token.
var tokenChar = charset("A-Za-z0-9._~+/-")

// bearerScheme redacts the credential after a "Bearer " outside any key = value shape,
// as in a curl command line or a free-text log message.
func (s *scan) bearerScheme(hs, he int) {
	if !bytes.Equal(s.low[hs:he], []byte("bearer")) || he+1 >= s.n || s.b[he] != ' ' {
		return
	}
	if hs > 0 && keyChar[s.b[hs-1]] {
		return
	}
	if start, end, ok := s.credential(he + 1); ok {
		s.add(start, end, ruleBearer)
	}
}

// credential finds a token-like credential at i: at least 8 token bytes with a digit
// or an upper-case letter, then '=' padding, then a delimiter.
func (s *scan) credential(i int) (int, int, bool) {
	j := i
	mixed := false
	for j < s.n && tokenChar[s.b[j]] {
		c := s.b[j]
		if c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' {
			mixed = true
		}
		j++
	}
	for j < s.n && s.b[j] == '=' {
		j++
	}
	if j-i < 8 || !mixed {
		return 0, 0, false
	}
	if j < s.n && !bareStop[s.b[j]] {
		return 0, 0, false
	}
	return i, j, true
}

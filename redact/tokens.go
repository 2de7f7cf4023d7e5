package redact

import "bytes"

// wordChar marks bytes that may not directly precede a known token.
var wordChar = charset("A-Za-z0-9_.-")

// knownToken is the handler of known token formats (tokenSpecs): the prefix must match
// with its case, start a word, and be followed by a body of the right size.
func (s *scan) knownToken(hs, he int) {
	if hs > 0 && wordChar[s.b[hs-1]] {
		return
	}
	for i := range tokenSpecs {
		t := &tokenSpecs[i]
		if !bytes.HasPrefix(s.b[hs:], []byte(t.prefix)) {
			continue
		}
		body := hs + len(t.prefix)
		j := body
		for j < s.n && j-body <= t.max && t.charset[s.b[j]] {
			j++
		}
		if j-body >= t.min && j-body <= t.max {
			s.add(hs, j, t.rule)
		}
		return
	}
}

// jwt is the handler of JSON Web Tokens: "eyJ" then three base64url parts.
func (s *scan) jwt(hs, he int) {
	if !bytes.HasPrefix(s.b[hs:], []byte("eyJ")) || hs > 0 && b64url[s.b[hs-1]] {
		return
	}
	j := hs
	for part := 0; part < 3; part++ {
		start := j
		for j < s.n && b64url[s.b[j]] {
			j++
		}
		if part < 2 && (j-start < 8 || j >= s.n || s.b[j] != '.') {
			return
		}
		if part < 2 {
			j++
		}
	}
	s.add(hs, j, ruleJWT)
}

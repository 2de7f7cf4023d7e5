package redact

import (
	"bytes"
	"encoding/base64"
)

// userinfoStop ends the authority part of a URL.
var userinfoStop = charset(" \t\r\n\"'<>/?#`\\")

// urlPassword is the handler of "://": it redacts the password in the user info of a
// URL of any scheme (postgres://u:p@h, redis://:p@h).
func (s *scan) urlPassword(hs, he int) {
	j, at := he, -1
	for j < s.n && !userinfoStop[s.b[j]] {
		if s.b[j] == '@' {
			at = j
		}
		j++
	}
	if at < 0 {
		return
	}
	colon := bytes.IndexByte(s.b[he:at], ':')
	if colon < 0 {
		return
	}
	start := he + colon + 1
	if isPlaceholder(s.b[start:at]) {
		return
	}
	s.add(start, at, ruleURLPassword)
}

// basicAuth is the handler of "basic ": base64 credentials that decode to "user:pw".
func (s *scan) basicAuth(hs, he int) {
	if hs > 0 && keyChar[s.b[hs-1]] {
		return
	}
	j := he
	for j < s.n && (alnum[s.b[j]] || s.b[j] == '+' || s.b[j] == '/' || s.b[j] == '=') {
		j++
	}
	if j-he < 8 || j-he > 1024 {
		return
	}
	var buf [768]byte
	n, err := base64.StdEncoding.Decode(buf[:], s.b[he:j])
	if err != nil || bytes.IndexByte(buf[:n], ':') < 0 {
		return
	}
	s.add(he, j, ruleBasicAuth)
}

// curlUser is the handler of "curl ": it redacts the password of -u/--user user:pw.
func (s *scan) curlUser(hs, he int) {
	he--
	e := s.lineEnd(he)
	line := s.low[he:e]
	for _, flag := range []string{" -u ", " -u", " --user ", " --user=", " --proxy-user "} {
		for off := 0; ; {
			i := bytes.Index(line[off:], []byte(flag))
			if i < 0 {
				break
			}
			off += i + len(flag)
			s.curlCredentials(he + off)
		}
	}
}

// curlCredentials redacts the password of "user:pw" (optionally quoted) at i.
func (s *scan) curlCredentials(i int) {
	kind := vBare
	if i < s.n && (s.b[i] == '"' || s.b[i] == '\'') {
		kind = vDQ
		if s.b[i] == '\'' {
			kind = vSQ
		}
		i++
	}
	end, _ := s.valueEnd(i, kind)
	colon := bytes.IndexByte(s.b[i:end], ':')
	if colon < 0 {
		return
	}
	if !isPlaceholder(s.b[i+colon+1 : end]) {
		s.add(i+colon+1, end, ruleCurlUser)
	}
}

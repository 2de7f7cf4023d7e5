package redact

import "bytes"

// kubeData is the handler of a Kubernetes Secret's "data" and "stringData" keys, in
// YAML (a map on the following lines) and JSON (inline or pretty-printed).
func (s *scan) kubeData(hs, he int) {
	ks := hs
	if s.b[ks] == '"' {
		ks++
	}
	strict := s.low[ks] == 's'
	name := len("data")
	if strict {
		name = len("stringdata")
	}
	if ks > 0 && keyChar[s.b[ks-1]] {
		return
	}
	j := ks + name
	if j < s.n && s.b[j] == '"' {
		j++
	} else if j+1 < s.n && s.b[j] == '\\' && s.b[j+1] == '"' {
		j += 2
	}
	j = s.skipBlanks(j)
	if j >= s.n || s.b[j] != ':' {
		return
	}
	j = s.skipBlanks(j + 1)
	e := s.lineEnd(j)
	rest := bytes.TrimRight(s.b[j:e], " \t\r")
	switch {
	case len(rest) == 0:
		if start, indent := s.atLineStart(ks); start && s.b[hs] != '"' {
			s.runState(e)
			s.enter(j, lineState{kind: stateKubeYAML, indent: indent, strict: strict})
		}
	case len(rest) == 1 && rest[0] == '{':
		s.runState(e)
		s.enter(j, lineState{kind: stateKubeJSON, strict: strict})
	case rest[0] == '{':
		s.jsonPairs(j+1, e, strict)
	}
}

// kubeYAMLEntry redacts the value of one "key: value" line of a data map; a line
// without a key (the body of a block scalar) is all value.
func (s *scan) kubeYAMLEntry(i, end int) {
	st := s.w.state
	line := s.b[i:end]
	v := i
	if c := bytes.Index(line, []byte(": ")); c >= 0 {
		v = i + c + 2
	} else if bytes.HasSuffix(bytes.TrimRight(line, " \t\r"), []byte(":")) {
		return
	}
	v = s.skipBlanks(v)
	kind := vEOL
	if v < end && (s.b[v] == '"' || s.b[v] == '\'') {
		kind = vDQ
		if s.b[v] == '\'' {
			kind = vSQ
		}
		v++
	}
	ve, _ := s.valueEnd(v, kind)
	val := s.b[v:ve]
	if len(val) == 1 && (val[0] == '|' || val[0] == '>') {
		return
	}
	if st.strict && !isPlaceholder(val) || looksBase64(val) {
		s.add(v, ve, ruleKubeData)
	}
}

// kubeJSONLine handles one line of a pretty-printed JSON data map.
func (s *scan) kubeJSONLine(start, end int) {
	if s.jsonPairs(start, end, s.w.state.strict) {
		s.w.state = lineState{}
	}
}

// jsonPairs redacts the string values of the "key": "value" pairs in [i, end), plain
// or backslash-escaped, and reports whether the object closed.
func (s *scan) jsonPairs(i, end int, strict bool) bool {
	b := s.b
	for i < end {
		switch c := b[i]; {
		case c == '}':
			return true
		case c == ':':
			i = s.jsonValue(s.skipBlanks(i+1), end, strict)
		case c == '"' || c == '\\' && i+1 < end && b[i+1] == '"':
			i = s.skipString(i, end)
		default:
			i++
		}
	}
	return false
}

// jsonValue redacts the string value at i and returns the position after it.
func (s *scan) jsonValue(i, end int, strict bool) int {
	kind := vDQ
	switch {
	case i < end && s.b[i] == '"':
		i++
	case i+1 < end && s.b[i] == '\\' && s.b[i+1] == '"':
		kind = vEscDQ
		i += 2
	default:
		return i
	}
	ve, _ := s.valueEnd(i, kind)
	val := s.b[i:ve]
	if strict && !isPlaceholder(val) || looksBase64(val) {
		s.add(i, ve, ruleKubeData)
	}
	if kind == vEscDQ {
		return ve + 2
	}
	return ve + 1
}

// skipString returns the position after the string starting at i.
func (s *scan) skipString(i, end int) int {
	if s.b[i] == '\\' {
		ve, _ := s.valueEnd(i+2, vEscDQ)
		return ve + 2
	}
	ve, _ := s.valueEnd(i+1, vDQ)
	return ve + 1
}

// looksBase64 reports whether v is padded standard base64 that is neither plain hex
// nor a lower-case word.
func looksBase64(v []byte) bool {
	if len(v) < 4 || len(v)%4 != 0 {
		return false
	}
	body := bytes.TrimRight(v, "=")
	if len(v)-len(body) > 2 {
		return false
	}
	hex, lowerOnly := true, true
	for _, c := range body {
		switch {
		case c >= 'a' && c <= 'f':
		case c >= '0' && c <= '9':
			lowerOnly = false
		case c >= 'a' && c <= 'z':
			hex = false
		case c >= 'A' && c <= 'Z' || c == '+' || c == '/':
			hex, lowerOnly = false, false
		default:
			return false
		}
	}
	return !hex && !lowerOnly
}

// pgpassHit is the handler of ":5432:", a .pgpass line with the default port.
func (s *scan) pgpassHit(hs, he int) {
	s.pgpassLine(s.lineStart(hs), s.lineEnd(hs))
}

// pgpassLine redacts the password, the fifth field, of a .pgpass line
// host:port:database:user:password, where "\:" is an escaped colon.
func (s *scan) pgpassLine(start, end int) {
	line := s.b[start:end]
	if len(line) == 0 || line[0] == '#' {
		return
	}
	fields := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case ':':
			fields++
			if fields == 4 {
				v := start + i + 1
				e := start + len(bytes.TrimRight(line, " \t\r"))
				if !isPlaceholder(s.b[v:e]) {
					s.add(v, e, rulePgpass)
				}
				return
			}
		}
	}
}

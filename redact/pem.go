package redact

import "bytes"

// maxPEM bounds how far the end of a PEM block is looked for.
const maxPEM = 16 << 10

// pemBody marks the bytes a PEM body may hold, raw, indented or JSON-escaped, headers
// such as "Proc-Type: 4,ENCRYPTED" included.
var pemBody = charset("A-Za-z0-9+/= \t\r\n\\:,-")

// pem is the handler of "-----BEGIN": for private keys it redacts the body between the
// BEGIN and END lines, keeping both lines.
func (s *scan) pem(hs, he int) {
	if !bytes.HasPrefix(s.b[hs:], []byte("-----BEGIN ")) {
		return
	}
	lbl := hs + len("-----BEGIN ")
	le := bytes.Index(s.b[lbl:min(s.n, lbl+64)], []byte("-----"))
	if le < 0 || !bytes.Contains(s.b[lbl:lbl+le], []byte("PRIVATE KEY")) {
		return
	}
	p := lbl + le + len("-----")
	q := bytes.Index(s.b[p:min(s.n, p+maxPEM)], []byte("-----END "))
	if q < 0 {
		if s.kind == passLines && s.needMore(hs) {
			return
		}
		q = p
		for q < s.n && q-p < maxPEM && pemBody[s.b[q]] {
			q++
		}
	} else {
		q += p
	}
	start, end := trimPEM(s.b, p, q)
	s.add(start, end, rulePEM)
}

// trimPEM narrows [p, q) to the body without the line breaks (raw or "\n"-escaped)
// and indentation around it.
func trimPEM(b []byte, p, q int) (int, int) {
	for p < q {
		switch {
		case b[p] == ' ' || b[p] == '\t' || b[p] == '\r' || b[p] == '\n':
			p++
		case b[p] == '\\' && p+1 < q && (b[p+1] == 'n' || b[p+1] == 'r'):
			p += 2
		default:
			goto end
		}
	}
end:
	for q > p {
		switch {
		case b[q-1] == ' ' || b[q-1] == '\t' || b[q-1] == '\r' || b[q-1] == '\n':
			q--
		case q-2 >= p && b[q-2] == '\\' && (b[q-1] == 'n' || b[q-1] == 'r'):
			q -= 2
		default:
			return p, q
		}
	}
	return p, q
}

package redact

import "bytes"

// Line states carry a multi-line construct from one line, and one window, to the next.
const (
	stateNone     = iota
	stateBlock    // a YAML block scalar under a secret key
	stateKubeYAML // the entries of a Kubernetes Secret's data or stringData map
	stateKubeJSON // the same, pretty-printed JSON
	statePgpass   // every line of a .pgpass file
)

// lineState is the multi-line construct the Writer is in.
type lineState struct {
	kind   int
	indent int    // lines indented deeper than this belong to the construct
	strict bool   // stringData: every value is secret, not only base64 ones
	rule   string // rule naming the spans
	sticky bool   // the state lasts for the whole file
}

// continuation is a value cut at the end of an over-long line's window; the next
// window starts inside it.
type continuation struct {
	rule string
	kind valueKind
}

// enter starts a line state at the line after position i.
func (s *scan) enter(i int, st lineState) {
	s.w.state = st
	e := s.lineEnd(i)
	s.sp = min(e+1, s.n)
	if e == s.n {
		s.sp = s.n
	}
}

// runState lets the line state look at every line that starts before position upTo.
func (s *scan) runState(upTo int) {
	for s.w.state.kind != stateNone && s.sp < upTo && s.sp < s.n {
		start := s.sp
		end := s.lineEnd(start)
		s.sp = end + 1
		if end == s.n && s.kind == passCut {
			s.sp = s.n
		}
		s.stateLine(start, end)
	}
	if s.sp < upTo {
		s.sp = upTo
	}
}

// stateLine applies the line state to the line [start, end).
func (s *scan) stateLine(start, end int) {
	st := &s.w.state
	line := s.b[start:end]
	body := bytes.TrimLeft(line, " \t")
	indent := len(line) - len(body)
	blank := len(bytes.TrimSpace(body)) == 0
	switch st.kind {
	case statePgpass:
		s.pgpassLine(start, end)
	case stateBlock:
		if blank {
			return
		}
		if indent <= st.indent {
			*st = lineState{}
			return
		}
		s.add(start+indent, start+indent+len(bytes.TrimRight(body, " \t\r")), st.rule)
	case stateKubeYAML:
		if blank {
			return
		}
		if indent <= st.indent {
			*st = lineState{}
			return
		}
		s.kubeYAMLEntry(start+indent, end)
	case stateKubeJSON:
		s.kubeJSONLine(start, end)
	}
}

// resume redacts the rest of a value cut at the end of the previous window.
func (s *scan) resume() {
	c := s.w.cont
	s.w.cont = continuation{}
	end, done := s.valueEnd(s.emitFrom, c.kind)
	if s.add(s.emitFrom, end, c.rule) && !done {
		s.w.cont = c
	}
}

package redact

import (
	"bytes"
	"slices"
)

// span is a byte range of the window to replace, with the rule that found it.
type span struct {
	start, end int
	rule       string
	// quote wraps the token in double quotes: the value was a bare JSON value, and a
	// bare token there would break the document.
	quote bool
}

// scan is one redaction pass over a window of input.
type scan struct {
	w        *Writer
	b        []byte // the window
	low      []byte // the window, lower-cased
	n        int
	emitFrom int // bytes before it are context, already written
	limit    int // spans must start before it
	kind     passKind
	spans    []span
	keyEnd   int // end of the last key the key = value scanner looked at
	sp       int // start of the next line a line state looks at
	moreAt   int // line start from which the pass wants a bigger window, or -1
}

func (w *Writer) newScan(win []byte, limit int, kind passKind) *scan {
	w.low = lowerInto(w.low, win)
	return &scan{
		w: w, b: win, low: w.low, n: len(win), emitFrom: w.ctx, limit: limit,
		kind: kind, spans: w.spans[:0], sp: w.ctx, moreAt: -1,
	}
}

// run finds the keyword hits and lets each rule and the line state look at them.
func (s *scan) run() {
	if s.kind == passCut && s.w.state.kind != stateNone && !s.w.state.sticky {
		s.w.state = lineState{}
	}
	if s.w.cont.rule != "" {
		s.resume()
	}
	hits := s.w.rs.ac.FindAll(s.low, -1)
	for _, h := range hits {
		if s.moreAt >= 0 {
			break
		}
		s.runState(h.Start)
		if s.insideMarker(h.Start) {
			continue
		}
		s.w.rs.handlers[h.PatternID](s, h.Start, h.End)
	}
	if s.moreAt < 0 {
		s.runState(s.n)
		if s.w.rs != s.w.r.guard {
			s.userLineRules()
		}
	}
}

// add records a span to redact. Spans outside [emitFrom, limit), empty ones, disabled
// rules and text that is already a replacement token are ignored. It reports whether
// the span was kept.
func (s *scan) add(start, end int, rule string) bool {
	if start < s.emitFrom || start >= s.limit || end <= start || end > s.n {
		return false
	}
	if s.moreAt >= 0 && start >= s.moreAt {
		return false
	}
	if s.w.r.disabled[rule] || s.isMarker(start) {
		return false
	}
	s.spans = append(s.spans, span{start: start, end: end, rule: rule})
	return true
}

// isMarker reports whether a replacement token starts at i, or its rest when the '['
// stands just before i.
func (s *scan) isMarker(i int) bool {
	if markerLen(s.b[i:s.n]) > 0 {
		return true
	}
	return i > 0 && s.b[i-1] == '[' && markerLen(s.b[i-1:s.n]) > 0
}

// insideMarker reports whether position i lies inside a replacement token, whose rule
// name may contain a keyword such as "password".
func (s *scan) insideMarker(i int) bool {
	lo := max(0, i-len(markerPrefix)-maxRuleName)
	j := bytes.LastIndex(s.b[lo:i], []byte(markerPrefix))
	if j < 0 {
		return false
	}
	return lo+j+markerLen(s.b[lo+j:s.n]) > i
}

// maxRuleName bounds the length of a rule name.
const maxRuleName = 64

// markerLen returns the length of the replacement token "[REDACTED:rule:0a1b2c]" at
// the start of b, or 0.
func markerLen(b []byte) int {
	if !bytes.HasPrefix(b, []byte(markerPrefix)) {
		return 0
	}
	i := len(markerPrefix)
	for i < len(b) && i-len(markerPrefix) <= maxRuleName && ruleChar[b[i]] {
		i++
	}
	if i == len(markerPrefix) || i+8 > len(b) || b[i] != ':' || b[i+7] != ']' {
		return 0
	}
	for _, c := range b[i+1 : i+7] {
		if !hexChar[c] {
			return 0
		}
	}
	return i + 8
}

var (
	ruleChar = charset("A-Za-z0-9_.-")
	hexChar  = charset("0-9a-f")
)

// needMore asks for a bigger window starting at the line that holds position i. It
// reports false when the window cannot grow; the caller then does its best.
func (s *scan) needMore(i int) bool {
	if s.kind != passLines || s.w.want != chunkSize || s.w.state.kind != stateNone {
		return false
	}
	ls := s.lineStart(i)
	if ls < s.emitFrom {
		return false
	}
	s.moreAt = ls
	return true
}

// commitEnd is where the output of this pass stops: the limit, or further when a kept
// span runs past it.
func (s *scan) commitEnd() int {
	end := s.limit
	if s.moreAt >= 0 {
		end = s.moreAt
	}
	for _, sp := range s.spans {
		if sp.start < end && sp.end > end {
			end = sp.end
		}
	}
	return end
}

// apply appends the window from emitFrom to end, with the spans replaced, to out, and
// counts the replacements.
func (s *scan) apply(out []byte, end int) []byte {
	s.merge()
	pos := s.emitFrom
	for _, sp := range s.spans {
		if sp.start >= end {
			break
		}
		out = append(out, s.b[pos:sp.start]...)
		if sp.quote {
			out = append(out, '"')
		}
		out = appendToken(out, s.w.mac, s.w.sum, sp.rule, s.b[sp.start:sp.end])
		if sp.quote {
			out = append(out, '"')
		}
		s.w.counts[sp.rule]++
		pos = sp.end
	}
	return append(out, s.b[pos:end]...)
}

// merge sorts the spans and joins overlapping ones; the earlier span names the rule.
func (s *scan) merge() {
	if len(s.spans) < 2 {
		return
	}
	slices.SortStableFunc(s.spans, func(a, b span) int { return a.start - b.start })
	out := s.spans[:1]
	for _, sp := range s.spans[1:] {
		last := &out[len(out)-1]
		if sp.start < last.end {
			last.end = max(last.end, sp.end)
			continue
		}
		out = append(out, sp)
	}
	s.spans = out
}

// lineStart returns the start of the line holding position i.
func (s *scan) lineStart(i int) int {
	return bytes.LastIndexByte(s.b[:i], '\n') + 1
}

// lineEnd returns the position of the line break ending the line at i (before "\r\n"
// keeps the '\r' in the line), or the window end.
func (s *scan) lineEnd(i int) int {
	if j := bytes.IndexByte(s.b[i:], '\n'); j >= 0 {
		return i + j
	}
	return s.n
}

// atLineStart reports whether only indentation, a YAML list dash or "export " (and an
// opening quote) stand between the line start and position i, and returns the
// indentation width. It looks back a short way only.
func (s *scan) atLineStart(i int) (bool, int) {
	j := i
	if j > 0 && (s.b[j-1] == '"' || s.b[j-1] == '\'') {
		j--
	}
	if j >= 7 && bytes.Equal(s.b[j-7:j], []byte("export ")) {
		j -= 7
	}
	if j >= 2 && s.b[j-2] == '-' && s.b[j-1] == ' ' {
		j -= 2
	}
	end := j
	for j > 0 && j > i-256 && (s.b[j-1] == ' ' || s.b[j-1] == '\t') {
		j--
	}
	if j == 0 {
		return s.emitFrom == 0 || s.kind != passCut, end - j
	}
	return s.b[j-1] == '\n', end - j
}

var lowerTable = func() (t [256]byte) {
	for i := range t {
		c := byte(i)
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		t[i] = c
	}
	return t
}()

// lowerInto writes the ASCII lower-case form of src into dst, reusing its storage.
func lowerInto(dst, src []byte) []byte {
	if cap(dst) < len(src) {
		dst = make([]byte, len(src), max(len(src), chunkSize+growSize+contextSize))
	}
	dst = dst[:len(src)]
	for i, c := range src {
		dst[i] = lowerTable[c]
	}
	return dst
}

package redact

import (
	"bytes"
	"fmt"
	"hash"
	"io"
	"path"
)

// Window sizes. A Writer holds at most chunkSize+growSize+contextSize bytes of input.
const (
	// chunkSize is the amount of pending input that triggers a redaction pass.
	chunkSize = 64 << 10
	// growSize is how far a pass may grow to see the end of a PEM block.
	growSize = 32 << 10
	// overlapSize is kept unprocessed at the end of an over-long line's window, so a
	// secret across the cut is seen whole by the next window.
	overlapSize = 8 << 10
	// contextSize bytes of already written input stay in the window so keys before a
	// cut are seen again.
	contextSize = 512
	// sniffSize is how much input decides whether the content is binary.
	sniffSize = 8 << 10
)

// Writer is a redacting io.WriteCloser made by Redactor.NewWriter. Its memory is
// bounded whatever the input size or line length.
type Writer struct {
	r       *Redactor
	rs      *ruleset
	dst     io.Writer
	name    string
	userOn  []bool
	buf     []byte // buf[:ctx] is context already written; buf[ctx:] is pending
	ctx     int
	low     []byte
	out     []byte
	spans   []span
	mac     hash.Hash
	sum     []byte
	counts  map[string]int
	state   lineState
	cont    continuation
	want    int
	err     error
	closed  bool
	sniffed bool
	binary  bool
	keepBin bool
	dropped int64
}

func newWriter(r *Redactor, rs *ruleset, dst io.Writer, name string) *Writer {
	w := &Writer{
		r: r, rs: rs, dst: dst, name: name, want: chunkSize,
		mac: r.newMAC(), counts: map[string]int{},
	}
	w.userOn = make([]bool, len(r.patterns))
	for i, p := range r.patterns {
		w.userOn[i] = p.applies(name)
	}
	if isPgpass(name) {
		w.state = lineState{kind: statePgpass, sticky: true}
	}
	return w
}

// KeepBinary makes the Writer pass binary content through unchanged instead of leaving
// it out; a collector calls it, before the first Write, for content it knows is safe.
func (w *Writer) KeepBinary() { w.keepBin = true }

// Write redacts p into the destination; it may hold back up to a window of input.
// After an error from the destination every Write returns that error.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, fmt.Errorf("redact %s: write after close", w.name)
	}
	n := len(p)
	for len(p) > 0 {
		if w.binary {
			return n, w.writeBinary(p)
		}
		room := w.ctx + w.want - len(w.buf)
		take := min(room, len(p))
		w.buf = append(w.buf, p[:take]...)
		p = p[take:]
		if !w.sniffed && len(w.buf)-w.ctx >= sniffSize {
			if err := w.sniff(); err != nil {
				return n, err
			}
			continue
		}
		if len(w.buf)-w.ctx >= w.want {
			if err := w.flush(false); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// Close flushes what is held back and, for binary content, writes the notice. It does
// not close the destination. It returns the first error met.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	if !w.sniffed {
		if err := w.sniff(); err != nil {
			return err
		}
	}
	if w.binary {
		if w.keepBin {
			return w.err
		}
		notice := fmt.Sprintf("[bundle: binary content left out: %s, %d bytes]\n",
			w.name, w.dropped)
		return w.write([]byte(notice))
	}
	return w.flush(true)
}

// Counts returns how many replacements each rule made; valid after Close.
func (w *Writer) Counts() map[string]int { return w.counts }

// Binary reports whether the content was binary and was left out with a notice.
func (w *Writer) Binary() bool { return w.binary && !w.keepBin }

// flush runs one redaction pass over the pending input; final passes everything.
func (w *Writer) flush(final bool) error {
	pending := w.buf[w.ctx:]
	if len(pending) == 0 {
		return nil
	}
	var commit int
	switch i := bytes.LastIndexByte(pending, '\n'); {
	case final:
		commit = w.process(w.buf, len(w.buf), passFinal)
	case i >= 0:
		commit = w.process(w.buf[:w.ctx+i+1], w.ctx+i+1, passLines)
	default:
		commit = w.process(w.buf, len(w.buf)-overlapSize, passCut)
	}
	if w.err != nil {
		return w.err
	}
	keep := min(commit, contextSize)
	rest := copy(w.buf, w.buf[commit-keep:])
	w.buf = w.buf[:rest]
	w.ctx = keep
	return nil
}

func (w *Writer) write(p []byte) error {
	if w.err != nil || len(p) == 0 {
		return w.err
	}
	if _, err := w.dst.Write(p); err != nil {
		w.err = fmt.Errorf("redact %s: %w", w.name, err)
	}
	return w.err
}

// pass kinds: how a window ends.
type passKind int

const (
	passLines passKind = iota // the window ends after a line break
	passCut                   // the window cuts an over-long line
	passFinal                 // the window ends the input
)

// process redacts win[w.ctx:], writing the result up to the returned commit offset.
// Spans must start before limit; the input after the commit offset is kept.
func (w *Writer) process(win []byte, limit int, kind passKind) int {
	s := w.newScan(win, limit, kind)
	s.run()
	if s.moreAt >= 0 {
		w.want = chunkSize + growSize
	} else {
		w.want = chunkSize
	}
	commit := s.commitEnd()
	w.out = s.apply(w.out[:0], commit)
	w.spans = s.spans[:0]
	_ = w.write(w.out)
	return commit
}

// isPgpass reports whether the file is a PostgreSQL password file by its name.
func isPgpass(name string) bool {
	base := path.Base(name)
	return base == ".pgpass" || base == "pgpass" || base == "pgpass.conf"
}

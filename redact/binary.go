package redact

import (
	"bytes"
	"unicode/utf8"
)

// sniff decides from the first pending bytes whether the content is binary. Binary
// content is dropped (or passed through with KeepBinary) from then on.
func (w *Writer) sniff() error {
	w.sniffed = true
	head := w.buf[w.ctx:]
	if !looksBinary(head) {
		return nil
	}
	w.binary = true
	w.buf = w.buf[:0]
	w.ctx = 0
	return w.writeBinary(head)
}

func (w *Writer) writeBinary(p []byte) error {
	w.dropped += int64(len(p))
	if w.keepBin {
		return w.write(p)
	}
	return nil
}

// looksBinary reports whether b holds a NUL byte or is mostly invalid UTF-8.
func looksBinary(b []byte) bool {
	if len(b) > sniffSize {
		b = b[:sniffSize]
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return true
	}
	invalid := 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 && len(b)-i >= utf8.UTFMax {
			invalid++
		}
		i += size
	}
	return invalid*10 > len(b)*3
}

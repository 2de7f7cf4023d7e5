package audit

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// Bounds of the timeline scan: memory stays within about maxLines*maxTextLen bytes
// plus one read buffer, whatever the bundle holds.
const (
	maxLineLen  = 256 << 10 // longer lines are skipped
	maxLines    = 10000     // timed lines kept; later ones are counted only
	sniffLen    = 8 << 10   // bytes checked for NUL to tell binary files
	readBufSize = 64 << 10
)

// skipExt are file kinds that never hold log text.
var skipExt = map[string]bool{".gz": true, ".tgz": true, ".zip": true, ".tar": true,
	".age": true, ".sig": true, ".png": true, ".jpg": true, ".parquet": true}

// scanStats counts what the scan saw and left out.
type scanStats struct {
	Files, Binary, LongLines, Dropped int
	// Untimed counts the lines without a timestamp that carry the ID, by file.
	Untimed map[string]int
}

// scanner gathers the lines that carry one request ID from a tree of files.
type scanner struct {
	ids   [][]byte        // the request ID, then trace IDs of its audit events
	skip  map[string]bool // top folders left out of the line scan
	lines []logLine
	// traces are the trace IDs taken from the request's audit events.
	traces []string
	stats  scanStats
}

func newScanner(id string, skip ...string) *scanner {
	s := &scanner{ids: [][]byte{[]byte(id)}, skip: map[string]bool{},
		stats: scanStats{Untimed: map[string]int{}}}
	for _, d := range skip {
		s.skip[d] = true
	}
	return s
}

// scanTree reads every regular file of fsys line by line.
func (s *scanner) scanTree(ctx context.Context, fsys fs.FS) error {
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if d.IsDir() {
			if s.skip[p] {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || skipExt[strings.ToLower(path.Ext(p))] {
			return nil
		}
		return s.scanFile(ctx, fsys, p)
	})
}

func (s *scanner) scanFile(ctx context.Context, fsys fs.FS, name string) error {
	f, err := fsys.Open(name)
	if err != nil {
		return fmt.Errorf("open staged %s: %w", name, err)
	}
	defer func() { _ = f.Close() }()
	s.stats.Files++

	br := bufio.NewReaderSize(f, readBufSize)
	if head, _ := br.Peek(sniffLen); bytes.IndexByte(head, 0) >= 0 {
		s.stats.Binary++
		return nil
	}
	if err := s.scanLines(ctx, br, name); err != nil {
		return fmt.Errorf("read staged %s: %w", name, err)
	}
	return nil
}

// scanLines reads lines without holding more than one buffer: a line longer than
// maxLineLen is skipped to its end. It checks ctx every few thousand lines.
func (s *scanner) scanLines(ctx context.Context, br *bufio.Reader, name string) error {
	var long []byte
	n, skipping := 0, false
	for {
		if n%4096 == 0 && ctx.Err() != nil {
			return context.Cause(ctx)
		}
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if !skipping && len(long)+len(chunk) <= maxLineLen {
				long = append(long, chunk...)
			} else if !skipping {
				skipping, long = true, long[:0]
				s.stats.LongLines++
			}
			continue
		}
		if len(chunk) > 0 || len(long) > 0 {
			n++
			if !skipping && len(long)+len(chunk) > maxLineLen {
				skipping = true
				s.stats.LongLines++
			}
			line := chunk
			if len(long) > 0 {
				line = append(long, chunk...)
			}
			if !skipping {
				s.match(line, name, n)
			}
			long, skipping = long[:0], false
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// match keeps the line when it carries the request ID, or one of its trace IDs, as
// a whole token.
func (s *scanner) match(line []byte, name string, n int) {
	if !s.carries(line) {
		return
	}
	l := parseLine(bytes.TrimRight(line, "\r\n"))
	if l.Time.IsZero() {
		s.stats.Untimed[name]++
		return
	}
	if len(s.lines) >= maxLines {
		s.stats.Dropped++
		return
	}
	l.File, l.Line = name, n
	s.lines = append(s.lines, l)
}

func (s *scanner) carries(line []byte) bool {
	for _, id := range s.ids {
		if bytes.Contains(line, id) && hasToken(line, id) {
			return true
		}
	}
	return false
}

// addID adds a trace ID to look for; short or malformed IDs are ignored, as they
// would match unrelated lines.
func (s *scanner) addID(id string) bool {
	if len(id) < 8 || !requestIDPattern.MatchString(id) {
		return false
	}
	for _, have := range s.ids {
		if string(have) == id {
			return false
		}
	}
	s.ids = append(s.ids, []byte(id))
	return true
}

// hasToken reports whether id occurs in b not as part of a longer request ID.
func hasToken(b, id []byte) bool {
	for i := 0; ; {
		j := bytes.Index(b[i:], id)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(id)
		if (start == 0 || !idByte(b[start-1])) && !continuesID(b, end) {
			return true
		}
		i = start + 1
	}
}

// continuesID reports whether the bytes at end continue a request ID. A '.' or ':'
// followed by a non-ID byte ends a sentence, not the ID.
func continuesID(b []byte, end int) bool {
	if end >= len(b) || !idByte(b[end]) {
		return false
	}
	if b[end] == '.' || b[end] == ':' {
		return end+1 < len(b) && idByte(b[end+1]) && b[end+1] != '.' && b[end+1] != ':'
	}
	return true
}

// idByte reports whether c may appear in a Caracal request ID.
func idByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '.' || c == ':'
}

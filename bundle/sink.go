package bundle

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/caracal-tools/bundle/redact"
)

// ErrSinkClosed is returned by writes that arrive after the collector's run has ended,
// for example from a goroutine the collector left behind when it timed out.
var ErrSinkClosed = errors.New("collector has ended: its output is closed")

// Sink is where one collector writes its files, each redacted on the way to the staging
// folder. Its methods are safe for concurrent use by the collector's goroutines.
type Sink struct {
	collector string
	root      string // staging root; files go under root/collector
	red       *redact.Redactor

	mu       sync.Mutex
	closed   bool
	open     map[*sinkFile]struct{}
	files    map[string]*FileRecord
	findings []Finding
	partial  []string
	notes    []string
}

// FileRecord is what the sink knows of one file it wrote.
type FileRecord struct {
	Path       string         `json:"path"`
	Size       int64          `json:"size"`
	SHA256     string         `json:"sha256"`
	Redactions map[string]int `json:"redactions,omitempty"`
	// Withheld says why the file's content was replaced by a notice.
	Withheld string `json:"withheld,omitempty"`
}

func newSink(root, collector string, red *redact.Redactor) *Sink {
	return &Sink{
		collector: collector, root: root, red: red,
		open: map[*sinkFile]struct{}{}, files: map[string]*FileRecord{},
	}
}

var safeComponent = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// SafeName turns arbitrary text, such as a pod or container name, into one safe path
// component: runs of other characters become "_", and it never is "", "." or "..".
func SafeName(s string) string {
	s = safeComponent.ReplaceAllString(s, "_")
	s = strings.Trim(s, ".")
	if s == "" {
		return "_"
	}
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

// Path returns the bundle path of a file of this collector, as used in Finding.Files.
func (s *Sink) Path(name string) string { return s.collector + "/" + name }

// CreateOption changes how Create treats a file.
type CreateOption int

// KeepBinary tells the redactor that binary content in the file is known to be safe:
// it is kept as it is instead of being left out with a notice. Text is still redacted.
const KeepBinary CreateOption = 1

// Create opens a new file. Everything written to it is redacted. The caller must Close
// it and check the error; a name already written is an error.
func (s *Sink) Create(name string, opts ...CreateOption) (io.WriteCloser, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrSinkClosed
	}
	rel := s.Path(name)
	if _, dup := s.files[rel]; dup {
		return nil, fmt.Errorf("create %s: file already written", rel)
	}

	full := filepath.Join(s.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", rel, err)
	}
	f, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", rel, err)
	}
	rec := &FileRecord{Path: rel}
	s.files[rel] = rec
	sf := &sinkFile{sink: s, rec: rec, f: f}
	sf.w = s.red.NewWriter(f, rel)
	for _, o := range opts {
		if o == KeepBinary {
			sf.w.KeepBinary()
		}
	}
	s.open[sf] = struct{}{}
	return sf, nil
}

// WriteFile writes a whole file.
func (s *Sink) WriteFile(name string, data []byte) error {
	w, err := s.Create(name)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return errors.Join(err, w.Close())
}

// WriteJSON writes v as indented JSON with a final newline.
func (s *Sink) WriteJSON(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", s.Path(name), err)
	}
	return s.WriteFile(name, append(b, '\n'))
}

// Finding records a finding for the triage summary.
func (s *Sink) Finding(f Finding) {
	f.Collector = s.collector
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.findings = append(s.findings, f)
	}
}

// Partial marks the collector partial with a reason; it goes on collecting.
func (s *Sink) Partial(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.partial = append(s.partial, fmt.Sprintf(format, args...))
}

// Note records a remark in the manifest, such as a cap that cut a log.
func (s *Sink) Note(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notes = append(s.notes, fmt.Sprintf(format, args...))
}

// close ends the collector's output: files still open are closed as they are, and
// later writes fail with ErrSinkClosed.
func (s *Sink) close() {
	s.mu.Lock()
	open := make([]*sinkFile, 0, len(s.open))
	for f := range s.open {
		open = append(open, f)
	}
	s.closed = true
	s.mu.Unlock()

	for _, f := range open {
		if err := f.Close(); err != nil {
			s.Partial("close %s: %v", f.rec.Path, err)
		}
	}
}

// takeFindings returns the findings reported so far; later ones are dropped.
func (s *Sink) takeFindings() []Finding {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.findings
	s.findings = nil
	s.closed = true
	return f
}

// remarks returns copies of the notes and partial reasons.
func (s *Sink) remarks() (notes, partial []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.notes...), append([]string(nil), s.partial...)
}

// records returns the file records sorted by path.
func (s *Sink) records() []*FileRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*FileRecord, 0, len(s.files))
	for _, r := range s.files {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func checkName(name string) error {
	if name == "" || name == "." || path.IsAbs(name) || path.Clean(name) != name ||
		strings.HasPrefix(name, "../") || name == ".." || strings.Contains(name, "\\") {
		return fmt.Errorf("invalid bundle file name %q: use a clean relative path", name)
	}
	return nil
}

// sinkFile is one open file of a Sink.
type sinkFile struct {
	sink *Sink
	rec  *FileRecord
	f    *os.File
	w    *redact.Writer

	mu     sync.Mutex
	closed bool
}

func (sf *sinkFile) Write(p []byte) (int, error) {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	if sf.closed {
		return 0, ErrSinkClosed
	}
	return sf.w.Write(p)
}

func (sf *sinkFile) Close() error {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	if sf.closed {
		return nil
	}
	sf.closed = true

	werr := sf.w.Close()
	ferr := sf.f.Close()

	sf.sink.mu.Lock()
	delete(sf.sink.open, sf)
	sf.rec.Redactions = sf.w.Counts()
	if sf.w.Binary() {
		sf.rec.Withheld = "binary content left out by the redactor"
	}
	sf.sink.mu.Unlock()

	if err := errors.Join(werr, ferr); err != nil {
		return fmt.Errorf("close %s: %w", sf.rec.Path, err)
	}
	return nil
}

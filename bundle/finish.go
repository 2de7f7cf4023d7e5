package bundle

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Names of the files at the top of every bundle.
const (
	ManifestFile  = "manifest.json"
	SumsFile      = "SHA256SUMS"
	SignatureFile = "SHA256SUMS.sig"
	SignerFile    = "signer.pub"
	RunLogFile    = "bundle/run.log"
)

// finish turns the staged files into a bundle: it adds the run log, runs the guard scan,
// hashes every file, then writes the manifest, SHA256SUMS, its signature and the signer.
func (st *stage) finish(ctx context.Context, o CollectOptions, recs []CollectorRecord) (*Manifest,
	error) {
	st.closeLog()
	logRec, err := st.addRunLog()
	if err != nil {
		return nil, err
	}

	known := map[string]*FileRecord{logRec.Path: logRec}
	for _, r := range recs {
		if r.sink == nil {
			continue
		}
		for _, fr := range r.sink.records() {
			known[fr.Path] = fr
		}
	}
	files, err := st.seal(recs, known)
	if err != nil {
		return nil, err
	}
	m := st.manifest(ctx, o, recs, files)
	if err := st.writeTop(m, o.Signer); err != nil {
		return nil, err
	}
	return m, nil
}

// addRunLog copies the run's log into the bundle through the redactor.
func (st *stage) addRunLog() (*FileRecord, error) {
	src, err := os.Open(st.logPath)
	if err != nil {
		return nil, fmt.Errorf("read run log: %w", err)
	}
	defer src.Close()

	dst := filepath.Join(st.data, filepath.FromSlash(RunLogFile))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return nil, fmt.Errorf("write run log: %w", err)
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("write run log: %w", err)
	}
	w := st.red.NewWriter(f, RunLogFile)
	_, err = io.Copy(w, src)
	if err := errors.Join(err, w.Close(), f.Close()); err != nil {
		return nil, fmt.Errorf("write run log: %w", err)
	}
	return &FileRecord{Path: RunLogFile, Redactions: w.Counts()}, nil
}

// seal runs the guard scan over every staged file, hashes it, and fills in each
// collector's file count, bytes and redaction counts. known holds what is already
// known of each file (its redaction counts); other files get a new record.
func (st *stage) seal(recs []CollectorRecord, known map[string]*FileRecord) ([]FileRecord,
	error) {
	paths, err := stagedPaths(st.data)
	if err != nil {
		return nil, err
	}
	byName := map[string]*CollectorRecord{}
	for i := range recs {
		byName[recs[i].Name] = &recs[i]
	}

	files := make([]FileRecord, 0, len(paths))
	for _, p := range paths {
		fr := known[p]
		if fr == nil {
			fr = &FileRecord{Path: p}
		}
		if err := st.guard(fr, byName[collectorOf(p)]); err != nil {
			return nil, err
		}
		account(byName[collectorOf(p)], fr)
		files = append(files, *fr)
	}
	return files, nil
}

// guard hashes a file and scans it in the same pass. A file in which a known secret
// format survived redaction is withheld and its collector marked partial. It fails
// closed: a file it cannot scan is withheld too.
func (st *stage) guard(fr *FileRecord, rec *CollectorRecord) error {
	full := filepath.Join(st.data, filepath.FromSlash(fr.Path))
	f, err := os.Open(full)
	if err != nil {
		return fmt.Errorf("guard scan %s: %w", fr.Path, err)
	}
	h := sha256.New()
	cw := &countWriter{w: h}
	tee := io.TeeReader(f, cw)
	rules, gerr := st.red.Guard(tee, fr.Path)
	if gerr == nil {
		_, err = io.Copy(io.Discard, tee)
	}
	f.Close()
	if err != nil {
		return fmt.Errorf("guard scan %s: %w", fr.Path, err)
	}
	if gerr == nil && len(rules) == 0 {
		fr.Size, fr.SHA256 = cw.n, hex.EncodeToString(h.Sum(nil))
		return nil
	}

	why := "guard scan failed: " + fmt.Sprint(gerr)
	if gerr == nil {
		why = "a secret survived redaction (rules: " + strings.Join(rules, ", ") + ")"
	}
	fr.Withheld = why
	notice := "This file was withheld by bundle: " + why + ".\n"
	if err := os.WriteFile(full, []byte(notice), 0o644); err != nil {
		return fmt.Errorf("withhold %s: %w", fr.Path, err)
	}
	if err := hashFile(full, fr); err != nil {
		return err
	}
	if rec != nil {
		if rec.Status == StatusOK {
			rec.Status = StatusPartial
			rec.Reason = "a file was withheld"
		}
		rec.Notes = append(rec.Notes, fr.Path+" withheld: "+why)
	}
	return nil
}

func hashFile(path string, fr *FileRecord) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("hash %s: %w", fr.Path, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("hash %s: %w", fr.Path, err)
	}
	fr.Size, fr.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return nil
}

func account(rec *CollectorRecord, fr *FileRecord) {
	if rec == nil {
		return
	}
	rec.Files++
	rec.Bytes += fr.Size
	for rule, n := range fr.Redactions {
		if rec.Redactions == nil {
			rec.Redactions = map[string]int{}
		}
		rec.Redactions[rule] += n
	}
}

func collectorOf(p string) string {
	c, _, _ := strings.Cut(p, "/")
	return c
}

func (st *stage) manifest(ctx context.Context, o CollectOptions, recs []CollectorRecord,
	files []FileRecord) *Manifest {
	host, _ := os.Hostname()
	m := &Manifest{
		Format: FormatVersion, Tool: ToolInfo(), Created: st.created, Host: host,
		Args: st.env.Args, Config: st.env.Config, Since: st.env.Since, Until: st.env.Until,
		Collectors: recs, Files: files, Findings: st.env.Findings(),
	}
	if m.Findings == nil {
		m.Findings = []Finding{}
	}
	st.redactRecords(m)
	m.Redactions = totalRedactions(files)
	switch {
	case ctx.Err() != nil:
		m.Result = ResultCanceled
	case m.Incomplete():
		m.Result = ResultIncomplete
	default:
		m.Result = ResultComplete
	}
	return m
}

// totalRedactions adds up the files' redaction counts by rule.
func totalRedactions(files []FileRecord) map[string]int {
	var total map[string]int
	for _, f := range files {
		for rule, n := range f.Redactions {
			if total == nil {
				total = map[string]int{}
			}
			total[rule] += n
		}
	}
	return total
}

// writeTop writes manifest.json, SHA256SUMS over every other file, its signature and
// the signer's public key.
func (st *stage) writeTop(m *Manifest, signer ssh.Signer) error {
	if err := st.writeJSON(ManifestFile, m); err != nil {
		return err
	}
	if err := st.writeSummary(m); err != nil {
		return err
	}
	pub := authorizedKey(signer.PublicKey(), "caracal-bundle")
	if err := os.WriteFile(filepath.Join(st.data, SignerFile), pub, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", SignerFile, err)
	}

	known := make(map[string]string, len(m.Files))
	for _, f := range m.Files {
		known[f.Path] = f.SHA256
	}
	sums, err := sumsWith(st.data, known)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(st.data, SumsFile), sums, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", SumsFile, err)
	}
	sig, err := Sign(sums, signer)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(st.data, SignatureFile), sig, 0o644)
}

// writeRedacted writes a top-level file through the redactor.
func (st *stage) writeRedacted(name string, data []byte) error {
	f, err := os.Create(filepath.Join(st.data, name))
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	w := st.red.NewWriter(f, name)
	_, err = w.Write(data)
	if err := errors.Join(err, w.Close(), f.Close()); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// Sums returns SHA256SUMS content, in `sha256sum` format, for every file below dir
// except SHA256SUMS and its signature, sorted by path.
func Sums(dir string) ([]byte, error) { return sumsWith(dir, nil) }

// sumsWith is Sums taking the digests in known as they are instead of reading again.
func sumsWith(dir string, known map[string]string) ([]byte, error) {
	paths, err := stagedPaths(dir)
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var b bytes.Buffer
	for _, p := range paths {
		if p == SumsFile || p == SignatureFile {
			continue
		}
		sum, ok := known[p]
		if !ok {
			fr := &FileRecord{Path: p}
			if err := hashFile(filepath.Join(dir, filepath.FromSlash(p)), fr); err != nil {
				return nil, err
			}
			sum = fr.SHA256
		}
		fmt.Fprintf(&b, "%s  %s\n", sum, p)
	}
	return b.Bytes(), nil
}

// redactRecords redacts the free text of the manifest in memory too, so that what
// --json prints is as clean as what the bundle holds.
func (st *stage) redactRecords(m *Manifest) {
	for i := range m.Collectors {
		c := &m.Collectors[i]
		c.Reason = st.red.String(c.Reason)
		for j := range c.Notes {
			c.Notes[j] = st.red.String(c.Notes[j])
		}
	}
	for i := range m.Findings {
		f := &m.Findings[i]
		f.Message, f.Subject = st.red.String(f.Message), st.red.String(f.Subject)
	}
}

// writeSummary writes SUMMARY.md and summary.json at the top of the bundle.
func (st *stage) writeSummary(m *Manifest) error {
	sum := Summarize(m)
	if err := st.writeJSON(SummaryJSONFile, sum); err != nil {
		return err
	}
	return st.writeRedacted(SummaryFile, sum.Markdown())
}

// writeJSON writes v as indented JSON at the top of the bundle with every string value
// passed through the redactor. Keys and numbers are the tool's own and stay as they are,
// so the document keeps its schema.
func (st *stage) writeJSON(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	out, err := json.MarshalIndent(st.redactStrings(doc), "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	if err := os.WriteFile(filepath.Join(st.data, name), append(out, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// redactStrings redacts every string value of a decoded JSON document.
func (st *stage) redactStrings(v any) any {
	switch t := v.(type) {
	case string:
		return st.red.String(t)
	case []any:
		for i := range t {
			t[i] = st.redactStrings(t[i])
		}
	case map[string]any:
		for k := range t {
			t[k] = st.redactStrings(t[k])
		}
	}
	return v
}

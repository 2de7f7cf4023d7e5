package bundle

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
	"golang.org/x/crypto/ssh"

	"github.com/caracal-tools/bundle/redact"
)

// RedactOptions says how Reredact rewrites a bundle.
type RedactOptions struct {
	// Verify checks the input bundle first (trusted keys, identities, limits).
	Verify     VerifyOptions
	Redactor   *redact.Redactor
	Signer     ssh.Signer
	Output     string
	Recipients []age.Recipient
}

// Reredact verifies the bundle read from in, passes every collected file through the
// redactor again (with the current rules), runs the guard scan, and writes the result
// as a new bundle signed by o.Signer. The manifest keeps its collectors and findings,
// adds the new redaction counts, and records the rewrite.
func Reredact(in io.Reader, o RedactOptions) (*CollectResult, error) {
	comp, tmp, err := stagingFor(o.Output)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	raw := filepath.Join(tmp, "raw")
	rep, err := Extract(in, raw, o.Verify)
	if err != nil {
		return nil, err
	}
	if rep.Manifest == nil {
		return nil, errors.New("the bundle has no manifest")
	}
	m := rep.Manifest

	st := &stage{data: filepath.Join(tmp, "data"), red: o.Redactor, created: m.Created}
	known, err := st.redactAll(raw, m)
	if err != nil {
		return nil, err
	}
	for i := range m.Collectors {
		m.Collectors[i].Files, m.Collectors[i].Bytes = 0, 0
		m.Collectors[i].Redactions = nil
	}
	files, err := st.seal(m.Collectors, known)
	if err != nil {
		return nil, err
	}
	m.Files, m.Redactions = files, totalRedactions(files)
	m.Rewrites = append(m.Rewrites, Rewrite{At: time.Now().UTC(), Tool: ToolInfo(),
		Signer: rep.Signer})
	if err := st.writeTop(m, o.Signer); err != nil {
		return nil, err
	}

	res, err := writeBundle(CollectOptions{Output: o.Output, Recipients: o.Recipients}, st.data,
		m, comp)
	if err != nil {
		return nil, err
	}
	res.Manifest, res.Signer = m, Fingerprint(o.Signer.PublicKey())
	return res, nil
}

// redactAll copies every collected file from raw into the stage through the redactor,
// adding the new counts to what the manifest already recorded.
func (st *stage) redactAll(raw string, m *Manifest) (map[string]*FileRecord, error) {
	if err := os.Mkdir(st.data, 0o700); err != nil {
		return nil, fmt.Errorf("create staging folder: %w", err)
	}
	known := map[string]*FileRecord{}
	for i := range m.Files {
		known[m.Files[i].Path] = &m.Files[i]
	}

	paths, err := stagedPaths(raw)
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		if topLevel[p] {
			continue
		}
		counts, err := st.redactFile(raw, p)
		if err != nil {
			return nil, err
		}
		fr := known[p]
		if fr == nil {
			fr = &FileRecord{Path: p}
			known[p] = fr
		}
		for rule, n := range counts {
			if fr.Redactions == nil {
				fr.Redactions = map[string]int{}
			}
			fr.Redactions[rule] += n
		}
	}
	return known, nil
}

// topLevel are the files Reredact makes anew rather than copying.
var topLevel = map[string]bool{
	ManifestFile: true, SumsFile: true, SignatureFile: true, SignerFile: true,
	SummaryFile: true, SummaryJSONFile: true,
}

func (st *stage) redactFile(raw, p string) (map[string]int, error) {
	src, err := os.Open(filepath.Join(raw, filepath.FromSlash(p)))
	if err != nil {
		return nil, err
	}
	defer src.Close()

	dst := filepath.Join(st.data, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	counts, _, err := st.red.Redact(f, src, p)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close %s: %w", p, cerr)
	}
	if err != nil {
		return nil, err
	}
	return counts, nil
}

package bundle

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"filippo.io/age"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/crypto/ssh"
)

// ErrTampered is wrapped by every error that means the bundle's content does not match
// its signed checksums, or the archive is malformed or hostile.
var ErrTampered = errors.New("bundle failed verification")

// ErrUntrusted is returned when the signature is valid but the signer is not among the
// trusted keys given.
var ErrUntrusted = errors.New("bundle is signed by a key that is not trusted")

// ErrEncrypted is returned when the bundle is age-encrypted and no identity was given.
var ErrEncrypted = errors.New("bundle is encrypted with age")

// Default limits for reading untrusted archives.
const (
	DefaultMaxEntry = 4 << 30
	DefaultMaxTotal = 32 << 30
	maxSmallFile    = 64 << 20
)

// VerifyOptions says what Verify trusts and where, optionally, it extracts to.
type VerifyOptions struct {
	// Keys and AllowedSigners are the trusted signers. When both are empty the
	// signature is checked against the key it carries, and the report says the signer
	// was not checked against a trusted key.
	Keys           []ssh.PublicKey
	AllowedSigners []AllowedSigner
	// Identities decrypt an age-encrypted bundle.
	Identities []age.Identity
	// MaxEntry and MaxTotal bound one file and the whole uncompressed archive.
	MaxEntry, MaxTotal int64
	// Extract, when set, receives every file as it is read (see Extract).
	Extract func(name string, r io.Reader) error
}

// VerifyReport is what Verify checked.
type VerifyReport struct {
	Top         string        `json:"top"`
	Encrypted   bool          `json:"encrypted"`
	Compression Compression   `json:"compression"`
	Signer      string        `json:"signer"`
	Trusted     bool          `json:"trusted"`
	Files       int           `json:"files"`
	Manifest    *Manifest     `json:"-"`
	SignerKey   ssh.PublicKey `json:"-"`
}

// Verify reads a bundle from r, treating it as hostile: absolute or ".." paths, links,
// devices, duplicate names, oversized entries and decompression bombs are refused. It
// then checks every file against SHA256SUMS, the SSH signature of SHA256SUMS, and the
// signer against the trusted keys. Any changed, missing or extra file is named in the
// error, which wraps ErrTampered.
func Verify(r io.Reader, o VerifyOptions) (*VerifyReport, error) {
	if o.MaxEntry <= 0 {
		o.MaxEntry = DefaultMaxEntry
	}
	if o.MaxTotal <= 0 {
		o.MaxTotal = DefaultMaxTotal
	}
	rep := &VerifyReport{}
	stream, closeFn, err := openArchive(r, o, rep)
	if err != nil {
		return nil, err
	}
	defer closeFn()

	a, err := readEntries(tar.NewReader(stream), o, rep)
	if err != nil {
		return rep, err
	}
	// Read to the end so the compression's own checksum is checked and nothing trails.
	if n, err := io.Copy(io.Discard, stream); err != nil || n > 16<<10 {
		return rep, fmt.Errorf("%w: data after the end of the archive (%d bytes, %v)",
			ErrTampered, n, err)
	}
	if err := a.check(rep); err != nil {
		return rep, err
	}
	if err := checkTrust(rep, o); err != nil {
		return rep, err
	}
	return rep, nil
}

// openArchive undoes encryption and compression, with the total size bounded.
func openArchive(r io.Reader, o VerifyOptions, rep *VerifyReport) (io.Reader, func(), error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(len("age-encryption.org/v1"))
	src := io.Reader(br)
	if string(head) == "age-encryption.org/v1" {
		rep.Encrypted = true
		if len(o.Identities) == 0 {
			return nil, nil, ErrEncrypted
		}
		dr, err := age.Decrypt(br, o.Identities...)
		if err != nil {
			return nil, nil, fmt.Errorf("decrypt bundle: %w", err)
		}
		src = bufio.NewReader(dr)
	}

	dec, closeFn, err := decompressor(src.(*bufio.Reader), rep)
	if err != nil {
		return nil, nil, err
	}
	return &limitReader{r: dec, left: o.MaxTotal}, closeFn, nil
}

func decompressor(br *bufio.Reader, rep *VerifyReport) (io.Reader, func(), error) {
	magic, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		rep.Compression = Gzip
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: gzip: %v", ErrTampered, err)
		}
		return zr, func() { zr.Close() }, nil
	case bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		rep.Compression = Zstd
		zr, err := zstd.NewReader(br, zstd.WithDecoderMaxMemory(1<<30),
			zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: zstd: %v", ErrTampered, err)
		}
		return zr, zr.Close, nil
	}
	return nil, nil, fmt.Errorf("not a bundle: expected a .tar.gz, .tar.zst or age file")
}

// damaged marks a failure to read the archive itself (a corrupt compressed stream, a
// truncated entry) as a damageError, apart from errors of writing what was read.
type damaged struct{ r io.Reader }

func (d damaged) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		err = &damageError{err}
	}
	return n, err
}

// damageError is an error reading the archive; it counts as ErrTampered.
type damageError struct{ err error }

func (e *damageError) Error() string        { return e.err.Error() }
func (e *damageError) Unwrap() error        { return e.err }
func (e *damageError) Is(target error) bool { return target == ErrTampered }

// limitReader fails, rather than stopping quietly, past its limit.
type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, fmt.Errorf("%w: uncompressed size exceeds the limit (a decompression bomb?)",
			ErrTampered)
	}
	return n, err
}

// archiveContent is what readEntries gathered.
type archiveContent struct {
	hashes map[string]string // path below top → sha256 hex
	small  map[string][]byte // the top-level files
}

var smallFiles = map[string]bool{
	SumsFile: true, SignatureFile: true, SignerFile: true, ManifestFile: true,
	SummaryFile: true,
}

func readEntries(tr *tar.Reader, o VerifyOptions, rep *VerifyReport) (*archiveContent, error) {
	a := &archiveContent{hashes: map[string]string{}, small: map[string][]byte{}}
	seen := map[string]bool{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: read archive: %v", ErrTampered, err)
		}
		rel, err := entryPath(hdr, rep, seen, o.MaxEntry)
		if err != nil || rel == "" {
			if err != nil {
				return nil, err
			}
			continue
		}
		if err := a.readFile(tr, rel, hdr.Size, o); err != nil {
			return nil, err
		}
	}
	if rep.Top == "" {
		return nil, fmt.Errorf("%w: the archive is empty", ErrTampered)
	}
	return a, nil
}

// entryPath checks one header and returns the file's path below the top folder, or ""
// for a directory.
func entryPath(hdr *tar.Header, rep *VerifyReport, seen map[string]bool, maxEntry int64) (string,
	error) {
	name := hdr.Name
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w: entry %q: %s", ErrTampered, name, why)
	}
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeDir:
	case tar.TypeSymlink, tar.TypeLink:
		return bad("links are not allowed")
	default:
		return bad(fmt.Sprintf("entry type %q is not allowed", hdr.Typeflag))
	}

	clean := strings.TrimSuffix(name, "/")
	if clean == "" || path.IsAbs(clean) || path.Clean(clean) != clean ||
		strings.Contains(clean, "\\") || clean == ".." || strings.HasPrefix(clean, "../") {
		return bad("unsafe path")
	}
	if seen[clean] {
		return bad("duplicate name")
	}
	seen[clean] = true

	top, rel, _ := strings.Cut(clean, "/")
	if rep.Top == "" {
		if !strings.HasPrefix(top, "caracal-bundle-") {
			return bad("not inside a caracal-bundle-* folder")
		}
		rep.Top = top
	}
	if top != rep.Top {
		return bad("outside the bundle folder " + rep.Top)
	}
	if hdr.Typeflag == tar.TypeDir {
		return "", nil
	}
	if rel == "" {
		return bad("a file in place of the bundle folder")
	}
	if hdr.Size > maxEntry {
		return bad(fmt.Sprintf("%d bytes is over the %d-byte limit", hdr.Size, maxEntry))
	}
	return rel, nil
}

func (a *archiveContent) readFile(tr *tar.Reader, rel string, size int64, o VerifyOptions) error {
	h := sha256.New()
	var src io.Reader = io.TeeReader(damaged{tr}, h)
	var buf *bytes.Buffer
	if smallFiles[rel] {
		if size > maxSmallFile {
			return fmt.Errorf("%w: %s is too large", ErrTampered, rel)
		}
		buf = &bytes.Buffer{}
		src = io.TeeReader(src, buf)
	}

	var err error
	if o.Extract != nil {
		err = o.Extract(rel, src)
	}
	if err == nil {
		_, err = io.Copy(io.Discard, src)
	}
	var de *damageError
	if errors.As(err, &de) {
		return fmt.Errorf("%w: read %s: %v", ErrTampered, rel, de.err)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", rel, err)
	}
	a.hashes[rel] = hex.EncodeToString(h.Sum(nil))
	if buf != nil {
		a.small[rel] = buf.Bytes()
	}
	return nil
}

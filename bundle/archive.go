package bundle

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Compression is how a bundle's tar stream is compressed.
type Compression string

// The supported compressions, chosen by the output file's extension.
const (
	Gzip Compression = "gzip"
	Zstd Compression = "zstd"
)

// CompressionFor returns the compression an output name asks for (after any ".age"):
// ".tar.gz" or ".tgz" for gzip, ".tar.zst" for zstd.
func CompressionFor(name string) (Compression, error) {
	base := strings.TrimSuffix(name, ".age")
	switch {
	case strings.HasSuffix(base, ".tar.gz"), strings.HasSuffix(base, ".tgz"):
		return Gzip, nil
	case strings.HasSuffix(base, ".tar.zst"):
		return Zstd, nil
	}
	return "", fmt.Errorf("output %q: name must end in .tar.gz or .tar.zst (optionally + .age)",
		name)
}

// compressor wraps w; Close flushes the compressed stream but does not close w.
func compressor(w io.Writer, c Compression) (io.WriteCloser, error) {
	switch c {
	case Gzip:
		return gzip.NewWriterLevel(w, gzip.DefaultCompression)
	case Zstd:
		return zstd.NewWriter(w, zstd.WithEncoderLevel(zstd.SpeedDefault),
			zstd.WithEncoderConcurrency(2))
	}
	return nil, fmt.Errorf("unknown compression %q", c)
}

// WriteArchive writes the staging folder dir as a compressed tar under the top folder
// name top. The output is reproducible: entries are sorted, owner and mode are fixed, and
// every entry carries the one timestamp mtime. It does not close w.
func WriteArchive(w io.Writer, dir, top string, mtime time.Time, c Compression) error {
	paths, err := stagedPaths(dir)
	if err != nil {
		return err
	}

	cw, err := compressor(w, c)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(cw)
	mtime = mtime.UTC().Truncate(time.Second)

	werr := writeEntries(tw, dir, top, paths, mtime)
	if err := errors.Join(werr, tw.Close(), cw.Close()); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	return nil
}

func writeEntries(tw *tar.Writer, dir, top string, paths []string, mtime time.Time) error {
	if err := tw.WriteHeader(dirHeader(top, mtime)); err != nil {
		return err
	}
	seenDirs := map[string]bool{}
	for _, p := range paths {
		if err := writeParents(tw, top, p, mtime, seenDirs); err != nil {
			return err
		}
		if err := writeFile(tw, dir, top, p, mtime); err != nil {
			return err
		}
	}
	return nil
}

func writeParents(tw *tar.Writer, top, p string, mtime time.Time, seen map[string]bool) error {
	parts := strings.Split(p, "/")
	for i := 1; i < len(parts); i++ {
		d := strings.Join(parts[:i], "/")
		if seen[d] {
			continue
		}
		seen[d] = true
		if err := tw.WriteHeader(dirHeader(top+"/"+d, mtime)); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(tw *tar.Writer, dir, top, p string, mtime time.Time) error {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(p)))
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}

	hdr := &tar.Header{
		Typeflag: tar.TypeReg, Name: top + "/" + p, Size: st.Size(), Mode: 0o644,
		ModTime: mtime, Format: tar.FormatPAX,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	n, err := io.Copy(tw, f)
	if err == nil && n != st.Size() {
		err = fmt.Errorf("%s changed size while being archived", p)
	}
	return err
}

func dirHeader(name string, mtime time.Time) *tar.Header {
	return &tar.Header{
		Typeflag: tar.TypeDir, Name: name + "/", Mode: 0o755, ModTime: mtime,
		Format: tar.FormatPAX,
	}
}

// stagedPaths lists the regular files below dir as sorted slash paths.
func stagedPaths(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			if d.IsDir() {
				return nil
			}
			return fmt.Errorf("staged %s is not a regular file", p)
		}
		rel, err := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list staged files: %w", err)
	}
	sort.Strings(out)
	return out, nil
}

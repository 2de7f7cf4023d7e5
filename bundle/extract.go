package bundle

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Extract verifies the bundle read from r and extracts its files into dir, which must
// not exist yet: the files of the bundle's top folder land directly in dir. Files are
// written into a temporary sibling folder first and dir appears only when verification
// passed; on any failure nothing is left behind.
func Extract(r io.Reader, dir string, o VerifyOptions) (*VerifyReport, error) {
	if _, err := os.Lstat(dir); err == nil {
		return nil, fmt.Errorf("extract: %s already exists: name a new folder", dir)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".partial-")
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}

	o.Extract = func(name string, src io.Reader) error {
		return extractFile(tmp, name, src)
	}
	rep, err := Verify(r, o)
	if err == nil {
		err = os.Rename(tmp, dir)
	}
	if err != nil {
		return rep, errors.Join(err, os.RemoveAll(tmp))
	}
	return rep, os.Chmod(dir, 0o755)
}

// extractFile writes one verified-path file below root, refusing to follow or replace
// anything that already exists.
func extractFile(root, name string, src io.Reader) error {
	full := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, src)
	return errors.Join(err, f.Close())
}

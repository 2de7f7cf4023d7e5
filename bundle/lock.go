package bundle

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// LockFile is the name of the lock Collect runs hold in an output folder.
const LockFile = ".caracal-bundle.lock"

// ErrLocked is returned by LockDir when another run holds the folder's lock.
var ErrLocked = errors.New("another bundle collect is running")

// LockDir takes the output folder's lock so that overlapping scheduled runs do not pile
// up. The lock is an flock on dir/.caracal-bundle.lock: the kernel releases it when the
// process ends, so a crash never leaves a stale lock. Call the returned func to release.
func LockDir(dir string) (func() error, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder := readHolder(f)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w in %s (lock %s held by pid %s)", ErrLocked, dir, path,
				holder)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}

	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() error {
		return errors.Join(f.Truncate(0), f.Close())
	}, nil
}

func readHolder(f *os.File) string {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	if pid := strings.TrimSpace(string(b[:n])); pid != "" {
		return pid
	}
	return "unknown"
}

package bundle

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"
	"golang.org/x/crypto/ssh"

	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/redact"
)

// TimeFormat is the UTC time format of bundle names: caracal-bundle-20261203T101500Z.
const TimeFormat = "20060102T150405Z"

// CollectOptions says what Collect runs and where the bundle goes.
type CollectOptions struct {
	Config config.Config
	// Collectors are the collectors to run; Skipped are registered collectors left out
	// by selection, with the reason recorded in the manifest.
	Collectors []Collector
	Skipped    map[string]string
	// Output is the bundle's final path; its extension picks the compression.
	Output string
	Signer ssh.Signer
	// Recipients, when set, encrypt the finished archive with age.
	Recipients []age.Recipient
	// Args are the command-line arguments, recorded redacted.
	Args []string
	// Logger receives the run's log; a copy at debug level goes into the bundle.
	Logger   *slog.Logger
	Progress Progress
	// Now, when set, fixes the creation time (for reproducible tests).
	Now time.Time
}

// CollectResult is what a finished Collect wrote.
type CollectResult struct {
	Path     string    `json:"path"`
	SHA256   string    `json:"sha256"`
	Size     int64     `json:"size"`
	Signer   string    `json:"signer"`
	Manifest *Manifest `json:"-"`
}

// Collect runs the collectors, then writes, signs and (optionally) encrypts the bundle
// at o.Output. The bundle is written even when collectors fail or ctx is canceled
// midway: the manifest then says incomplete or canceled. Collect returns an error only
// when no bundle could be written; nothing is ever left half-written at o.Output.
func Collect(ctx context.Context, o CollectOptions) (*CollectResult, error) {
	comp, tmp, err := stagingFor(o.Output)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	st, err := newStage(tmp, o)
	if err != nil {
		return nil, err
	}
	defer st.closeLog()

	recs := st.run(ctx, o)
	m, err := st.finish(ctx, o, recs)
	if err != nil {
		return nil, err
	}
	res, err := writeBundle(o, st.data, m, comp)
	if err != nil {
		return nil, err
	}
	res.Manifest, res.Signer = m, Fingerprint(o.Signer.PublicKey())
	return res, nil
}

// stagingFor checks the output name and makes a temporary staging folder beside it, on
// the same file system, so the finished bundle can be renamed into place.
func stagingFor(output string) (Compression, string, error) {
	comp, err := CompressionFor(output)
	if err != nil {
		return "", "", err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(output), ".caracal-bundle-stage-")
	if err != nil {
		return "", "", fmt.Errorf("create staging folder: %w", err)
	}
	return comp, tmp, nil
}

// stage is one collection run's staging area: data/ holds the bundle's files.
type stage struct {
	data    string
	logPath string
	logFile *os.File
	env     *Env
	red     *redact.Redactor
	created time.Time
}

func newStage(tmp string, o CollectOptions) (*stage, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("redaction key: %w", err)
	}
	red, err := redact.New(o.Config.Redact, key)
	if err != nil {
		return nil, fmt.Errorf("redaction rules: %w", err)
	}

	st := &stage{data: filepath.Join(tmp, "data"), logPath: filepath.Join(tmp, "run.log"),
		red: red}
	if err := os.Mkdir(st.data, 0o700); err != nil {
		return nil, fmt.Errorf("create staging folder: %w", err)
	}
	st.logFile, err = os.Create(st.logPath)
	if err != nil {
		return nil, fmt.Errorf("create run log: %w", err)
	}

	fileLog := slog.NewJSONHandler(st.logFile, &slog.HandlerOptions{Level: slog.LevelDebug})
	log := slog.New(slog.NewMultiHandler(logger(o.Logger).Handler(), fileLog))
	st.env = NewEnv(o.Config, red, log, st.data)
	st.env.Args = redactArgs(red, o.Args)
	st.created = st.env.Start
	if !o.Now.IsZero() {
		st.created = o.Now.UTC()
	}
	return st, nil
}

func (st *stage) closeLog() {
	if st.logFile != nil {
		st.logFile.Close()
		st.logFile = nil
	}
}

func (st *stage) run(ctx context.Context, o CollectOptions) []CollectorRecord {
	cfg := st.env.Config
	r := &Runner{Env: st.env, Parallel: cfg.Parallel, CollectorTimeout: cfg.CollectorTimeout.D(),
		Progress: o.Progress}

	rctx, cancel := context.WithTimeoutCause(ctx, cfg.Timeout.D(),
		fmt.Errorf("the whole run exceeded --timeout %s", cfg.Timeout.D()))
	defer cancel()
	return r.Run(rctx, o.Collectors, o.Skipped)
}

func redactArgs(red *redact.Redactor, args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = red.String(a)
	}
	return out
}

// writeBundle writes the archive to a temporary file beside o.Output, syncs it and
// renames it into place.
func writeBundle(o CollectOptions, dir string, m *Manifest, comp Compression) (*CollectResult,
	error) {
	top := "caracal-bundle-" + m.Created.Format(TimeFormat)
	h := sha256.New()
	var size int64
	err := WriteAtomic(o.Output, func(f io.Writer) error {
		cw := &countWriter{w: io.MultiWriter(f, h)}
		defer func() { size = cw.n }()
		if len(o.Recipients) == 0 {
			return WriteArchive(cw, dir, top, m.Created, comp)
		}
		aw, err := age.Encrypt(cw, o.Recipients...)
		if err != nil {
			return fmt.Errorf("encrypt: %w", err)
		}
		if err := WriteArchive(aw, dir, top, m.Created, comp); err != nil {
			return err
		}
		return aw.Close()
	})
	if err != nil {
		return nil, err
	}
	return &CollectResult{Path: o.Output, SHA256: hex.EncodeToString(h.Sum(nil)), Size: size},
		nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// WriteAtomic creates path through a temporary file in the same folder: write is
// called with it, then the file is synced, closed and renamed over path, and the folder
// is synced. On any error the temporary file is removed and path is left untouched.
func WriteAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()

	if err := write(f); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := errors.Join(f.Sync(), f.Chmod(0o600), f.Close()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

package bundle

import (
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/redact"
)

// Env is what every collector gets to work from. It is read-only for collectors and
// safe for concurrent use.
type Env struct {
	// Config is the configuration with every default filled in.
	Config config.Config
	// Start is when the run began; Since..Until is the window for logs and changes.
	Start, Since, Until time.Time
	// Logger is the run's logger; what it prints also goes into the bundle.
	Logger *slog.Logger
	// Redactor is the bundle's redactor, for values a collector must redact itself
	// (for example before diffing them). Files written through a Sink are redacted anyway.
	Redactor *redact.Redactor
	// Args are the command-line arguments, already redacted.
	Args []string

	stageDir string
	mu       sync.Mutex
	findings []Finding
}

// NewEnv returns an Env over cfg (defaults are filled in) staging into stageDir.
func NewEnv(cfg config.Config, red *redact.Redactor, log *slog.Logger, stageDir string) *Env {
	cfg = cfg.WithDefaults()
	now := time.Now().UTC()
	e := &Env{
		Config: cfg, Start: now, Since: now.Add(-cfg.Since.D()), Until: now,
		Logger: log, Redactor: red, stageDir: stageDir,
	}
	if at := cfg.Request.At; at != nil {
		half := cfg.Since.D() / 2
		e.Since, e.Until = at.Add(-half), at.Add(half)
		if e.Until.After(now) {
			e.Until = now
		}
	}
	return e
}

// Staged returns the files written so far, keyed by bundle path ("redis/streams.json").
// Late collectors use it to read what the others wrote; the content is already redacted.
func (e *Env) Staged() fs.FS { return os.DirFS(e.stageDir) }

// Findings returns the findings reported so far by collectors that have ended.
func (e *Env) Findings() []Finding {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Finding(nil), e.findings...)
}

func (e *Env) addFindings(f []Finding) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.findings = append(e.findings, f...)
}

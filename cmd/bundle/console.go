package main

import (
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/urfave/cli/v2"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/caracal-tools/bundle/bundle"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// consoleOutput returns the logger for stderr and the progress display. On a terminal
// a progress bar shows and the log is quiet; elsewhere (nightly jobs) each collector's
// start and end is one log line.
func consoleOutput(c *cli.Context, total int) (*slog.Logger, *progress) {
	stderr := c.App.ErrWriter
	tty := isTerminal(stderr) && !c.Bool("json")
	level := slog.LevelInfo
	if tty {
		level = slog.LevelWarn
	}
	switch {
	case c.Bool("debug"):
		level = slog.LevelDebug
	case c.Bool("verbose"):
		level = min(level, slog.LevelInfo)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	p := &progress{running: map[string]bool{}}
	if tty {
		p.start(stderr, total)
	}
	return log, p
}

// progress is a bundle.Progress drawn with mpb on a terminal; it does nothing otherwise.
type progress struct {
	mu      sync.Mutex
	running map[string]bool
	p       *mpb.Progress
	bar     *mpb.Bar
}

func (p *progress) start(w io.Writer, total int) {
	p.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(30))
	p.bar = p.p.AddBar(int64(total),
		mpb.BarRemoveOnComplete(),
		mpb.PrependDecorators(decor.Name("collecting "), decor.CountersNoUnit("%d/%d")),
		mpb.AppendDecorators(decor.Any(func(decor.Statistics) string { return p.names() })),
	)
}

func (p *progress) names() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var n []string
	for name := range p.running {
		n = append(n, name)
	}
	sort.Strings(n)
	return strings.Join(n, " ")
}

// Started implements bundle.Progress.
func (p *progress) Started(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running[name] = true
}

// Ended implements bundle.Progress.
func (p *progress) Ended(rec bundle.CollectorRecord) {
	p.mu.Lock()
	delete(p.running, rec.Name)
	p.mu.Unlock()
	if p.bar != nil {
		p.bar.Increment()
	}
}

// Wait removes the bar once collection is over.
func (p *progress) Wait() {
	if p.p == nil {
		return
	}
	p.bar.SetTotal(-1, true)
	p.p.Wait()
}

var _ bundle.Progress = (*progress)(nil)

func statusMark(s bundle.Status) string {
	switch s {
	case bundle.StatusOK:
		return "ok"
	case bundle.StatusSkipped:
		return "skipped"
	}
	return strings.ToUpper(string(s))
}

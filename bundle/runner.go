package bundle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// Progress is told when collectors start and end. Implementations must be safe for
// concurrent use; a nil Progress is allowed.
type Progress interface {
	Started(name string)
	Ended(rec CollectorRecord)
}

// CollectorRecord is how one collector's run ended, as the manifest records it.
type CollectorRecord struct {
	Name        string         `json:"name"`
	Group       string         `json:"group"`
	Status      Status         `json:"status"`
	Reason      string         `json:"reason,omitempty"`
	SkipKind    SkipKind       `json:"skipKind,omitempty"`
	Started     time.Time      `json:"started,omitzero"`
	DurationMS  int64          `json:"durationMs"`
	Files       int            `json:"files"`
	Bytes       int64          `json:"bytes"`
	Notes       []string       `json:"notes,omitempty"`
	Redactions  map[string]int `json:"redactions,omitempty"`
	FindingsLen int            `json:"findings"`

	sink *Sink
}

// Runner runs collectors into a staging folder.
type Runner struct {
	Env *Env
	// Parallel bounds how many collectors run at once.
	Parallel int
	// CollectorTimeout bounds each collector.
	CollectorTimeout time.Duration
	Progress         Progress
}

// Run runs every collector and returns one record per collector, in the order given.
// Collectors marked in skipped are not run but recorded with that reason. One
// collector's failure, panic or timeout never stops the others. When ctx ends, the
// collectors still running are recorded as canceled and Run returns promptly.
func (r *Runner) Run(ctx context.Context, cs []Collector,
	skipped map[string]string) []CollectorRecord {
	recs := make([]CollectorRecord, len(cs))
	var early, late []int
	for i, c := range cs {
		info := c.Info()
		recs[i] = CollectorRecord{Name: info.Name, Group: info.Group}
		if why, ok := skipped[info.Name]; ok {
			recs[i].Status, recs[i].SkipKind, recs[i].Reason = StatusSkipped, NotApplicable, why
			continue
		}
		if _, ok := c.(Late); ok {
			late = append(late, i)
		} else {
			early = append(early, i)
		}
	}

	r.runAll(ctx, cs, recs, early)
	r.runAll(ctx, cs, recs, late)
	return recs
}

func (r *Runner) runAll(ctx context.Context, cs []Collector, recs []CollectorRecord, idx []int) {
	sem := make(chan struct{}, max(r.Parallel, 1))
	var wg sync.WaitGroup
	for _, i := range idx {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
				recs[i] = r.runOne(ctx, cs[i], recs[i])
			case <-ctx.Done():
				recs[i].Status, recs[i].Reason = StatusCanceled, "not started: "+cause(ctx)
			}
		}()
	}
	wg.Wait()
}

func (r *Runner) runOne(ctx context.Context, c Collector, rec CollectorRecord) CollectorRecord {
	if ctx.Err() != nil {
		rec.Status, rec.Reason = StatusCanceled, "not started: "+cause(ctx)
		return rec
	}
	if r.Progress != nil {
		r.Progress.Started(rec.Name)
	}
	log := r.Env.Logger.With("collector", rec.Name)
	log.Info("collector started")

	rec.Started = time.Now().UTC()
	sink := newSink(r.Env.stageDir, rec.Name, r.Env.Redactor)
	err, timedOut := r.call(ctx, c, sink)
	sink.close()
	rec.DurationMS = time.Since(rec.Started).Milliseconds()
	rec.sink = sink

	rec = settle(ctx, rec, sink, err, timedOut)
	findings := sink.takeFindings()
	r.Env.addFindings(findings)
	rec.FindingsLen = len(findings)
	log.Info("collector ended", "status", rec.Status, "reason", rec.Reason,
		"duration", time.Duration(rec.DurationMS)*time.Millisecond)
	if r.Progress != nil {
		r.Progress.Ended(rec)
	}
	return rec
}

// call runs the collector under its timeout and returns its error, or whether the
// timeout fired before it returned. A collector that ignores ctx is abandoned.
func (r *Runner) call(ctx context.Context, c Collector, s *Sink) (error, bool) {
	cctx, cancel := context.WithTimeoutCause(ctx, r.CollectorTimeout, errCollectorTimeout)
	defer cancel()

	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("panic: %v\n%s", p, debug.Stack())
			}
		}()
		done <- c.Collect(cctx, r.Env, s)
	}()

	select {
	case err := <-done:
		return err, errors.Is(context.Cause(cctx), errCollectorTimeout)
	case <-cctx.Done():
		// Give a collector that honours ctx a moment to return what it has.
		select {
		case err := <-done:
			return err, errors.Is(context.Cause(cctx), errCollectorTimeout)
		case <-time.After(2 * time.Second):
			return context.Cause(cctx), errors.Is(context.Cause(cctx), errCollectorTimeout)
		}
	}
}

var errCollectorTimeout = errors.New("collector timeout")

func settle(ctx context.Context, rec CollectorRecord, s *Sink, err error,
	timedOut bool) CollectorRecord {
	notes, partial := s.remarks()
	rec.Notes = append(rec.Notes, notes...)
	switch skip, isSkip := AsSkip(err); {
	case timedOut:
		rec.Status, rec.Reason = StatusTimeout, "did not finish within the collector timeout"
	case ctx.Err() != nil && err != nil:
		rec.Status, rec.Reason = StatusCanceled, cause(ctx)
	case isSkip:
		rec.Status, rec.SkipKind, rec.Reason = StatusSkipped, skip.Kind, skip.Reason
	case err != nil:
		rec.Status, rec.Reason = StatusFailed, err.Error()
	case len(partial) > 0:
		rec.Status = StatusPartial
	default:
		rec.Status = StatusOK
	}
	if len(partial) > 0 {
		rec.Notes = append(rec.Notes, partial...)
		if rec.Reason == "" {
			rec.Reason = partial[0]
		}
	}
	rec.Reason = oneLineText(rec.Reason)
	for i, n := range rec.Notes {
		rec.Notes[i] = oneLineText(n)
	}
	return rec
}

// oneLineText puts a message on one line: drivers' errors can hold line breaks and tabs,
// and a reason is read in tables, logs and the summary.
func oneLineText(s string) string {
	if !strings.ContainsAny(s, "\n\r\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

func cause(ctx context.Context) string {
	if c := context.Cause(ctx); c != nil {
		return c.Error()
	}
	return "canceled"
}

// logger returns l, or a logger that drops everything.
func logger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}

// RunOne runs a single collector as Run would and returns its record.
func (r *Runner) RunOne(ctx context.Context, c Collector) CollectorRecord {
	info := c.Info()
	return r.runOne(ctx, c, CollectorRecord{Name: info.Name, Group: info.Group})
}

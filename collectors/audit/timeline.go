package audit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/caracal-tools/bundle/bundle"
)

// Timeline gathers every line of the bundle that carries the request ID (Caracal's
// services log it as request_id) into one time-ordered timeline/timeline.txt. It runs
// after the other collectors and reads what they staged, already redacted.
type Timeline struct{}

func init() { bundle.Register(Timeline{}) }

// Info implements bundle.Collector.
func (Timeline) Info() bundle.Info {
	return bundle.Info{Name: "timeline", Group: "audit",
		Description: "every log line of the bundle carrying --request-id, in time order"}
}

// Late implements bundle.Late: the timeline reads what the other collectors wrote.
func (Timeline) Late() {}

// Collect implements bundle.Collector.
func (t Timeline) Collect(ctx context.Context, env *bundle.Env, out *bundle.Sink) error {
	id := env.Config.Request.ID
	if id == "" {
		return bundle.Skip(bundle.NotApplicable, "no --request-id given")
	}
	if !requestIDPattern.MatchString(id) {
		return fmt.Errorf("request id %q: Caracal request IDs match %s", id, requestIDPattern)
	}

	req := Request{}.Info().Name
	sc := newScanner(id, t.Info().Name, req)
	if err := sc.addAuditEvents(env.Staged(), req); err != nil {
		return err
	}
	if err := sc.scanTree(ctx, env.Staged()); err != nil {
		return fmt.Errorf("scan the bundle for request %s: %w", id, err)
	}
	sort.Slice(sc.lines, func(i, j int) bool {
		a, b := sc.lines[i], sc.lines[j]
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	if err := writeTimeline(out, id, sc); err != nil {
		return err
	}
	noteStats(out, sc.stats)
	timelineFindings(env, out, id, sc)
	return nil
}

func writeTimeline(out *bundle.Sink, id string, sc *scanner) (err error) {
	w, err := out.Create("timeline.txt")
	if err != nil {
		return err
	}
	defer func() {
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriter(w)
	writeTimelineText(bw, id, sc)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", out.Path("timeline.txt"), err)
	}
	return nil
}

func writeTimelineText(w io.Writer, id string, sc *scanner) {
	fmt.Fprintf(w, "# Log lines carrying request %s, in time order (UTC)\n", id)
	if len(sc.traces) > 0 {
		fmt.Fprintf(w, "# and its audit events' trace IDs: %s\n", strings.Join(sc.traces, ", "))
	}
	fmt.Fprintf(w, "# %d lines from %d files scanned", len(sc.lines), sc.stats.Files)
	if n := len(sc.lines); n > 0 {
		fmt.Fprintf(w, "; %s to %s", stamp(sc.lines[0].Time), stamp(sc.lines[n-1].Time))
	}
	fmt.Fprintln(w)
	for _, l := range sc.lines {
		src := fmt.Sprintf("%s:%d", l.File, l.Line)
		fmt.Fprintf(w, "%s  %-5s  %s  %s\n", stamp(l.Time), orDash(l.Level), src, l.Text)
	}
	if len(sc.stats.Untimed) == 0 {
		return
	}
	fmt.Fprintln(w, "\n# Files that mention the request on lines without a timestamp")
	for _, f := range sortedKeys(sc.stats.Untimed) {
		fmt.Fprintf(w, "%s  %d lines\n", f, sc.stats.Untimed[f])
	}
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func noteStats(out *bundle.Sink, st scanStats) {
	if st.Binary > 0 {
		out.Note("%d binary files were not scanned", st.Binary)
	}
	if st.LongLines > 0 {
		out.Note("%d lines over %d KiB were skipped", st.LongLines, maxLineLen>>10)
	}
	if st.Dropped > 0 {
		out.Note("timeline cut at %d lines; %d more lines carry the request", maxLines,
			st.Dropped)
	}
}

// timelineFindings reports how much the logs say about the request, and its errors.
func timelineFindings(env *bundle.Env, out *bundle.Sink, id string, sc *scanner) {
	files := []string{out.Path("timeline.txt")}
	sources := map[string]bool{}
	var errs []logLine
	for _, l := range sc.lines {
		sources[l.File] = true
		if l.Level == "error" || l.Level == "fatal" {
			errs = append(errs, l)
		}
	}
	msg := fmt.Sprintf("%d log lines from %d files carry request %s", len(sc.lines),
		len(sources), id)
	if n := len(sc.lines); n > 0 {
		msg += fmt.Sprintf(" (%s to %s)", stamp(sc.lines[0].Time), stamp(sc.lines[n-1].Time))
	}
	finding(env, out, bundle.Finding{Stage: bundle.StageAudit, Severity: bundle.SeverityInfo,
		Code: "audit.timeline.lines", Subject: id, Files: files, Message: msg})
	if len(errs) == 0 {
		return
	}
	first := errs[0]
	finding(env, out, bundle.Finding{Stage: bundle.StageAudit, Severity: bundle.SeverityWarn,
		Code: "audit.timeline.errors", Subject: id, Files: files,
		Area: "service logs of the request",
		Message: fmt.Sprintf("%d error lines carry request %s; first at %s in %s:%d: %.200s",
			len(errs), id, stamp(first.Time), first.File, first.Line, first.Text)})
}

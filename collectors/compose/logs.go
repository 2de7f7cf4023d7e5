package compose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/caracal-tools/bundle/bundle"
)

func init() { bundle.Register(logsCollector{}) }

// logsCollector copies the logs of every container of the selected projects, one-shot
// ones included, from --since, capped like the Kubernetes logs.
type logsCollector struct{}

// Info names the collector "compose-logs", in group "compose".
func (logsCollector) Info() bundle.Info {
	return bundle.Info{Name: "compose-logs", Group: "compose",
		Description: "compose container logs since --since (capped in lines and bytes)"}
}

// logRecord is one row of logs/index.json.
type logRecord struct {
	Project   string `json:"project"`
	Service   string `json:"service"`
	Container string `json:"container"`
	File      string `json:"file,omitempty"`
	Lines     int64  `json:"lines"`
	Bytes     int64  `json:"bytes"`
	Cut       string `json:"cut,omitempty"`
	Error     string `json:"error,omitempty"`
}

// testHookBeforeLogs runs before the logs are read, in tests only.
var testHookBeforeLogs func()

// Collect writes logs/<container>.log for every selected container and
// logs/index.json. Without a Docker engine it skips.
func (logsCollector) Collect(ctx context.Context, env *bundle.Env, out *bundle.Sink) error {
	dc, list, err := selected(ctx, env)
	if err != nil {
		return err
	}
	defer func() { _ = dc.Close() }()
	if testHookBeforeLogs != nil {
		testHookBeforeLogs()
	}

	index := make([]logRecord, 0, len(list))
	seen := map[string]bool{}
	for _, c := range list {
		rec := logRecord{Project: c.Labels[labelProject], Service: c.Labels[labelService],
			Container: containerName(c)}
		seen[rec.Service] = true
		if err := copyLogs(ctx, dc, env, out, c.ID, &rec); err != nil {
			return err
		}
		index = append(index, rec)
	}
	if !seen["dbMigrate"] && !seen["replayVolumeInit"] {
		out.Note("no one-shot containers (dbMigrate, replayVolumeInit): " +
			"`caracal up` removes them after a successful start")
	}
	return out.WriteJSON("logs/index.json", index)
}

// copyLogs streams one container's log into logs/<container>.log. A container removed
// meanwhile is noted; only a canceled context or a sink failure is an error.
func copyLogs(ctx context.Context, dc *client.Client, env *bundle.Env, out *bundle.Sink,
	id string, rec *logRecord) error {
	cfg := env.Config.Kubernetes
	rc, err := dc.ContainerLogs(ctx, id, container.LogsOptions{
		ShowStdout: true, ShowStderr: true, Timestamps: true,
		Since: dockerTime(env.Since), Until: dockerTime(env.Until),
		Tail: strconv.FormatInt(cfg.Tail, 10),
	})
	if err != nil {
		return logError(ctx, out, rec, err)
	}
	defer func() { _ = rc.Close() }()

	rec.File = "logs/" + bundle.SafeName(rec.Container) + ".log"
	w, err := out.Create(rec.File)
	if err != nil {
		return err
	}
	cw := &capWriter{w: w, max: cfg.LogBytes}
	cerr := demux(ctx, dc, id, cw, rc)
	if err := w.Close(); err != nil {
		return err
	}
	rec.Lines, rec.Bytes = cw.lines, cw.n
	noteCut(out, rec, cerr, cfg.Tail, cfg.LogBytes)
	if cerr != nil && !errors.Is(cerr, errCapped) {
		return logError(ctx, out, rec, cerr)
	}
	return nil
}

// demux copies a log stream; containers without a TTY multiplex stdout and stderr.
func demux(ctx context.Context, dc *client.Client, id string, w io.Writer,
	r io.Reader) error {
	ins, err := dc.ContainerInspect(ctx, id)
	if err == nil && ins.Config != nil && ins.Config.Tty {
		_, err = io.Copy(w, r)
		return err
	}
	_, err = stdcopy.StdCopy(w, w, r)
	return err
}

func noteCut(out *bundle.Sink, rec *logRecord, err error, tail, max int64) {
	switch {
	case errors.Is(err, errCapped):
		rec.Cut = fmt.Sprintf("cut at %d bytes", max)
		out.Note("log of container %s cut at %s", rec.Container, sizeString(max))
	case rec.Lines >= tail:
		rec.Cut = fmt.Sprintf("last %d lines", tail)
		out.Note("log of container %s limited to its last %d lines", rec.Container, tail)
	}
}

// logError records a failed log read. A container that vanished is a note; other
// failures mark the collector partial; a canceled context ends it.
func logError(ctx context.Context, out *bundle.Sink, rec *logRecord, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("read logs of container %s: %w", rec.Container, ctx.Err())
	}
	rec.Error = oneLine(err.Error())
	if client.IsErrNotFound(err) {
		out.Note("container %s was removed during collection; its log is gone",
			rec.Container)
		return nil
	}
	out.Partial("read logs of container %s: %s", rec.Container, rec.Error)
	return nil
}

// dockerTime formats t as the engine's since/until parameters expect.
func dockerTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond())
}

func sizeString(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

package kube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/caracal-tools/bundle/bundle"
)

// read streams one log from the API server straight into a bundle file, so that no log
// is ever held whole in memory, and notes every cap that cut it.
func (r *logReader) read(ctx context.Context, j *logJob) {
	k := r.env.Config.Kubernetes
	opts := &corev1.PodLogOptions{
		Container: j.Container, Previous: j.Previous,
		SinceTime:  &metav1.Time{Time: r.env.Since},
		TailLines:  &k.Tail,
		LimitBytes: &k.LogBytes,
	}
	what := fmt.Sprintf("pod %s/%s container %s", r.c.Namespace, j.Pod, j.Container)
	if j.Previous {
		what = "previous " + what
	}

	ctx, cancel := context.WithTimeout(ctx, streamTimeout)
	defer cancel()
	stream, err := r.c.Clientset.CoreV1().Pods(r.c.Namespace).GetLogs(j.Pod, opts).Stream(ctx)
	if err != nil {
		r.failed(j, what, err)
		return
	}
	defer func() { _ = stream.Close() }()
	r.acc.ok()

	name := bundle.SafeName(j.Pod) + "/" + bundle.SafeName(j.Container) + ".log"
	if j.Previous {
		name = bundle.SafeName(j.Pod) + "/" + bundle.SafeName(j.Container) + ".previous.log"
	}
	if err := r.copy(name, stream, j); err != nil {
		j.Error = err.Error()
		r.out.Partial("read log of %s: %v", what, err)
		return
	}
	j.File = name
	r.noteCuts(j, what)
}

// copy writes the stream into the bundle file name, counting bytes and lines.
func (r *logReader) copy(name string, src io.Reader, j *logJob) error {
	w, err := r.out.Create(name)
	if err != nil {
		return err
	}
	cw := &countWriter{w: w}
	_, err = io.Copy(cw, src)
	j.Bytes, j.Lines = cw.n, cw.lines
	return errors.Join(err, w.Close())
}

// failed records why a log could not be opened. A refusal names the permission; a
// container that has not started (or has no previous instance) is noted, not an error.
func (r *logReader) failed(j *logJob, what string, err error) {
	j.Error = err.Error()
	switch {
	case r.acc.refused(err, "get", "pods/log"):
	case apierrors.IsBadRequest(err) || apierrors.IsNotFound(err):
		r.out.Note("no log for %s: %v", what, err)
	default:
		r.out.Partial("read log of %s: %v", what, err)
	}
}

// noteCuts notes in the manifest each cap that cut the log.
func (r *logReader) noteCuts(j *logJob, what string) {
	k := r.env.Config.Kubernetes
	if j.Bytes >= k.LogBytes {
		j.Cut = append(j.Cut, "bytes")
		r.out.Note("log of %s cut at %s (logBytes)", what, sizeText(k.LogBytes))
	}
	if j.Lines >= k.Tail {
		j.Cut = append(j.Cut, "tail")
		r.out.Note("log of %s cut to its last %d lines (tail)", what, k.Tail)
	}
	if !j.started.IsZero() && j.started.Before(r.env.Since) {
		j.Cut = append(j.Cut, "since")
		r.out.Note("log of %s starts at %s (since); the container started at %s",
			what, r.env.Since.UTC().Format(timeFormat), j.started.UTC().Format(timeFormat))
	}
}

func sizeText(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// countWriter counts the bytes and lines written through it.
type countWriter struct {
	w        io.Writer
	n, lines int64
}

// Write passes p on to the underlying writer and counts what it took.
func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.lines += int64(bytes.Count(p[:n], []byte{'\n'}))
	return n, err
}

package kube

import (
	"context"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/caracal-tools/bundle/bundle"
)

func init() { bundle.Register(logs{}) }

// logWorkers bounds how many log streams are read at once. Eight parallel streams keep
// an API server and its kubelets busy without queueing behind API Priority and Fairness;
// on the test bed sixteen were no faster and used more memory.
const logWorkers = 8

// streamTimeout bounds one log stream, so that one unreachable kubelet cannot hold a
// worker until the collector's own timeout.
const streamTimeout = time.Minute

// logs streams the current log of every container of the selected pods and migration
// job pods, and the previous log of every container that restarted.
type logs struct{}

// Info implements bundle.Collector.
func (logs) Info() bundle.Info {
	return bundle.Info{
		Name: "kube-logs", Group: "kubernetes",
		Description: "current and previous container logs of Caracal's pods and migration jobs",
	}
}

// logJob is one log stream to read.
type logJob struct {
	Pod       string `json:"pod"`
	Container string `json:"container"`
	Previous  bool   `json:"previous,omitempty"`
	File      string `json:"file,omitempty"`
	Bytes     int64  `json:"bytes"`
	Lines     int64  `json:"lines"`
	// Cut lists the caps that cut this log; Error why it could not be read.
	Cut   []string `json:"cut,omitempty"`
	Error string   `json:"error,omitempty"`

	started time.Time // when the container (or the previous one) started
}

// Collect implements bundle.Collector.
func (logs) Collect(ctx context.Context, env *bundle.Env, out *bundle.Sink) error {
	c, err := connect(ctx, env)
	if err != nil {
		return err
	}
	acc := newAccess(c.Namespace)
	pods, err := c.selectedPods(ctx, acc)
	if err != nil {
		return err
	}
	if len(pods) == 0 {
		if err := acc.finish(out); err != nil {
			return err
		}
		return bundle.Skip(bundle.NotFound, "no pods match %q in namespace %s",
			c.Selector, c.Namespace)
	}

	if env.Start.Sub(env.Until) > time.Minute {
		out.Note("logs run from %s to the time of collection: the log API cannot stop at %s",
			env.Since.UTC().Format(timeFormat), env.Until.UTC().Format(timeFormat))
	}
	jobs := logJobs(pods)
	env.Logger.Debug("reading pod logs", "namespace", c.Namespace, "pods", len(pods),
		"streams", len(jobs), "workers", logWorkers)
	// Log reads have their own record: when every one is refused the collector is
	// skipped as forbidden, even though listing the pods was allowed.
	streams := newAccess(c.Namespace)
	r := &logReader{c: c, env: env, out: out, acc: streams}
	r.run(ctx, jobs)
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := out.WriteJSON("index.json", jobs); err != nil {
		return err
	}
	if err := streams.finish(out); err != nil {
		return err
	}
	return acc.finish(out)
}

// logJobs lists the streams to read: every container's current log, and its previous
// log when it restarted.
func logJobs(pods []corev1.Pod) []*logJob {
	var jobs []*logJob
	for i := range pods {
		p := &pods[i]
		status := map[string]corev1.ContainerStatus{}
		for _, cs := range append(p.Status.InitContainerStatuses, p.Status.ContainerStatuses...) {
			status[cs.Name] = cs
		}
		containers := append(append([]corev1.Container{}, p.Spec.InitContainers...),
			p.Spec.Containers...)
		for _, ct := range containers {
			cs, known := status[ct.Name]
			if !known && isInit(p, ct.Name) {
				continue
			}
			jobs = append(jobs, &logJob{Pod: p.Name, Container: ct.Name, started: started(cs)})
			if last := cs.LastTerminationState.Terminated; last != nil || cs.RestartCount > 0 {
				j := &logJob{Pod: p.Name, Container: ct.Name, Previous: true}
				if last != nil {
					j.started = last.StartedAt.Time
				}
				jobs = append(jobs, j)
			}
		}
	}
	return jobs
}

func isInit(p *corev1.Pod, name string) bool {
	for _, c := range p.Spec.InitContainers {
		if c.Name == name {
			return true
		}
	}
	return false
}

func started(cs corev1.ContainerStatus) time.Time {
	switch {
	case cs.State.Running != nil:
		return cs.State.Running.StartedAt.Time
	case cs.State.Terminated != nil:
		return cs.State.Terminated.StartedAt.Time
	default:
		return time.Time{}
	}
}

// logReader reads log jobs with bounded concurrency.
type logReader struct {
	c   *Client
	env *bundle.Env
	out *bundle.Sink
	acc *access
}

func (r *logReader) run(ctx context.Context, jobs []*logJob) {
	sem := make(chan struct{}, logWorkers)
	var wg sync.WaitGroup
	for _, j := range jobs {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			r.read(ctx, j)
		}()
	}
	wg.Wait()
	sort.SliceStable(jobs, func(a, b int) bool { return jobs[a].File < jobs[b].File })
}

package kube

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/caracal-tools/bundle/bundle"
)

// podReport is the readiness of one pod as written to readiness/pods.json.
type podReport struct {
	Name          string            `json:"name"`
	Component     string            `json:"component,omitempty"`
	Job           string            `json:"job,omitempty"`
	Phase         string            `json:"phase"`
	Status        string            `json:"status"`
	Ready         string            `json:"ready"`
	Restarts      int32             `json:"restarts"`
	Node          string            `json:"node,omitempty"`
	Created       time.Time         `json:"created"`
	Conditions    []conditionReport `json:"conditions,omitempty"`
	Containers    []containerReport `json:"containers"`
	ProbeFailures []probeReport     `json:"probeFailures,omitempty"`

	ready bool
	area  string
}

type conditionReport struct {
	Type    string    `json:"type"`
	Status  string    `json:"status"`
	Reason  string    `json:"reason,omitempty"`
	Message string    `json:"message,omitempty"`
	Since   time.Time `json:"since,omitzero"`
}

type containerReport struct {
	Name         string `json:"name"`
	Image        string `json:"image"`
	Ready        bool   `json:"ready"`
	RestartCount int32  `json:"restartCount"`
	State        string `json:"state"`
	LastState    string `json:"lastState,omitempty"`
	// LastReason and LastExitCode describe the last termination, if any.
	LastReason   string `json:"lastReason,omitempty"`
	LastExitCode *int32 `json:"lastExitCode,omitempty"`
	waiting      string
}

type probeReport struct {
	Message string    `json:"message"`
	Count   int32     `json:"count"`
	Last    time.Time `json:"last"`
}

func podReports(pods []corev1.Pod, probes []corev1.Event) []podReport {
	byPod := map[string][]probeReport{}
	for _, e := range probes {
		if e.InvolvedObject.Kind != "Pod" {
			continue
		}
		byPod[e.InvolvedObject.Name] = append(byPod[e.InvolvedObject.Name], probeReport{
			Message: e.Message, Count: max(e.Count, 1), Last: eventTime(&e),
		})
	}
	out := make([]podReport, 0, len(pods))
	for i := range pods {
		r := podReportOf(&pods[i])
		r.ProbeFailures = byPod[r.Name]
		sort.Slice(r.ProbeFailures, func(a, b int) bool {
			return r.ProbeFailures[a].Last.Before(r.ProbeFailures[b].Last)
		})
		out = append(out, r)
	}
	return out
}

func podReportOf(p *corev1.Pod) podReport {
	r := podReport{
		Name: p.Name, Component: p.Labels[labelComponent], Phase: string(p.Status.Phase),
		Status: podStatus(p), Ready: readyCount(p), Restarts: restarts(p),
		Node: p.Spec.NodeName, Created: p.CreationTimestamp.UTC(),
		ready: podReady(p), area: area(p.Labels),
	}
	for _, o := range p.OwnerReferences {
		if o.Kind == "Job" {
			r.Job = o.Name
		}
	}
	for _, c := range p.Status.Conditions {
		r.Conditions = append(r.Conditions, conditionReport{
			Type: string(c.Type), Status: string(c.Status), Reason: c.Reason,
			Message: c.Message, Since: c.LastTransitionTime.UTC(),
		})
	}
	for _, cs := range p.Status.ContainerStatuses {
		r.Containers = append(r.Containers, containerReportOf(cs))
	}
	return r
}

func containerReportOf(cs corev1.ContainerStatus) containerReport {
	c := containerReport{
		Name: cs.Name, Image: cs.Image, Ready: cs.Ready, RestartCount: cs.RestartCount,
		State: stateText(cs.State),
	}
	if cs.State.Waiting != nil {
		c.waiting = cs.State.Waiting.Reason
	}
	if t := cs.LastTerminationState.Terminated; t != nil {
		c.LastState = stateText(cs.LastTerminationState)
		c.LastReason = t.Reason
		code := t.ExitCode
		c.LastExitCode = &code
	}
	return c
}

// reportPods turns abnormal pod states into findings.
func reportPods(out *bundle.Sink, ns string, pods []podReport) {
	files := []string{out.Path("status.txt"), out.Path("pods.json")}
	for _, p := range pods {
		subject := ns + "/" + p.Name
		add := func(st bundle.Stage, sev bundle.Severity, code, format string, args ...any) {
			out.Finding(bundle.Finding{
				Stage: st, Severity: sev, Code: code, Subject: subject, Area: p.area,
				Message: fmt.Sprintf(format, args...), Files: files,
			})
		}
		if p.Job != "" {
			continue // judged through its Job
		}
		reportContainers(add, p)
		switch {
		case p.Phase == string(corev1.PodFailed):
			add(bundle.StageService, bundle.SeverityFail, "kube.pod.failed",
				"pod %s failed: %s", p.Name, p.Status)
		case !p.ready && p.Phase != string(corev1.PodSucceeded):
			add(bundle.StageReadiness, bundle.SeverityWarn, "kube.pod.not_ready",
				"pod %s is not ready (%s, %s containers ready)", p.Name, p.Status, p.Ready)
		}
		if n, last := probeTotal(p.ProbeFailures); n > 0 {
			add(bundle.StageReadiness, bundle.SeverityWarn, "kube.probe.failed",
				"%d probe failures on pod %s, last: %s", n, p.Name, last)
		}
	}
}

type addFunc func(bundle.Stage, bundle.Severity, string, string, ...any)

func reportContainers(add addFunc, p podReport) {
	for _, c := range p.Containers {
		switch c.waiting {
		case "CrashLoopBackOff":
			add(bundle.StageService, bundle.SeverityFail, "kube.pod.crash_loop",
				"container %s of pod %s is crash-looping (%d restarts, last: %s)",
				c.Name, p.Name, c.RestartCount, lastText(c))
			continue
		case "ImagePullBackOff", "ErrImagePull", "InvalidImageName":
			add(bundle.StageService, bundle.SeverityFail, "kube.pod.image_pull",
				"container %s of pod %s cannot pull image %s (%s)",
				c.Name, p.Name, c.Image, c.waiting)
			continue
		case "CreateContainerConfigError":
			add(bundle.StageService, bundle.SeverityFail, "kube.pod.config_error",
				"container %s of pod %s cannot start: %s (a Secret or ConfigMap key is "+
					"likely missing)", c.Name, p.Name, c.waiting)
			continue
		}
		if c.RestartCount > 0 {
			code := "kube.pod.restarted"
			if c.LastReason == "OOMKilled" {
				code = "kube.pod.oom_killed"
			}
			add(bundle.StageService, bundle.SeverityWarn, code,
				"container %s of pod %s restarted %d times, last: %s",
				c.Name, p.Name, c.RestartCount, lastText(c))
		}
	}
}

func lastText(c containerReport) string {
	if c.LastExitCode == nil {
		return "no termination recorded"
	}
	return fmt.Sprintf("%s, exit code %d", strings.TrimSpace(c.LastReason), *c.LastExitCode)
}

func probeTotal(ps []probeReport) (int32, string) {
	var n int32
	last := ""
	for _, p := range ps {
		n += p.Count
		last = p.Message
	}
	return n, last
}

// eventTime is the most recent time an event was seen.
func eventTime(e *corev1.Event) time.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.UTC()
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.UTC()
	case !e.EventTime.IsZero():
		return e.EventTime.UTC()
	case !e.FirstTimestamp.IsZero():
		return e.FirstTimestamp.UTC()
	default:
		return e.CreationTimestamp.UTC()
	}
}

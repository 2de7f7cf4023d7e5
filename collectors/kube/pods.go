package kube

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Chart label keys.
const (
	labelComponent = "app.kubernetes.io/component"
	labelInstance  = "app.kubernetes.io/instance"
)

// selectedPods lists the pods matching the selector plus the release's migration job
// pods, sorted by name. A refused list is recorded in acc and yields no pods.
func (c *Client) selectedPods(ctx context.Context, acc *access) ([]corev1.Pod, error) {
	selectors := []string{c.Selector, migrationSelector(c.Release)}
	seen := map[string]bool{}
	var pods []corev1.Pod
	for _, sel := range selectors {
		list, err := c.Clientset.CoreV1().Pods(c.Namespace).List(ctx, metav1.ListOptions{
			LabelSelector: sel,
		})
		if acc.refused(err, "list", "pods") {
			return nil, nil
		}
		if err != nil {
			return nil, listErr("pods", c.Namespace, err)
		}
		acc.ok()
		for _, p := range list.Items {
			if !seen[p.Name] {
				seen[p.Name] = true
				pods = append(pods, p)
			}
		}
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	return pods, nil
}

// migrationSelector selects the chart's migration job pods.
func migrationSelector(release string) string {
	return labelInstance + "=" + release + "," + labelComponent + " in (migrate,auth-migrate)"
}

// area names the part of Caracal an object belongs to, from its component label.
func area(labels map[string]string) string {
	switch c := labels[labelComponent]; c {
	case "migrate", "auth-migrate":
		return "migrations"
	default:
		return c
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podStatus is the STATUS column of `kubectl get pods`.
func podStatus(p *corev1.Pod) string {
	if p.DeletionTimestamp != nil {
		return "Terminating"
	}
	status := string(p.Status.Phase)
	if p.Status.Reason != "" {
		status = p.Status.Reason
	}
	for _, cs := range p.Status.ContainerStatuses {
		switch {
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
			return cs.State.Waiting.Reason
		case cs.State.Terminated != nil && cs.State.Terminated.Reason != "":
			status = cs.State.Terminated.Reason
		}
	}
	return status
}

// readyCount is the READY column ("1/2").
func readyCount(p *corev1.Pod) string {
	ready := 0
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Ready {
			ready++
		}
	}
	return fmt.Sprintf("%d/%d", ready, len(p.Spec.Containers))
}

func restarts(p *corev1.Pod) int32 {
	var n int32
	for _, cs := range p.Status.ContainerStatuses {
		n += cs.RestartCount
	}
	return n
}

// stateText describes a container state in one line.
func stateText(s corev1.ContainerState) string {
	switch {
	case s.Running != nil:
		return "Running since " + s.Running.StartedAt.UTC().Format(timeFormat)
	case s.Waiting != nil:
		return strings.TrimSpace("Waiting " + s.Waiting.Reason + " " + s.Waiting.Message)
	case s.Terminated != nil:
		t := s.Terminated
		return fmt.Sprintf("Terminated %s (exit code %d) at %s", t.Reason, t.ExitCode,
			t.FinishedAt.UTC().Format(timeFormat))
	default:
		return "unknown"
	}
}

// timeFormat is how times are written in text files.
const timeFormat = "2006-01-02T15:04:05Z"

package testbed

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
)

var logsGVR = schema.GroupVersionResource{
	Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "logs",
}

var nonName = regexp.MustCompile(`[^a-z0-9-]+`)

// Namespace creates a fresh namespace for the calling test and returns its name.
// Namespaces are not deleted: without a controller manager they would stay Terminating.
func (c *Cluster) Namespace(t testing.TB) string {
	t.Helper()
	name := nonName.ReplaceAllString(strings.ToLower(t.Name()), "-")
	name = strings.Trim(name, "-")
	if len(name) > 40 {
		name = strings.Trim(name[:40], "-")
	}
	name += "-" + randomToken()[:6]
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	_, err := c.Client.CoreV1().Namespaces().Create(ctx(t), ns, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("testbed: create namespace %s: %v", name, err)
	}
	return name
}

// WriteCRILog writes lines as a container log file in CRI format (one stdout line each,
// one millisecond apart, ending now) and returns its path. Files can be shared by pods.
func WriteCRILog(t testing.TB, lines []string) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "cri-*.log")
	if err != nil {
		t.Fatalf("testbed: create log file: %v", err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	at := time.Now().UTC().Add(-time.Duration(len(lines)) * time.Millisecond)
	for i, l := range lines {
		ts := at.Add(time.Duration(i) * time.Millisecond).Format("2006-01-02T15:04:05.000000000Z")
		if _, err := fmt.Fprintf(w, "%s stdout F %s\n", ts, l); err != nil {
			t.Fatalf("testbed: write log file: %v", err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatalf("testbed: write log file: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("testbed: close log file: %v", err)
	}
	return f.Name()
}

// LogFiles are the CRI log files kwok serves for one container; Previous may be empty.
type LogFiles struct {
	Current, Previous string
}

// SetLogs makes kwok serve the given log files for the pod's containers, by container
// name, through the real pod log API.
func (c *Cluster) SetLogs(t testing.TB, ns, pod string, files map[string]LogFiles) {
	t.Helper()
	var logs []any
	for container, f := range files {
		l := map[string]any{
			"containers": []any{container},
			"logsFile":   mustAbs(t, f.Current),
			"follow":     false,
		}
		if f.Previous != "" {
			l["previousLogsFile"] = mustAbs(t, f.Previous)
		}
		logs = append(logs, l)
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1",
		"kind":       "Logs",
		"metadata":   map[string]any{"name": pod, "namespace": ns},
		"spec":       map[string]any{"logs": logs},
	}}
	_, err := c.Dynamic.Resource(logsGVR).Namespace(ns).Create(ctx(t), obj, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("testbed: create logs of pod %s/%s: %v", ns, pod, err)
	}
}

func mustAbs(t testing.TB, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatalf("testbed: log file %s: %v", p, err)
	}
	return a
}

// CreatePod creates pod on the fake node (spec.nodeName is set) and returns it.
func (c *Cluster) CreatePod(t testing.TB, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	pod = pod.DeepCopy()
	pod.Spec.NodeName = c.Node
	out, err := c.Client.CoreV1().Pods(pod.Namespace).Create(ctx(t), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("testbed: create pod %s/%s: %v", pod.Namespace, pod.Name, err)
	}
	return out
}

// WaitPodsReady waits until at least n pods in ns matching selector are Ready.
func (c *Cluster) WaitPodsReady(t testing.TB, ns, selector string, n int) {
	t.Helper()
	err := wait.PollUntilContextTimeout(ctx(t), 200*time.Millisecond, 2*time.Minute, true,
		func(ctx context.Context) (bool, error) {
			pods, err := c.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{
				LabelSelector: selector,
			})
			if err != nil {
				return false, nil
			}
			return countReady(pods.Items) >= n, nil
		})
	if err != nil {
		t.Fatalf("testbed: %d pods %q in %s not ready: %v", n, selector, ns, err)
	}
}

func countReady(pods []corev1.Pod) int {
	n := 0
	for _, p := range pods {
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue {
				n++
			}
		}
	}
	return n
}

// WaitLogs waits until the container's current log is served through the API server.
func (c *Cluster) WaitLogs(t testing.TB, ns, pod, container string) {
	t.Helper()
	opts := &corev1.PodLogOptions{Container: container, LimitBytes: ptr(int64(1))}
	err := wait.PollUntilContextTimeout(ctx(t), 100*time.Millisecond, time.Minute, true,
		func(ctx context.Context) (bool, error) {
			b, err := c.Client.CoreV1().Pods(ns).GetLogs(pod, opts).DoRaw(ctx)
			return err == nil && len(b) > 0, nil
		})
	if err != nil {
		t.Fatalf("testbed: logs of %s/%s %s not served: %v", ns, pod, container, err)
	}
}

func ptr[T any](v T) *T { return &v }

// ctx returns a context that ends with the test.
func ctx(t testing.TB) context.Context { return t.Context() }

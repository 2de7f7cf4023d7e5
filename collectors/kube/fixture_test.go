package kube

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/internal/testbed"
)

func TestMain(m *testing.M) { os.Exit(testbed.KubeMain(m)) }

// Secrets planted in fixtures; none of them may reach a bundle.
const (
	plantedJWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." +
		"eyJzdWIiOiJvcGVyYXRvciJ9.c2lnbmF0dXJlX3NlY3JldA"
	plantedPassword = "hunter2-Sup3rSecret"
	plantedSecret   = "s3cr3t-value-in-a-Secret"
)

// secretLogLines are log lines with tokens a support bundle must not carry.
func secretLogLines(service string, n int) []string {
	lines := make([]string, 0, n)
	for i := range n {
		switch i % 5 {
		case 1:
			lines = append(lines, `{"level":"info","msg":"upstream call","service":"`+service+
				`","authorization":"Bearer `+plantedJWT+`"}`)
		case 3:
			lines = append(lines, "connecting with password="+plantedPassword)
		default:
			lines = append(lines, `{"level":"info","msg":"request served","service":"`+
				service+`","n":`+strconv.Itoa(i)+`}`)
		}
	}
	return lines
}

// kubeCfg is the collector configuration for a test namespace, as the admin.
func kubeCfg(cl *testbed.Cluster, ns string) config.Config {
	return config.Config{Kubernetes: config.Kubernetes{
		Kubeconfig: cl.Kubeconfig, Namespace: ns, Release: "caracal",
	}}
}

// caracalPod is a pod labelled as the chart labels them.
func caracalPod(ns, name, component string, containers ...string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Name: name, Namespace: ns,
		Labels: map[string]string{
			"app.kubernetes.io/name":      "caracal",
			"app.kubernetes.io/instance":  "caracal",
			"app.kubernetes.io/component": component,
		},
	}}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{
			Name: c, Image: "ghcr.io/garudex-labs/caracal-go:v1.0.0",
		})
	}
	return p
}

// restartPod marks a ready pod's first container as restarted after a crash, the way
// the kubelet would.
func restartPod(t *testing.T, cl *testbed.Cluster, ns, name string) {
	t.Helper()
	ctx := t.Context()
	pods := cl.Client.CoreV1().Pods(ns)
	p, err := pods.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get pod %s: %v", name, err)
	}
	now := metav1.NewTime(time.Now().Add(-time.Minute))
	cs := &p.Status.ContainerStatuses[0]
	cs.RestartCount = 3
	cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: 137, Reason: "OOMKilled", StartedAt: now, FinishedAt: now,
	}}
	if _, err := pods.UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update pod %s status: %v", name, err)
	}
}

// crashLoop marks a ready pod's first container as crash-looping and the pod not ready.
func crashLoop(t *testing.T, cl *testbed.Cluster, ns, name string) {
	t.Helper()
	pods := cl.Client.CoreV1().Pods(ns)
	p, err := pods.Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get pod %s: %v", name, err)
	}
	at := metav1.NewTime(time.Now().Add(-30 * time.Second))
	for i := range p.Status.Conditions {
		if c := &p.Status.Conditions[i]; c.Type == corev1.PodReady {
			c.Status = corev1.ConditionFalse
		}
	}
	cs := &p.Status.ContainerStatuses[0]
	cs.Ready, cs.RestartCount = false, 5
	cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
		Reason: "CrashLoopBackOff", Message: "back-off 2m40s restarting failed container",
	}}
	cs.LastTerminationState = corev1.ContainerState{
		Terminated: &corev1.ContainerStateTerminated{
			ExitCode: 1, Reason: "Error", StartedAt: at, FinishedAt: at,
		},
	}
	if _, err := pods.UpdateStatus(t.Context(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update pod %s status: %v", name, err)
	}
}

// createEvent records an event about a pod.
func createEvent(t *testing.T, cl *testbed.Cluster, ns, pod, reason, msg string) {
	t.Helper()
	now := metav1.Now()
	ev := &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{GenerateName: pod + ".", Namespace: ns},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: pod, Namespace: ns},
		Reason:         reason, Message: msg, Type: corev1.EventTypeWarning, Count: 4,
		FirstTimestamp: now, LastTimestamp: now,
		Source: corev1.EventSource{Component: "kubelet"},
	}
	_, err := cl.Client.CoreV1().Events(ns).Create(t.Context(), ev, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create event: %v", err)
	}
}

// assertNoLeak fails when any planted secret appears in text.
func assertNoLeak(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{plantedJWT, plantedPassword, plantedSecret} {
		if strings.Contains(text, s) {
			t.Errorf("bundle contains planted secret %q", s[:8]+"...")
		}
	}
}

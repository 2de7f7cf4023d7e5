package kube

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/caracal-tools/bundle/bundle"
)

func init() { bundle.Register(readiness{}) }

// readiness reports pods, workloads and rollouts as `kubectl get` and `kubectl rollout
// status` would, with a finding for every abnormal state.
type readiness struct{}

// Info implements bundle.Collector.
func (readiness) Info() bundle.Info {
	return bundle.Info{
		Name: "kube-readiness", Group: "kubernetes",
		Description: "pods, containers, probe failures, workloads and rollout status",
	}
}

// readinessState is everything the readiness collector read.
type readinessState struct {
	Pods         []corev1.Pod
	Probes       []corev1.Event
	Deployments  []appsv1.Deployment
	StatefulSets []appsv1.StatefulSet
	Jobs         []batchv1.Job
}

// Collect implements bundle.Collector.
func (readiness) Collect(ctx context.Context, env *bundle.Env, out *bundle.Sink) error {
	c, err := connect(ctx, env)
	if err != nil {
		return err
	}
	acc := newAccess(c.Namespace)
	st, err := c.readReadiness(ctx, acc)
	if err != nil {
		return err
	}
	if len(st.Pods)+len(st.Deployments)+len(st.StatefulSets) == 0 && len(acc.missing()) == 0 {
		return bundle.Skip(bundle.NotFound, "no pods match %q and no workloads in namespace %s",
			c.Selector, c.Namespace)
	}

	pods := podReports(st.Pods, st.Probes)
	workloads := workloadReports(st)
	if err := writeReadiness(out, pods, workloads); err != nil {
		return err
	}
	reportPods(out, c.Namespace, pods)
	reportWorkloads(out, c.Namespace, workloads)
	return acc.finish(out)
}

func (c *Client) readReadiness(ctx context.Context, acc *access) (*readinessState, error) {
	st := &readinessState{}
	var err error
	if st.Pods, err = c.selectedPods(ctx, acc); err != nil {
		return nil, err
	}
	if st.Probes, err = c.probeEvents(ctx, acc); err != nil {
		return nil, err
	}
	apps := c.Clientset.AppsV1()
	ns := c.Namespace
	opts := metav1.ListOptions{}
	if l, err := apps.Deployments(ns).List(ctx, opts); err == nil {
		acc.ok()
		st.Deployments = l.Items
	} else if !acc.refused(err, "list", "deployments.apps") {
		return nil, listErr("deployments", ns, err)
	}
	if l, err := apps.StatefulSets(ns).List(ctx, opts); err == nil {
		acc.ok()
		st.StatefulSets = l.Items
	} else if !acc.refused(err, "list", "statefulsets.apps") {
		return nil, listErr("statefulsets", ns, err)
	}
	if l, err := c.Clientset.BatchV1().Jobs(ns).List(ctx, opts); err == nil {
		acc.ok()
		st.Jobs = l.Items
	} else if !acc.refused(err, "list", "jobs.batch") {
		return nil, listErr("jobs", ns, err)
	}
	return st, nil
}

// probeEvents lists the probe-failure events of the namespace.
func (c *Client) probeEvents(ctx context.Context, acc *access) ([]corev1.Event, error) {
	l, err := c.Clientset.CoreV1().Events(c.Namespace).List(ctx, metav1.ListOptions{
		FieldSelector: "reason=Unhealthy",
	})
	if acc.refused(err, "list", "events") {
		return nil, nil
	}
	if err != nil {
		return nil, listErr("events", c.Namespace, err)
	}
	acc.ok()
	return l.Items, nil
}

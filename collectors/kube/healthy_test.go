package kube

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/internal/testbed"
)

// TestHealthyHasNoWarnings runs every collector on a healthy release: ready pods that
// never restarted, a rolled-out Deployment, a deployed Helm release. No finding may be
// a warning or a failure.
func TestHealthyHasNoWarnings(t *testing.T) {
	cl := testbed.Kube(t)
	ns := cl.Namespace(t)
	installRelease(t, cl, ns)
	markRolledOut(t, cl, ns, "caracal-caracal-api")
	logFile := testbed.WriteCRILog(t, []string{`{"level":"info","msg":"ready"}`})
	for _, name := range []string{"caracal-caracal-api-1", "caracal-caracal-api-2"} {
		cl.CreatePod(t, caracalPod(ns, name, "api", "api"))
		cl.SetLogs(t, ns, name, map[string]testbed.LogFiles{"api": {Current: logFile}})
	}
	cl.WaitPodsReady(t, ns, ReleaseSelector("caracal"), 2)

	for _, c := range allCollectors {
		t.Run(c.Info().Name, func(t *testing.T) {
			res := bundletest.Run(t, c, kubeCfg(cl, ns))
			if res.Record.Status != bundle.StatusOK {
				t.Fatalf("status %s: %s", res.Record.Status, res.Record.Reason)
			}
			for _, f := range res.Findings {
				if f.Severity != bundle.SeverityInfo {
					t.Errorf("finding on a healthy release: %+v", f)
				}
			}
		})
	}
}

// markRolledOut sets a Deployment's status as its controller would after a rollout.
func markRolledOut(t *testing.T, cl *testbed.Cluster, ns, name string) {
	t.Helper()
	deps := cl.Client.AppsV1().Deployments(ns)
	d, err := deps.Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get deployment: %v", err)
	}
	n := *d.Spec.Replicas
	d.Status = appsv1.DeploymentStatus{
		ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n,
		ReadyReplicas: n, AvailableReplicas: n,
	}
	if _, err := deps.UpdateStatus(t.Context(), d, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update deployment status: %v", err)
	}
}

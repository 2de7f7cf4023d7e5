package kube

import (
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/internal/testbed"
)

// createRevisions adds two ReplicaSet revisions of the chart's api Deployment whose
// checksum/secret differ, as a rollout after a Secret change leaves them (the test bed
// has no controller manager to make them).
func createRevisions(t *testing.T, cl *testbed.Cluster, ns string) {
	t.Helper()
	ctx := t.Context()
	apps := cl.Client.AppsV1()
	d, err := apps.Deployments(ns).Get(ctx, "caracal-caracal-api", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get deployment: %v", err)
	}
	for rev, sum := range []string{"aaaa1111", "bbbb2222"} {
		rs := &appsv1.ReplicaSet{
			ObjectMeta: metav1.ObjectMeta{
				Name: fmt.Sprintf("%s-%d", d.Name, rev+1), Namespace: ns, Labels: d.Labels,
				Annotations: map[string]string{
					"deployment.kubernetes.io/revision": fmt.Sprint(rev + 1),
				},
				OwnerReferences: []metav1.OwnerReference{{
					APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID,
				}},
			},
			Spec: appsv1.ReplicaSetSpec{Selector: d.Spec.Selector, Template: d.Spec.Template},
		}
		rs.Spec.Template.Annotations = map[string]string{"checksum/secret": sum}
		if _, err := apps.ReplicaSets(ns).Create(ctx, rs, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create replicaset: %v", err)
		}
	}
}

// createSTSRevisions adds two ControllerRevisions of a StatefulSet whose pod template's
// checksum/secret differ.
func createSTSRevisions(t *testing.T, cl *testbed.Cluster, ns string) {
	t.Helper()
	for rev, sum := range []string{"cccc3333", "dddd4444"} {
		cr := &appsv1.ControllerRevision{
			ObjectMeta: metav1.ObjectMeta{
				Name: fmt.Sprintf("caracal-caracal-sts-%d", rev+1), Namespace: ns,
				OwnerReferences: []metav1.OwnerReference{{
					APIVersion: "apps/v1", Kind: "StatefulSet", Name: "caracal-caracal-sts",
					UID: "00000000-0000-0000-0000-000000000001",
				}},
			},
			Revision: int64(rev + 1),
			Data: runtime.RawExtension{Raw: []byte(`{"spec":{"template":{"metadata":` +
				`{"annotations":{"checksum/secret":"` + sum + `"}}},"$patch":"replace"}}`)},
		}
		_, err := cl.Client.AppsV1().ControllerRevisions(ns).Create(t.Context(), cr,
			metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("create controllerrevision: %v", err)
		}
	}
}

func TestCollectorsOnRelease(t *testing.T) {
	cl := testbed.Kube(t)
	s := seedRelease(t, cl)
	installRelease(t, cl, s.ns)
	createRevisions(t, cl, s.ns)
	createSTSRevisions(t, cl, s.ns)
	cfg := kubeCfg(cl, s.ns)

	tests := []struct {
		name     string
		c        bundle.Collector
		files    map[string][]string // file → substrings it must hold
		absent   []string
		findings []string
	}{
		{
			name: "objects", c: objects{},
			files: map[string][]string{
				"pods.yaml":        {s.sts, s.api},
				"deployments.yaml": {"caracal-caracal-api", "GITHUB_CLIENT_SECRET"},
				"configmaps.yaml":  {"caracal-caracal-settings", "logLevel"},
				"jobs.yaml":        {s.migrationJob},
				"counts.json":      {`"pods": 4`},
			},
			absent: []string{"secrets.yaml"},
		},
		{
			name: "events", c: events{},
			files: map[string][]string{
				"events.txt":                 {"Unhealthy", "BackOff", "Pod/" + s.api},
				"describe/" + s.sts + ".txt": {"Readiness probe failed", "Restart Count"},
				"describe/" + s.api + ".txt": {"OOMKilled", "Back-off restarting"},
			},
		},
		{
			name: "versions", c: versions{},
			files: map[string][]string{
				"versions.txt":  {"v1.36.3", "caracal-1.0.0", cl.Node, "caracal-go:v1.0.0"},
				"versions.json": {`"appVersion": "1.0.0"`},
			},
		},
		{
			name: "changes", c: changes{},
			files: map[string][]string{
				"secrets-and-configmaps.json": {"caracal-runtime", "caracalAdminToken",
					"caracal-metrics-bearer", "sh.helm.release.v1.caracal.v2"},
				"checksum-revisions.json": {`"secretChanged": true`, "aaaa1111", "bbbb2222",
					"StatefulSet/caracal-caracal-sts", "dddd4444"},
			},
			findings: []string{"kube.secret.rolled", "kube.secret.changed"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := bundletest.Run(t, tc.c, cfg)
			if res.Record.Status != bundle.StatusOK {
				t.Fatalf("status %s: %s", res.Record.Status, res.Record.Reason)
			}
			for name, subs := range tc.files {
				body := res.File(t, name)
				for _, sub := range subs {
					if !strings.Contains(body, sub) {
						t.Errorf("%s lacks %q", name, sub)
					}
				}
			}
			for _, f := range res.Files(t) {
				for _, a := range tc.absent {
					if strings.HasSuffix(f, "/"+a) {
						t.Errorf("bundle has %s", f)
					}
				}
			}
			for _, code := range tc.findings {
				if !res.Has(code) {
					t.Errorf("no finding %s in %+v", code, res.Findings)
				}
			}
			assertNoHelmLeak(t, res.All(t))
		})
	}
}

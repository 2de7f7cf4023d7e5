package kube

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/internal/testbed"
)

func TestNotConfigured(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("KUBECONFIG", filepath.Join(home, "missing"))
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	for _, c := range allCollectors {
		t.Run(c.Info().Name, func(t *testing.T) {
			start := time.Now()
			res := bundletest.Run(t, c, config.Config{})
			if res.Record.Status != bundle.StatusSkipped ||
				res.Record.SkipKind != bundle.NotConfigured {
				t.Fatalf("status %s (%s): %s", res.Record.Status, res.Record.SkipKind,
					res.Record.Reason)
			}
			if !strings.Contains(res.Record.Reason, "--kubeconfig") {
				t.Errorf("reason does not say what to set: %s", res.Record.Reason)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

// TestPartialAccess grants the unprivileged user pods only: collectors that read more
// end partial and name each missing permission; the logs collector ends forbidden.
func TestPartialAccess(t *testing.T) {
	cl := testbed.Kube(t)
	s := seedRelease(t, cl)
	grantPodsOnly(t, cl, s.ns)
	cfg := kubeCfg(cl, s.ns)
	cfg.Kubernetes.Kubeconfig = cl.UserKubeconfig

	tests := []struct {
		name   string
		c      bundle.Collector
		status bundle.Status
		needs  string
	}{
		{"readiness", readiness{}, bundle.StatusPartial,
			"needs list on deployments.apps in namespace " + s.ns},
		{"events", events{}, bundle.StatusPartial, "needs list on events in namespace " + s.ns},
		{"logs", logs{}, bundle.StatusSkipped, "needs get on pods/log in namespace " + s.ns},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := bundletest.Run(t, tc.c, cfg)
			if res.Record.Status != tc.status {
				t.Fatalf("status %s, want %s: %s", res.Record.Status, tc.status,
					res.Record.Reason)
			}
			said := res.Record.Reason + "\n" + strings.Join(res.Record.Notes, "\n")
			if !strings.Contains(said, tc.needs) {
				t.Errorf("reason and notes %q lack %q", said, tc.needs)
			}
		})
	}
}

func grantPodsOnly(t *testing.T, cl *testbed.Cluster, ns string) {
	t.Helper()
	ctx := t.Context()
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "pods-only", Namespace: ns},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"},
		}},
	}
	rbac := cl.Client.RbacV1()
	if _, err := rbac.Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create role: %v", err)
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "pods-only", Namespace: ns},
		RoleRef: rbacv1.RoleRef{
			APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "pods-only",
		},
		Subjects: []rbacv1.Subject{{Kind: "User", Name: testbed.PlainUser}},
	}
	if _, err := rbac.RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create rolebinding: %v", err)
	}
	waitAllowed(t, cl.UserKubeconfig, ns)
}

// waitAllowed waits until the kubeconfig's user may list pods in ns: the API server's
// RBAC authorizer sees a new binding a moment after it is stored.
func waitAllowed(t *testing.T, kubeconfig, ns string) {
	t.Helper()
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := cs.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{Limit: 1})
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new binding did not take effect: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestKubeconfigLoading(t *testing.T) {
	cl := testbed.Kube(t)
	ns := cl.Namespace(t)
	tests := []struct {
		name       string
		kubeconfig string // for the KUBECONFIG variable
		cfg        config.Kubernetes
		status     bundle.Status
		reason     string
	}{
		{name: "KUBECONFIG variable", kubeconfig: cl.Kubeconfig,
			cfg: config.Kubernetes{Namespace: ns}, status: bundle.StatusSkipped,
			reason: "no pods match"},
		{name: "unknown context", kubeconfig: cl.Kubeconfig,
			cfg:    config.Kubernetes{Namespace: ns, Context: "nope"},
			status: bundle.StatusFailed, reason: `"nope"`},
		{name: "bad selector", cfg: config.Kubernetes{Kubeconfig: cl.Kubeconfig,
			Namespace: ns, Selector: "a in ("}, status: bundle.StatusFailed,
			reason: "kubernetes selector"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("KUBECONFIG", tc.kubeconfig)
			res := bundletest.Run(t, logs{}, config.Config{Kubernetes: tc.cfg})
			if res.Record.Status != tc.status || !strings.Contains(res.Record.Reason, tc.reason) {
				t.Errorf("status %s (%s), want %s with %q", res.Record.Status,
					res.Record.Reason, tc.status, tc.reason)
			}
		})
	}
}

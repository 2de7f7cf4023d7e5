package kube

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/internal/testbed"
)

// allCollectors are the collectors of this package.
var allCollectors = []bundle.Collector{
	readiness{}, objects{}, events{}, logs{}, versions{}, changes{}, helmRelease{},
}

// applyRBAC applies deploy/rbac.yaml to namespace ns (server-side dry run first, then
// for real) and returns a kubeconfig with a token of its ServiceAccount.
func applyRBAC(t *testing.T, cl *testbed.Cluster, ns string) string {
	t.Helper()
	objs := rbacObjects(t, ns)
	for _, dryRun := range [][]string{{metav1.DryRunAll}, nil} {
		for _, o := range objs {
			if err := createObject(t, cl, o, dryRun); err != nil {
				t.Fatalf("apply deploy/rbac.yaml (dry run %v): %v", dryRun != nil, err)
			}
		}
	}

	tr, err := cl.Client.CoreV1().ServiceAccounts(ns).CreateToken(t.Context(), "caracal-bundle",
		&authv1.TokenRequest{Spec: authv1.TokenRequestSpec{ExpirationSeconds: ptrTo(int64(3600))}},
		metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token for caracal-bundle: %v", err)
	}
	path := filepath.Join(t.TempDir(), "sa.kubeconfig")
	if err := cl.WriteKubeconfig(path, "caracal-bundle", tr.Status.Token, ns); err != nil {
		t.Fatal(err)
	}
	waitAllowed(t, path, ns)
	return path
}

func ptrTo[T any](v T) *T { return &v }

// rbacObjects decodes deploy/rbac.yaml for namespace ns; cluster-scoped names get the
// namespace as a suffix so that tests do not collide.
func rbacObjects(t *testing.T, ns string) []runtime.Object {
	t.Helper()
	b, err := os.ReadFile("../../deploy/rbac.yaml")
	if err != nil {
		t.Fatalf("read rbac.yaml: %v", err)
	}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	var out []runtime.Object
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("read rbac.yaml: %v", err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("decode rbac.yaml: %v", err)
		}
		out = append(out, retarget(obj, ns))
	}
}

func retarget(obj runtime.Object, ns string) runtime.Object {
	switch o := obj.(type) {
	case *corev1.ServiceAccount:
		o.Namespace = ns
	case *rbacv1.Role:
		o.Namespace = ns
	case *rbacv1.RoleBinding:
		o.Namespace = ns
		o.Subjects[0].Namespace = ns
	case *rbacv1.ClusterRole:
		o.Name += "-" + ns
	case *rbacv1.ClusterRoleBinding:
		o.Name += "-" + ns
		o.RoleRef.Name += "-" + ns
		o.Subjects[0].Namespace = ns
	}
	return obj
}

func createObject(t *testing.T, cl *testbed.Cluster, obj runtime.Object, dryRun []string) error {
	ctx, opts := t.Context(), metav1.CreateOptions{DryRun: dryRun}
	var err error
	switch o := obj.(type) {
	case *corev1.ServiceAccount:
		_, err = cl.Client.CoreV1().ServiceAccounts(o.Namespace).Create(ctx, o, opts)
	case *rbacv1.Role:
		_, err = cl.Client.RbacV1().Roles(o.Namespace).Create(ctx, o, opts)
	case *rbacv1.RoleBinding:
		_, err = cl.Client.RbacV1().RoleBindings(o.Namespace).Create(ctx, o, opts)
	case *rbacv1.ClusterRole:
		_, err = cl.Client.RbacV1().ClusterRoles().Create(ctx, o, opts)
	case *rbacv1.ClusterRoleBinding:
		_, err = cl.Client.RbacV1().ClusterRoleBindings().Create(ctx, o, opts)
	default:
		t.Fatalf("unexpected object %T in rbac.yaml", obj)
	}
	return err
}

// TestRBAC runs every collector as the ServiceAccount of deploy/rbac.yaml, which must be
// enough for all of them, and as a user with no rights, which must record what it needs.
func TestRBAC(t *testing.T) {
	cl := testbed.Kube(t)
	s := seedRelease(t, cl)
	installRelease(t, cl, s.ns)
	saKubeconfig := applyRBAC(t, cl, s.ns)

	for _, c := range allCollectors {
		name := c.Info().Name
		t.Run("serviceaccount/"+name, func(t *testing.T) {
			cfg := kubeCfg(cl, s.ns)
			cfg.Kubernetes.Kubeconfig = saKubeconfig
			res := bundletest.Run(t, c, cfg)
			if res.Record.Status != bundle.StatusOK {
				t.Errorf("status %s: %s %v", res.Record.Status, res.Record.Reason,
					res.Record.Notes)
			}
			assertNoHelmLeak(t, res.All(t))
		})
		t.Run("unprivileged/"+name, func(t *testing.T) {
			cfg := kubeCfg(cl, s.ns)
			cfg.Kubernetes.Kubeconfig = cl.UserKubeconfig
			res := bundletest.Run(t, c, cfg)
			want := bundle.StatusSkipped
			if name == "kube-versions" { // the server version is public
				want = bundle.StatusPartial
			}
			if res.Record.Status != want || res.Record.SkipKind != skipKindFor(want) {
				t.Fatalf("status %s (%s), want %s: %s", res.Record.Status,
					res.Record.SkipKind, want, res.Record.Reason)
			}
			if !strings.Contains(res.Record.Reason, "needs ") ||
				!strings.Contains(res.Record.Reason, s.ns) &&
					!strings.Contains(res.Record.Reason, "cluster-wide") {
				t.Errorf("reason does not name the permission: %s", res.Record.Reason)
			}
		})
	}
}

func skipKindFor(s bundle.Status) bundle.SkipKind {
	if s == bundle.StatusSkipped {
		return bundle.Forbidden
	}
	return ""
}

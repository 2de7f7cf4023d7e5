package caracal

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/caracal-tools/bundle/bundle/bundletest"
	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/internal/testbed"
)

func TestMain(m *testing.M) { os.Exit(testbed.KubeMain(m)) }

// TestKubernetesServiceProxy reaches the services through a real API server's service
// proxy. The API server refuses loopback endpoints and the test machine allows no other
// address, so no service can answer here: what is checked is the proxy path (service
// <release>-<svc>, port "http") and that the API server's own refusals ("no endpoints",
// "not found") are recorded as the API server's, not as readiness answers.
func TestKubernetesServiceProxy(t *testing.T) {
	cl := testbed.Kube(t)
	ns := cl.Namespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// No controller manager runs: the (empty) Endpoints object is created by hand.
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "caracal-sts", Namespace: ns},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 8080}}}}
	if _, err := cl.Client.CoreV1().Services(ns).Create(ctx, svc,
		metav1.CreateOptions{}); err != nil {
		t.Fatalf("create service: %v", err)
	}
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "caracal-sts", Namespace: ns}}
	if _, err := cl.Client.CoreV1().Endpoints(ns).Create(ctx, ep,
		metav1.CreateOptions{}); err != nil {
		t.Fatalf("create endpoints: %v", err)
	}

	cfg := config.Config{
		Kubernetes: config.Kubernetes{Kubeconfig: cl.Kubeconfig, Namespace: ns,
			Release: "caracal"},
		Caracal: config.Caracal{Mode: "kubernetes"},
	}
	res := bundletest.Run(t, endpointsCollector{}, cfg)
	checkOK(t, res)
	probes := res.File(t, "probes.json")
	for _, want := range []string{
		"/api/v1/namespaces/" + ns + "/services/caracal-sts:http/proxy/ready",
		"/api/v1/namespaces/" + ns + "/services/caracal-web:http/proxy/version",
		`API server: 503 no endpoints available for service \"caracal-sts`,
		`API server: 404 services \"caracal-api\" not found`,
		"Kubernetes service proxy",
	} {
		if !strings.Contains(probes, want) {
			t.Errorf("probes.json lacks %q:\n%s", want, probes)
		}
	}
	fd := findingByCode(t, res, "caracal.ready.unreachable")
	if !strings.Contains(fd.Message, "API server") {
		t.Errorf("finding %+v does not name the API server", fd)
	}
	if !strings.Contains(strings.Join(res.Record.Notes, " "), "service proxy") {
		t.Errorf("no note about bearers through the proxy: %q", res.Record.Notes)
	}
}

func TestKubernetesNotConfigured(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("KUBECONFIG", "")
	t.Setenv("HOME", dir)
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	res := bundletest.Run(t, endpointsCollector{},
		config.Config{Caracal: config.Caracal{Mode: "kubernetes"}})
	rec := res.Record
	if rec.Status != "skipped" || rec.SkipKind != "not configured" ||
		!strings.Contains(rec.Reason, "--kubeconfig") {
		t.Errorf("got %s %s %q", rec.Status, rec.SkipKind, rec.Reason)
	}
}

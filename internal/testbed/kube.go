package testbed

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Versions of the Kubernetes test bed; build-kube.sh builds the same.
const (
	KubeVersion = "v1.36.3"
	KwokVersion = "v0.8.0"
)

// Users of the test API server, authenticated by static tokens.
const (
	// AdminUser is in system:masters.
	AdminUser = "admin"
	// PlainUser has no RBAC rights at all: every read is refused.
	PlainUser = "alice"
)

// Cluster is a running kube-apiserver backed by etcd, with kwok playing the kubelet of
// one fake node. It is shared by every test of the test binary (see KubeMain); each test
// works in its own namespace (see Namespace).
type Cluster struct {
	// Server is the API server's https URL.
	Server string
	// Kubeconfig is a kubeconfig file for AdminUser; UserKubeconfig one for PlainUser.
	Kubeconfig, UserKubeconfig string
	// CAFile is the CA that signed the API server's certificate.
	CAFile string
	// Config and Client talk to the API server as AdminUser.
	Config  *rest.Config
	Client  kubernetes.Interface
	Dynamic dynamic.Interface
	// Node is the fake node's name: set it as spec.nodeName of pods.
	Node string

	dir    string
	tokens map[string]string
	procs  []*process // in start order
}

var (
	kubeOnce    sync.Once
	kubeCluster *Cluster
	kubeErr     error
	kubeMissing string
)

// Kube returns the shared test cluster, starting it on first use. It calls Unavailable
// when the binaries are missing (build them with internal/testbed/build-kube.sh) and
// fails the test when they are present but the cluster does not come up.
func Kube(t testing.TB) *Cluster {
	t.Helper()
	kubeOnce.Do(func() {
		kubeMissing = missingKubeParts()
		if kubeMissing == "" {
			kubeCluster, kubeErr = startCluster()
		}
	})
	if kubeMissing != "" {
		Unavailable(t, "%s (build with: bash internal/testbed/build-kube.sh)", kubeMissing)
	}
	if kubeErr != nil {
		t.Fatalf("testbed: kubernetes: %v", kubeErr)
	}
	return kubeCluster
}

// KubeMain runs the tests of a package that uses Kube and stops the cluster afterwards.
// Call it from TestMain: func TestMain(m *testing.M) { os.Exit(testbed.KubeMain(m)) }.
func KubeMain(m *testing.M) int {
	defer StopKube()
	return m.Run()
}

// StopKube stops the shared cluster if it was started: kwok, then the API server, then
// etcd, each waited for, and removes its files.
func StopKube() {
	if kubeCluster == nil {
		return
	}
	kubeCluster.stop()
	kubeCluster = nil
}

// KubeBinDir is the folder holding kube-apiserver, etcd and kwok: $BUNDLE_TESTBIN, else
// the version-keyed folder next to the Go build cache that build-kube.sh fills.
func KubeBinDir() string {
	if d := os.Getenv("BUNDLE_TESTBIN"); d != "" {
		return d
	}
	cache := goEnv("GOCACHE")
	if cache == "" {
		return ""
	}
	name := "k8s-" + KubeVersion + "-kwok-" + KwokVersion
	return filepath.Join(filepath.Dir(cache), "bundle-testbin", name)
}

// KwokModuleDir is where the kwok module (its CRDs and stages) is in the module cache.
func KwokModuleDir() string {
	mod := goEnv("GOMODCACHE")
	if mod == "" {
		return ""
	}
	return filepath.Join(mod, "sigs.k8s.io", "kwok@"+KwokVersion)
}

func goEnv(name string) string {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// missingKubeParts names what is missing to start the cluster, or returns "".
func missingKubeParts() string {
	bin := KubeBinDir()
	var missing []string
	for _, name := range []string{"etcd", "kube-apiserver", "kwok"} {
		if st, err := os.Stat(filepath.Join(bin, name)); err != nil || st.IsDir() {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Sprintf("%s not found in %s", strings.Join(missing, ", "), bin)
	}
	if _, err := os.Stat(filepath.Join(KwokModuleDir(), "kustomize")); err != nil {
		return fmt.Sprintf("kwok %s module not in the module cache", KwokVersion)
	}
	return ""
}

// startCluster starts etcd, the API server and kwok, and registers the fake node.
func startCluster() (*Cluster, error) {
	dir, err := os.MkdirTemp("", "bundle-kube-")
	if err != nil {
		return nil, fmt.Errorf("cluster dir: %w", err)
	}
	c := &Cluster{dir: dir, Node: "kwok-node-0"}
	if err := c.start(); err != nil {
		c.stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	certs, err := writeKubeCerts(c.dir)
	if err != nil {
		return err
	}
	c.CAFile = certs.CA
	etcdURL, err := c.startEtcd()
	if err != nil {
		return err
	}
	if err := c.startAPIServer(etcdURL, certs); err != nil {
		return err
	}
	if err := c.connect(); err != nil {
		return err
	}
	if err := c.installKwokCRDs(ctx); err != nil {
		return err
	}
	if err := c.createNode(ctx); err != nil {
		return err
	}
	if err := c.startKwok(certs); err != nil {
		return err
	}
	return c.waitNodeReady(ctx)
}

func (c *Cluster) stop() {
	for i := len(c.procs) - 1; i >= 0; i-- {
		c.procs[i].stop(15 * time.Second)
	}
	c.procs = nil
	_ = os.RemoveAll(c.dir)
}

// bin returns the path of one test bed binary.
func bin(name string) string { return filepath.Join(KubeBinDir(), name) }

func (c *Cluster) startEtcd() (string, error) {
	client, peer := freePort(), freePort()
	clientURL := fmt.Sprintf("http://127.0.0.1:%d", client)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peer)
	args := []string{
		"--data-dir", filepath.Join(c.dir, "etcd"),
		"--listen-client-urls", clientURL, "--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "default=" + peerURL,
		"--unsafe-no-fsync", "--log-level", "warn",
	}
	p, err := startProcess(c.dir, "etcd", bin("etcd"), args, nil)
	if err != nil {
		return "", err
	}
	c.procs = append(c.procs, p)
	return clientURL, waitHTTP(p, clientURL+"/health", "", "", 30*time.Second)
}

func (c *Cluster) startAPIServer(etcdURL string, certs *kubeCerts) error {
	c.tokens = map[string]string{AdminUser: randomToken(), PlainUser: randomToken()}
	tokens := fmt.Sprintf("%s,%s,%s,system:masters\n%s,%s,%s\n",
		c.tokens[AdminUser], AdminUser, AdminUser, c.tokens[PlainUser], PlainUser, PlainUser)
	tokenFile := filepath.Join(c.dir, "tokens.csv")
	if err := os.WriteFile(tokenFile, []byte(tokens), 0o600); err != nil {
		return fmt.Errorf("write token file: %w", err)
	}

	port := freePort()
	c.Server = fmt.Sprintf("https://127.0.0.1:%d", port)
	args := []string{
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		"--secure-port", fmt.Sprint(port),
		"--tls-cert-file", certs.Cert, "--tls-private-key-file", certs.Key,
		"--client-ca-file", certs.CA,
		"--token-auth-file", tokenFile, "--authorization-mode", "RBAC",
		"--service-account-key-file", certs.SAKey,
		"--service-account-signing-key-file", certs.SAKey,
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-cluster-ip-range", "10.96.0.0/16",
		"--disable-admission-plugins", "ServiceAccount",
		"--kubelet-preferred-address-types", "InternalIP",
		"--kubelet-client-certificate", certs.Cert, "--kubelet-client-key", certs.Key,
		"--max-requests-inflight", "1000", "--max-mutating-requests-inflight", "500",
	}
	p, err := startProcess(c.dir, "kube-apiserver", bin("kube-apiserver"), args, nil)
	if err != nil {
		return err
	}
	c.procs = append(c.procs, p)
	return waitHTTP(p, c.Server+"/readyz", c.tokens[AdminUser], certs.CA, 90*time.Second)
}

func (c *Cluster) startKwok(certs *kubeCerts) error {
	stages, err := kwokStages()
	if err != nil {
		return err
	}
	port := freePort()
	args := []string{
		"--kubeconfig", c.Kubeconfig,
		"--manage-all-nodes=true",
		"--node-ip", "127.0.0.1", "--node-name", "localhost",
		"--node-port", fmt.Sprint(port),
		"--server-address", fmt.Sprintf("127.0.0.1:%d", port),
		"--tls-cert-file", certs.Cert, "--tls-private-key-file", certs.Key,
		"--enable-crds", "Logs,ClusterLogs",
	}
	for _, s := range stages {
		args = append(args, "--config", s)
	}
	p, err := startProcess(c.dir, "kwok", bin("kwok"), args, []string{"HOME=" + c.dir})
	if err != nil {
		return err
	}
	c.procs = append(c.procs, p)
	return nil
}

// kwokStages lists the stage files kwok needs, read from the module cache.
func kwokStages() ([]string, error) {
	base := filepath.Join(KwokModuleDir(), "kustomize", "stage")
	files := []string{
		"node/fast/node-initialize.yaml",
		"node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
		"pod/fast/pod-ready.yaml",
		"pod/fast/pod-complete.yaml",
		"pod/fast/pod-delete.yaml",
	}
	out := make([]string, 0, len(files))
	for _, f := range files {
		p := filepath.Join(base, filepath.FromSlash(f))
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("kwok stage: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// Token returns the static bearer token of AdminUser or PlainUser.
func (c *Cluster) Token(user string) string { return c.tokens[user] }

// Dir is the cluster's scratch folder; logs of etcd, kube-apiserver and kwok are there.
func (c *Cluster) Dir() string { return c.dir }

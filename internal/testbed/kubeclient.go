package testbed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

var crdGVR = schema.GroupVersionResource{
	Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions",
}

// connect writes the kubeconfig files and builds the admin clients.
func (c *Cluster) connect() error {
	c.Kubeconfig = filepath.Join(c.dir, "admin.kubeconfig")
	if err := c.WriteKubeconfig(c.Kubeconfig, AdminUser, c.tokens[AdminUser], ""); err != nil {
		return err
	}
	c.UserKubeconfig = filepath.Join(c.dir, "alice.kubeconfig")
	if err := c.WriteKubeconfig(c.UserKubeconfig, PlainUser, c.tokens[PlainUser], ""); err != nil {
		return err
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return fmt.Errorf("load admin kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	c.Config = cfg
	if c.Client, err = kubernetes.NewForConfig(cfg); err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	if c.Dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		return fmt.Errorf("admin dynamic client: %w", err)
	}
	return nil
}

// WriteKubeconfig writes a kubeconfig for this cluster that authenticates with a bearer
// token, with namespace as the context's namespace (may be empty).
func (c *Cluster) WriteKubeconfig(path, user, token, namespace string) error {
	cfg := clientcmdapi.NewConfig()
	ca, err := os.ReadFile(c.CAFile)
	if err != nil {
		return fmt.Errorf("read CA: %w", err)
	}
	cfg.Clusters["testbed"] = &clientcmdapi.Cluster{
		Server: c.Server, CertificateAuthorityData: ca,
	}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts[user] = &clientcmdapi.Context{
		Cluster: "testbed", AuthInfo: user, Namespace: namespace,
	}
	cfg.CurrentContext = user
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", path, err)
	}
	return nil
}

// installKwokCRDs applies kwok's Logs and ClusterLogs CRDs and waits until they serve.
func (c *Cluster) installKwokCRDs(ctx context.Context) error {
	base := filepath.Join(KwokModuleDir(), "kustomize", "crd", "bases")
	for _, f := range []string{"kwok.x-k8s.io_logs.yaml", "kwok.x-k8s.io_clusterlogs.yaml"} {
		if err := c.applyCRD(ctx, filepath.Join(base, f)); err != nil {
			return err
		}
	}
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true,
		func(ctx context.Context) (bool, error) {
			_, err := c.Dynamic.Resource(logsGVR).Namespace("default").
				List(ctx, metav1.ListOptions{Limit: 1})
			return err == nil, nil
		})
}

func (c *Cluster) applyCRD(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read CRD: %w", err)
	}
	defer func() { _ = f.Close() }()

	dec := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
	for {
		obj := &unstructured.Unstructured{}
		err := dec.Decode(&obj.Object)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("decode CRD %s: %w", path, err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		_, err = c.Dynamic.Resource(crdGVR).Create(ctx, obj, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create CRD %s: %w", obj.GetName(), err)
		}
	}
}

// createNode registers the fake node that kwok will play the kubelet for.
func (c *Cluster) createNode(ctx context.Context) error {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:        c.Node,
		Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
		Labels:      map[string]string{"kubernetes.io/hostname": c.Node, "type": "kwok"},
	}}
	if _, err := c.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create node %s: %w", c.Node, err)
	}
	return nil
}

func (c *Cluster) waitNodeReady(ctx context.Context) error {
	kwok := c.procs[len(c.procs)-1]
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true,
		func(ctx context.Context) (bool, error) {
			if kwok.exited() {
				return false, fmt.Errorf("kwok exited: %v\n%s", kwok.err, kwok.tail())
			}
			n, err := c.Client.CoreV1().Nodes().Get(ctx, c.Node, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			return nodeReady(n), nil
		})
	if err != nil {
		return fmt.Errorf("node %s not ready: %w\n%s", c.Node, err, kwok.tail())
	}
	return nil
}

func nodeReady(n *corev1.Node) bool {
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

// freePort asks the kernel for a free loopback port; it panics when none can be had,
// which only happens when the machine is out of sockets.
func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("testbed: free port: %v", err))
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

func randomToken() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("testbed: random token: %v", err))
	}
	return hex.EncodeToString(b)
}

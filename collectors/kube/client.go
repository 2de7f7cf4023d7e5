package kube

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/caracal-tools/bundle/bundle/config"
)

// Client-side rate limits used when the configuration leaves them at zero. client-go's
// own defaults (5 QPS, burst 10) would make reading hundreds of logs take minutes; these
// let a collection of ~400 log streams start within a few seconds while API Priority and
// Fairness still protects the server.
const (
	DefaultQPS   = 100
	DefaultBurst = 200
)

// ErrNotConfigured means no kubeconfig was found and the process does not run in a pod.
var ErrNotConfigured = errors.New(
	"no Kubernetes configuration: set --kubeconfig or KUBECONFIG, or run in a pod")

// Client is a connection to the cluster for the kubernetes and helm collectors, with
// the namespace, release and pod selector to collect. It is safe for concurrent use.
type Client struct {
	// Clientset is the typed client; Config the REST configuration it was built from.
	Clientset kubernetes.Interface
	Config    *rest.Config
	// Namespace and Release are the Caracal release to collect.
	Namespace, Release string
	// Selector selects the release's pods: the chart's labels unless overridden.
	Selector string
}

// NewClient loads the configuration with client-go's standard rules (cfg.Kubeconfig,
// else KUBECONFIG, else ~/.kube/config, else the in-cluster config), applies cfg.Context,
// and sets QPS and burst from cfg or the package defaults. It makes no request. It returns
// ErrNotConfigured when there is no configuration at all.
func NewClient(ctx context.Context, cfg config.Kubernetes) (*Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rc, err := restConfig(cfg)
	if err != nil {
		return nil, err
	}
	rc.Wrap(bindTransport(ctx))
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}

	c := &Client{Clientset: cs, Config: rc, Namespace: cfg.Namespace, Release: cfg.Release}
	if c.Namespace == "" {
		c.Namespace = config.DefaultNamespace
	}
	if c.Release == "" {
		c.Release = config.DefaultRelease
	}
	c.Selector = cfg.Selector
	if c.Selector == "" {
		c.Selector = ReleaseSelector(c.Release)
	}
	if _, err := labels.Parse(c.Selector); err != nil {
		return nil, fmt.Errorf("kubernetes selector %q: %w", c.Selector, err)
	}
	return c, nil
}

// ReleaseSelector is the label selector of the chart's pods for a release.
func ReleaseSelector(release string) string {
	return "app.kubernetes.io/instance=" + release + ",app.kubernetes.io/name=caracal"
}

func restConfig(cfg config.Kubernetes) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = cfg.Kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: cfg.Context}
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)

	rc, err := loader.ClientConfig()
	if clientcmd.IsEmptyConfig(err) {
		return nil, ErrNotConfigured
	}
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	rc = rest.CopyConfig(rc)
	rc.QPS, rc.Burst = cfg.QPS, cfg.Burst
	if rc.QPS <= 0 {
		rc.QPS = DefaultQPS
	}
	if rc.Burst <= 0 {
		rc.Burst = DefaultBurst
	}
	rc.UserAgent = "caracal-bundle"
	rc.WarningHandler = rest.NoWarnings{}
	return rc, nil
}

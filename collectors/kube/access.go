package kube

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/caracal-tools/bundle/bundle"
)

// connect builds the client for a collector, turning a missing configuration into a
// NotConfigured skip.
func connect(ctx context.Context, env *bundle.Env) (*Client, error) {
	c, err := NewClient(ctx, env.Config.Kubernetes)
	if errors.Is(err, ErrNotConfigured) {
		return nil, bundle.Skip(bundle.NotConfigured,
			"set --kubeconfig or KUBECONFIG (or run in a pod) to collect from Kubernetes")
	}
	return c, err
}

// access records which reads of one collector succeeded and which the API server
// refused, so that the collector can end skipped (nothing allowed) or partial.
type access struct {
	ns string

	mu      sync.Mutex
	granted int
	needs   map[string]bool
}

func newAccess(ns string) *access { return &access{ns: ns, needs: map[string]bool{}} }

// ok records a read that succeeded.
func (a *access) ok() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.granted++
}

// refused reports whether err is a 403, and if so records the permission it needs
// ("needs list on pods in namespace caracal"). Cluster-scoped resources have no
// namespace: pass an empty ns for them through refusedCluster.
func (a *access) refused(err error, verb, resource string) bool {
	if !apierrors.IsForbidden(err) {
		return false
	}
	a.need(fmt.Sprintf("needs %s on %s in namespace %s", verb, resource, a.ns))
	return true
}

// refusedCluster is refused for a cluster-scoped resource such as nodes.
func (a *access) refusedCluster(err error, verb, resource string) bool {
	if !apierrors.IsForbidden(err) {
		return false
	}
	a.need(fmt.Sprintf("needs %s on %s (cluster-wide)", verb, resource))
	return true
}

func (a *access) need(s string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.needs[s] = true
}

// missing lists the permissions that were refused, sorted.
func (a *access) missing() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]string, 0, len(a.needs))
	for s := range a.needs {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// finish ends the collector: a Forbidden skip when every read was refused, else one
// Partial per refused permission, else nil.
func (a *access) finish(out *bundle.Sink) error {
	missing := a.missing()
	if len(missing) == 0 {
		return nil
	}
	a.mu.Lock()
	granted := a.granted
	a.mu.Unlock()
	if granted == 0 {
		return bundle.Skip(bundle.Forbidden, "%s", strings.Join(missing, "; "))
	}
	for _, m := range missing {
		out.Partial("%s", m)
	}
	return nil
}

// listErr wraps an error of a list call, naming the resource and namespace.
func listErr(resource, ns string, err error) error {
	return fmt.Errorf("list %s in namespace %s: %w", resource, ns, err)
}

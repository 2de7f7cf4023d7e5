package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/caracal-tools/bundle/bundle"
)

func init() { bundle.Register(objects{}) }

// objects writes the YAML of the namespace's objects, one file per kind, as
// `kubectl get -o yaml` would, minus managedFields. Secrets are never listed here: their
// metadata is in kube-changes.
type objects struct{}

// Info implements bundle.Collector.
func (objects) Info() bundle.Info {
	return bundle.Info{
		Name: "kube-objects", Group: "kubernetes",
		Description: "YAML of the namespace's workloads, services, config maps and policies",
	}
}

// objectKinds are the kinds written, by resource. Secrets are deliberately absent.
var objectKinds = []schema.GroupVersionResource{
	{Version: "v1", Resource: "pods"},
	{Group: "apps", Version: "v1", Resource: "deployments"},
	{Group: "apps", Version: "v1", Resource: "statefulsets"},
	{Group: "apps", Version: "v1", Resource: "replicasets"},
	{Group: "batch", Version: "v1", Resource: "jobs"},
	{Group: "batch", Version: "v1", Resource: "cronjobs"},
	{Version: "v1", Resource: "services"},
	{Version: "v1", Resource: "endpoints"},
	{Group: "discovery.k8s.io", Version: "v1", Resource: "endpointslices"},
	{Version: "v1", Resource: "persistentvolumeclaims"},
	{Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers"},
	{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"},
	{Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies"},
	{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"},
	{Version: "v1", Resource: "configmaps"},
	{Version: "v1", Resource: "serviceaccounts"},
}

// objectWorkers bounds the kinds listed at once.
const objectWorkers = 4

// Collect implements bundle.Collector.
func (objects) Collect(ctx context.Context, env *bundle.Env, out *bundle.Sink) error {
	c, err := connect(ctx, env)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		return fmt.Errorf("kubernetes dynamic client: %w", err)
	}
	acc := newAccess(c.Namespace)
	counts := map[string]int{}
	var mu sync.Mutex
	sem := make(chan struct{}, objectWorkers)
	var wg sync.WaitGroup
	for _, gvr := range objectKinds {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			n, err := writeKind(ctx, dyn.Resource(gvr).Namespace(c.Namespace), out, gvr, acc)
			if err != nil {
				out.Partial("%v", err)
			}
			mu.Lock()
			counts[gvr.Resource] = n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := out.WriteJSON("counts.json", counts); err != nil {
		return err
	}
	return acc.finish(out)
}

// writeKind lists one kind page by page into <resource>.yaml, one document per object.
func writeKind(ctx context.Context, ri dynamic.ResourceInterface, out *bundle.Sink,
	gvr schema.GroupVersionResource, acc *access) (int, error) {
	var w io.WriteCloser
	n := 0
	opts := metav1.ListOptions{Limit: 250}
	for {
		list, err := ri.List(ctx, opts)
		if acc.refused(err, "list", qualified(gvr)) {
			return 0, nil
		}
		if apierrors.IsNotFound(err) {
			out.Note("%s are not served by this cluster", qualified(gvr))
			return 0, nil
		}
		if err != nil {
			return n, closeErr(w, fmt.Errorf("list %s: %w", qualified(gvr), err))
		}
		acc.ok()
		for i := range list.Items {
			if w == nil {
				if w, err = out.Create(gvr.Resource + ".yaml"); err != nil {
					return n, err
				}
			}
			obj := list.Items[i].Object
			scrubObject(obj)
			if err := writeDoc(w, obj); err != nil {
				return n, closeErr(w, fmt.Errorf("write %s: %w", qualified(gvr), err))
			}
			n++
		}
		if opts.Continue = list.GetContinue(); opts.Continue == "" {
			return n, closeErr(w, nil)
		}
	}
}

func writeDoc(w io.Writer, obj map[string]any) error {
	b, err := yaml.Marshal(obj)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, "---\n"); err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// closeErr closes w (if open) and joins its error with err.
func closeErr(w io.Closer, err error) error {
	if w == nil {
		return err
	}
	return errors.Join(err, w.Close())
}

// qualified is the resource name RBAC uses: "pods", "deployments.apps".
func qualified(gvr schema.GroupVersionResource) string {
	if gvr.Group == "" {
		return gvr.Resource
	}
	return gvr.Resource + "." + gvr.Group
}

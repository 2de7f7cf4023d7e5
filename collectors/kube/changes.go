package kube

import (
	"context"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/caracal-tools/bundle/bundle"
)

func init() { bundle.Register(changes{}) }

// changes records which Secrets and ConfigMaps changed within the time window, and
// when the pods' checksum/secret annotation changed across rollout revisions. It copies
// metadata and key names only: a Secret's values are dropped as soon as it is read.
type changes struct{}

// Info implements bundle.Collector.
func (changes) Info() bundle.Info {
	return bundle.Info{
		Name: "kube-changes", Group: "kubernetes",
		Description: "metadata of Secret and ConfigMap changes, checksum/secret by revision",
	}
}

// metaReport is the metadata of one Secret or ConfigMap, never its values.
type metaReport struct {
	Kind            string            `json:"kind"`
	Name            string            `json:"name"`
	Type            string            `json:"type,omitempty"`
	Keys            []string          `json:"keys"`
	ResourceVersion string            `json:"resourceVersion"`
	Created         time.Time         `json:"created"`
	LastChange      time.Time         `json:"lastChange"`
	Managers        []managerReport   `json:"managers,omitempty"`
	Labels          map[string]string `json:"labels,omitempty"`
	Annotations     map[string]string `json:"annotations,omitempty"`
}

type managerReport struct {
	Manager     string    `json:"manager"`
	Operation   string    `json:"operation"`
	Subresource string    `json:"subresource,omitempty"`
	Time        time.Time `json:"time,omitzero"`
}

// Collect implements bundle.Collector.
func (changes) Collect(ctx context.Context, env *bundle.Env, out *bundle.Sink) error {
	c, err := connect(ctx, env)
	if err != nil {
		return err
	}
	acc := newAccess(c.Namespace)
	secrets, err := c.secretMeta(ctx, acc)
	if err != nil {
		return err
	}
	cms, err := c.configMapMeta(ctx, acc)
	if err != nil {
		return err
	}
	objs := inWindow(append(secrets, cms...), env.Since, out)
	if err := out.WriteJSON("secrets-and-configmaps.json", objs); err != nil {
		return err
	}
	revs, err := c.checksumRevisions(ctx, acc)
	if err != nil {
		return err
	}
	revs = revisionsInWindow(revs, env.Since)
	if err := out.WriteJSON("checksum-revisions.json", revs); err != nil {
		return err
	}
	reportChanges(out, c.Namespace, objs, revs)
	return acc.finish(out)
}

// secretMeta lists the namespace's Secrets and keeps their metadata and key names only.
func (c *Client) secretMeta(ctx context.Context, acc *access) ([]metaReport, error) {
	var out []metaReport
	opts := metav1.ListOptions{Limit: 200}
	for {
		l, err := c.Clientset.CoreV1().Secrets(c.Namespace).List(ctx, opts)
		if acc.refused(err, "list", "secrets") {
			return nil, nil
		}
		if err != nil {
			return nil, listErr("secrets", c.Namespace, err)
		}
		acc.ok()
		for i := range l.Items {
			s := &l.Items[i]
			out = append(out, metaOf("Secret", string(s.Type), &s.ObjectMeta, keysOf(s.Data)))
		}
		l.Items = nil // drop every value now
		if opts.Continue = l.Continue; opts.Continue == "" {
			return out, nil
		}
	}
}

func (c *Client) configMapMeta(ctx context.Context, acc *access) ([]metaReport, error) {
	l, err := c.Clientset.CoreV1().ConfigMaps(c.Namespace).List(ctx, metav1.ListOptions{})
	if acc.refused(err, "list", "configmaps") {
		return nil, nil
	}
	if err != nil {
		return nil, listErr("configmaps", c.Namespace, err)
	}
	acc.ok()
	out := make([]metaReport, 0, len(l.Items))
	for i := range l.Items {
		cm := &l.Items[i]
		keys := append(keysOf(cm.BinaryData), keysOf(cm.Data)...)
		sort.Strings(keys)
		out = append(out, metaOf("ConfigMap", "", &cm.ObjectMeta, keys))
	}
	return out, nil
}

// keysOf returns m's keys sorted, an empty slice rather than nil for an empty map.
func keysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// metaOf copies the metadata that shows a change. The last-applied annotation is left
// out: on a Secret it is a copy of the values.
func metaOf(kind, typ string, m *metav1.ObjectMeta, keys []string) metaReport {
	r := metaReport{
		Kind: kind, Name: m.Name, Type: typ, Keys: keys, ResourceVersion: m.ResourceVersion,
		Created: m.CreationTimestamp.UTC(), LastChange: m.CreationTimestamp.UTC(),
		Labels: m.Labels,
	}
	for k, v := range m.Annotations {
		if k == corev1.LastAppliedConfigAnnotation {
			continue
		}
		if r.Annotations == nil {
			r.Annotations = map[string]string{}
		}
		r.Annotations[k] = v
	}
	for _, f := range m.ManagedFields {
		mr := managerReport{Manager: f.Manager, Operation: string(f.Operation),
			Subresource: f.Subresource}
		if f.Time != nil {
			mr.Time = f.Time.UTC()
			if mr.Time.After(r.LastChange) {
				r.LastChange = mr.Time
			}
		}
		r.Managers = append(r.Managers, mr)
	}
	return r
}

// inWindow keeps the objects that changed since the window's start, newest first, and
// notes how many were left out.
func inWindow(objs []metaReport, since time.Time, out *bundle.Sink) []metaReport {
	kept := []metaReport{}
	for _, o := range objs {
		if !o.LastChange.Before(since) {
			kept = append(kept, o)
		}
	}
	if n := len(objs) - len(kept); n > 0 {
		out.Note("%d Secrets and ConfigMaps unchanged since %s left out", n,
			since.UTC().Format(timeFormat))
	}
	sort.SliceStable(kept, func(i, j int) bool {
		return kept[i].LastChange.After(kept[j].LastChange)
	})
	return kept
}

func reportChanges(out *bundle.Sink, ns string, objs []metaReport, revs []checksumRevision) {
	for _, r := range revs {
		if !r.SecretChanged {
			continue
		}
		out.Finding(bundle.Finding{
			Stage: bundle.StageReadiness, Severity: bundle.SeverityInfo,
			Code: "kube.secret.rolled", Subject: ns + "/" + r.Owner, Area: r.area,
			Message: fmt.Sprintf("%s rolled out revision %d at %s with changed Secret values "+
				"(checksum/secret changed)", r.Owner, r.Revision, r.Created.Format(timeFormat)),
			Files: []string{out.Path("checksum-revisions.json")},
		})
	}
	for _, o := range objs {
		if o.Kind != "Secret" || o.Type == "helm.sh/release.v1" {
			continue
		}
		out.Finding(bundle.Finding{
			Stage: bundle.StageReadiness, Severity: bundle.SeverityInfo,
			Code: "kube.secret.changed", Subject: ns + "/" + o.Name,
			Message: fmt.Sprintf("Secret %s changed at %s (keys: %d)", o.Name,
				o.LastChange.Format(timeFormat), len(o.Keys)),
			Files: []string{out.Path("secrets-and-configmaps.json")},
		})
	}
}

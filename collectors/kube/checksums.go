package kube

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// checksumAnnotation is the pod annotation the chart sets to a hash of the secrets block.
const checksumAnnotation = "checksum/secret"

// checksumRevision is one rollout revision of a Deployment (a ReplicaSet) or a
// StatefulSet (a ControllerRevision) with its pod template's checksum/* annotations.
type checksumRevision struct {
	Owner     string            `json:"owner"` // Deployment/x or StatefulSet/x
	Revision  int64             `json:"revision"`
	Object    string            `json:"object"`
	Created   time.Time         `json:"created"`
	Checksums map[string]string `json:"checksums,omitempty"`
	// SecretChanged says checksum/secret differs from the owner's previous revision.
	SecretChanged bool `json:"secretChanged"`

	area string
}

// checksumRevisions reads the rollout history of Deployments and StatefulSets, sorted by
// owner and revision, marking where checksum/secret changed.
func (c *Client) checksumRevisions(ctx context.Context, acc *access) ([]checksumRevision, error) {
	var revs []checksumRevision
	apps := c.Clientset.AppsV1()
	rs, err := apps.ReplicaSets(c.Namespace).List(ctx, metav1.ListOptions{})
	switch {
	case acc.refused(err, "list", "replicasets.apps"):
	case err != nil:
		return nil, listErr("replicasets", c.Namespace, err)
	default:
		acc.ok()
		for _, r := range rs.Items {
			rev, _ := strconv.ParseInt(r.Annotations["deployment.kubernetes.io/revision"], 10, 64)
			revs = append(revs, checksumRevision{
				Owner: ownerOf(r.OwnerReferences, "Deployment"), Revision: rev,
				Object: "ReplicaSet/" + r.Name, Created: r.CreationTimestamp.UTC(),
				Checksums: checksums(r.Spec.Template.Annotations), area: area(r.Labels),
			})
		}
	}
	crs, err := apps.ControllerRevisions(c.Namespace).List(ctx, metav1.ListOptions{})
	switch {
	case acc.refused(err, "list", "controllerrevisions.apps"):
	case err != nil:
		return nil, listErr("controllerrevisions", c.Namespace, err)
	default:
		acc.ok()
		for _, r := range crs.Items {
			revs = append(revs, checksumRevision{
				Owner: ownerOf(r.OwnerReferences, "StatefulSet"), Revision: r.Revision,
				Object: "ControllerRevision/" + r.Name, Created: r.CreationTimestamp.UTC(),
				Checksums: checksums(templateAnnotations(r.Data.Raw)), area: area(r.Labels),
			})
		}
	}
	markSecretChanges(revs)
	return revs, nil
}

func ownerOf(refs []metav1.OwnerReference, kind string) string {
	for _, o := range refs {
		if o.Kind == kind {
			return kind + "/" + o.Name
		}
	}
	return kind + "/-"
}

func checksums(ann map[string]string) map[string]string {
	var out map[string]string
	for k, v := range ann {
		if strings.HasPrefix(k, "checksum/") {
			if out == nil {
				out = map[string]string{}
			}
			out[k] = v
		}
	}
	return out
}

// templateAnnotations reads spec.template.metadata.annotations from a StatefulSet's
// ControllerRevision data, which is a patch of the StatefulSet.
func templateAnnotations(raw []byte) map[string]string {
	var d struct {
		Spec struct {
			Template struct {
				Metadata struct {
					Annotations map[string]string `json:"annotations"`
				} `json:"metadata"`
			} `json:"template"`
		} `json:"spec"`
	}
	if json.Unmarshal(raw, &d) != nil {
		return nil
	}
	return d.Spec.Template.Metadata.Annotations
}

// markSecretChanges sorts revs by owner and revision and sets SecretChanged where the
// checksum differs from the owner's previous revision.
func markSecretChanges(revs []checksumRevision) {
	sort.Slice(revs, func(i, j int) bool {
		if revs[i].Owner != revs[j].Owner {
			return revs[i].Owner < revs[j].Owner
		}
		return revs[i].Revision < revs[j].Revision
	})
	for i := 1; i < len(revs); i++ {
		prev, cur := revs[i-1], &revs[i]
		if prev.Owner == cur.Owner &&
			prev.Checksums[checksumAnnotation] != cur.Checksums[checksumAnnotation] {
			cur.SecretChanged = true
		}
	}
}

// revisionsInWindow keeps the revisions created since the window's start.
func revisionsInWindow(revs []checksumRevision, since time.Time) []checksumRevision {
	out := []checksumRevision{}
	for _, r := range revs {
		if !r.Created.Before(since) {
			out = append(out, r)
		}
	}
	return out
}

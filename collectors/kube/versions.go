package kube

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/caracal-tools/bundle/bundle"
)

func init() { bundle.Register(versions{}) }

// versions records the server and node versions, every container's image and resolved
// image ID, and the chart and app version of the Helm release.
type versions struct{}

// Info implements bundle.Collector.
func (versions) Info() bundle.Info {
	return bundle.Info{
		Name: "kube-versions", Group: "kubernetes",
		Description: "Kubernetes server and node versions, images and IDs, chart and app version",
	}
}

// versionReport is versions.json.
type versionReport struct {
	Server  string        `json:"server,omitempty"`
	Nodes   []nodeVersion `json:"nodes,omitempty"`
	Images  []imageReport `json:"images"`
	Release *chartVersion `json:"release,omitempty"`
}

type nodeVersion struct {
	Name    string `json:"name"`
	Kubelet string `json:"kubelet"`
	OS      string `json:"os"`
	Kernel  string `json:"kernel"`
	Runtime string `json:"runtime"`
}

type imageReport struct {
	Pod       string `json:"pod"`
	Component string `json:"component,omitempty"`
	Container string `json:"container"`
	Image     string `json:"image"`
	ImageID   string `json:"imageID,omitempty"`
}

type chartVersion struct {
	Revision   int    `json:"revision"`
	Chart      string `json:"chart"`
	AppVersion string `json:"appVersion"`
	Status     string `json:"status"`
}

// Collect implements bundle.Collector.
func (versions) Collect(ctx context.Context, env *bundle.Env, out *bundle.Sink) error {
	c, err := connect(ctx, env)
	if err != nil {
		return err
	}
	acc := newAccess(c.Namespace)
	rep := versionReport{Images: []imageReport{}}

	sv, err := c.Clientset.Discovery().ServerVersion()
	switch {
	case acc.refusedCluster(err, "get", "/version"):
	case err != nil:
		return fmt.Errorf("read server version: %w", err)
	default:
		acc.ok()
		rep.Server = sv.GitVersion
	}
	if rep.Nodes, err = c.nodeVersions(ctx, acc); err != nil {
		return err
	}
	pods, err := c.selectedPods(ctx, acc)
	if err != nil {
		return err
	}
	rep.Images = imagesOf(pods)
	if rep.Release, err = c.releaseVersion(acc); err != nil {
		out.Partial("chart and app version: %v", err)
	}
	reportImages(out, c.Namespace, rep.Images)

	if err := out.WriteJSON("versions.json", rep); err != nil {
		return err
	}
	if err := out.WriteFile("versions.txt", versionText(rep)); err != nil {
		return err
	}
	return acc.finish(out)
}

func (c *Client) nodeVersions(ctx context.Context, acc *access) ([]nodeVersion, error) {
	l, err := c.Clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if acc.refusedCluster(err, "list", "nodes") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	acc.ok()
	out := make([]nodeVersion, 0, len(l.Items))
	for _, n := range l.Items {
		i := n.Status.NodeInfo
		out = append(out, nodeVersion{
			Name: n.Name, Kubelet: i.KubeletVersion, OS: i.OSImage, Kernel: i.KernelVersion,
			Runtime: i.ContainerRuntimeVersion,
		})
	}
	return out, nil
}

func imagesOf(pods []corev1.Pod) []imageReport {
	out := []imageReport{}
	for _, p := range pods {
		ids := map[string]string{}
		for _, cs := range p.Status.ContainerStatuses {
			ids[cs.Name] = cs.ImageID
		}
		for _, c := range p.Spec.Containers {
			out = append(out, imageReport{
				Pod: p.Name, Component: p.Labels[labelComponent], Container: c.Name,
				Image: c.Image, ImageID: ids[c.Name],
			})
		}
	}
	return out
}

// reportImages warns when one component runs more than one image, which means a rollout
// is under way or stuck half-way.
func reportImages(out *bundle.Sink, ns string, imgs []imageReport) {
	byComp := map[string]map[string]bool{}
	for _, i := range imgs {
		key := i.Component + "/" + i.Container
		if byComp[key] == nil {
			byComp[key] = map[string]bool{}
		}
		byComp[key][i.Image] = true
	}
	for _, k := range keysOf(byComp) {
		if len(byComp[k]) < 2 {
			continue
		}
		out.Finding(bundle.Finding{
			Stage: bundle.StageReadiness, Severity: bundle.SeverityWarn,
			Code: "kube.images.mixed",
			Message: fmt.Sprintf("%s runs %d different images (a rollout is under way "+
				"or stuck)", k, len(byComp[k])),
			Subject: ns + "/" + k, Area: areaOfKey(k), Files: []string{out.Path("versions.txt")},
		})
	}
}

func areaOfKey(k string) string {
	comp, _, _ := strings.Cut(k, "/")
	return area(map[string]string{labelComponent: comp})
}

func versionText(r versionReport) []byte {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Kubernetes server:\t%s\n", dash(r.Server))
	if r.Release != nil {
		fmt.Fprintf(tw, "Helm release:\trevision %d, chart %s, app version %s, %s\n",
			r.Release.Revision, r.Release.Chart, r.Release.AppVersion, r.Release.Status)
	}
	fmt.Fprintln(tw, "\nNODE\tKUBELET\tOS\tKERNEL\tRUNTIME")
	for _, n := range r.Nodes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", n.Name, n.Kubelet, n.OS, n.Kernel, n.Runtime)
	}
	fmt.Fprintln(tw, "\nPOD\tCONTAINER\tIMAGE\tIMAGE ID")
	for _, i := range r.Images {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", i.Pod, i.Container, i.Image, dash(i.ImageID))
	}
	_ = tw.Flush() // writes to a bytes.Buffer cannot fail
	return b.Bytes()
}

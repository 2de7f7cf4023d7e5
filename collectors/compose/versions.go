package compose

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"

	"github.com/caracal-tools/bundle/bundle"
)

func init() { bundle.Register(versionsCollector{}) }

// versionsCollector records the engine's version and the image reference and ID of
// every container, and flags a project whose Caracal images carry different tags.
type versionsCollector struct{}

// Info names the collector "compose-versions", in group "compose".
func (versionsCollector) Info() bundle.Info {
	return bundle.Info{Name: "compose-versions", Group: "compose",
		Description: "Docker engine version and the image of every compose container"}
}

// engineRecord is engine.json.
type engineRecord struct {
	Host          string `json:"host"`
	Version       string `json:"version"`
	APIVersion    string `json:"apiVersion"`
	MinAPIVersion string `json:"minApiVersion,omitempty"`
	ClientAPI     string `json:"clientApiVersion"`
	OS            string `json:"os"`
	Arch          string `json:"arch"`
	Kernel        string `json:"kernelVersion,omitempty"`
	GoVersion     string `json:"goVersion,omitempty"`
}

// imageRecord is one row of images.json.
type imageRecord struct {
	Project     string   `json:"project"`
	Service     string   `json:"service"`
	Container   string   `json:"container"`
	Image       string   `json:"image"`
	ImageID     string   `json:"imageId"`
	RepoTags    []string `json:"repoTags,omitempty"`
	RepoDigests []string `json:"repoDigests,omitempty"`
	Created     string   `json:"created,omitempty"`
	Error       string   `json:"error,omitempty"`
}

// Collect writes engine.json and images.json and reports each project's Caracal
// release, or its mixed image tags. Without a Docker engine it skips.
func (versionsCollector) Collect(ctx context.Context, env *bundle.Env,
	out *bundle.Sink) error {
	dc, list, err := selected(ctx, env)
	if err != nil {
		return err
	}
	defer func() { _ = dc.Close() }()

	v, err := dc.ServerVersion(ctx)
	if err != nil {
		return fmt.Errorf("read version of Docker engine %s: %w", dc.DaemonHost(), err)
	}
	eng := engineRecord{Host: dc.DaemonHost(), Version: v.Version, APIVersion: v.APIVersion,
		MinAPIVersion: v.MinAPIVersion, ClientAPI: dc.ClientVersion(), OS: v.Os,
		Arch: v.Arch, Kernel: v.KernelVersion, GoVersion: v.GoVersion}
	if err := out.WriteJSON("engine.json", eng); err != nil {
		return err
	}

	images := imageRecords(ctx, dc, list)
	if err := out.WriteJSON("images.json", images); err != nil {
		return err
	}
	versionFindings(out, images)
	return nil
}

// imageRecords lists each container's image; an image that cannot be inspected keeps
// what the container list says, with the error.
func imageRecords(ctx context.Context, dc *client.Client, list []container.Summary) []imageRecord {
	cache := map[string]imageRecord{}
	out := make([]imageRecord, 0, len(list))
	for _, c := range list {
		r, ok := cache[c.ImageID]
		if !ok {
			r = inspectImage(ctx, dc, c.ImageID)
			cache[c.ImageID] = r
		}
		r.Project, r.Service = c.Labels[labelProject], c.Labels[labelService]
		r.Container, r.Image, r.ImageID = containerName(c), c.Image, c.ImageID
		out = append(out, r)
	}
	return out
}

func inspectImage(ctx context.Context, dc *client.Client, id string) imageRecord {
	img, err := dc.ImageInspect(ctx, id)
	if err != nil {
		return imageRecord{Error: oneLine(err.Error())}
	}
	return imageRecord{RepoTags: img.RepoTags, RepoDigests: img.RepoDigests,
		Created: img.Created}
}

// versionFindings reports the Caracal release each project runs (info) and a project
// whose caracal-* images carry different tags (warn).
func versionFindings(out *bundle.Sink, images []imageRecord) {
	tags := map[string]map[string]bool{}
	for _, r := range images {
		tag, ok := caracalTag(r.Image)
		if !ok {
			continue
		}
		if tags[r.Project] == nil {
			tags[r.Project] = map[string]bool{}
		}
		tags[r.Project][tag] = true
	}
	files := []string{out.Path("images.json")}
	for project, set := range tags {
		list := slices.Sorted(maps.Keys(set))
		f := bundle.Finding{Stage: bundle.StageService, Severity: bundle.SeverityInfo,
			Code: "compose.images.version", Subject: project, Files: files,
			Message: fmt.Sprintf("project %s runs Caracal images %s", project,
				strings.Join(list, ", "))}
		if len(list) > 1 {
			f.Severity, f.Code = bundle.SeverityWarn, "compose.images.mixed"
			f.Message = fmt.Sprintf("project %s mixes Caracal image tags %s", project,
				strings.Join(list, ", "))
			f.Area = "upgrade: release pin (CARACAL_VERSION)"
		}
		out.Finding(f)
	}
}

// caracalTag returns the tag of a caracal-{go,node,web,postgres,redis} image reference.
func caracalTag(ref string) (string, bool) {
	ref, _, _ = strings.Cut(ref, "@")
	slash := strings.LastIndex(ref, "/")
	name, tag, ok := strings.Cut(ref[slash+1:], ":")
	if !ok || !strings.HasPrefix(name, "caracal-") {
		return "", false
	}
	return tag, true
}

package compose

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/config"
)

// Compose's own labels, the only ones Caracal's compose files carry.
const (
	labelProject = "com.docker.compose.project"
	labelService = "com.docker.compose.service"
)

// defaultPrefix selects the projects collected when none is configured: "caracal"
// (runtime-compose.yml) and "caracal-dev" (docker-compose.yml).
const defaultPrefix = "caracal"

// pingTimeout bounds the first call, so a missing engine ends the collector fast.
const pingTimeout = 3 * time.Second

// connect returns a client for the engine at DOCKER_HOST (or the default socket),
// with the API version negotiated. An engine that does not answer is a NotFound skip;
// a socket the user may not open is a Forbidden skip. The caller closes the client.
func connect(ctx context.Context) (*client.Client, error) {
	dc, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker client from DOCKER_HOST: %w", err)
	}

	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	ping, err := dc.Ping(pctx)
	if err == nil {
		dc.NegotiateAPIVersionPing(ping)
		return dc, nil
	}
	_ = dc.Close()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	host := dc.DaemonHost()
	if errors.Is(err, fs.ErrPermission) {
		return nil, bundle.Skip(bundle.Forbidden,
			"permission denied on the Docker socket %s: run as root or a member of the "+
				"docker group, or set DOCKER_HOST", host)
	}
	return nil, bundle.Skip(bundle.NotFound, "no Docker engine at %s: %s", host,
		oneLine(err.Error()))
}

// projectFilter says which compose projects to collect.
type projectFilter struct {
	names []string
}

func newProjectFilter(c config.Compose) projectFilter {
	return projectFilter{names: c.Projects}
}

func (f projectFilter) match(project string) bool {
	if len(f.names) == 0 {
		return strings.HasPrefix(project, defaultPrefix)
	}
	for _, n := range f.names {
		if n == project {
			return true
		}
	}
	return false
}

// String lists the selected projects, or the default prefix with a "*".
func (f projectFilter) String() string {
	if len(f.names) == 0 {
		return defaultPrefix + "*"
	}
	return strings.Join(f.names, ", ")
}

// listContainers returns every container, running or not, of the selected projects,
// sorted by project, service and name.
func listContainers(ctx context.Context, dc *client.Client, f projectFilter) (
	[]container.Summary, error) {
	args := filters.NewArgs(filters.Arg("label", labelProject))
	all, err := dc.ContainerList(ctx, container.ListOptions{All: true, Filters: args})
	if err != nil {
		return nil, fmt.Errorf("list containers on %s: %w", dc.DaemonHost(), err)
	}

	var out []container.Summary
	for _, c := range all {
		if f.match(c.Labels[labelProject]) {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Labels[labelProject] != b.Labels[labelProject] {
			return a.Labels[labelProject] < b.Labels[labelProject]
		}
		if a.Labels[labelService] != b.Labels[labelService] {
			return a.Labels[labelService] < b.Labels[labelService]
		}
		return containerName(a) < containerName(b)
	})
	return out, nil
}

// selected connects and lists the selected projects' containers; no container is a
// NotFound skip naming the setting to change. The caller closes the client.
func selected(ctx context.Context, env *bundle.Env) (*client.Client, []container.Summary,
	error) {
	dc, err := connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	f := newProjectFilter(env.Config.Compose)
	cs, err := listContainers(ctx, dc, f)
	if err != nil {
		_ = dc.Close()
		return nil, nil, err
	}
	if len(cs) == 0 {
		host := dc.DaemonHost()
		_ = dc.Close()
		return nil, nil, bundle.Skip(bundle.NotFound,
			"no containers of compose project %s on %s; set --compose-project", f, host)
	}
	return dc, cs, nil
}

// containerName is the container's name without the leading slash.
func containerName(c container.Summary) string {
	if len(c.Names) == 0 {
		return shortID(c.ID)
	}
	return strings.TrimPrefix(c.Names[0], "/")
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// oneShots are the compose services that run once and exit; `caracal up` removes them
// after a successful start.
var oneShots = map[string]bool{"dbMigrate": true, "replayVolumeInit": true}

// oneLine keeps the first line of a message.
func oneLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

package testbed

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
)

// FakeCaracalPackage is the import path of the fake Caracal service built into the
// test image.
const FakeCaracalPackage = "github.com/caracal-tools/bundle/internal/testbed/fakecaracal"

// Compose project labels, as Docker Compose sets them on containers and networks.
const (
	LabelProject = "com.docker.compose.project"
	LabelService = "com.docker.compose.service"
)

// Docker returns a client for the local Docker engine (DOCKER_HOST or the default
// socket), with API version negotiation. An engine that does not answer calls
// Unavailable. The client is closed in t.Cleanup.
func Docker(t testing.TB) *client.Client {
	t.Helper()
	dc, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		Unavailable(t, "docker client: %v", err)
	}
	t.Cleanup(func() { _ = dc.Close() })

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := dc.Ping(ctx); err != nil {
		Unavailable(t, "no Docker engine at %s: %v", dc.DaemonHost(), err)
	}
	return dc
}

// fakeImage is the image shared by the tests of one binary: the static program is
// built once; the image lives while at least one test uses it.
var fakeImage struct {
	mu    sync.Mutex
	bin   []byte
	tag   string
	users int
}

// FakeCaracalImage returns the tag of an image FROM scratch that runs the fake Caracal
// service (see package fakecaracal) as /fakecaracal. The program is built with
// CGO_ENABLED=0 once per test binary; the image is removed when the last test using it
// ends. A missing go tool calls Unavailable.
func FakeCaracalImage(t testing.TB, dc *client.Client) string {
	t.Helper()
	fakeImage.mu.Lock()
	defer fakeImage.mu.Unlock()

	if fakeImage.bin == nil {
		fakeImage.bin = buildFakeCaracal(t)
	}
	if fakeImage.users == 0 {
		fakeImage.tag = fmt.Sprintf("bundle-testbed/fakecaracal:p%d-%s", os.Getpid(),
			randomHex(t, 4))
		buildImage(t, dc, fakeImage.tag, fakeImage.bin)
	}
	fakeImage.users++
	t.Cleanup(func() { releaseFakeImage(t, dc) })
	return fakeImage.tag
}

// releaseFakeImage drops one user of the fake image and removes the image with the last.
func releaseFakeImage(t testing.TB, dc *client.Client) {
	t.Helper()
	fakeImage.mu.Lock()
	defer fakeImage.mu.Unlock()
	fakeImage.users--
	if fakeImage.users > 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := dc.ImageRemove(ctx, fakeImage.tag,
		image.RemoveOptions{Force: true, PruneChildren: true})
	if err != nil && !client.IsErrNotFound(err) {
		t.Errorf("testbed: remove image %s: %v", fakeImage.tag, err)
	}
}

func buildFakeCaracal(t testing.TB) []byte {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join("/usr/local/go/bin", "go")
		if _, serr := os.Stat(goBin); serr != nil {
			Unavailable(t, "go tool not found on PATH to build the fake Caracal service")
		}
	}
	out := filepath.Join(t.TempDir(), "fakecaracal")
	cmd := exec.Command(goBin, "build", "-trimpath", "-o", out, FakeCaracalPackage)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testbed: build %s: %v\n%s", FakeCaracalPackage, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("testbed: read built fake service: %v", err)
	}
	return b
}

const fakeDockerfile = "FROM scratch\nCOPY fakecaracal /fakecaracal\n" +
	"ENTRYPOINT [\"/fakecaracal\"]\n"

func buildImage(t testing.TB, dc *client.Client, tag string, bin []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	resp, err := dc.ImageBuild(ctx, buildContext(t, bin), build.ImageBuildOptions{
		Tags: []string{tag}, Remove: true, ForceRemove: true, PullParent: false,
		Labels: map[string]string{"bundle-testbed": "fakecaracal"},
	})
	if err != nil {
		t.Fatalf("testbed: build image %s: %v", tag, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if err := buildStreamError(resp.Body); err != nil {
		t.Fatalf("testbed: build image %s: %v", tag, err)
	}
}

// buildStreamError reads the JSON message stream of a build and returns its error.
func buildStreamError(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var msg struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("read build output: %w", err)
		}
		if msg.Error != "" {
			return errors.New(msg.Error)
		}
	}
}

func buildContext(t testing.TB, bin []byte) io.Reader {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	files := []struct {
		name string
		mode int64
		data []byte
	}{
		{"Dockerfile", 0o644, []byte(fakeDockerfile)},
		{"fakecaracal", 0o755, bin},
	}
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data))}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatalf("testbed: build context: %v", err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatalf("testbed: build context: %v", err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatalf("testbed: build context: %v", err)
	}
	return &buf
}

// ComposeProject is a Docker Compose project started for one test.
type ComposeProject struct {
	// Name is the project name, unique per test.
	Name string
	// File is the compose file's path.
	File string

	bin string
	dc  *client.Client
}

// ProjectName returns a unique compose project name starting with prefix.
func ProjectName(t testing.TB, prefix string) string {
	t.Helper()
	return prefix + "-" + randomHex(t, 4)
}

// ComposeUp writes yaml to a compose file and runs `docker-compose -p name -f file up
// -d`. t.Cleanup takes the project down and removes its containers, networks and
// volumes, whatever state it is in. A missing docker-compose calls Unavailable.
func ComposeUp(t testing.TB, dc *client.Client, name, yaml string) *ComposeProject {
	t.Helper()
	bin := LookPath(t, "docker-compose")
	dir := t.TempDir()
	p := &ComposeProject{Name: name, File: filepath.Join(dir, "docker-compose.yml"), bin: bin,
		dc: dc}
	if err := os.WriteFile(p.File, []byte(yaml), 0o644); err != nil {
		t.Fatalf("testbed: write compose file: %v", err)
	}
	t.Cleanup(func() { p.down(t) })
	if out, err := p.run(2*time.Minute, "up", "-d", "--no-build"); err != nil {
		t.Fatalf("testbed: docker-compose up %s: %v\n%s", name, err, out)
	}
	return p
}

func (p *ComposeProject) run(timeout time.Duration, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	full := append([]string{"--no-ansi", "-p", p.Name, "-f", p.File}, args...)
	cmd := exec.CommandContext(ctx, p.bin, full...)
	cmd.Dir = filepath.Dir(p.File)
	return cmd.CombinedOutput()
}

func (p *ComposeProject) down(t testing.TB) {
	t.Helper()
	if out, err := p.run(2*time.Minute, "down", "-v", "--remove-orphans", "-t", "1"); err != nil {
		t.Logf("testbed: docker-compose down %s: %v\n%s", p.Name, err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := filters.NewArgs(filters.Arg("label", LabelProject+"="+p.Name))
	cs, err := p.dc.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		t.Errorf("testbed: list containers of %s: %v", p.Name, err)
		return
	}
	for _, c := range cs {
		err := p.dc.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true,
			RemoveVolumes: true})
		if err != nil && !client.IsErrNotFound(err) {
			t.Errorf("testbed: remove container %s: %v", c.ID, err)
		}
	}
	nets, err := p.dc.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		t.Errorf("testbed: list networks of %s: %v", p.Name, err)
		return
	}
	for _, n := range nets {
		if err := p.dc.NetworkRemove(ctx, n.ID); err != nil && !client.IsErrNotFound(err) {
			t.Errorf("testbed: remove network %s: %v", n.Name, err)
		}
	}
}

// Container returns the inspect data of the project's first container of service.
func (p *ComposeProject) Container(t testing.TB, service string) container.InspectResponse {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f := filters.NewArgs(filters.Arg("label", LabelProject+"="+p.Name),
		filters.Arg("label", LabelService+"="+service))
	cs, err := p.dc.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil || len(cs) == 0 {
		t.Fatalf("testbed: container of %s/%s: %v (found %d)", p.Name, service, err, len(cs))
	}
	c, err := p.dc.ContainerInspect(ctx, cs[0].ID)
	if err != nil {
		t.Fatalf("testbed: inspect %s/%s: %v", p.Name, service, err)
	}
	return c
}

// WaitHealth waits until the service's container reports one of the health statuses
// ("healthy", "unhealthy") or, when want is "exited", has exited.
func (p *ComposeProject) WaitHealth(t testing.TB, service string, want ...string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		c := p.Container(t, service)
		last = c.State.Status
		if c.State.Health != nil {
			last = c.State.Health.Status
		}
		for _, w := range want {
			if last == w || (w == "exited" && c.State.Status == "exited") {
				return
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("testbed: %s/%s is %q after 90s, want %s", p.Name, service, last,
		strings.Join(want, " or "))
}

package core

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/caracal-tools/bundle/bundle"
)

func init() { bundle.Register(hostCollector{}) }

// hostCollector records the machine the bundle was made on: OS, kernel, time and
// clock offset, and the versions of the tools an operator would reach for.
type hostCollector struct{}

func (hostCollector) Info() bundle.Info {
	return bundle.Info{Name: "host", Group: "bundle",
		Description: "OS, kernel, clock offset, and docker/kubectl/helm/caracal versions"}
}

// hostTools are the commands whose presence and version are recorded.
var hostTools = []struct{ name, args string }{
	{"docker", "version --format {{json .}}"},
	{"docker-compose", "version"},
	{"kubectl", "version --client --output=json"},
	{"helm", "version --short"},
	{"caracal", "--version --json"},
}

// hostReport is host/host.json.
type hostReport struct {
	OS          string     `json:"os"`
	Arch        string     `json:"arch"`
	Kernel      string     `json:"kernel,omitempty"`
	Distro      string     `json:"distro,omitempty"`
	Hostname    string     `json:"hostname"`
	CPUs        int        `json:"cpus"`
	Time        time.Time  `json:"time"`
	Zone        string     `json:"zone"`
	ClockOffset string     `json:"clockOffset"`
	Tools       []hostTool `json:"tools"`
}

type hostTool struct {
	Name     string `json:"name"`
	Path     string `json:"path,omitempty"`
	Version  string `json:"version,omitempty"`
	ExitCode int    `json:"exitCode,omitempty"`
	Error    string `json:"error,omitempty"`
}

func (hostCollector) Collect(ctx context.Context, _ *bundle.Env, out *bundle.Sink) error {
	now := time.Now()
	zone, _ := now.Zone()
	host, _ := os.Hostname()
	rep := hostReport{
		OS: runtime.GOOS, Arch: runtime.GOARCH, Kernel: firstLine("/proc/version"),
		Distro: osRelease(), Hostname: host, CPUs: runtime.NumCPU(), Time: now.UTC(),
		Zone: zone, ClockOffset: clockOffset(ctx),
	}
	for _, t := range hostTools {
		rep.Tools = append(rep.Tools, probeTool(ctx, t.name, strings.Fields(t.args)))
	}
	return out.WriteJSON("host.json", rep)
}

func firstLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}

func osRelease() string {
	b, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// probeTool runs one tool's version command with a short timeout.
func probeTool(ctx context.Context, name string, args []string) hostTool {
	t := hostTool{Name: name}
	p, err := exec.LookPath(name)
	if err != nil {
		t.Error = "not on PATH"
		return t
	}
	t.Path = p

	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, p, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	err = cmd.Run()
	t.Version = strings.TrimSpace(stdout.String())
	if err != nil {
		t.ExitCode = cmd.ProcessState.ExitCode()
		t.Error = strings.TrimSpace(firstOf(stderr.String(), err.Error()))
	}
	if len(t.Version) > 4096 {
		t.Version = t.Version[:4096]
	}
	return t
}

func firstOf(a, b string) string {
	if strings.TrimSpace(a) != "" {
		line, _, _ := strings.Cut(strings.TrimSpace(a), "\n")
		return line
	}
	return b
}

// clockOffset compares the local clock with the Date header of the local Docker
// engine, the one time reference reachable without a network.
func clockOffset(ctx context.Context) string {
	sock := "/var/run/docker.sock"
	if h, ok := strings.CutPrefix(os.Getenv("DOCKER_HOST"), "unix://"); ok {
		sock = h
	}
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/_ping", nil)
	if err != nil {
		return "unknown"
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return "unknown: no time reference reachable (the Docker engine did not answer)"
	}
	resp.Body.Close()
	remote, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return "unknown: the Docker engine sent no Date header"
	}
	mid := start.Add(time.Since(start) / 2)
	return fmt.Sprintf("%s against the Docker engine (±1s)", mid.Sub(remote).Round(time.Second))
}

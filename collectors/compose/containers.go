package compose

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"

	"github.com/caracal-tools/bundle/bundle"
)

func init() { bundle.Register(containersCollector{}) }

// containersCollector records the state, health and `docker inspect` of every container
// of the selected compose projects, and a `docker compose ps`-style table.
type containersCollector struct{}

// Info names the collector "compose-containers", in group "compose".
func (containersCollector) Info() bundle.Info {
	return bundle.Info{Name: "compose-containers", Group: "compose",
		Description: "compose containers: state, health checks, restarts, exit codes, " +
			"inspect (env values redacted)"}
}

// testHookAfterList runs between listing and inspecting containers, in tests only.
var testHookAfterList func()

// Collect writes containers.json, ps.txt and inspect/<container>.json for the selected
// projects' containers, with a finding for each container that is unhealthy, down,
// restarting or failed and for each missing service. Without a Docker engine it skips.
func (containersCollector) Collect(ctx context.Context, env *bundle.Env,
	out *bundle.Sink) error {
	dc, list, err := selected(ctx, env)
	if err != nil {
		return err
	}
	defer func() { _ = dc.Close() }()
	if testHookAfterList != nil {
		testHookAfterList()
	}

	states := make([]containerState, 0, len(list))
	present := map[string]map[string]bool{}
	for _, c := range list {
		s, err := inspectOne(ctx, dc, env, out, c)
		if err != nil {
			return err
		}
		states = append(states, s)
		if present[s.Project] == nil {
			present[s.Project] = map[string]bool{}
		}
		present[s.Project][s.Service] = true
	}
	if err := writeStates(out, states); err != nil {
		return err
	}
	for project, svcs := range present {
		for _, f := range missingFindings(project, svcs, out.Path("ps.txt")) {
			out.Finding(f)
		}
	}
	return nil
}

// inspectOne inspects one container, writes its sanitized inspect and reports its
// findings. A container removed meanwhile is noted and kept from the list.
func inspectOne(ctx context.Context, dc *client.Client, env *bundle.Env,
	out *bundle.Sink, c container.Summary) (containerState, error) {
	s := stateFromSummary(c)
	ins, err := dc.ContainerInspect(ctx, c.ID)
	if client.IsErrNotFound(err) {
		s.Vanished = true
		out.Note("container %s was removed during collection; state from the list only",
			s.Name)
		return s, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return s, fmt.Errorf("inspect container %s: %w", s.Name, err)
		}
		out.Partial("inspect container %s: %v", s.Name, err)
		return s, nil
	}
	s.addInspect(env.Redactor, ins)

	name := "inspect/" + bundle.SafeName(s.Name) + ".json"
	if err := out.WriteJSON(name, sanitize(env.Redactor, ins)); err != nil {
		return s, err
	}
	files := []string{out.Path("containers.json"), out.Path(name)}
	for _, f := range stateFindings(s, files) {
		out.Finding(f)
	}
	return s, nil
}

func writeStates(out *bundle.Sink, states []containerState) error {
	if err := out.WriteJSON("containers.json", states); err != nil {
		return err
	}
	w, err := out.Create("ps.txt")
	if err != nil {
		return err
	}
	werr := psTable(w, states)
	if cerr := w.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("write %s: %w", out.Path("ps.txt"), werr)
	}
	return nil
}

// psTable writes the table a person reads first, like `docker compose ps`.
func psTable(w io.Writer, states []containerState) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROJECT\tSERVICE\tNAME\tSTATE\tHEALTH\tEXIT\tRESTARTS\tSTARTED\tIMAGE")
	for _, s := range states {
		state, health := s.State, s.Health
		if s.Vanished {
			state = "vanished"
		}
		if health == "" {
			health = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", s.Project, s.Service,
			s.Name, state, health, s.ExitCode, s.RestartCount, dash(s.StartedAt), s.Image)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

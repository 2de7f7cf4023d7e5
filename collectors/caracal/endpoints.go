package caracal

import (
	"context"
	"sync"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/secret"
)

func init() { bundle.Register(endpointsCollector{}) }

// endpointsCollector asks each service itself: /ready and /health of every service,
// /metrics.json of sts, gateway and audit, /stats of the coordinator and /version of
// web. It makes one pass with no retries, which keeps it far below the readiness rate
// limit of 120 requests per minute.
type endpointsCollector struct{}

// Info names the collector "caracal-endpoints", in group "caracal".
func (endpointsCollector) Info() bundle.Info {
	return bundle.Info{Name: "caracal-endpoints", Group: "caracal",
		Description: "services' own /ready, /health, /metrics.json, /stats and /version"}
}

// probesFile is probes.json.
type probesFile struct {
	Mode   string  `json:"mode"`
	Via    string  `json:"via"`
	Probes []probe `json:"probes"`
}

// tokens are the bearers read from the configured secret references.
type tokens struct {
	metrics, coordinator string
}

// Collect probes every service once, writes each answer's body and probes.json, and
// reports services that are not ready or healthy and metrics past their thresholds.
func (endpointsCollector) Collect(ctx context.Context, env *bundle.Env,
	out *bundle.Sink) error {
	f, mode, err := resolve(ctx, env)
	if err != nil {
		return err
	}
	tok := readTokens(env, out)
	if _, ok := f.(*kubeFetcher); ok {
		out.Note("through the Kubernetes API server's service proxy no bearer reaches " +
			"the services: metrics answer only in dev mode (for the others, set " +
			"caracal.endpoints to a port-forward)")
	}

	probes := runProbes(ctx, f, tok)
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := writeBodies(out, probes); err != nil {
		return err
	}
	reportProbes(out, probes, tok)
	return out.WriteJSON("probes.json", probesFile{Mode: mode, Via: f.describe(),
		Probes: probes})
}

func readTokens(env *bundle.Env, out *bundle.Sink) tokens {
	var t tokens
	read := func(name string, ref secret.Ref, dst *string) {
		v, err := ref.Resolve()
		if err != nil {
			out.Partial("%s: %v", name, err)
			return
		}
		*dst = v
	}
	read("caracal.metricsBearer", env.Config.Caracal.MetricsBearer, &t.metrics)
	read("caracal.coordinatorToken", env.Config.Caracal.CoordinatorToken, &t.coordinator)
	return t
}

// runProbes makes every request at once and returns them in service order.
func runProbes(ctx context.Context, f fetcher, tok tokens) []probe {
	type job struct {
		svc string
		ep  endpoint
	}
	var jobs []job
	for _, s := range services {
		jobs = append(jobs, job{s.name, endpoint{"/ready", noToken}},
			job{s.name, endpoint{"/health", noToken}})
		for _, e := range s.extra {
			jobs = append(jobs, job{s.name, e})
		}
	}

	out := make([]probe, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = f.fetch(ctx, j.svc, j.ep.path, tok.bearer(j.ep.token))
		}()
	}
	wg.Wait()
	return out
}

func (t tokens) bearer(k tokenKind) string {
	switch k {
	case metricsToken:
		return t.metrics
	case coordinatorToken:
		return t.coordinator
	}
	return ""
}

// writeBodies writes metrics and stats bodies to their own files and keeps the
// others in probes.json.
func writeBodies(out *bundle.Sink, probes []probe) error {
	for i := range probes {
		p := &probes[i]
		dir := ""
		switch p.Path {
		case "/metrics.json":
			dir = "metrics/"
		case "/stats":
			dir = "stats/"
		}
		if dir == "" || len(p.raw) == 0 {
			p.inline()
			continue
		}
		p.File = dir + p.Service + ".json"
		if err := out.WriteFile(p.File, p.raw); err != nil {
			return err
		}
	}
	return nil
}

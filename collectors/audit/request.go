package audit

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/caracal-tools/bundle/bundle"
)

// requestIDPattern is what Caracal's API accepts as a request ID.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.\-:]{1,128}$`)

// Request collects the audit evidence of the request named by --request-id: the API's
// explanation and events, or the request's audit_events rows when the API cannot be
// used.
type Request struct{}

func init() { bundle.Register(Request{}) }

// Info implements bundle.Collector.
func (Request) Info() bundle.Info {
	return bundle.Info{Name: "request", Group: "audit",
		Description: "audit evidence of one request: decision, policies, denial diagnostics"}
}

// Collect implements bundle.Collector.
func (Request) Collect(ctx context.Context, env *bundle.Env, out *bundle.Sink) error {
	req := env.Config.Request
	if req.ID == "" {
		return bundle.Skip(bundle.NotApplicable, "no --request-id given")
	}
	if !requestIDPattern.MatchString(req.ID) {
		return fmt.Errorf("request id %q: Caracal request IDs match %s", req.ID,
			requestIDPattern)
	}

	api, apiErr := newAPIClient(env.Config.Caracal)
	pgSet := !env.Config.Postgres.URL.IsZero()
	if errors.Is(apiErr, errNoAPI) && !pgSet {
		return bundle.Skip(bundle.NotConfigured,
			"set --api-url and --admin-token-file (or CARACAL_ADMIN_TOKEN), or --database-url")
	}

	if apiErr != nil && !errors.Is(apiErr, errNoAPI) && !pgSet {
		return fmt.Errorf("admin api: %w", apiErr)
	}

	r := &requestRun{env: env, out: out, req: req, api: api, db: &lazyDB{cfg: env.Config.Postgres}}
	defer r.db.close()
	if apiErr != nil && !errors.Is(apiErr, errNoAPI) {
		r.apiError = apiErr.Error()
		out.Partial("admin api not used: %v", apiErr)
	}

	ev, err := r.gather(ctx)
	if err != nil {
		return err
	}
	return r.report(ctx, ev)
}

// gather gets the evidence from the API, else from Postgres.
func (r *requestRun) gather(ctx context.Context) (*evidence, error) {
	if r.api != nil {
		ev, err := r.fromAPI(ctx)
		if err == nil {
			return ev, nil
		}
		r.apiError = err.Error()
		r.env.Logger.Warn("admin api failed, trying postgres", "error", err)
		if r.db.cfg.URL.IsZero() {
			return nil, fmt.Errorf("read request %s from the admin api: %w", r.req.ID, err)
		}
		r.out.Partial("admin api failed (%v): evidence read from postgres instead", err)
	}
	ev, err := r.fromSQL(ctx)
	if err != nil {
		return nil, fmt.Errorf("read request %s from postgres: %w", r.req.ID, err)
	}
	return ev, nil
}

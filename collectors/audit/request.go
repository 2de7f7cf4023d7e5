package audit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

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

	r := &requestRun{env: env, out: out, req: req, db: &lazyDB{cfg: env.Config.Postgres}}
	defer r.db.close()
	if err := r.clients(); err != nil {
		return err
	}

	ev, err := r.gather(ctx)
	if err != nil {
		return err
	}
	return r.report(ctx, ev)
}

// clients sets up the API and audit service clients. It skips when no source is
// configured, and fails on a bad setting when no other source is left.
func (r *requestRun) clients() error {
	var apiErr, auditErr error
	r.api, apiErr = newAPIClient(r.env.Config.Caracal)
	r.audit, auditErr = newAuditClient(r.env.Config.Caracal)
	pgSet := !r.db.cfg.URL.IsZero()
	unset := func(err, none error) bool { return errors.Is(err, none) }
	if unset(apiErr, errNoAPI) && unset(auditErr, errNoAuditService) && !pgSet {
		return bundle.Skip(bundle.NotConfigured,
			"set --api-url and --admin-token-file (or CARACAL_ADMIN_TOKEN), or --database-url")
	}
	var bad []string
	for _, e := range []error{apiErr, auditErr} {
		if e != nil && !unset(e, errNoAPI) && !unset(e, errNoAuditService) {
			bad = append(bad, e.Error())
			r.out.Partial("not used: %v", e)
		}
	}
	if len(bad) > 0 && r.api == nil && r.audit == nil && !pgSet {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}

// gather gets the evidence from the Admin API, else the audit service, else Postgres;
// each failure is kept for the report.
func (r *requestRun) gather(ctx context.Context) (*evidence, error) {
	type source struct {
		name string
		ok   bool
		get  func(context.Context) (*evidence, error)
		err  *string
	}
	sources := []source{
		{"admin api", r.api != nil, r.fromAPI, &r.apiError},
		{"audit service", r.audit != nil, r.fromAuditService, &r.auditError},
		{"postgres", !r.db.cfg.URL.IsZero(), r.fromSQL, &r.sqlError},
	}
	var failed []string
	for _, s := range sources {
		if !s.ok {
			continue
		}
		ev, err := s.get(ctx)
		if err == nil {
			if len(failed) > 0 {
				r.out.Partial("%s; evidence read from %s instead", strings.Join(failed, "; "),
					s.name)
			}
			return ev, nil
		}
		err = authHint(err)
		*s.err = err.Error()
		failed = append(failed, s.name+" failed: "+err.Error())
		r.env.Logger.Warn("request evidence source failed", "source", s.name, "error", err)
	}
	return nil, fmt.Errorf("read request %s: %s", r.req.ID, strings.Join(failed, "; "))
}

// authHint adds what to check to a refused token.
func authHint(err error) error {
	switch httpStatus(err) {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%w (check --admin-token-file, CARACAL_ADMIN_TOKEN or "+
			"caracal.auditAdminToken)", err)
	}
	return err
}

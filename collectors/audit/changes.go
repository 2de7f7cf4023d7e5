package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/collectors/internal/pgread"
)

// Changes reports what changed in Caracal's control plane within the time window:
// admin mutations (field names only), policy activations and their propagation,
// and signs of key rotations.
type Changes struct{}

func init() { bundle.Register(Changes{}) }

// Info implements bundle.Collector.
func (Changes) Info() bundle.Info {
	return bundle.Info{Name: "changes", Group: "audit",
		Description: "recent admin mutations, policy activations and key rotations"}
}

// changesRun is one run of the changes collector.
type changesRun struct {
	env          *bundle.Env
	out          *bundle.Sink
	db           *lazyDB
	api          *apiClient
	since, until time.Time
	missing      []string // parts left out, with why
}

// Collect implements bundle.Collector.
func (Changes) Collect(ctx context.Context, env *bundle.Env, out *bundle.Sink) error {
	api, apiErr := newAPIClient(env.Config.Caracal)
	pgSet := !env.Config.Postgres.URL.IsZero()
	if errors.Is(apiErr, errNoAPI) && !pgSet {
		return bundle.Skip(bundle.NotConfigured,
			"set --database-url, or --api-url and --admin-token-file (or CARACAL_ADMIN_TOKEN)")
	}
	if apiErr != nil && !errors.Is(apiErr, errNoAPI) {
		if !pgSet {
			return fmt.Errorf("admin api: %w", apiErr)
		}
		out.Partial("admin api not used: %v", apiErr)
	}
	r := &changesRun{env: env, out: out, api: api, since: env.Since, until: env.Until,
		db: &lazyDB{cfg: env.Config.Postgres}}
	defer r.db.close()
	return r.run(ctx, pgSet)
}

func (r *changesRun) run(ctx context.Context, pgSet bool) error {
	if pgSet {
		if _, err := r.db.get(ctx); err != nil {
			if r.api == nil {
				return err
			}
			r.out.Partial("postgres: %v", err)
			r.leftOut("policy activations, KEK and signing keys", err)
		}
	} else {
		r.leftOut("policy activations, KEK and signing keys",
			errors.New("they need --database-url"))
	}

	admin := r.adminAudit(ctx)
	pol := r.policies(ctx)
	keys := r.keys(ctx)
	noPolicies := r.lacks("policy_set_bindings") || r.lacks("policy activations")
	if r.lacks("admin audit") && noPolicies {
		r.out.Partial("no change could be read: neither admin mutations nor policy activations")
	}
	if err := r.write(admin, pol, keys); err != nil {
		return err
	}
	r.adminFindings(admin)
	r.policyFindings(pol)
	r.keyFindings(keys)
	return nil
}

// leftOut records a part that could not be read.
func (r *changesRun) leftOut(part string, err error) {
	r.missing = append(r.missing, part+": "+err.Error())
}

// lacks reports whether the part named was left out.
func (r *changesRun) lacks(part string) bool {
	for _, m := range r.missing {
		if strings.HasPrefix(m, part) {
			return true
		}
	}
	return false
}

// sqlConn returns the session when Postgres was reachable.
func (r *changesRun) sqlConn() bool { return r.db.conn != nil }

// soft records a soft SQL error as a left-out part and returns nil: a missing table
// or column (an older schema) in a note, a refused privilege as partial. Any other
// error is returned.
func (r *changesRun) soft(part string, err error) error {
	switch {
	case pgread.SQLState(err) == pgread.InsufficientPrivilege:
		r.leftOut(part, err)
		r.out.Partial("%s left out: %v (grant the role SELECT, as caracalapi has)",
			part, err)
		return nil
	case softSQL(err):
		r.leftOut(part, err)
		r.out.Note("%s left out: %v", part, err)
		return nil
	}
	return err
}

func (r *changesRun) write(a adminAuditReport, p policyReport, k keysReport) error {
	if err := r.out.WriteJSON("admin-audit.json", a); err != nil {
		return err
	}
	if err := r.out.WriteJSON("policy-activations.json", p); err != nil {
		return err
	}
	if err := r.out.WriteJSON("keys.json", k); err != nil {
		return err
	}
	return r.out.WriteFile("summary.txt", []byte(r.summary(a, p, k)))
}

func (r *changesRun) window() string {
	return r.since.UTC().Format(time.RFC3339) + " to " + r.until.UTC().Format(time.RFC3339)
}

package main

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/bundle/secret"
)

// Flag categories, so `bundle collect --help` reads in the triage order.
const (
	catRun      = "Run"
	catOutput   = "Output and signing"
	catRedis    = "Redis"
	catPostgres = "Postgres"
	catKube     = "Kubernetes and Helm"
	catCompose  = "Docker Compose"
	catCaracal  = "Caracal services"
	catRequest  = "Request investigation"
)

func collectFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "config", Category: catRun, EnvVars: []string{config.EnvFile},
			Usage: "configuration `FILE` (default ./bundle.yaml, then the user config folder)"},
		&cli.StringSliceFlag{Name: "only", Category: catRun,
			Usage: "run only these collectors or groups (comma-separated or repeated)"},
		&cli.StringSliceFlag{Name: "skip", Category: catRun,
			Usage: "leave out these collectors or groups"},
		&cli.StringFlag{Name: "since", Category: catRun,
			Usage: "how far back logs and changes go (default 24h)"},
		&cli.StringFlag{Name: "timeout", Category: catRun,
			Usage: "bound the whole run (default 10m)"},
		&cli.StringFlag{Name: "collector-timeout", Category: catRun,
			Usage: "bound each collector (default 2m)"},
		&cli.IntFlag{Name: "parallel", Category: catRun,
			Usage: "collectors run at once (default 8)"},
		&cli.BoolFlag{Name: "json", Category: catRun, Usage: "print one JSON result on stdout"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Category: catRun,
			Usage: "log more on stderr"},
		&cli.BoolFlag{Name: "debug", Category: catRun, Usage: "log everything on stderr"},

		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Category: catOutput,
			Usage: "bundle `PATH` (.tar.gz or .tar.zst; default caracal-bundle-<UTC time>.tar.gz)"},
		&cli.StringFlag{Name: "output-dir", Category: catOutput,
			Usage: "write a timestamped bundle into `DIR`"},
		&cli.IntFlag{Name: "keep", Category: catOutput,
			Usage: "with --output-dir: keep only the newest `N` bundles there"},
		&cli.StringFlag{Name: "keep-for", Category: catOutput,
			Usage: "with --output-dir: delete bundles there older than `DURATION` (e.g. 14d)"},
		&cli.StringFlag{Name: "key", Category: catOutput, EnvVars: []string{"BUNDLE_KEY"},
			Usage: "SSH signing key `FILE` (default: the user's bundle key, made on first use)"},
		&cli.BoolFlag{Name: "no-keygen", Category: catOutput,
			Usage: "fail instead of creating the default signing key"},
		&cli.StringSliceFlag{Name: "recipient", Aliases: []string{"r"}, Category: catOutput,
			Usage: "encrypt to an age or ssh-ed25519 `RECIPIENT` (repeatable)"},
		&cli.StringFlag{Name: "recipients-file", Aliases: []string{"R"}, Category: catOutput,
			Usage: "encrypt to the recipients listed in `FILE`"},

		&cli.StringFlag{Name: "redis-url", Category: catRedis, EnvVars: []string{"REDIS_URL"},
			Usage: "redis:// or rediss:// `URL` of Caracal's Redis"},
		&cli.StringFlag{Name: "redis-ca-file", Category: catRedis,
			Usage: "CA `FILE` for rediss://"},
		&cli.BoolFlag{Name: "redis-insecure-skip-verify", Category: catRedis,
			Usage: "do not verify the rediss:// server certificate"},
		&cli.IntFlag{Name: "redis-dlq-sample", Category: catRedis,
			Usage: "dead-letter entries read per stream (default 200)"},
		&cli.BoolFlag{Name: "redis-payloads", Category: catRedis,
			Usage: "copy dead-letter payloads (redacted, capped)"},

		&cli.StringFlag{Name: "database-url", Category: catPostgres,
			EnvVars: []string{"DATABASE_URL"},
			Usage:   "postgres:// `URL` or DSN of Caracal's database"},
		&cli.StringFlag{Name: "migrations-dir", Category: catPostgres,
			Usage: "Caracal's migrations/ `DIR`, instead of the built-in list"},

		&cli.StringFlag{Name: "kubeconfig", Category: catKube, Usage: "kubeconfig `FILE`"},
		&cli.StringFlag{Name: "context", Category: catKube, Usage: "kubeconfig context"},
		&cli.StringFlag{Name: "namespace", Aliases: []string{"n"}, Category: catKube,
			Usage: "Caracal's namespace (default caracal)"},
		&cli.StringFlag{Name: "release", Category: catKube,
			Usage: "Helm release (default caracal)"},
		&cli.StringFlag{Name: "selector", Aliases: []string{"l"}, Category: catKube,
			Usage: "pod label selector (default: the chart's labels for the release)"},
		&cli.Int64Flag{Name: "tail", Category: catKube,
			Usage: "lines kept of each container log (default 10000)"},
		&cli.Int64Flag{Name: "log-bytes", Category: catKube,
			Usage: "bytes kept of each container log (default 5 MiB)"},
		&cli.Float64Flag{Name: "kube-qps", Category: catKube,
			Usage: "API requests per second to the Kubernetes API (default 100)"},
		&cli.IntFlag{Name: "kube-burst", Category: catKube,
			Usage: "API request burst to the Kubernetes API (default 200)"},

		&cli.StringSliceFlag{Name: "compose-project", Category: catCompose,
			Usage: "compose project (default: every project named caracal*)"},
		&cli.StringFlag{Name: "caracal-home", Category: catCompose,
			EnvVars: []string{"CARACAL_HOME"},
			Usage:   "installed runtime `DIR` (default as Caracal's own)"},

		&cli.StringFlag{Name: "caracal-mode", Category: catCaracal,
			Usage: "where the services are: auto, compose or kubernetes"},
		&cli.StringSliceFlag{Name: "caracal-endpoint", Category: catCaracal,
			Usage: "base URL of one service, `SERVICE=URL` (sts, gateway, audit, api, " +
				"coordinator, web; repeatable)"},
		&cli.StringFlag{Name: "api-url", Category: catCaracal, Usage: "Caracal API base `URL`"},
		&cli.StringFlag{Name: "admin-token-file", Category: catCaracal,
			Usage: "`FILE` with the admin token (or CARACAL_ADMIN_TOKEN)"},
		&cli.StringFlag{Name: "audit-admin-token-file", Category: catCaracal,
			Usage: "`FILE` with the audit service's AUDIT_ADMIN_TOKEN"},
		&cli.StringFlag{Name: "metrics-bearer-file", Category: catCaracal,
			Usage: "`FILE` with the metrics bearer"},
		&cli.StringFlag{Name: "coordinator-token-file", Category: catCaracal,
			Usage: "`FILE` with the coordinator token"},

		&cli.StringFlag{Name: "request-id", Category: catRequest,
			Usage: "request `ID` to investigate"},
		&cli.StringFlag{Name: "zone", Category: catRequest, Usage: "zone of the request"},
		&cli.StringFlag{Name: "subject", Category: catRequest, Usage: "subject of the request"},
		&cli.StringFlag{Name: "resource", Category: catRequest, Usage: "resource of the request"},
		&cli.StringFlag{Name: "at", Category: catRequest,
			Usage: "RFC 3339 `TIME` of the failure: logs and changes are taken around it"},
	}
}

// loadConfig reads the configuration file, then lets the flags override it.
func loadConfig(c *cli.Context) (config.Config, error) {
	cfg := config.Config{}
	path, err := config.Find(c.String("config"))
	if err != nil {
		return cfg, withHint(&exitErr{code: exitUsage, err: err},
			"check --config or "+config.EnvFile)
	}
	if path != "" {
		loaded, err := config.Load(path)
		if err != nil {
			return cfg, withHint(&exitErr{code: exitUsage, err: err},
				"fix the configuration file "+path)
		}
		cfg = *loaded
	}

	var errs []error
	for _, apply := range []func(*cli.Context, *config.Config) error{
		applyRun, applyStorage, applyKube, applyCaracal, applyRequest,
	} {
		errs = append(errs, apply(c, &cfg))
	}
	if err := errors.Join(append(errs, cfg.Validate(), cfg.CheckRefs())...); err != nil {
		return cfg, &exitErr{code: exitUsage, err: err}
	}
	return cfg, nil
}

func applyRun(c *cli.Context, cfg *config.Config) error {
	var errs []error
	for name, dst := range map[string]*config.Duration{
		"since": &cfg.Since, "timeout": &cfg.Timeout, "collector-timeout": &cfg.CollectorTimeout,
	} {
		if !c.IsSet(name) {
			continue
		}
		d, err := config.ParseDuration(c.String(name))
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("--%s: want a positive duration such as 90s, "+
				"15m or 24h, got %q", name, c.String(name)))
			continue
		}
		*dst = config.Duration(d)
	}
	if c.IsSet("parallel") {
		cfg.Parallel = c.Int("parallel")
		if cfg.Parallel < 1 {
			errs = append(errs, fmt.Errorf("--parallel: must be at least 1"))
		}
	}
	return errors.Join(errs...)
}

func applyStorage(c *cli.Context, cfg *config.Config) error {
	if v := c.String("redis-url"); v != "" {
		cfg.Redis.URL = refFromFlag("REDIS_URL", v)
	}
	setString(c, "redis-ca-file", &cfg.Redis.CAFile)
	if c.IsSet("redis-insecure-skip-verify") {
		cfg.Redis.InsecureSkipVerify = c.Bool("redis-insecure-skip-verify")
	}
	if c.IsSet("redis-dlq-sample") {
		cfg.Redis.DeadLetterSample = c.Int("redis-dlq-sample")
	}
	if c.IsSet("redis-payloads") {
		cfg.Redis.IncludePayloads = c.Bool("redis-payloads")
	}
	if v := c.String("database-url"); v != "" {
		cfg.Postgres.URL = refFromFlag("DATABASE_URL", v)
	}
	setString(c, "migrations-dir", &cfg.Postgres.MigrationsDir)
	return nil
}

// refFromFlag records where a secret came from: the environment variable when it holds
// the flag's value, else the literal value, which never prints.
func refFromFlag(env, v string) secret.Ref {
	if os.Getenv(env) == v {
		return secret.Env(env)
	}
	return secret.Value(v)
}

func applyKube(c *cli.Context, cfg *config.Config) error {
	k := &cfg.Kubernetes
	setString(c, "kubeconfig", &k.Kubeconfig)
	setString(c, "context", &k.Context)
	setString(c, "namespace", &k.Namespace)
	setString(c, "release", &k.Release)
	setString(c, "selector", &k.Selector)
	if c.IsSet("tail") {
		k.Tail = c.Int64("tail")
	}
	if c.IsSet("log-bytes") {
		k.LogBytes = c.Int64("log-bytes")
	}
	if c.IsSet("kube-qps") {
		k.QPS = float32(c.Float64("kube-qps"))
	}
	if c.IsSet("kube-burst") {
		k.Burst = c.Int("kube-burst")
	}
	if c.IsSet("compose-project") {
		cfg.Compose.Projects = splitList(c.StringSlice("compose-project"))
	}
	setString(c, "caracal-home", &cfg.Compose.Home)
	return nil
}

func applyCaracal(c *cli.Context, cfg *config.Config) error {
	cc := &cfg.Caracal
	setString(c, "caracal-mode", &cc.Mode)
	setString(c, "api-url", &cc.APIURL)
	for flag, dst := range map[string]*secret.Ref{
		"admin-token-file": &cc.AdminToken, "metrics-bearer-file": &cc.MetricsBearer,
		"coordinator-token-file": &cc.CoordinatorToken,
		"audit-admin-token-file": &cc.AuditAdminToken,
	} {
		if v := c.String(flag); v != "" {
			*dst = secret.File(v)
		}
	}
	if err := applyEndpoints(c.StringSlice("caracal-endpoint"), cc); err != nil {
		return err
	}
	if cc.AdminToken.IsZero() {
		if _, ok := os.LookupEnv("CARACAL_ADMIN_TOKEN"); ok {
			cc.AdminToken = secret.Env("CARACAL_ADMIN_TOKEN")
		}
	}
	return nil
}

// caracalServices are the services whose endpoints can be overridden.
var caracalServices = []string{"sts", "gateway", "audit", "api", "coordinator", "web"}

func applyEndpoints(flags []string, cc *config.Caracal) error {
	for _, f := range splitList(flags) {
		svc, u, ok := strings.Cut(f, "=")
		if !ok || !contains(caracalServices, svc) {
			return fmt.Errorf("--caracal-endpoint %q: want SERVICE=URL with SERVICE one of %s",
				f, strings.Join(caracalServices, ", "))
		}
		parsed, err := url.Parse(u)
		web := err == nil && (parsed.Scheme == "http" || parsed.Scheme == "https")
		if !web || parsed.Host == "" {
			return fmt.Errorf("--caracal-endpoint %s: want an http(s) URL, got %q", svc, u)
		}
		if cc.Endpoints == nil {
			cc.Endpoints = map[string]string{}
		}
		cc.Endpoints[svc] = u
	}
	return nil
}

func applyRequest(c *cli.Context, cfg *config.Config) error {
	r := &cfg.Request
	setString(c, "request-id", &r.ID)
	setString(c, "zone", &r.Zone)
	setString(c, "subject", &r.Subject)
	setString(c, "resource", &r.Resource)
	if v := c.String("at"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return fmt.Errorf("--at: want an RFC 3339 time such as 2026-12-03T10:15:00Z, got %q", v)
		}
		r.At = &t
	}
	return nil
}

func setString(c *cli.Context, flag string, dst *string) {
	if c.IsSet(flag) {
		*dst = c.String(flag)
	}
}

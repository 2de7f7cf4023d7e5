// Package config loads and validates bundle's YAML configuration.
//
// Secrets are never written in the file itself: fields of type secret.Ref take
// "env:NAME" or "file:PATH". Validate names the offending field of every problem.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/caracal-tools/bundle/bundle/secret"
)

// EnvFile is the environment variable naming a configuration file.
const EnvFile = "BUNDLE_CONFIG"

// Config is the whole configuration. The zero value is valid: every collector then
// works from its defaults and skips what it cannot reach.
type Config struct {
	Since            Duration   `json:"since,omitempty"`
	Timeout          Duration   `json:"timeout,omitempty"`
	CollectorTimeout Duration   `json:"collectorTimeout,omitempty"`
	Parallel         int        `json:"parallel,omitempty"`
	Redis            Redis      `json:"redis,omitempty"`
	Postgres         Postgres   `json:"postgres,omitempty"`
	Kubernetes       Kubernetes `json:"kubernetes,omitempty"`
	Compose          Compose    `json:"compose,omitempty"`
	Caracal          Caracal    `json:"caracal,omitempty"`
	Request          Request    `json:"request,omitempty"`
	Redact           Redact     `json:"redact,omitempty"`
}

// Redis configures the redis collector.
type Redis struct {
	// URL is a reference to a redis:// or rediss:// URL (it may hold a password).
	URL                secret.Ref `json:"url,omitempty"`
	CAFile             string     `json:"caFile,omitempty"`
	InsecureSkipVerify bool       `json:"insecureSkipVerify,omitempty"`
	// DeadLetterSample is how many of the newest dead-letter entries are read.
	DeadLetterSample int `json:"deadLetterSample,omitempty"`
	// IncludePayloads copies dead-letter payloads, redacted and capped.
	IncludePayloads bool `json:"includePayloads,omitempty"`
}

// Postgres configures the postgres collector.
type Postgres struct {
	// URL is a reference to a postgres:// URL or libpq DSN (it may hold a password).
	URL secret.Ref `json:"url,omitempty"`
	// MigrationsDir overrides the embedded list of Caracal migrations.
	MigrationsDir string `json:"migrationsDir,omitempty"`
}

// Kubernetes configures the kubernetes and helm collectors.
type Kubernetes struct {
	Kubeconfig string `json:"kubeconfig,omitempty"`
	Context    string `json:"context,omitempty"`
	Namespace  string `json:"namespace,omitempty"`
	Release    string `json:"release,omitempty"`
	Selector   string `json:"selector,omitempty"`
	// Tail caps the lines of each container log.
	Tail int64 `json:"tail,omitempty"`
	// LogBytes caps the bytes of each container log.
	LogBytes int64   `json:"logBytes,omitempty"`
	QPS      float32 `json:"qps,omitempty"`
	Burst    int     `json:"burst,omitempty"`
}

// Compose configures the Docker Compose collectors.
type Compose struct {
	// Projects lists compose project names; empty means every project named caracal*.
	Projects []string `json:"projects,omitempty"`
	// Home is the installed runtime folder ($CARACAL_HOME); empty means the default.
	Home string `json:"home,omitempty"`
}

// Caracal configures the collectors that talk to Caracal's own services.
type Caracal struct {
	// Mode is "auto", "compose" or "kubernetes": where the services' endpoints are.
	Mode string `json:"mode,omitempty"`
	// Endpoints overrides the base URL of a service, by service name (sts, api, ...).
	Endpoints        map[string]string `json:"endpoints,omitempty"`
	MetricsBearer    secret.Ref        `json:"metricsBearer,omitempty"`
	CoordinatorToken secret.Ref        `json:"coordinatorToken,omitempty"`
	AdminToken       secret.Ref        `json:"adminToken,omitempty"`
	// AuditAdminToken is the audit service's AUDIT_ADMIN_TOKEN, for its search API.
	AuditAdminToken secret.Ref `json:"auditAdminToken,omitempty"`
	APIURL          string     `json:"apiURL,omitempty"`
}

// Request names one request to investigate.
type Request struct {
	ID       string `json:"id,omitempty"`
	Zone     string `json:"zone,omitempty"`
	Subject  string `json:"subject,omitempty"`
	Resource string `json:"resource,omitempty"`
	// At is the time of the failure; logs and changes are collected around it.
	At *time.Time `json:"at,omitempty"`
}

// Redact holds user redaction rules on top of the built-in ones.
type Redact struct {
	Patterns []Pattern `json:"patterns,omitempty"`
	// Keys are extra key names whose values are secret.
	Keys []string `json:"keys,omitempty"`
	// Values are literal secrets to hide wherever they appear.
	Values []secret.Ref `json:"values,omitempty"`
	// Disable switches built-in rules off by name.
	Disable []string `json:"disable,omitempty"`
}

// Pattern is a user regular expression; the named group "secret" marks what to hide
// (the whole match when there is no such group).
type Pattern struct {
	Name  string   `json:"name"`
	Regex string   `json:"regex"`
	Files []string `json:"files,omitempty"`
}

// Defaults used when a field is zero.
const (
	DefaultSince            = 24 * time.Hour
	DefaultTimeout          = 10 * time.Minute
	DefaultCollectorTimeout = 2 * time.Minute
	DefaultParallel         = 8
	DefaultNamespace        = "caracal"
	DefaultRelease          = "caracal"
	DefaultTail             = 10000
	DefaultLogBytes         = 5 << 20
	DefaultDeadLetterSample = 200
)

// Load reads the file at path strictly: an unknown field is an error naming it.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Parse parses YAML strictly and validates the result.
func Parse(b []byte) (*Config, error) {
	c := &Config{}
	if len(bytes.TrimSpace(b)) > 0 {
		if err := yaml.UnmarshalStrict(b, c); err != nil {
			return nil, cleanYAMLError(namedRefError(b, c, err))
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Find returns the configuration file to use: explicit, else $BUNDLE_CONFIG, else
// ./bundle.yaml, else bundle.yaml in the user config directory. It returns "" when none
// exists; only an explicit or $BUNDLE_CONFIG path must exist.
func Find(explicit string) (string, error) {
	for _, p := range []string{explicit, os.Getenv(EnvFile)} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("config file: %w", err)
		}
		return p, nil
	}

	candidates := []string{"bundle.yaml"}
	if dir, err := UserDir(); err == nil {
		candidates = append(candidates, filepath.Join(dir, "bundle.yaml"))
	}
	for _, p := range candidates {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", nil
}

// UserDir is bundle's folder in the user configuration directory.
func UserDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("user config directory: %w", err)
	}
	return filepath.Join(dir, "caracal-bundle"), nil
}

// Validate checks every field and reports all problems, each naming its field.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{field}, args...)...))
	}

	if c.Since.D() < 0 {
		bad("since", "must not be negative")
	}
	if c.Timeout.D() < 0 {
		bad("timeout", "must not be negative")
	}
	if c.CollectorTimeout.D() < 0 {
		bad("collectorTimeout", "must not be negative")
	}
	if c.Parallel < 0 || c.Parallel > 256 {
		bad("parallel", "must be between 1 and 256, got %d", c.Parallel)
	}
	if c.Redis.DeadLetterSample < 0 {
		bad("redis.deadLetterSample", "must not be negative")
	}
	if c.Kubernetes.Tail < 0 {
		bad("kubernetes.tail", "must not be negative")
	}
	if c.Kubernetes.QPS < 0 || c.Kubernetes.Burst < 0 {
		bad("kubernetes.qps", "qps and burst must not be negative")
	}
	if c.Kubernetes.LogBytes < 0 {
		bad("kubernetes.logBytes", "must not be negative")
	}
	switch c.Caracal.Mode {
	case "", "auto", "compose", "kubernetes":
	default:
		bad("caracal.mode", "must be auto, compose or kubernetes, got %q", c.Caracal.Mode)
	}
	for i, p := range c.Redact.Patterns {
		if p.Name == "" || p.Regex == "" {
			bad(fmt.Sprintf("redact.patterns[%d]", i), "needs both name and regex")
		}
	}
	return errors.Join(errs...)
}

// CheckRefs resolves every secret reference once, without keeping a value, so that an
// unset environment variable or an unreadable file is reported up front, naming its
// field, rather than failing a collector halfway through the run.
func (c *Config) CheckRefs() error {
	refs := map[string]secret.Ref{
		"redis.url": c.Redis.URL, "postgres.url": c.Postgres.URL,
		"caracal.metricsBearer":    c.Caracal.MetricsBearer,
		"caracal.coordinatorToken": c.Caracal.CoordinatorToken,
		"caracal.adminToken":       c.Caracal.AdminToken,
		"caracal.auditAdminToken":  c.Caracal.AuditAdminToken,
	}
	for i, r := range c.Redact.Values {
		refs[fmt.Sprintf("redact.values[%d]", i)] = r
	}
	fields := make([]string, 0, len(refs))
	for f := range refs {
		fields = append(fields, f)
	}
	sort.Strings(fields)

	var errs []error
	for _, f := range fields {
		if _, err := refs[f].Resolve(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f, err))
		}
	}
	return errors.Join(errs...)
}

// WithDefaults returns a copy with every zero field set to its default.
func (c Config) WithDefaults() Config {
	setDur(&c.Since, DefaultSince)
	setDur(&c.Timeout, DefaultTimeout)
	setDur(&c.CollectorTimeout, DefaultCollectorTimeout)
	setInt(&c.Parallel, DefaultParallel)
	setStr(&c.Kubernetes.Namespace, DefaultNamespace)
	setStr(&c.Kubernetes.Release, DefaultRelease)
	setInt64(&c.Kubernetes.Tail, DefaultTail)
	setInt64(&c.Kubernetes.LogBytes, DefaultLogBytes)
	setInt(&c.Redis.DeadLetterSample, DefaultDeadLetterSample)
	setStr(&c.Caracal.Mode, "auto")
	return c
}

func setDur(d *Duration, v time.Duration) {
	if *d == 0 {
		*d = Duration(v)
	}
}

func setInt(p *int, v int) {
	if *p == 0 {
		*p = v
	}
}

func setInt64(p *int64, v int64) {
	if *p == 0 {
		*p = v
	}
}

func setStr(p *string, v string) {
	if *p == "" {
		*p = v
	}
}

// cleanYAMLError drops the library's prefixes so the message names the field plainly.
func cleanYAMLError(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "error unmarshaling JSON: while decoding JSON: ")
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	msg = strings.TrimPrefix(msg, "json: ")
	return errors.New(msg)
}

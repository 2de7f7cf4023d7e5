package testbed

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresServer is a throw-away Postgres cluster on a loopback port. The superuser
// "postgres" logs in without a password (trust); every other role needs its password
// (scram-sha-256), so refused logins can be tested.
type PostgresServer struct {
	// Addr is host:port on 127.0.0.1.
	Addr string
	// Superuser is the name of the superuser role.
	Superuser string
	// CAFile is the CA that signed the server's certificate when started WithPostgresTLS.
	CAFile string

	dir  string
	cred *syscall.Credential
	cmd  *exec.Cmd
}

// PostgresOption changes how Postgres starts.
type PostgresOption func(*pgConfig)

type pgConfig struct {
	settings []string
	tls      bool
}

// WithPostgresTLS turns ssl on with a certificate for 127.0.0.1 signed by a throw-away
// CA (PostgresServer.CAFile). Plain connections are still accepted.
func WithPostgresTLS() PostgresOption { return func(c *pgConfig) { c.tls = true } }

// WithPostgresSetting adds a "-c name=value" server setting.
func WithPostgresSetting(nameValue string) PostgresOption {
	return func(c *pgConfig) { c.settings = append(c.settings, nameValue) }
}

const pgHBA = `local all postgres trust
host all postgres 127.0.0.1/32 trust
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
`

// Postgres runs initdb and starts postgres for the test, as the unprivileged postgres
// user when the test runs as root, and stops it in t.Cleanup, waiting for it to end.
// Missing binaries call Unavailable.
func Postgres(t testing.TB, opts ...PostgresOption) *PostgresServer {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	initdb := LookPath(t, "initdb", dirs...)
	postgres := LookPath(t, "postgres", dirs...)
	var cfg pgConfig
	for _, o := range opts {
		o(&cfg)
	}

	s := &PostgresServer{Superuser: "postgres", cred: pgCredential(t)}
	s.dir = s.makeDir(t)
	data := filepath.Join(s.dir, "data")
	s.run(t, initdb, "-D", data, "-A", "trust", "-U", s.Superuser, "--no-sync", "-E", "UTF8")
	s.writeFile(t, filepath.Join(data, "pg_hba.conf"), pgHBA)

	port := FreePort(t)
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	args := []string{
		"-D", data, "-p", strconv.Itoa(port), "-k", s.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
		"-c", "synchronous_commit=off", "-c", "full_page_writes=off",
	}
	if cfg.tls {
		args = append(args, s.tlsSettings(t)...)
	}
	for _, kv := range cfg.settings {
		args = append(args, "-c", kv)
	}
	s.cmd = exec.Command(postgres, args...)
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: s.cred}
	log := logFile(t, s.dir, "postgres.log")
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("testbed: start postgres: %v", err)
	}
	t.Cleanup(func() { stopProcess(s.cmd, syscall.SIGINT, 20*time.Second) })
	s.waitReady(t)
	return s
}

// tlsSettings writes a certificate pair the postgres user owns and returns the flags.
func (s *PostgresServer) tlsSettings(t testing.TB) []string {
	t.Helper()
	certs, err := writeKubeCerts(s.dir)
	if err != nil {
		t.Fatalf("testbed: postgres certificates: %v", err)
	}
	for _, f := range []string{certs.CA, certs.Cert, certs.Key, certs.SAKey} {
		s.chown(t, f)
	}
	s.CAFile = certs.CA
	return []string{"-c", "ssl=on", "-c", "ssl_cert_file=" + certs.Cert,
		"-c", "ssl_key_file=" + certs.Key}
}

// pgCredential returns the postgres user's credential when running as root, else nil.
func pgCredential(t testing.TB) *syscall.Credential {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		Unavailable(t, "running as root and there is no postgres user to run postgres as")
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		t.Fatalf("testbed: postgres user ids %q/%q", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// makeDir creates the cluster's folder directly under the temp directory (t.TempDir's
// parents are 0700 and owned by root, which the postgres user cannot cross) and
// removes it in t.Cleanup.
func (s *PostgresServer) makeDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "bundle-pg-")
	if err != nil {
		t.Fatalf("testbed: postgres dir: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	s.chown(t, dir)
	return dir
}

func (s *PostgresServer) chown(t testing.TB, path string) {
	t.Helper()
	if s.cred == nil {
		return
	}
	if err := os.Chown(path, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
		t.Fatalf("testbed: chown %s: %v", path, err)
	}
}

func (s *PostgresServer) writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatalf("testbed: write %s: %v", path, err)
	}
	s.chown(t, path)
}

func (s *PostgresServer) run(t testing.TB, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	cmd.Dir = s.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testbed: %s: %v\n%s", filepath.Base(bin), err, out)
	}
}

func (s *PostgresServer) waitReady(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := pgx.Connect(ctx, s.URL("postgres"))
		if err == nil {
			_ = c.Close(ctx)
			cancel()
			return
		}
		cancel()
		if time.Now().After(deadline) {
			t.Fatalf("testbed: postgres on %s not ready: %v\n%s", s.Addr, err,
				readLog(s.dir, "postgres.log"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// URL returns a superuser URL for database db, without TLS.
func (s *PostgresServer) URL(db string) string {
	u := url.URL{
		Scheme: "postgres", User: url.User(s.Superuser), Host: s.Addr, Path: "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// UserURL returns a URL that logs in as role with password to database db.
func (s *PostgresServer) UserURL(role, password, db string) string {
	u := url.URL{
		Scheme: "postgres", User: url.UserPassword(role, password), Host: s.Addr,
		Path: "/" + db, RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Conn opens a superuser connection to db, closed in t.Cleanup. Tests use it for
// fixtures and to hold locks while a collector runs.
func (s *PostgresServer) Conn(t testing.TB, db string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.URL(db))
	if err != nil {
		t.Fatalf("testbed: connect to postgres database %s: %v", db, err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// Exec runs SQL (several statements are allowed when there are no args) in db as the
// superuser and fails the test on error.
func (s *PostgresServer) Exec(t testing.TB, db, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, s.URL(db))
	if err != nil {
		t.Fatalf("testbed: connect to postgres database %s: %v", db, err)
	}
	defer func() { _ = c.Close(context.Background()) }()
	if _, err := c.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("testbed: postgres database %s: %v\n%s", db, err, sql)
	}
}

// CreateDB creates an empty database and returns its superuser URL. Databases live
// until the server stops; use a fresh name per test to keep tests apart.
func (s *PostgresServer) CreateDB(t testing.TB, name string) string {
	t.Helper()
	s.Exec(t, "postgres", "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return s.URL(name)
}

// CreateRole creates a login role with a random password and no privileges beyond
// PUBLIC's, and returns its URL for database db. Grant more with Exec.
func (s *PostgresServer) CreateRole(t testing.TB, name, db string) string {
	t.Helper()
	pw := randomHex(t, 12)
	s.Exec(t, "postgres", fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'",
		pgx.Identifier{name}.Sanitize(), pw))
	return s.UserURL(name, pw, db)
}

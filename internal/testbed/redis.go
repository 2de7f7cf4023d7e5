package testbed

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisServer is a throw-away redis-server on a loopback port.
type RedisServer struct {
	// Addr is host:port on 127.0.0.1.
	Addr string
	// Password is the default user's password; empty when started WithoutPassword.
	Password string
	// CAFile is the CA that signed the server's certificate when started WithTLS.
	CAFile string

	dir string
	cmd *exec.Cmd
}

// RedisOption changes how Redis starts.
type RedisOption func(*redisConfig)

type redisConfig struct {
	password bool
	aof      bool
	tls      bool
	args     []string
}

// WithoutPassword starts Redis with no requirepass.
func WithoutPassword() RedisOption { return func(c *redisConfig) { c.password = false } }

// WithPersistence turns the append-only file on (as Caracal's Redis runs), so the
// persistence checks see a healthy server.
func WithPersistence() RedisOption { return func(c *redisConfig) { c.aof = true } }

// WithTLS serves TLS only, with a certificate for 127.0.0.1 signed by a throw-away CA
// (RedisServer.CAFile); clients need no certificate.
func WithTLS() RedisOption { return func(c *redisConfig) { c.tls = true } }

// WithRedisArgs adds raw redis-server flags, such as "--maxmemory-policy", "allkeys-lru".
func WithRedisArgs(args ...string) RedisOption {
	return func(c *redisConfig) { c.args = append(c.args, args...) }
}

// Redis starts redis-server for the test and stops it in t.Cleanup. A missing binary
// calls Unavailable.
func Redis(t testing.TB, opts ...RedisOption) *RedisServer {
	t.Helper()
	bin := LookPath(t, "redis-server")
	cfg := redisConfig{password: true}
	for _, o := range opts {
		o(&cfg)
	}

	s := &RedisServer{dir: t.TempDir()}
	if cfg.password {
		s.Password = randomHex(t, 16)
	}
	args := s.args(t, cfg)
	s.cmd = exec.Command(bin, args...)
	s.cmd.Dir = s.dir
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	log := logFile(t, s.dir, "redis.log")
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("testbed: start redis-server: %v", err)
	}
	t.Cleanup(s.stop)
	s.waitReady(t)
	return s
}

func (s *RedisServer) args(t testing.TB, cfg redisConfig) []string {
	t.Helper()
	port := FreePort(t)
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	args := []string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--daemonize", "no", "--logfile", "",
	}
	if cfg.tls {
		certs, err := writeKubeCerts(s.dir)
		if err != nil {
			t.Fatalf("testbed: redis certificates: %v", err)
		}
		s.CAFile = certs.CA
		args = append(args, "--port", "0", "--tls-port", strconv.Itoa(port),
			"--tls-cert-file", certs.Cert, "--tls-key-file", certs.Key,
			"--tls-ca-cert-file", certs.CA, "--tls-auth-clients", "no")
	}
	if cfg.aof {
		args = append(args, "--appendonly", "yes", "--appendfsync", "no")
	} else {
		args = append(args, "--appendonly", "no")
	}
	if cfg.password {
		args = append(args, "--requirepass", s.Password)
	}
	return append(args, cfg.args...)
}

// URL returns a redis:// URL (rediss:// WithTLS) for the default user, with the
// password when there is one.
func (s *RedisServer) URL() string {
	u := url.URL{Scheme: s.scheme(), Host: s.Addr}
	if s.Password != "" {
		u.User = url.UserPassword("", s.Password)
	}
	return u.String()
}

// UserURL returns a redis:// URL that logs in as an ACL user.
func (s *RedisServer) UserURL(user, password string) string {
	u := url.URL{Scheme: s.scheme(), Host: s.Addr, User: url.UserPassword(user, password)}
	return u.String()
}

func (s *RedisServer) scheme() string {
	if s.CAFile != "" {
		return "rediss"
	}
	return "redis"
}

// options returns client options for the default user, with TLS when the server has it.
func (s *RedisServer) options(t testing.TB) *redis.Options {
	t.Helper()
	opt := &redis.Options{Addr: s.Addr, Password: s.Password, DisableIdentity: true}
	if s.CAFile == "" {
		return opt
	}
	pemBytes, err := os.ReadFile(s.CAFile)
	if err != nil {
		t.Fatalf("testbed: redis CA: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemBytes)
	opt.TLSConfig = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1",
		MinVersion: tls.VersionTLS12}
	return opt
}

// Client returns a client logged in as the default user, closed in t.Cleanup. Tests use
// it to build fixtures.
func (s *RedisServer) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(s.options(t))
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// AddUser creates an ACL user with a password and the given rules (for example
// "~*", "+@read", "-config") and returns its URL.
func (s *RedisServer) AddUser(t testing.TB, name string, rules ...string) string {
	t.Helper()
	pw := randomHex(t, 12)
	args := []any{"acl", "setuser", name, "reset", "on", ">" + pw}
	for _, r := range rules {
		args = append(args, r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Client(t).Do(ctx, args...).Err(); err != nil {
		t.Fatalf("testbed: redis acl setuser %s: %v", name, err)
	}
	return s.UserURL(name, pw)
}

func (s *RedisServer) waitReady(t testing.TB) {
	t.Helper()
	opt := s.options(t)
	opt.MaxRetries = -1
	c := redis.NewClient(opt)
	defer func() { _ = c.Close() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("testbed: redis-server on %s not ready: %v\n%s", s.Addr, err,
				readLog(s.dir, "redis.log"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *RedisServer) stop() {
	stopProcess(s.cmd, syscall.SIGTERM, 10*time.Second)
}

package redisstreams

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/collectors/internal/netutil"
)

// Connection limits: short, so an unreachable or hanging server ends the collector fast.
const (
	dialTimeout = 5 * time.Second
	ioTimeout   = 20 * time.Second
	// probeTimeout bounds the first round trip (login, PING, INFO): a server that
	// accepts connections but never answers is given up on quickly.
	probeTimeout = 8 * time.Second
)

func init() { redis.SetLogger(quietLogger{}) }

// quietLogger keeps go-redis's own pool messages off the user's terminal: every
// failure reaches the collector as an error anyway.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// hooks are added to every client; tests use them to count round trips.
var hooks []redis.Hook

// newClient builds a client from the resolved URL and the TLS options. Errors never
// hold the URL or the password.
func newClient(rawURL string, cfg config.Redis) (*redis.Client, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, netutil.Scrub(fmt.Errorf("parse redis url: %w", err), rawURL)
	}
	if err := applyTLS(opt, cfg); err != nil {
		return nil, err
	}
	opt.DialTimeout = dialTimeout
	opt.ReadTimeout = ioTimeout
	opt.WriteTimeout = ioTimeout
	opt.ContextTimeoutEnabled = true
	opt.MaxRetries = -1
	opt.DialerRetries = 1
	opt.PoolSize = 2
	opt.Protocol = 2
	opt.DisableIdentity = true
	c := redis.NewClient(opt)
	for _, h := range hooks {
		c.AddHook(h)
	}
	return c, nil
}

// applyTLS adds the CA file and the verification switch to a rediss:// URL's options.
func applyTLS(opt *redis.Options, cfg config.Redis) error {
	if opt.TLSConfig == nil {
		return nil
	}
	opt.TLSConfig.MinVersion = tls.VersionTLS12
	opt.TLSConfig.InsecureSkipVerify = cfg.InsecureSkipVerify
	if cfg.CAFile == "" {
		return nil
	}
	pem, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return fmt.Errorf("read redis CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return fmt.Errorf("redis CA file %s: no PEM certificate in it", cfg.CAFile)
	}
	opt.TLSConfig.RootCAs = pool
	return nil
}

// isReplyError reports whether err is an error reply from the server (such as NOPERM
// or an unknown command), as opposed to a transport failure.
func isReplyError(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && !errors.Is(err, redis.Nil)
}

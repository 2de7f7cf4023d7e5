package caracal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/collectors/kube"
)

// apiCheckTimeout bounds the check that the Kubernetes API answers in auto mode.
const apiCheckTimeout = 2 * time.Second

// resolve picks where the endpoints are: Compose (localhost ports, or configured base
// URLs), Kubernetes (the service proxy), or in auto mode Compose when any port
// answers, else Kubernetes when a kubeconfig works, else a NotFound skip.
func resolve(ctx context.Context, env *bundle.Env) (fetcher, string, error) {
	ov, err := overrides(env.Config.Caracal.Endpoints)
	if err != nil {
		return nil, "", err
	}
	direct := &httpFetcher{client: newHTTPClient(), bases: ov}

	switch env.Config.Caracal.Mode {
	case "compose":
		return composeFetcher(direct), "compose", nil
	case "kubernetes":
		kf, err := newKubeFetcher(ctx, env, direct)
		if errors.Is(err, kube.ErrNotConfigured) {
			return nil, "", bundle.Skip(bundle.NotConfigured, "caracal mode kubernetes: %v", err)
		}
		return kf, "kubernetes", err
	}

	if port := anyAnswers(ctx, direct.bases); port != "" {
		return composeFetcher(direct), "compose (auto: " + port + " answered)", nil
	}
	kf, err := newKubeFetcher(ctx, env, direct)
	if err == nil {
		err = apiAnswers(ctx, kf)
	}
	if err != nil {
		return nil, "", bundle.Skip(bundle.NotFound, "no Caracal service answers on "+
			"localhost ports %s and no usable Kubernetes API (%v); set --caracal-mode, "+
			"--kubeconfig or caracal.endpoints in the config file", localPorts(), oneLine(err.Error()))
	}
	return kf, "kubernetes (auto)", nil
}

// composeFetcher fills in the localhost port of every service not configured.
func composeFetcher(direct *httpFetcher) *httpFetcher {
	for _, s := range services {
		if _, ok := direct.bases[s.name]; !ok {
			direct.bases[s.name] = localBase(s)
		}
	}
	return direct
}

func newKubeFetcher(ctx context.Context, env *bundle.Env, direct *httpFetcher) (
	*kubeFetcher, error) {
	c, err := kube.NewClient(ctx, env.Config.Kubernetes)
	if err != nil {
		return nil, err
	}
	return &kubeFetcher{rc: c.Clientset.CoreV1().RESTClient(), ns: c.Namespace,
		fullname: helmFullname(c.Release), direct: direct}, nil
}

func apiAnswers(ctx context.Context, kf *kubeFetcher) error {
	cctx, cancel := context.WithTimeout(ctx, apiCheckTimeout)
	defer cancel()
	err := kf.rc.Get().AbsPath("/version").MaxRetries(0).Do(cctx).Error()
	if err != nil {
		return fmt.Errorf("kubernetes API: %w", err)
	}
	return nil
}

// anyAnswers dials every service's address at once and returns the first that
// accepts a connection, or "".
func anyAnswers(ctx context.Context, ov map[string]*url.URL) string {
	addrs := make([]string, 0, len(services))
	for _, s := range services {
		if u, ok := ov[s.name]; ok {
			addrs = append(addrs, hostPort(u))
			continue
		}
		addrs = append(addrs, localBase(s).Host)
	}

	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first string
	)
	d := net.Dialer{Timeout: connectTimeout}
	for _, a := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := d.DialContext(ctx, "tcp", a)
			if err != nil {
				return
			}
			_ = conn.Close()
			mu.Lock()
			defer mu.Unlock()
			if first == "" {
				first = a
			}
		}()
	}
	wg.Wait()
	return first
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

func localPorts() string {
	ps := make([]string, len(services))
	for i, s := range services {
		ps[i] = fmt.Sprint(s.port)
	}
	return strings.Join(ps, ", ")
}

func oneLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

package caracal

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// service is one of Caracal's HTTP services and the endpoints collected from it.
type service struct {
	name string
	// port is the localhost port Compose publishes (web: 3001 on the host).
	port int
	// extra are the paths collected besides /ready and /health.
	extra []endpoint
}

// endpoint is a path and the token it needs.
type endpoint struct {
	path  string
	token tokenKind
}

// tokenKind says which bearer a request carries.
type tokenKind int

const (
	noToken tokenKind = iota
	metricsToken
	coordinatorToken
)

// services are probed in this order. The coordinator serves /metrics only with a
// bearer equal to both its operator token and METRICS_BEARER, so /stats is used.
var services = []service{
	{name: "sts", port: 8080, extra: []endpoint{{"/metrics.json", metricsToken}}},
	{name: "gateway", port: 8081, extra: []endpoint{{"/metrics.json", metricsToken}}},
	{name: "audit", port: 9090, extra: []endpoint{{"/metrics.json", metricsToken}}},
	{name: "api", port: 3000},
	{name: "coordinator", port: 4000, extra: []endpoint{{"/stats", coordinatorToken}}},
	{name: "web", port: 3001, extra: []endpoint{{"/version", noToken}}},
}

func serviceNames() []string {
	out := make([]string, len(services))
	for i, s := range services {
		out[i] = s.name
	}
	return out
}

// overrides parses the configured base URLs by service; a bad entry is an error that
// names the setting.
func overrides(m map[string]string) (map[string]*url.URL, error) {
	out := map[string]*url.URL{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, name := range keys {
		if !known(name) {
			return nil, fmt.Errorf("caracal.endpoints.%s: unknown service; use one of %s",
				name, strings.Join(serviceNames(), ", "))
		}
		u, err := url.Parse(m[name])
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("caracal.endpoints.%s: want a base URL such as "+
				"http://127.0.0.1:8080", name)
		}
		out[name] = u
	}
	return out, nil
}

func known(name string) bool {
	for _, s := range services {
		if s.name == name {
			return true
		}
	}
	return false
}

// localBase is the Compose base URL of a service.
func localBase(s service) *url.URL {
	return &url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", s.port)}
}

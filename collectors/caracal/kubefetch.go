package caracal

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"k8s.io/client-go/rest"
)

// kubeFetcher reaches services through the API server's service proxy,
// /api/v1/namespaces/<ns>/services/<fullname>-<svc>:http/proxy<path>, so no
// port-forward is needed. Services with a configured base URL are reached directly.
//
// The API server consumes the Authorization header when it authenticates the request,
// so a bearer cannot travel through the proxy: metrics are requested without one.
type kubeFetcher struct {
	rc       rest.Interface
	ns       string
	fullname string
	direct   *httpFetcher
}

func (f *kubeFetcher) describe() string {
	return fmt.Sprintf("Kubernetes service proxy (namespace %s, services %s-<service>)",
		f.ns, f.fullname)
}

// proxyPath is the service proxy path of a service endpoint.
func (f *kubeFetcher) proxyPath(svc, path string) string {
	return fmt.Sprintf("/api/v1/namespaces/%s/services/%s-%s:http/proxy%s", f.ns,
		f.fullname, svc, path)
}

func (f *kubeFetcher) fetch(ctx context.Context, svc, path, bearer string) probe {
	if _, ok := f.direct.bases[svc]; ok {
		return f.direct.fetch(ctx, svc, path, bearer)
	}
	p := probe{Service: svc, Path: path, URL: f.proxyPath(svc, path)}
	start := time.Now()
	res := f.rc.Get().AbsPath(p.URL).MaxRetries(0).Timeout(requestTimeout).
		SetHeader("Accept", "application/json").Do(ctx)
	p.DurationMS = time.Since(start).Milliseconds()

	var code int
	res.StatusCode(&code)
	body, err := res.Raw()
	if code == 0 {
		p.Error = transportError(err)
		return p
	}
	if msg, ok := apiServerStatus(body); ok {
		p.Error = fmt.Sprintf("API server: %d %s", code, msg)
		return p
	}
	p.Status, p.raw = code, body
	return p
}

// apiServerStatus recognises an error the API server itself returned (a Status
// object, such as "no endpoints available"), as opposed to the service's answer.
func apiServerStatus(body []byte) (string, bool) {
	var st struct {
		Kind       string `json:"kind"`
		APIVersion string `json:"apiVersion"`
		Message    string `json:"message"`
	}
	if json.Unmarshal(body, &st) != nil || st.Kind != "Status" || st.APIVersion != "v1" {
		return "", false
	}
	return strings.TrimSpace(st.Message), true
}

// helmFullname is the chart's fullname for a release, as the chart's helper computes
// it without overrides.
func helmFullname(release string) string {
	if strings.Contains(release, "caracal") {
		return release
	}
	return release + "-caracal"
}

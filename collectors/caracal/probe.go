package caracal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Timeouts of one probe: connecting, and the whole request. There are no retries.
const (
	connectTimeout = time.Second
	requestTimeout = 10 * time.Second
	// bodyCap bounds the body kept from one endpoint.
	bodyCap = 4 << 20
)

// probe is one request to a service endpoint, as probes.json records it. It never
// holds a token.
type probe struct {
	Service    string `json:"service"`
	Path       string `json:"path"`
	URL        string `json:"url"`
	Status     int    `json:"status,omitempty"`
	DurationMS int64  `json:"durationMs"`
	Error      string `json:"error,omitempty"`
	// Body is the response body when it is small: JSON as is, other text as a string.
	Body json.RawMessage `json:"body,omitempty"`
	// File is the bundle file holding a large body (metrics and stats).
	File string `json:"file,omitempty"`

	raw []byte
}

// fetcher performs one GET of a path on a service with an optional bearer.
type fetcher interface {
	fetch(ctx context.Context, svc, path, bearer string) probe
	describe() string
}

// httpFetcher reaches services directly: localhost ports or configured base URLs.
type httpFetcher struct {
	client *http.Client
	bases  map[string]*url.URL
}

func newHTTPClient() *http.Client {
	d := &net.Dialer{Timeout: connectTimeout}
	return &http.Client{
		Timeout: requestTimeout,
		Transport: &http.Transport{DialContext: d.DialContext, Proxy: nil,
			ResponseHeaderTimeout: requestTimeout, MaxIdleConnsPerHost: 2},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

func (f *httpFetcher) describe() string { return "direct HTTP" }

func (f *httpFetcher) fetch(ctx context.Context, svc, path, bearer string) probe {
	u := *f.bases[svc]
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	p := probe{Service: svc, Path: path, URL: u.Redacted()}
	start := time.Now()
	defer func() { p.DurationMS = time.Since(start).Milliseconds() }()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		p.Error = err.Error()
		return p
	}
	req.Header.Set("Accept", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		p.Error = transportError(err)
		return p
	}
	defer func() { _ = resp.Body.Close() }()
	p.Status = resp.StatusCode
	p.raw, err = io.ReadAll(io.LimitReader(resp.Body, bodyCap))
	if err != nil {
		p.Error = fmt.Sprintf("read body: %v", err)
	}
	return p
}

// transportError shortens a client error to its cause: "connection refused",
// "timeout" and the like, without the URL.
func transportError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	return err.Error()
}

// answered reports whether the service answered with any HTTP status.
func (p probe) answered() bool { return p.Status != 0 }

// inline keeps a small body in probes.json: JSON as is, other text as a JSON string.
func (p *probe) inline() {
	if len(p.raw) == 0 {
		return
	}
	if json.Valid(p.raw) {
		p.Body = json.RawMessage(p.raw)
		return
	}
	b, _ := json.Marshal(string(p.raw))
	p.Body = b
}

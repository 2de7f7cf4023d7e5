package kube

import (
	"context"
	"io"
	"net/http"
	"sync"
)

// boundTransport ends every request when the collector's context ends. Some client-go
// and Helm calls (discovery's ServerVersion, Helm's storage driver) take no context, so
// without it a hanging API server would hold them until the runner abandons the
// collector.
type boundTransport struct {
	ctx context.Context
	rt  http.RoundTripper
}

func bindTransport(ctx context.Context) func(http.RoundTripper) http.RoundTripper {
	return func(rt http.RoundTripper) http.RoundTripper {
		return &boundTransport{ctx: ctx, rt: rt}
	}
}

// RoundTrip sends r with a context that also ends when the collector's does.
func (t *boundTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(r.Context())
	stop := context.AfterFunc(t.ctx, cancel)
	release := func() {
		stop()
		cancel()
	}
	resp, err := t.rt.RoundTrip(r.WithContext(ctx))
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// releasingBody releases the request's context once the body is closed.
type releasingBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

// Close closes the body, then releases the request's context.
func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

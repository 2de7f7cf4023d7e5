package caracal

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/bundle/secret"
)

// Test tokens; they must never reach a bundle.
const (
	testMetricsBearer = "mb_8c1e0f7a2d4b4e19a3c6"
	testCoordToken    = "ct_51f3b9e07a8d4c2eb6d1"
)

// fakeService is a stand-in for one Caracal HTTP service, answering as the fact sheet
// describes. It counts requests by path.
type fakeService struct {
	name string
	// ready is the /ready status and body; zero means 200 with the ready body.
	readyStatus int
	readyBody   any
	healthCode  int
	metrics     map[string]any
	// metricsBearer, when set, is required on /metrics.json (401 otherwise).
	metricsBearer string

	mu    sync.Mutex
	hits  map[string]int
	auths map[string]string
}

func (f *fakeService) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ready", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		if f.readyStatus == 0 {
			writeJSON(w, 200, readyOK(f.name))
			return
		}
		writeJSON(w, f.readyStatus, f.readyBody)
	})
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		code := f.healthCode
		if code == 0 {
			code = 200
		}
		writeJSON(w, code, map[string]any{"ok": code == 200})
	})
	mux.HandleFunc("/metrics.json", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		if f.metricsBearer != "" && r.Header.Get("Authorization") != "Bearer "+f.metricsBearer {
			writeJSON(w, 401, map[string]any{"error": "unauthorized"})
			return
		}
		writeJSON(w, 200, f.metrics)
	})
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		if r.Header.Get("Authorization") != "Bearer "+testCoordToken {
			writeJSON(w, 403, map[string]any{"error": "operator_token_required"})
			return
		}
		writeJSON(w, 200, map[string]any{"invocations": map[string]int{"running": 1},
			"outbox": f.metrics})
	})
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		writeJSON(w, 403, map[string]any{"error": "operator_token_required"})
	})
	mux.HandleFunc("/version", func(w http.ResponseWriter, r *http.Request) {
		f.hit(r)
		writeJSON(w, 200, map[string]any{"version": "1.0.0"})
	})
	return mux
}

func (f *fakeService) hit(r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hits[r.URL.Path]++
	f.auths[r.URL.Path] = r.Header.Get("Authorization")
}

func readyOK(svc string) any {
	switch svc {
	case "audit":
		return map[string]any{"ready": true}
	case "api", "coordinator":
		return map[string]any{"ok": true}
	case "web":
		return map[string]any{"status": "ready"}
	}
	return map[string]any{"ok": true, "ready": true}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// fleet is one fake of each service, configured in compose mode with overrides.
type fleet map[string]*fakeService

func newFleet(t *testing.T, change func(fleet)) (fleet, config.Config) {
	t.Helper()
	f := fleet{}
	for _, s := range services {
		f[s.name] = &fakeService{name: s.name, hits: map[string]int{},
			auths: map[string]string{}, metricsBearer: testMetricsBearer}
	}
	if change != nil {
		change(f)
	}
	cfg := config.Config{Caracal: config.Caracal{Mode: "compose", Endpoints: map[string]string{}}}
	for name, svc := range f {
		srv := httptest.NewServer(svc.handler())
		t.Cleanup(srv.Close)
		cfg.Caracal.Endpoints[name] = srv.URL
	}
	t.Setenv("TEST_METRICS_BEARER", testMetricsBearer)
	t.Setenv("TEST_COORD_TOKEN", testCoordToken)
	cfg.Caracal.MetricsBearer = secret.Env("TEST_METRICS_BEARER")
	cfg.Caracal.CoordinatorToken = secret.Env("TEST_COORD_TOKEN")
	return f, cfg
}

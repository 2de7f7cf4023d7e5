// Command fakecaracal plays one of Caracal's HTTP services inside a FROM-scratch test
// image: it logs JSON lines on stderr in the shape of Caracal's Go services and serves
// /health, /ready, /metrics.json, /stats and /version.
//
// Environment:
//
//	FAKE_SERVICE   service name written in each log line (default "sts")
//	PORT           port to listen on (default 8080)
//	READY_REASON   when set, /ready answers 503 with this reason
//	FAKE_SECRET    a token written in one log line, to test redaction
//	FAKE_LOG_LINES extra filler log lines written at start
//	FAKE_EXIT      when set, log and exit with this code (a one-shot container)
//	METRICS_JSON   body of /metrics.json (default "{}")
//	METRICS_BEARER bearer token /metrics.json requires, when set
//	HEALTH_PATH    path the -probe mode calls (default /ready)
//
// With -probe it acts as the image's health check: it calls HEALTH_PATH on the local
// port, prints the status and exits 0 only for 2xx.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"
)

func main() {
	probe := flag.Bool("probe", false, "run as the health check")
	flag.Parse()
	if *probe {
		os.Exit(runProbe())
	}
	os.Exit(serve())
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func runProbe() int {
	url := "http://127.0.0.1:" + env("PORT", "8080") + env("HEALTH_PATH", "/ready")
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Println("probe:", err)
		return 1
	}
	defer resp.Body.Close()
	fmt.Println("probe", url, "status", resp.StatusCode)
	if resp.StatusCode/100 != 2 {
		return 1
	}
	return 0
}

func logLine(level, msg string, extra map[string]any) {
	host, _ := os.Hostname()
	rec := map[string]any{
		"time": time.Now().UnixMilli(), "level": level, "msg": msg,
		"service": env("FAKE_SERVICE", "sts"), "hostname": host, "pid": os.Getpid(),
		"version": "dev", "env": "dev",
	}
	for k, v := range extra {
		rec[k] = v
	}
	b, _ := json.Marshal(rec)
	fmt.Fprintln(os.Stderr, string(b))
}

func serve() int {
	logLine("INFO", "starting", nil)
	if s := os.Getenv("FAKE_SECRET"); s != "" {
		logLine("WARN", "upstream call rejected", map[string]any{
			"authorization": "Bearer " + s, "detail": "password=" + s,
		})
	}
	n, _ := strconv.Atoi(os.Getenv("FAKE_LOG_LINES"))
	for i := 0; i < n; i++ {
		logLine("DEBUG", "filler", map[string]any{"seq": i})
	}
	if code := os.Getenv("FAKE_EXIT"); code != "" {
		c, _ := strconv.Atoi(code)
		logLine("INFO", "one-shot done", map[string]any{"exit": c})
		return c
	}

	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"ok": true})
	})
	mux.HandleFunc("/ready", ready)
	mux.HandleFunc("/metrics.json", metrics)
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"outbox": map[string]int{"pending": 0}})
	})
	mux.HandleFunc("/version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"version": env("CARACAL_VERSION", "dev")})
	})
	addr := ":" + env("PORT", "8080")
	logLine("INFO", "listening", map[string]any{"addr": addr})
	if err := http.ListenAndServe(addr, mux); err != nil {
		logLine("ERROR", "serve failed", map[string]any{"error": err.Error()})
		return 1
	}
	return 0
}

func ready(w http.ResponseWriter, r *http.Request) {
	if reason := os.Getenv("READY_REASON"); reason != "" {
		writeJSON(w, 503, map[string]any{"ok": false, "ready": false, "reason": reason})
		return
	}
	writeJSON(w, 200, map[string]any{"ok": true, "ready": true})
}

func metrics(w http.ResponseWriter, r *http.Request) {
	if b := os.Getenv("METRICS_BEARER"); b != "" && r.Header.Get("Authorization") != "Bearer "+b {
		writeJSON(w, 401, map[string]any{"error": "unauthorized"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintln(w, env("METRICS_JSON", "{}"))
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

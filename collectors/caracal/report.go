package caracal

import (
	"encoding/json"
	"fmt"

	"github.com/caracal-tools/bundle/bundle"
)

// reportProbes turns the answers into findings: every not-ready reason with its
// meaning, unreachable services, refused metrics and metrics past their thresholds.
func reportProbes(out *bundle.Sink, probes []probe, tok tokens) {
	files := []string{out.Path("probes.json")}
	flagged := map[string]bool{}
	for _, p := range probes {
		if p.Path != "/ready" {
			continue
		}
		if f, ok := answerFinding(p, files); ok {
			out.Finding(f)
			flagged[p.Service] = true
		}
	}
	for _, p := range probes {
		switch p.Path {
		case "/health":
			if f, ok := answerFinding(p, files); ok && !flagged[p.Service] {
				out.Finding(f)
			}
		case "/metrics.json", "/stats":
			for _, f := range metricsReport(out, p, tok, flagged[p.Service]) {
				out.Finding(f)
			}
		case "/version":
			versionFinding(out, p, files)
		}
	}
}

// answerFinding reports a /ready or /health answer that is not 2xx, or no answer.
func answerFinding(p probe, files []string) (bundle.Finding, bool) {
	if !p.answered() {
		return bundle.Finding{Stage: bundle.StageReadiness, Severity: bundle.SeverityFail,
			Code: "caracal" + pathCode(p.Path) + ".unreachable", Subject: p.Service,
			Message: fmt.Sprintf("%s %s did not answer at %s: %s", p.Service, p.Path, p.URL,
				p.Error),
			Area:  "service readiness: is the " + p.Service + " container or pod running?",
			Files: files}, true
	}
	if p.Status/100 == 2 {
		return bundle.Finding{}, false
	}
	reason, detail := reasonOf(p.raw)
	if p.Status == 429 && reason == "" {
		reason = "rate_limited"
	}
	f := notReadyFinding(p.Service, p.Status, reason, detail, files)
	if p.Path == "/health" {
		f.Code = "caracal.health" + f.Code[len("caracal.ready"):]
		f.Message = "/health: " + f.Message
	}
	return f, true
}

func pathCode(path string) string {
	if path == "/health" {
		return ".health"
	}
	return ".ready"
}

// metricsReport reports a refused or failed metrics request, or the thresholds the
// values cross. A service already reported unreachable adds nothing.
func metricsReport(out *bundle.Sink, p probe, tok tokens, flagged bool) []bundle.Finding {
	files := []string{out.Path("probes.json")}
	if p.File != "" {
		files = append(files, out.Path(p.File))
	}
	warn := func(code, format string, args ...any) []bundle.Finding {
		return []bundle.Finding{{Stage: bundle.StageService, Severity: bundle.SeverityWarn,
			Code: code, Subject: p.Service, Message: fmt.Sprintf(format, args...),
			Area: "metrics access (METRICS_BEARER, CARACAL_COORDINATOR_TOKEN)", Files: files}}
	}
	switch {
	case !p.answered() && flagged:
		return nil
	case !p.answered():
		return warn("caracal.metrics.unreachable", "%s %s did not answer: %s", p.Service,
			p.Path, p.Error)
	case p.Status == 401 && tok.metrics == "":
		return warn("caracal.metrics.unauthorized", "%s %s needs the metrics bearer (401): "+
			"set --metrics-bearer-file to a file holding METRICS_BEARER", p.Service, p.Path)
	case p.Status == 401:
		return warn("caracal.metrics.unauthorized", "%s %s refused the configured metrics "+
			"bearer (401)", p.Service, p.Path)
	case p.Status == 403 && p.Service == "coordinator":
		return warn("caracal.stats.forbidden", "coordinator /stats needs the coordinator "+
			"token (403 operator_token_required): set --coordinator-token-file to a "+
			"file holding CARACAL_COORDINATOR_TOKEN")
	case p.Status/100 != 2:
		return warn("caracal.metrics.status", "%s %s answered %d", p.Service, p.Path,
			p.Status)
	}
	return metricsFindings(p.Service, p.raw, files)
}

func versionFinding(out *bundle.Sink, p probe, files []string) {
	var v struct {
		Version string `json:"version"`
	}
	if p.Status != 200 || json.Unmarshal(p.raw, &v) != nil || v.Version == "" {
		return
	}
	out.Finding(bundle.Finding{Stage: bundle.StageService, Severity: bundle.SeverityInfo,
		Code: "caracal.web.version", Subject: "web", Files: files,
		Message: "web console reports version " + v.Version})
}

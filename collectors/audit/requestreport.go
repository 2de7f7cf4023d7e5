package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/caracal-tools/bundle/bundle"
)

// requestReport is request/request.json: the overview of what was found and how.
type requestReport struct {
	RequestID           string   `json:"request_id"`
	Zone                string   `json:"zone,omitempty"`
	Source              string   `json:"source"`
	APIToken            string   `json:"api_access,omitempty"`
	APIError            string   `json:"api_error,omitempty"`
	AuditServiceError   string   `json:"audit_service_error,omitempty"`
	Found               bool     `json:"found"`
	FinalDecision       string   `json:"final_decision,omitempty"`
	Events              int      `json:"events"`
	Denied              int      `json:"denied"`
	DeterminingPolicies []string `json:"determining_policies,omitempty"`
	ZonesTried          []string `json:"zones_tried,omitempty"`
	ZonesWithRequest    []string `json:"zones_with_request,omitempty"`
	WithheldMetadata    []string `json:"withheld_metadata_keys,omitempty"`
	Asked               asked    `json:"asked"`
	Checks              []string `json:"checks,omitempty"`
}

// asked is what the user said about the request.
type asked struct {
	Zone     string `json:"zone,omitempty"`
	Subject  string `json:"subject,omitempty"`
	Resource string `json:"resource,omitempty"`
	At       string `json:"at,omitempty"`
}

// report writes the request's files and findings.
func (r *requestRun) report(ctx context.Context, ev *evidence) error {
	rep := r.overview(ev)
	rep.Checks = append(rep.Checks, r.policyCheck(ctx, ev)...)
	if err := r.out.WriteJSON("request.json", rep); err != nil {
		return err
	}
	if ev.Found {
		if err := r.writeEvidence(ev); err != nil {
			return err
		}
	}
	if err := r.out.WriteFile("summary.txt", []byte(summaryText(rep, ev))); err != nil {
		return err
	}
	r.findings(ev, rep)
	if !ev.Found && r.req.At != nil {
		return r.nearby(ctx, ev)
	}
	return nil
}

func (r *requestRun) overview(ev *evidence) requestReport {
	rep := requestReport{
		RequestID: r.req.ID, Zone: ev.Zone, Source: ev.Source, APIError: r.apiError,
		AuditServiceError: r.auditError,
		Found:             ev.Found, ZonesTried: ev.ZonesTried, ZonesWithRequest: ev.OtherZones,
		WithheldMetadata: ev.WithheldKeys,
	}
	rep.Asked = asked{Zone: r.req.Zone, Subject: r.req.Subject, Resource: r.req.Resource}
	if r.api != nil {
		rep.APIToken = r.api.TokenName()
	}
	if r.req.At != nil {
		rep.Asked.At = r.req.At.UTC().Format("2006-01-02T15:04:05Z07:00")
	}
	if !ev.Found {
		return rep
	}
	x := ev.Explain
	rep.FinalDecision, rep.Events, rep.Denied = x.FinalDecision, len(x.Events), len(x.Denied)
	rep.DeterminingPolicies = determining(x)
	rep.Checks = checkAsked(r.req.Subject, r.req.Resource, r.req.At, x.Events)
	return rep
}

// determining lists the determining policies of the denied events, else of all.
func determining(x explanation) []string {
	seen := map[string]bool{}
	var out []string
	add := func(raw json.RawMessage) {
		for _, p := range policyNames(raw) {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	for _, d := range x.Denied {
		add(d.DeterminingPolicies)
	}
	if len(out) == 0 {
		for _, e := range x.Events {
			add(e.DeterminingPolicies)
		}
	}
	return out
}

// writeEvidence writes explain.json and events.json: the API's bodies as returned
// (its metadata is redacted by the API), or the explanation built from the rows.
func (r *requestRun) writeEvidence(ev *evidence) error {
	var explainV, eventsV any = ev.Explain, ev.Explain.Events
	if ev.RawExplain != nil {
		explainV = ev.RawExplain
	}
	if ev.RawEvents != nil {
		eventsV = ev.RawEvents
	}
	if err := r.out.WriteJSON("explain.json", explainV); err != nil {
		return err
	}
	return r.out.WriteJSON("events.json", eventsV)
}

// findings reports the decision, each denial and missing evidence.
func (r *requestRun) findings(ev *evidence, rep requestReport) {
	files := []string{r.out.Path("summary.txt"), r.out.Path("request.json")}
	if !ev.Found {
		finding(r.env, r.out, bundle.Finding{
			Stage: bundle.StageAudit, Severity: bundle.SeverityFail,
			Code: "audit.request.missing", Subject: r.req.ID, Files: files,
			Message: fmt.Sprintf("no audit event for request %s (searched %s via %s)",
				r.req.ID, zonesText(ev.ZonesTried), ev.Source),
			Area: "audit event missing: stream health, DLQ, replay backlog"})
		return
	}
	files = append(files, r.out.Path("explain.json"))
	if len(ev.OtherZones) > 0 && r.req.Zone != "" && r.req.Zone != ev.Zone {
		finding(r.env, r.out, bundle.Finding{
			Stage: bundle.StageAudit, Severity: bundle.SeverityWarn,
			Code: "audit.request.zone", Subject: r.req.ID, Files: files,
			Message: fmt.Sprintf("request %s is recorded in zone %s, not in --zone %s",
				r.req.ID, ev.Zone, r.req.Zone), Area: "zone of the request"})
	}
	r.decisionFindings(ev, rep, files)
}

func (r *requestRun) decisionFindings(ev *evidence, rep requestReport, files []string) {
	x := ev.Explain
	subject := ev.Zone + "/" + r.req.ID
	switch strings.ToLower(x.FinalDecision) {
	case "allow":
		finding(r.env, r.out, bundle.Finding{
			Stage: bundle.StageAudit, Severity: bundle.SeverityInfo,
			Code: "audit.request.allowed", Subject: subject, Files: files,
			Message: fmt.Sprintf("request %s allowed (%d events; policies: %s)", r.req.ID,
				len(x.Events), listText(rep.DeterminingPolicies))})
	case "deny":
		r.denials(x, subject, files)
	default:
		finding(r.env, r.out, bundle.Finding{
			Stage: bundle.StageAudit, Severity: bundle.SeverityWarn,
			Code: "audit.request.undecided", Subject: subject, Files: files,
			Area: "policy decision: evaluation status and diagnostics",
			Message: fmt.Sprintf("request %s has final decision %q over %d events",
				r.req.ID, x.FinalDecision, len(x.Events))})
	}
	for _, e := range x.Events {
		if badEvaluation(e.EvaluationStatus) {
			finding(r.env, r.out, bundle.Finding{Stage: bundle.StageAudit,
				Severity: bundle.SeverityWarn, Code: "audit.request.evaluation",
				Subject: subject + "/" + string(e.ID), Files: files,
				Area: "policy evaluation: STS OPA compile and eval errors, policy age",
				Message: fmt.Sprintf("event %s (%s) has evaluation status %q",
					e.ID, e.EventType, e.EvaluationStatus)})
		}
	}
}

// maxDenialFindings bounds the findings for one request's denied events.
const maxDenialFindings = 10

func (r *requestRun) denials(x explanation, subject string, files []string) {
	for i, d := range x.Denied {
		if i == maxDenialFindings {
			r.out.Note("request %s: %d more denied events in explain.json", r.req.ID,
				len(x.Denied)-i)
			break
		}
		msg := fmt.Sprintf("request %s denied at %s", r.req.ID, d.EventType)
		if d.EvaluationStatus != "" {
			msg += " (" + d.EvaluationStatus + ")"
		}
		msg += "; determining policies: " + listText(policyNames(d.DeterminingPolicies))
		if diag := compact(d.Diagnostics, 300); diag != "" {
			msg += "; diagnostics: " + diag
		}
		finding(r.env, r.out, bundle.Finding{
			Stage: bundle.StageAudit, Severity: bundle.SeverityWarn,
			Code: "audit.request.denied", Subject: subject + "/" + string(d.EventID),
			Files: files, Message: msg,
			Area: "policy decision: determining policies and diagnostics"})
	}
}

// badEvaluation reports whether an evaluation status names an error.
func badEvaluation(s string) bool {
	s = strings.ToLower(s)
	for _, w := range []string{"error", "fail", "timeout", "unavailable"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func listText(xs []string) string {
	if len(xs) == 0 {
		return "none recorded"
	}
	return strings.Join(xs, ", ")
}

func zonesText(zs []string) string {
	switch {
	case len(zs) == 0 || len(zs) == 1 && zs[0] == "":
		return "all zones"
	case len(zs) <= 3:
		return "zone " + strings.Join(zs, ", ")
	}
	return fmt.Sprintf("%d zones", len(zs))
}

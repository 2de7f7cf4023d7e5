package audit

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// subjectKeys are the metadata keys a --subject is compared with.
var subjectKeys = []string{"application_id", "application_name", "agent_session_id",
	"subject", "principal_id"}

// checkAsked compares --subject, --resource and --at with the request's events.
func checkAsked(subject, resource string, at *time.Time, events []auditEvent) []string {
	var out []string
	if resource != "" {
		out = append(out, matchText("--resource", resource, metaValues(events, "resource")))
	}
	if subject != "" {
		out = append(out, matchText("--subject", subject, metaValues(events, subjectKeys...)))
	}
	if at != nil && len(events) > 0 {
		if t, err := time.Parse(time.RFC3339Nano, events[0].OccurredAt); err == nil {
			d := t.Sub(*at).Round(time.Second)
			out = append(out, fmt.Sprintf("first event at %s, %s from --at",
				t.UTC().Format(time.RFC3339), signed(d)))
		}
	}
	return out
}

func matchText(flag, want string, have []string) string {
	if slices.Contains(have, want) {
		return fmt.Sprintf("%s %s matches the request's events", flag, want)
	}
	if len(have) == 0 {
		return fmt.Sprintf("%s %s: the events record no such field", flag, want)
	}
	return fmt.Sprintf("%s %s does not match the events (they record %s)", flag, want,
		strings.Join(have, ", "))
}

func signed(d time.Duration) string {
	if d < 0 {
		return (-d).String() + " before"
	}
	return d.String() + " after"
}

// metaValues returns the distinct scalar values of the metadata keys over events.
func metaValues(events []auditEvent, keys ...string) []string {
	var out []string
	for _, e := range events {
		var m map[string]json.RawMessage
		if json.Unmarshal(e.Metadata, &m) != nil {
			continue
		}
		for _, k := range keys {
			if v := scalar(m[k]); v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// summaryText is request/summary.txt, the page a person reads first.
func summaryText(rep requestReport, ev *evidence) string {
	var b strings.Builder
	decision := "NOT FOUND"
	if ev.Found {
		decision = strings.ToUpper(rep.FinalDecision)
	}
	fmt.Fprintf(&b, "Request %s: %s\n", rep.RequestID, decision)
	fmt.Fprintf(&b, "zone: %s  source: %s", orDash(rep.Zone), sourceText(rep))
	if ev.Found {
		fmt.Fprintf(&b, "  events: %d  denied: %d", rep.Events, rep.Denied)
	}
	b.WriteString("\n")
	if !ev.Found {
		fmt.Fprintf(&b, "\nNo audit event records this request in %s.\n"+
			"Look at: audit stream health, the audit DLQ and the replay backlog.\n",
			zonesText(rep.ZonesTried))
	}
	writeDenied(&b, ev.Explain.Denied)
	writeEvents(&b, ev.Explain.Events)
	writeList(&b, "Checks", rep.Checks)
	var notes []string
	if rep.APIError != "" {
		notes = append(notes, "admin api: "+rep.APIError)
	}
	if rep.AuditServiceError != "" {
		notes = append(notes, "audit service: "+rep.AuditServiceError)
	}
	if len(rep.ZonesWithRequest) > 0 {
		notes = append(notes, "zones holding the request: "+
			strings.Join(rep.ZonesWithRequest, ", "))
	}
	if len(rep.WithheldMetadata) > 0 {
		notes = append(notes, "metadata read with SQL keeps only the keys the API exports;"+
			" left out: "+strings.Join(rep.WithheldMetadata, ", "))
	}
	writeList(&b, "Notes", notes)
	return b.String()
}

func writeDenied(b *strings.Builder, denied []deniedEvent) {
	if len(denied) == 0 {
		return
	}
	b.WriteString("\nDenied events\n")
	for i, d := range denied {
		fmt.Fprintf(b, "  %d. %s (event %s", i+1, d.EventType, d.EventID)
		if d.EvaluationStatus != "" {
			fmt.Fprintf(b, ", evaluation %s", d.EvaluationStatus)
		}
		b.WriteString(")\n")
		fmt.Fprintf(b, "     determining policies: %s\n",
			listText(policyNames(d.DeterminingPolicies)))
		if s := compact(d.Diagnostics, 2000); s != "" {
			fmt.Fprintf(b, "     diagnostics: %s\n", s)
		}
		if s := compact(d.Metadata, 1000); s != "" {
			fmt.Fprintf(b, "     metadata: %s\n", s)
		}
	}
}

func writeEvents(b *strings.Builder, events []auditEvent) {
	if len(events) == 0 {
		return
	}
	b.WriteString("\nEvents in order\n")
	for _, e := range events {
		fmt.Fprintf(b, "  %s  %-28s %-6s policies: %s\n", orDash(e.OccurredAt), e.EventType,
			orDash(e.Decision), listText(policyNames(e.DeterminingPolicies)))
	}
}

func writeList(b *strings.Builder, title string, items []string) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s\n", title)
	for _, it := range items {
		fmt.Fprintf(b, "  - %s\n", it)
	}
}

func sourceText(rep requestReport) string {
	if rep.Source == "api" {
		return "admin api (" + rep.APIToken + ")"
	}
	return rep.Source
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

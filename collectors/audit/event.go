package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// auditEvent is one audit event as the Admin API returns it (section 5 of the fact
// sheet). The SQL fallback fills the same shape.
type auditEvent struct {
	ID                  flexString      `json:"id"`
	ZoneID              flexString      `json:"zone_id"`
	EventType           string          `json:"event_type"`
	RequestID           string          `json:"request_id"`
	Decision            string          `json:"decision"`
	PolicySetID         flexString      `json:"policy_set_id,omitempty"`
	PolicySetVersionID  flexString      `json:"policy_set_version_id,omitempty"`
	ManifestSHA         string          `json:"manifest_sha,omitempty"`
	EvaluationStatus    string          `json:"evaluation_status,omitempty"`
	DeterminingPolicies json.RawMessage `json:"determining_policies_json,omitempty"`
	Diagnostics         json.RawMessage `json:"diagnostics_json,omitempty"`
	Metadata            json.RawMessage `json:"metadata_json,omitempty"`
	OccurredAt          string          `json:"occurred_at,omitempty"`
	IngestedAt          string          `json:"ingested_at,omitempty"`
}

// explanation is the API's "request trace" for one request ID.
type explanation struct {
	RequestID     string        `json:"request_id"`
	ZoneID        flexString    `json:"zone_id"`
	FinalDecision string        `json:"final_decision"`
	Denied        []deniedEvent `json:"denied"`
	Events        []auditEvent  `json:"events"`
}

// deniedEvent is one item of the explanation's denied list.
type deniedEvent struct {
	EventID             flexString      `json:"event_id"`
	EventType           string          `json:"event_type"`
	EvaluationStatus    string          `json:"evaluation_status,omitempty"`
	DeterminingPolicies json.RawMessage `json:"determining_policies,omitempty"`
	Diagnostics         json.RawMessage `json:"diagnostics,omitempty"`
	Metadata            json.RawMessage `json:"metadata,omitempty"`
	PolicyInput         json.RawMessage `json:"policy_input,omitempty"`
}

// explain builds the explanation from events the way the API does: deny when any
// event denied, else the last event's decision, else unknown.
func explain(requestID string, events []auditEvent) explanation {
	x := explanation{RequestID: requestID, FinalDecision: "unknown",
		Denied: []deniedEvent{}, Events: events}
	if len(events) > 0 {
		x.ZoneID = events[0].ZoneID
		if d := events[len(events)-1].Decision; d != "" {
			x.FinalDecision = d
		}
	}
	for _, e := range events {
		if !strings.EqualFold(e.Decision, "deny") {
			continue
		}
		x.FinalDecision = "deny"
		x.Denied = append(x.Denied, deniedEvent{
			EventID: e.ID, EventType: e.EventType, EvaluationStatus: e.EvaluationStatus,
			DeterminingPolicies: e.DeterminingPolicies, Diagnostics: e.Diagnostics,
			Metadata: e.Metadata,
		})
	}
	return x
}

// policyNames returns the policy names of a determining-policies list: an array of
// {policy} objects or of strings.
func policyNames(raw json.RawMessage) []string {
	var items []json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &items) != nil {
		return nil
	}
	var out []string
	for _, it := range items {
		var s string
		if json.Unmarshal(it, &s) == nil {
			out = append(out, s)
			continue
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(it, &obj) != nil {
			continue
		}
		for _, k := range []string{"policy", "name", "id", "policy_id"} {
			if v := scalar(obj[k]); v != "" {
				out = append(out, v)
				break
			}
		}
	}
	return out
}

// compact returns raw JSON on one line, cut to max bytes ("" for null or empty).
func compact(raw json.RawMessage, max int) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		b.Reset()
		b.Write(raw)
	}
	s := b.String()
	if s == "{}" || s == "[]" {
		return ""
	}
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

// scalar returns a JSON string or number as text, or "".
func scalar(raw json.RawMessage) string {
	var f flexString
	if len(raw) == 0 || json.Unmarshal(raw, &f) != nil {
		return ""
	}
	return string(f)
}

// flexString accepts a JSON string, number, boolean or null.
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	t := string(bytes.TrimSpace(b))
	if t == "null" {
		*f = ""
		return nil
	}
	if _, err := strconv.ParseFloat(t, 64); err == nil || t == "true" || t == "false" {
		*f = flexString(t)
		return nil
	}
	return fmt.Errorf("want a string or number, got %.20s", t)
}

package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"
)

// maxEventsFile caps the size of request/events.json read into the timeline.
const maxEventsFile = 16 << 20

// addAuditEvents puts the request's audit events, as the request collector staged
// them, into the timeline: each at its occurred_at, with its decision and policies.
// The trace IDs in their metadata are added to the IDs the scan looks for, since the
// API's own logs carry trace_id rather than request_id.
func (s *scanner) addAuditEvents(fsys fs.FS, dir string) error {
	name := path.Join(dir, "events.json")
	f, err := fsys.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open staged %s: %w", name, err)
	}
	defer func() { _ = f.Close() }()
	b, err := io.ReadAll(io.LimitReader(f, maxEventsFile+1))
	if err != nil {
		return fmt.Errorf("read staged %s: %w", name, err)
	}
	var events []auditEvent
	if len(b) > maxEventsFile || json.Unmarshal(b, &events) != nil {
		s.stats.Untimed[name]++
		return nil
	}
	for i, e := range events {
		for _, tr := range metaValues([]auditEvent{e}, "trace_id") {
			if s.addID(tr) {
				s.traces = append(s.traces, tr)
			}
		}
		t, err := time.Parse(time.RFC3339Nano, e.OccurredAt)
		if err != nil || len(s.lines) >= maxLines {
			continue
		}
		s.lines = append(s.lines, logLine{Time: t.UTC(), Level: "audit", File: name,
			Line: i + 1, Text: eventText(e)})
	}
	return nil
}

func eventText(e auditEvent) string {
	var b strings.Builder
	fmt.Fprintf(&b, "audit event %s decision=%s", e.EventType, orDash(e.Decision))
	if e.EvaluationStatus != "" {
		fmt.Fprintf(&b, " evaluation=%s", e.EvaluationStatus)
	}
	if ps := policyNames(e.DeterminingPolicies); len(ps) > 0 {
		fmt.Fprintf(&b, " policies=%s", strings.Join(ps, ","))
	}
	fmt.Fprintf(&b, " id=%s", e.ID)
	return cut(b.String())
}

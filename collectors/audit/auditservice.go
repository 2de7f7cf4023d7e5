package audit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/caracal-tools/bundle/bundle/config"
)

// errNoAuditService means the audit service's endpoint or admin token is not set.
var errNoAuditService = errors.New(
	"set --caracal-endpoint audit=URL and caracal.auditAdminToken")

// minSearchSpan is the least time the audit service search looks back: it defaults
// to the last 24 h, which may not hold the request.
const minSearchSpan = 7 * 24 * time.Hour

// newAuditClient returns a client of the audit service's admin API (port 9090), or
// errNoAuditService.
func newAuditClient(c config.Caracal) (*apiClient, error) {
	raw := c.Endpoints["audit"]
	if raw == "" || c.AuditAdminToken.IsZero() {
		return nil, errNoAuditService
	}
	tok, err := readToken("audit admin token", c.AuditAdminToken)
	if err != nil {
		return nil, err
	}
	return newClient("--caracal-endpoint audit", raw,
		apiToken{name: "audit admin token", value: tok})
}

// searchItem is one element of the audit service's search answer, which uses Go
// field names around the snake_case event.
type searchItem struct {
	Event      auditEvent `json:"Event"`
	IngestedAt string     `json:"IngestedAt"`
}

// fromAuditService reads the request's events through GET /api/audit/search of the
// audit service. Its metadata is not redacted by Caracal, so only the keys the API
// exports are kept, as with SQL.
func (r *requestRun) fromAuditService(ctx context.Context) (*evidence, error) {
	zone := r.req.Zone
	if zone == "" {
		return nil, errors.New("the audit service search needs --zone")
	}
	since := r.env.Since
	if early := r.env.Until.Add(-minSearchSpan); early.Before(since) {
		since = early
	}
	items, err := r.search(ctx, r.req.ID, since, r.env.Until, 1000)
	if err != nil {
		return nil, err
	}
	return r.searchEvidence(zone, items), nil
}

// search calls the audit service's search in --zone; id may be empty.
func (r *requestRun) search(ctx context.Context, id string, since, until time.Time,
	limit int) ([]searchItem, error) {
	q := url.Values{"zone_id": {r.req.Zone}, "since": {since.UTC().Format(time.RFC3339)},
		"until": {until.UTC().Format(time.RFC3339)}, "limit": {fmt.Sprint(limit)}}
	if id != "" {
		q.Set("request_id", id)
	}
	var page struct {
		Events []searchItem `json:"events"`
	}
	err := r.audit.getJSON(ctx, "/api/audit/search?"+q.Encode(), &page)
	if httpStatus(err) == http.StatusNotFound {
		return nil, fmt.Errorf("%w (the audit service hides its admin routes while "+
			"AUDIT_ADMIN_TOKEN is unset)", err)
	}
	return page.Events, err
}

// nearbyAuditService searches --zone around --at; metadata keeps the exported keys.
func (r *requestRun) nearbyAuditService(ctx context.Context, since, until time.Time) (
	[]auditEvent, error) {
	items, err := r.search(ctx, "", since, until, maxNearby)
	if err != nil {
		return nil, err
	}
	withheld := map[string]bool{}
	events := make([]auditEvent, 0, len(items))
	for _, it := range items {
		e := it.Event
		e.Metadata = safeMetadata(e.Metadata, withheld)
		events = append(events, e)
	}
	return events, nil
}

func (r *requestRun) searchEvidence(zone string, items []searchItem) *evidence {
	withheld := map[string]bool{}
	var events []auditEvent
	for _, it := range items {
		e := it.Event
		if e.RequestID != r.req.ID {
			continue
		}
		e.Metadata = safeMetadata(e.Metadata, withheld)
		if e.IngestedAt == "" {
			e.IngestedAt = it.IngestedAt
		}
		events = append(events, e)
	}
	sort.SliceStable(events, func(i, j int) bool {
		return events[i].OccurredAt < events[j].OccurredAt
	})
	ev := &evidence{Source: "audit service", Zone: zone, WithheldKeys: sortedKeys(withheld)}
	if len(events) == 0 {
		ev.ZonesTried = []string{zone}
		return ev
	}
	ev.Found, ev.Explain = true, explain(r.req.ID, events)
	return ev
}

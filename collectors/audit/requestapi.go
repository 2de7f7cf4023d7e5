package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/caracal-tools/bundle/bundle"
	"github.com/caracal-tools/bundle/bundle/config"
)

// maxZones bounds how many zones are tried when the request's zone is not known.
const maxZones = 100

// requestRun is one run of the request collector.
type requestRun struct {
	env   *bundle.Env
	out   *bundle.Sink
	req   config.Request
	api   *apiClient
	audit *apiClient
	db    *lazyDB

	apiError, auditError, sqlError string
}

// evidence is what was found for the request, from either source.
type evidence struct {
	Source  string // "api" or "postgres"
	Zone    string
	Found   bool
	Explain explanation
	// RawExplain and RawEvents are the API's bodies as returned, when from the API.
	RawExplain json.RawMessage
	RawEvents  json.RawMessage
	// ZonesTried lists the zones searched when the request was not found.
	ZonesTried []string
	// OtherZones lists zones holding the request when --zone named another.
	OtherZones []string
	// WithheldKeys are metadata keys left out of rows read with SQL.
	WithheldKeys []string
}

// fromAPI reads the explanation and events through the Admin API, trying each
// candidate zone until one knows the request.
func (r *requestRun) fromAPI(ctx context.Context) (*evidence, error) {
	zones, err := r.candidateZones(ctx)
	if err != nil {
		return nil, err
	}
	ev, err := r.tryZones(ctx, zones)
	if err != nil || ev.Found || r.req.Zone == "" {
		return ev, err
	}
	others := r.sqlZones(ctx)
	if len(others) == 0 {
		return ev, nil
	}
	other, err := r.tryZones(ctx, others)
	if err != nil || !other.Found {
		return ev, err
	}
	other.OtherZones = others
	return other, nil
}

// tryZones asks each zone for the request's explanation.
func (r *requestRun) tryZones(ctx context.Context, zones []string) (*evidence, error) {
	base := "/audit/by-request/" + url.PathEscape(r.req.ID)
	for _, z := range zones {
		var raw json.RawMessage
		err := r.api.getJSON(ctx, zonePath(z)+base+"/explain", &raw)
		if notFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		ev := &evidence{Source: "api", Zone: z, Found: true, RawExplain: raw}
		if err := json.Unmarshal(raw, &ev.Explain); err != nil {
			return nil, fmt.Errorf("explain request %s in zone %s: %w", r.req.ID, z, err)
		}
		r.apiEvents(ctx, ev, zonePath(z)+base)
		return ev, nil
	}
	return &evidence{Source: "api", ZonesTried: zones}, nil
}

// apiEvents reads the event list; when it fails the explanation's events stand in.
func (r *requestRun) apiEvents(ctx context.Context, ev *evidence, route string) {
	var raw json.RawMessage
	err := r.api.getJSON(ctx, route, &raw)
	if err == nil {
		var events []auditEvent
		if err = json.Unmarshal(raw, &events); err == nil {
			ev.RawEvents = raw
			ev.Explain.Events = events
			return
		}
	}
	r.out.Partial("events of request %s: %v (the explanation's events are used)", r.req.ID, err)
}

// notFound reports whether err is the API's "no rows for this request" answer.
func notFound(err error) bool {
	var se *apiStatusError
	return errors.As(err, &se) && se.Status == http.StatusNotFound &&
		se.Code == "request_not_found"
}

// candidateZones returns --zone, else the zones Postgres finds for the request, else
// every zone the API lists (up to maxZones).
func (r *requestRun) candidateZones(ctx context.Context) ([]string, error) {
	if r.req.Zone != "" {
		return []string{r.req.Zone}, nil
	}
	if zs := r.sqlZones(ctx); len(zs) > 0 {
		return zs, nil
	}
	return listZones(ctx, r.api, r.out)
}

// sqlZones returns the zones holding rows of the request, or nil when Postgres is
// not configured or cannot say.
func (r *requestRun) sqlZones(ctx context.Context) []string {
	if r.db.cfg.URL.IsZero() {
		return nil
	}
	conn, err := r.db.get(ctx)
	if err != nil {
		r.env.Logger.Warn("zone lookup in postgres", "error", err)
		return nil
	}
	zones, err := zonesOfRequest(ctx, conn, r.req.ID)
	if err != nil {
		r.env.Logger.Warn("zone lookup in postgres", "error", err)
		return nil
	}
	return zones
}

// zoneList is the body of GET /v1/zones.
type zoneList struct {
	Items []struct {
		ID flexString `json:"id"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// listZones pages through GET /v1/zones up to maxZones, noting a cut on out.
func listZones(ctx context.Context, api *apiClient, out *bundle.Sink) ([]string, error) {
	var zones []string
	cursor := ""
	for {
		route := "/v1/zones?limit=100"
		if cursor != "" {
			route += "&cursor=" + url.QueryEscape(cursor)
		}
		var page zoneList
		if err := api.getJSON(ctx, route, &page); err != nil {
			return nil, fmt.Errorf("list zones: %w", err)
		}
		for _, it := range page.Items {
			if it.ID != "" {
				zones = append(zones, string(it.ID))
			}
		}
		if len(zones) >= maxZones {
			out.Note("zones: only the first %d zones were searched", maxZones)
			return zones[:maxZones], nil
		}
		if page.NextCursor == "" || len(page.Items) == 0 {
			return zones, nil
		}
		cursor = page.NextCursor
	}
}

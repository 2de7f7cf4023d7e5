package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/caracal-tools/bundle/bundle/config"
	"github.com/caracal-tools/bundle/bundle/secret"
)

// readOnlyMessage is the HMAC message from which the API derives its console read-only
// token: "cat_" + base64url(HMAC-SHA256(key = admin token, msg)).
const readOnlyMessage = "caracal:console:read-only:v1"

// maxAPIBody caps what one API response may hold.
const maxAPIBody = 32 << 20

// apiTimeout bounds one API call.
const apiTimeout = 20 * time.Second

// errNoAPI means no API URL or admin token is configured.
var errNoAPI = errors.New("set --api-url and --admin-token-file (or CARACAL_ADMIN_TOKEN)")

// apiClient calls Caracal's Admin API (port 3000) with GET only. It tries the derived
// read-only token first and keeps whichever token the API accepted. It is not safe for
// concurrent use.
type apiClient struct {
	base   *url.URL
	http   *http.Client
	tokens []apiToken
	used   int // index into tokens of the accepted token, -1 before the first success
}

// apiToken is a bearer token and a name that may be printed in its place.
type apiToken struct {
	name  string
	value string
}

// apiStatusError is a non-2xx answer; Code is the API's "error" field when it has one.
type apiStatusError struct {
	Route  string
	Status int
	Code   string
}

// Error names the route and the HTTP status, with the API error code when there is one.
func (e *apiStatusError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("GET %s: HTTP %d %s", e.Route, e.Status, e.Code)
	}
	return fmt.Sprintf("GET %s: HTTP %d", e.Route, e.Status)
}

// httpStatus returns the HTTP status of an apiStatusError in err's chain, or 0.
func httpStatus(err error) int {
	var se *apiStatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}

// newAPIClient returns a client for the configured Admin API, or errNoAPI. Errors name
// the setting to fix and never hold the token.
func newAPIClient(c config.Caracal) (*apiClient, error) {
	raw := c.APIURL
	if raw == "" {
		raw = c.Endpoints["api"]
	}
	if raw == "" || c.AdminToken.IsZero() {
		return nil, errNoAPI
	}
	admin, err := readToken("admin token", c.AdminToken)
	if err != nil {
		return nil, err
	}
	return newClient("--api-url", raw,
		apiToken{name: "derived read-only token", value: readOnlyToken(admin)},
		apiToken{name: "admin token", value: admin})
}

// newClient returns a client of the service at raw trying tokens in order.
func newClient(what, raw string, tokens ...apiToken) (*apiClient, error) {
	base, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("%s %q: want http(s)://host[:port]", what, raw)
	}
	return &apiClient{base: base, http: &http.Client{Timeout: apiTimeout},
		tokens: tokens, used: -1}, nil
}

// readToken resolves a token reference; an empty token is an error naming it.
func readToken(what string, ref secret.Ref) (string, error) {
	v, err := ref.Resolve()
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return "", fmt.Errorf("%s %s is empty", what, ref)
	}
	return v, nil
}

// readOnlyToken derives the API's global read-only console token from the admin token.
func readOnlyToken(admin string) string {
	m := hmac.New(sha256.New, []byte(admin))
	m.Write([]byte(readOnlyMessage))
	return "cat_" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// TokenName says which token the API accepted, for the bundle; never the value.
func (c *apiClient) TokenName() string {
	if c.used < 0 {
		return "none accepted"
	}
	return c.tokens[c.used].name
}

// getJSON GETs route (a path with its query) and decodes the JSON body into v. Before
// a token was accepted, a 401 or 403 moves on to the next token.
func (c *apiClient) getJSON(ctx context.Context, route string, v any) error {
	if c.used >= 0 {
		return c.get(ctx, route, c.tokens[c.used].value, v)
	}
	var err error
	for i, t := range c.tokens {
		err = c.get(ctx, route, t.value, v)
		if s := httpStatus(err); s == http.StatusUnauthorized || s == http.StatusForbidden {
			continue
		}
		if err == nil || httpStatus(err) != 0 {
			c.used = i
		}
		return err
	}
	return err
}

func (c *apiClient) get(ctx context.Context, route, token string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.String()+route, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", route, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "caracal-bundle")

	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", route, scrubURLError(err))
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIBody+1))
	if err != nil {
		return fmt.Errorf("GET %s: read body: %w", route, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &apiStatusError{Route: route, Status: resp.StatusCode, Code: errorCode(body)}
	}
	if len(body) > maxAPIBody {
		return fmt.Errorf("GET %s: body over %d MiB", route, maxAPIBody>>20)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: decode body: %w", route, err)
	}
	return nil
}

// errorCode returns the "error" field of a JSON error body, cut short, or "".
func errorCode(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	if len(e.Error) > 80 {
		return e.Error[:80]
	}
	return e.Error
}

// scrubURLError drops the URL from a transport error: the configured URL may carry
// user info.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// zonePath returns /v1/zones/{zone} with the zone escaped.
func zonePath(zone string) string {
	return "/v1/zones/" + url.PathEscape(zone)
}

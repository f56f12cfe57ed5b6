package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// oauthConn is OAuth settings applied to one connection's values: the
// client, tenant, resource and template values they supply.
type oauthConn struct {
	s    *OAuthSettings
	vals Values
	hc   *http.Client
}

func newOAuthConn(s *OAuthSettings, vals Values) *oauthConn {
	cp := make(Values, len(vals))
	for k, v := range vals {
		cp[k] = v
	}
	return &oauthConn{s: s, vals: cp, hc: &http.Client{Timeout: 30 * time.Second}}
}

// sub returns the connection's <Param>:<name> value (case-insensitive).
func (c *oauthConn) sub(name string) string {
	v, _ := c.vals.Get(c.s.Param + ":" + name)
	return strings.TrimSpace(v)
}

func (c *oauthConn) key(suffix string) string { return strings.TrimSpace(c.vals[c.s.Param+suffix]) }

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func (c *oauthConn) clientID() string {
	return firstNonEmpty(c.sub("clientId"), c.key(KeyClientID), c.s.ClientID)
}

func (c *oauthConn) clientSecret() string {
	return firstNonEmpty(c.sub("clientSecret"), c.key(KeyClientSecret))
}

func (c *oauthConn) tenant() string {
	return firstNonEmpty(c.sub("TenantId"), c.s.TenantID, "common")
}

func (c *oauthConn) resource() string {
	return c.resolve(firstNonEmpty(c.sub("resourceUri"), c.key(KeyResource), c.s.ResourceURI))
}

// resolve replaces a whole-value @connectionParameters('name') (seen in
// resourceUri and scopes) by the parameter's value.
func (c *oauthConn) resolve(s string) string {
	if m := connParamExpr.FindStringSubmatch(s); m != nil {
		v, _ := c.vals.Get(m[1])
		return v
	}
	return s
}

var connParamExpr = regexp.MustCompile(`^@connectionParameters\('([^']*)'\)$`)

func (c *oauthConn) redirectURL() string { return c.key(KeyRedirectURL) }

// scopes are the scopes to request. AAD asks for ResourceURI/.default when
// there is a resource (the AAD v1 "resource" as a v2 scope), and always for
// offline_access so that a refresh token is issued.
func (c *oauthConn) scopes() []string {
	var out []string
	if c.s.Kind == AAD || c.s.Kind == AADCertificate {
		if r := c.resource(); r != "" {
			out = append(out, strings.TrimSuffix(r, "/.default")+"/.default")
		} else {
			for _, s := range c.s.Scopes {
				out = append(out, strings.Fields(c.resolve(s))...)
			}
		}
		if c.s.GrantType != GrantClientCredentials && !containsFold(out, "offline_access") {
			out = append(out, "offline_access")
		}
		return out
	}
	for _, s := range c.s.Scopes {
		out = append(out, strings.Fields(c.resolve(s))...)
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// endpoint returns the authorization, token and device endpoints, and the
// refresh URL.
func (c *oauthConn) endpoint() (ep oauth2.Endpoint, refresh string, err error) {
	s := c.s
	switch s.Kind {
	case AAD, AADCertificate:
		base := strings.TrimRight(firstNonEmpty(s.LoginURL, "https://login.microsoftonline.com"), "/") + "/" + url.PathEscape(c.tenant()) + "/oauth2/v2.0/"
		ep = oauth2.Endpoint{AuthURL: base + "authorize", TokenURL: base + "token", DeviceAuthURL: base + "devicecode", AuthStyle: oauth2.AuthStyleInParams}
		return ep, ep.TokenURL, nil
	case OAuth2Generic:
		// URL templates take values verbatim (hosts, paths); query-string
		// templates escape them. The authorization query is added by
		// AuthCodeURL, with the state.
		var e [5]string
		for i, t := range []string{s.AuthURL, s.TokenURL, firstNonEmpty(s.RefreshURL, s.TokenURL), s.TokenQuery, s.RefreshQuery} {
			if e[i], err = c.expand(t, i >= 3, nil); err != nil {
				return ep, "", err
			}
		}
		return oauth2.Endpoint{AuthURL: e[0], TokenURL: e[1] + e[3]}, e[2] + e[4], nil
	}
	ep = oauth2.Endpoint{AuthURL: s.AuthURL, TokenURL: s.TokenURL, DeviceAuthURL: s.DeviceAuthURL}
	return ep, firstNonEmpty(s.RefreshURL, s.TokenURL), nil
}

// config is the x/oauth2 configuration of the connection.
func (c *oauthConn) config(redirectURL string) (*oauth2.Config, string, error) {
	ep, refresh, err := c.endpoint()
	if err != nil {
		return nil, "", err
	}
	if needID, _ := c.s.NeedsClient(); needID && c.clientID() == "" {
		return nil, "", fmt.Errorf("%s: no client ID: set %s (or %s:clientId) in the connection", c.what(), c.s.Param+KeyClientID, c.s.Param)
	}
	cfg := &oauth2.Config{
		ClientID:     c.clientID(),
		ClientSecret: c.clientSecret(),
		Endpoint:     ep,
		RedirectURL:  redirectURL,
		Scopes:       c.scopes(),
	}
	if c.s.Kind == AADCertificate {
		cfg.ClientSecret = ""
	}
	return cfg, refresh, nil
}

func (c *oauthConn) what() string {
	return fmt.Sprintf("OAuth parameter %q (%s)", c.s.Param, c.s.Provider)
}

// ctx returns ctx carrying the token HTTP client for x/oauth2.
func (c *oauthConn) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.hc)
}

// refresh obtains a new token from old's refresh token (or, for client
// credentials, a new one).
func (c *oauthConn) refresh(ctx context.Context, old *oauth2.Token) (*oauth2.Token, error) {
	if c.s.GrantType == GrantClientCredentials {
		return c.clientCredentials(ctx)
	}
	if old == nil || old.RefreshToken == "" {
		state := "no access token"
		if old != nil && old.AccessToken != "" {
			state = "the access token expired"
		}
		return nil, fmt.Errorf("%s: %s and there is no refresh token: %w", c.what(), state, ErrLoginRequired)
	}
	rt := old.RefreshToken
	cfg, refreshURL, err := c.config(c.redirectURL())
	if err != nil {
		return nil, err
	}
	var t *oauth2.Token
	switch {
	case c.s.Kind == OAuth2Generic && c.s.RefreshBody != "":
		t, err = c.templatePost(ctx, refreshURL, c.s.RefreshBody, map[string]string{"refreshtoken": rt, "code": ""}, "")
	case c.s.Kind == AADCertificate:
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {cfg.ClientID}, "scope": {strings.Join(cfg.Scopes, " ")}}
		if err = c.assert(form, refreshURL); err == nil {
			t, err = c.post(ctx, refreshURL, form)
		}
	default:
		cfg.Endpoint.TokenURL = refreshURL
		t, err = cfg.TokenSource(c.ctx(ctx), &oauth2.Token{RefreshToken: rt}).Token()
		err = c.tokenError(err, rt)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: refreshing the token: %w", c.what(), err)
	}
	if t.RefreshToken == "" {
		t.RefreshToken = rt // not rotated
	}
	return t, nil
}

// clientCredentials obtains a token with the client's own credentials.
func (c *oauthConn) clientCredentials(ctx context.Context) (*oauth2.Token, error) {
	cfg, _, err := c.config("")
	if err != nil {
		return nil, err
	}
	if c.s.Kind == AADCertificate {
		form := url.Values{"grant_type": {GrantClientCredentials}, "client_id": {cfg.ClientID}, "scope": {strings.Join(cfg.Scopes, " ")}}
		if err := c.assert(form, cfg.Endpoint.TokenURL); err != nil {
			return nil, err
		}
		t, err := c.post(ctx, cfg.Endpoint.TokenURL, form)
		if err != nil {
			return nil, fmt.Errorf("%s: client credentials: %w", c.what(), err)
		}
		return t, nil
	}
	cc := clientcredentials.Config{
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, TokenURL: cfg.Endpoint.TokenURL,
		Scopes: cfg.Scopes, AuthStyle: cfg.Endpoint.AuthStyle,
	}
	t, err := cc.Token(c.ctx(ctx))
	if err != nil {
		return nil, fmt.Errorf("%s: client credentials: %w", c.what(), c.tokenError(err, cfg.ClientSecret))
	}
	return t, nil
}

// Template placeholders: {name}, resolved case-insensitively.
var placeholder = regexp.MustCompile(`\{([A-Za-z0-9_:.\-]+)\}`)

// expand fills an oauth2generic template. Values come from extra (lower-case
// names), the client ID and secret, the redirect URL and scopes, then the
// connection's <Param>:<name> and <name> values. escape query-escapes them
// (query strings and bodies); URL templates take them verbatim (they are
// hosts and paths, e.g. {customHost}).
func (c *oauthConn) expand(tmpl string, escape bool, extra map[string]string) (string, error) {
	var missing []string
	out := placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[1 : len(m)-1]
		v, ok := c.value(strings.ToLower(name), extra)
		if !ok {
			missing = append(missing, m)
			return m
		}
		if escape {
			return url.QueryEscape(v)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("%s: template %q: no value for %s (set %s:<name> in the connection)", c.what(), tmpl, strings.Join(missing, ", "), c.s.Param)
	}
	return out, nil
}

func (c *oauthConn) value(name string, extra map[string]string) (string, bool) {
	if v, ok := extra[name]; ok {
		return v, true
	}
	switch name {
	case "clientid":
		return c.clientID(), true
	case "clientsecret":
		return c.clientSecret(), true
	case "redirecturl", "redirecturi":
		return c.redirectURL(), true
	case "scopes", "scope":
		if len(c.s.Scopes) > 0 || name == "scopes" {
			d := c.s.ScopeDelimiter
			if d == "" {
				d = " "
			}
			return strings.Join(c.scopes(), d), true
		}
	}
	if v, ok := c.vals.Get(c.s.Param + ":" + name); ok {
		return v, true
	}
	return c.vals.Get(name)
}

// templatePost sends an oauth2generic token or refresh request to u (query
// template already applied): the expanded body template as a form, plus
// extraBody (e.g. the PKCE verifier).
func (c *oauthConn) templatePost(ctx context.Context, u, bodyTmpl string, vars map[string]string, extraBody string) (*oauth2.Token, error) {
	body, err := c.expand(bodyTmpl, true, vars)
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(body + extraBody)
	if err != nil {
		return nil, fmt.Errorf("%s: token body template is not a form: %v", c.what(), err)
	}
	return c.post(ctx, u, form)
}

// post sends a token request (form POST) and parses the token response.
// Errors carry the status and the OAuth error code and description, never
// the response body or the request's secrets.
func (c *oauthConn) post(ctx context.Context, u string, form url.Values) (*oauth2.Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("token endpoint: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL may carry template values
		}
		return nil, c.scrub(fmt.Errorf("token endpoint %s: %w", redactURL(u), err), form)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("token endpoint %s: reading the response: %w", redactURL(u), err)
	}
	t, oerr := parseTokenResponse(resp, body)
	if oerr != nil {
		return nil, c.scrub(oerr, form)
	}
	return t, nil
}

// scrub removes the form's credential values (and the client secret) from
// err's message.
func (c *oauthConn) scrub(err error, form url.Values) error {
	var vs []string
	for _, k := range []string{"client_secret", "refresh_token", "code", "code_verifier", "client_assertion", "password"} {
		vs = append(vs, form.Get(k))
	}
	return c.scrubValues(err, vs...)
}

// scrubValues removes the given values (and the client secret) from err's
// message; errors.Is and errors.As still see the original chain.
func (c *oauthConn) scrubValues(err error, values ...string) error {
	secrets := c.secretList(values...)
	msg := err.Error()
	if m := scrub(msg, secrets); m != msg {
		return &scrubbedError{msg: m, err: err}
	}
	return err
}

// secretList is values and the client secret, raw and query-escaped, as
// scrub takes them.
func (c *oauthConn) secretList(values ...string) []string {
	var secrets []string
	for _, v := range append(values, c.clientSecret()) {
		if len(v) >= minScrub {
			secrets = append(secrets, v, url.QueryEscape(v))
		}
	}
	return secrets
}

// tokenError turns an x/oauth2 error into an *OAuthError (whose message
// never quotes the response body, and whose description is scrubbed in
// place, so that errors.As hands out nothing secret) and scrubs secrets
// from others.
func (c *oauthConn) tokenError(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		// The *oauth2.RetrieveError is not kept: its Body is the raw
		// answer, which may echo credentials.
		e := &OAuthError{Code: re.ErrorCode, Description: re.ErrorDescription}
		if re.Response != nil {
			e.StatusCode = re.Response.StatusCode
		}
		// The description may echo the request.
		e.Description = scrub(e.Description, c.secretList(secrets...))
		return e
	}
	return c.scrubValues(err, secrets...)
}

// OAuthError is an error answer of a token endpoint. Its message holds the
// HTTP status and the OAuth error code and description only.
type OAuthError struct {
	StatusCode        int
	Code, Description string
}

// Error describes the answer.
func (e *OAuthError) Error() string {
	s := "token endpoint answered " + strconv.Itoa(e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		s += " " + t
	}
	if e.Code != "" {
		s += ": " + e.Code
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// parseTokenResponse reads a token endpoint answer: JSON (or, as some
// providers answer, a form-encoded body).
func parseTokenResponse(resp *http.Response, body []byte) (*oauth2.Token, error) {
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	var raw struct {
		AccessToken  string          `json:"access_token"`
		TokenType    string          `json:"token_type"`
		RefreshToken string          `json:"refresh_token"`
		ExpiresIn    json.RawMessage `json:"expires_in"`
		Error        string          `json:"error"`
		Description  string          `json:"error_description"`
	}
	var expires string
	if ct == "application/x-www-form-urlencoded" || ct == "text/plain" {
		vals, err := url.ParseQuery(string(body))
		if err == nil {
			raw.AccessToken, raw.TokenType, raw.RefreshToken = vals.Get("access_token"), vals.Get("token_type"), vals.Get("refresh_token")
			raw.Error, raw.Description = vals.Get("error"), vals.Get("error_description")
			expires = vals.Get("expires_in")
		}
	} else if json.Unmarshal(body, &raw) == nil {
		expires = strings.Trim(string(raw.ExpiresIn), `"`)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 || raw.Error != "" || raw.AccessToken == "" {
		e := &OAuthError{StatusCode: resp.StatusCode, Code: raw.Error, Description: raw.Description}
		if e.Code == "" && raw.AccessToken == "" && resp.StatusCode/100 == 2 {
			e.Code = "no access_token in the response"
		}
		return nil, e
	}
	t := &oauth2.Token{AccessToken: raw.AccessToken, TokenType: raw.TokenType, RefreshToken: raw.RefreshToken}
	if n, err := strconv.ParseInt(expires, 10, 64); err == nil && n > 0 {
		t.ExpiresIn = n
		t.Expiry = time.Now().Add(time.Duration(n) * time.Second)
	}
	return t, nil
}

// redactURL drops the query of a token URL (templates may put values there).
func redactURL(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i] + "?REDACTED"
	}
	return u
}

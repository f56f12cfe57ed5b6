package runtime

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// OAuthFlow signs a user in for one connection and returns the token values
// to store: the authorization-code grant with PKCE ([OAuthFlow.AuthCodeURL],
// then [OAuthFlow.Exchange] with the query the provider redirected to), the
// device-code grant ([OAuthFlow.DeviceAuth], [OAuthFlow.DeviceToken]), or,
// for GrantType client_credentials, [OAuthFlow.ClientCredentials].
// `connectorgen login` drives it.
type OAuthFlow struct {
	Settings *OAuthSettings
	// Values are the connection's other values: client ID and secret
	// (<Param>.client_id, <Param>.client_secret), certificate, and the
	// sub-parameters the provider uses (<Param>:TenantId, template values).
	Values Values
	// RedirectURL is where the provider sends the browser back, e.g. a
	// loopback URL (http://127.0.0.1:PORT/callback).
	RedirectURL string
	// HTTPClient makes the token requests (nil: a client with a 30 s timeout).
	HTTPClient *http.Client

	state, verifier string
}

func (f *OAuthFlow) conn() *oauthConn {
	c := newOAuthConn(f.Settings, f.Values)
	if f.RedirectURL != "" {
		c.vals[f.Settings.Param+KeyRedirectURL] = f.RedirectURL
	}
	if f.HTTPClient != nil {
		c.hc = f.HTTPClient
	}
	return c
}

// AuthCodeURL returns the URL to open in the browser: the provider's
// authorization endpoint with a fresh state and PKCE challenge (S256).
func (f *OAuthFlow) AuthCodeURL() (string, error) {
	c := f.conn()
	f.state = randomState()
	f.verifier = oauth2.GenerateVerifier()
	cfg, _, err := c.config(f.RedirectURL)
	if err != nil {
		return "", err
	}
	if c.s.Kind == OAuth2Generic && c.s.AuthQuery != "" {
		q, err := c.expand(c.s.AuthQuery, true, map[string]string{"state": f.state})
		if err != nil {
			return "", err
		}
		u := cfg.Endpoint.AuthURL + q
		sep := "&"
		if !strings.Contains(u, "?") {
			sep = "?"
		}
		return u + sep + "code_challenge=" + oauth2.S256ChallengeFromVerifier(f.verifier) + "&code_challenge_method=S256", nil
	}
	return cfg.AuthCodeURL(f.state, oauth2.S256ChallengeOption(f.verifier)), nil
}

// ForThisSignIn reports whether a redirect's query carries the state of
// the current AuthCodeURL: a listener answers others (stale tabs, probes,
// forged redirects) without ending the sign-in.
func (f *OAuthFlow) ForThisSignIn(query url.Values) bool {
	return f.state != "" && query.Get("state") == f.state
}

// Exchange checks the query the provider redirected the browser to (state,
// error) and exchanges its code for a token, returning the values to store.
func (f *OAuthFlow) Exchange(ctx context.Context, query url.Values) (Values, error) {
	if f.state == "" {
		return nil, errors.New("oauth: Exchange before AuthCodeURL")
	}
	if e := query.Get("error"); e != "" {
		return nil, &OAuthError{StatusCode: http.StatusOK, Code: e, Description: query.Get("error_description")}
	}
	if query.Get("state") != f.state {
		return nil, errors.New("oauth: the redirect's state does not match the sign-in (a stale or forged redirect)")
	}
	code := query.Get("code")
	if code == "" {
		return nil, errors.New("oauth: the redirect carries no authorization code")
	}
	c := f.conn()
	cfg, _, err := c.config(f.RedirectURL)
	if err != nil {
		return nil, err
	}
	var t *oauth2.Token
	switch {
	case c.s.Kind == OAuth2Generic && c.s.TokenBody != "":
		t, err = c.templatePost(ctx, cfg.Endpoint.TokenURL, c.s.TokenBody,
			map[string]string{"code": code, "state": f.state}, "&code_verifier="+url.QueryEscape(f.verifier))
	case c.s.Kind == AADCertificate:
		form := url.Values{}
		if err = c.assert(form, cfg.Endpoint.TokenURL); err == nil {
			t, err = cfg.Exchange(c.ctx(ctx), code, oauth2.VerifierOption(f.verifier),
				oauth2.SetAuthURLParam("client_assertion_type", form.Get("client_assertion_type")),
				oauth2.SetAuthURLParam("client_assertion", form.Get("client_assertion")))
			err = c.tokenError(err, code, f.verifier)
		}
	default:
		t, err = cfg.Exchange(c.ctx(ctx), code, oauth2.VerifierOption(f.verifier))
		err = c.tokenError(err, code, f.verifier)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: exchanging the authorization code: %w", c.what(), err)
	}
	return f.values(t), nil
}

// DeviceAuth starts the device-code grant: the user opens the returned
// VerificationURI and enters UserCode, while [OAuthFlow.DeviceToken] polls.
func (f *OAuthFlow) DeviceAuth(ctx context.Context) (*oauth2.DeviceAuthResponse, error) {
	c := f.conn()
	cfg, _, err := c.config("")
	if err != nil {
		return nil, err
	}
	if cfg.Endpoint.DeviceAuthURL == "" {
		return nil, fmt.Errorf("%s: the provider has no device authorization endpoint; sign in with the browser", c.what())
	}
	da, err := cfg.DeviceAuth(c.ctx(ctx))
	if err != nil {
		return nil, fmt.Errorf("%s: device authorization: %w", c.what(), c.tokenError(err))
	}
	return da, nil
}

// DeviceToken polls the token endpoint until the user has signed in with
// da's code (or ctx ends, or the code expires).
func (f *OAuthFlow) DeviceToken(ctx context.Context, da *oauth2.DeviceAuthResponse) (Values, error) {
	c := f.conn()
	cfg, _, err := c.config("")
	if err != nil {
		return nil, err
	}
	var opts []oauth2.AuthCodeOption
	if c.s.Kind == AADCertificate {
		form := url.Values{}
		if err := c.assert(form, cfg.Endpoint.TokenURL); err != nil {
			return nil, err
		}
		opts = append(opts, oauth2.SetAuthURLParam("client_assertion_type", form.Get("client_assertion_type")),
			oauth2.SetAuthURLParam("client_assertion", form.Get("client_assertion")))
	}
	t, err := cfg.DeviceAccessToken(c.ctx(ctx), da, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: device sign-in: %w", c.what(), c.tokenError(err, da.DeviceCode))
	}
	return f.values(t), nil
}

// ClientCredentials obtains a token with the client's own credentials
// (GrantType client_credentials), to check them and store the token.
func (f *OAuthFlow) ClientCredentials(ctx context.Context) (Values, error) {
	t, err := f.conn().clientCredentials(ctx)
	if err != nil {
		return nil, err
	}
	return f.values(t), nil
}

// values are the store values of a new token, with the redirect URL that
// refresh templates may repeat.
func (f *OAuthFlow) values(t *oauth2.Token) Values {
	v := TokenValues(f.Settings.Param, t)
	v[f.Settings.Param+KeyRedirectURL] = f.RedirectURL
	return v
}

func randomState() string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprint(time.Now().UnixNano())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// NeedsClient reports whether the sign-in and refresh send a client ID and a
// client secret. Only oauth2generic connectors can do without: their
// templates may name the client through connection parameters of their own
// ({AppClientId}) or not at all.
func (s *OAuthSettings) NeedsClient() (id, secret bool) {
	if s.Kind != OAuth2Generic || s.AuthQuery == "" || s.TokenBody == "" || s.RefreshBody == "" {
		return true, s.Kind != AADCertificate
	}
	all := strings.ToLower(s.AuthQuery + s.TokenQuery + s.TokenBody + s.RefreshQuery + s.RefreshBody)
	return strings.Contains(all, "{clientid}"), strings.Contains(all, "{clientsecret}")
}

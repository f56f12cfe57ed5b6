package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// OAuthKind is how an identity provider obtains and refreshes tokens
// (oAuthSettings.identityProvider, protocol §5.2).
type OAuthKind uint8

const (
	// OAuth2 is the standard authorization-code grant ("oauth2", and the
	// well-known providers such as "facebook" or "DocuSign", whose endpoints
	// the generator fills in).
	OAuth2 OAuthKind = iota + 1
	// OAuth2Generic is "oauth2generic": endpoints, query strings and token
	// request bodies are templates with {placeholders}.
	OAuth2Generic
	// AAD is Microsoft Entra ID ("aad"): a token for ResourceURI (or for
	// Scopes) from LoginURL/TenantID.
	AAD
	// AADCertificate is "aadcertificate": AAD, the client authenticating
	// with a certificate (a signed client assertion) instead of a secret.
	AADCertificate
)

// GrantClientCredentials is the GrantType of connections that obtain tokens
// with the client's own credentials (no user sign-in).
const GrantClientCredentials = "client_credentials"

// OAuthSettings describes how the OAuth 2.0 token of an oauthSetting
// connection parameter is obtained and refreshed: the oAuthSettings of
// apiProperties.json, interpreted by the generator. Generated code holds one
// as a literal; `connectorgen login` builds the same from the connector.
type OAuthSettings struct {
	// Param is the connection parameter ("token"). The token is stored under
	// keys derived from it (see [OAuthKeys]); its sub-parameters
	// ("token:TenantId", "token:clientId", ...) supply template values and
	// client credentials.
	Param string
	// Provider is identityProvider as written, for messages.
	Provider string
	Kind     OAuthKind
	// ClientID is the application (client) ID the connector declares; ""
	// when it declares a placeholder, so the connection must supply one.
	ClientID string
	// Scopes requested (AAD with a ResourceURI asks for ResourceURI/.default).
	Scopes []string
	// AuthURL, TokenURL, RefreshURL and DeviceAuthURL are the endpoints
	// (OAuth2), or URL templates (OAuth2Generic). RefreshURL "" is TokenURL;
	// DeviceAuthURL "" means the provider has no device flow. AAD derives
	// them from LoginURL and the tenant.
	AuthURL, TokenURL, RefreshURL, DeviceAuthURL string
	// OAuth2Generic templates: the authorization query string, the token and
	// refresh query strings and form bodies. "" means the standard OAuth 2.0
	// parameters. ScopeDelimiter joins {scopes} ("" is a space).
	AuthQuery, TokenQuery, TokenBody, RefreshQuery, RefreshBody string
	ScopeDelimiter                                              string
	// AAD and AADCertificate: the authority ("" is
	// https://login.microsoftonline.com), the tenant ("" is "common"; the
	// connection's <Param>:TenantId wins) and the resource ("" means Scopes;
	// the connection's <Param>:resourceUri wins).
	LoginURL, TenantID, ResourceURI string
	// GrantType is "" (authorization code, the user signs in) or
	// [GrantClientCredentials].
	GrantType string
}

// Store keys of an OAuth connection parameter, relative to its name: the
// access token is stored under the parameter's own name.
const (
	KeyRefreshToken      = ".refresh_token"      // refresh token
	KeyExpiry            = ".expiry"             // access token expiry, RFC 3339
	KeyTokenType         = ".token_type"         // token type as issued
	KeyClientID          = ".client_id"          // client (application) ID
	KeyClientSecret      = ".client_secret"      // client secret
	KeyClientCertificate = ".client_certificate" // PEM certificate and private key (aadcertificate)
	KeyRedirectURL       = ".redirect_url"       // redirect URL used at sign-in (some refresh templates repeat it)
	KeyResource          = ".resource"           // AAD resource, when the connector's is a placeholder
)

// ParameterSetKey is the store key naming the connection parameter set
// (connectionParameterSets) a connection uses.
const ParameterSetKey = "connectionParameterSet"

// OAuthKeys returns the store keys of the OAuth connection parameter param:
// param itself (the access token) and param+Key... for the rest. Generated
// code asks stores for them ([LookupConnection]).
func OAuthKeys(param string) []string {
	keys := []string{param}
	for _, k := range []string{KeyRefreshToken, KeyExpiry, KeyTokenType, KeyClientID, KeyClientSecret, KeyClientCertificate, KeyRedirectURL, KeyResource} {
		keys = append(keys, param+k)
	}
	return keys
}

// ErrLoginRequired is returned (wrapped) when a connection has no usable
// OAuth token and none can be obtained without the user signing in again.
var ErrLoginRequired = errors.New("OAuth sign-in required")

// defaultEarlyExpiry is how long before its expiry a token is refreshed.
const defaultEarlyExpiry = time.Minute

// OAuth is the OAuth 2.0 token of a connection: an [Authorizer] sending
// "Authorization: Bearer <access token>", refreshing the token shortly
// before it expires. Concurrent requests share one refresh, and a refreshed
// token is written back to the store given by [OAuthSaveTo]. An *OAuth is
// safe for concurrent use; copies of a generated Connection share it.
type OAuth struct {
	c      *oauthConn // nil for a static token
	save   StoreWriter
	conn   string
	logger *slog.Logger
	early  time.Duration

	lock chan struct{} // held while reading or refreshing tok
	tok  *oauth2.Token
}

// OAuthOption configures [NewOAuth].
type OAuthOption func(*OAuth)

// OAuthSaveTo writes refreshed tokens to store under connection when store
// implements [StoreWriter] ([FileStore] does; [EnvStore] is read-only, so a
// token refreshed from environment variables lives only in memory).
func OAuthSaveTo(store Store, connection string) OAuthOption {
	return func(o *OAuth) {
		if w, ok := store.(StoreWriter); ok {
			o.save, o.conn = w, connection
		}
	}
}

// OAuthHTTPClient sets the client used for token requests (default: one
// with a 30 s timeout).
func OAuthHTTPClient(hc *http.Client) OAuthOption {
	return func(o *OAuth) {
		if o.c != nil && hc != nil {
			o.c.hc = hc
		}
	}
}

// OAuthLogger sets the logger that reports a refreshed token that could not
// be saved (default slog.Default()). Values are never logged.
func OAuthLogger(l *slog.Logger) OAuthOption { return func(o *OAuth) { o.logger = l } }

// OAuthRefreshBefore sets how long before its expiry a token is refreshed
// (default one minute).
func OAuthRefreshBefore(d time.Duration) OAuthOption { return func(o *OAuth) { o.early = d } }

// NewOAuth returns the token of the connection whose stored values are vals,
// as described by s. It makes no request: an expired or missing access
// token is refreshed (or, for client credentials, fetched) on first use.
// Generated ConnectionFromStore functions call it.
func NewOAuth(s *OAuthSettings, vals Values, opts ...OAuthOption) *OAuth {
	o := &OAuth{
		c:     newOAuthConn(s, vals),
		early: defaultEarlyExpiry,
		lock:  make(chan struct{}, 1),
		tok:   tokenFromValues(s.Param, vals),
	}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// StaticToken returns an OAuth that sends the access token as it is and
// never refreshes it.
func StaticToken(access Secret) *OAuth {
	return &OAuth{lock: make(chan struct{}, 1), tok: &oauth2.Token{AccessToken: access.Reveal()}}
}

// Token returns a valid access token, refreshing it first when it is
// expired or about to expire.
func (o *OAuth) Token(ctx context.Context) (Secret, error) {
	t, err := o.token(ctx)
	if err != nil {
		return "", err
	}
	return Secret(t.AccessToken), nil
}

// Authorize sets "Authorization: Bearer <access token>".
func (o *OAuth) Authorize(req *http.Request) error {
	t, err := o.token(req.Context())
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+t.AccessToken)
	return nil
}

// SecretNames names the Authorization header.
func (o *OAuth) SecretNames() (headers, query []string) {
	return []string{"Authorization"}, nil
}

// String describes the token without revealing it.
func (o *OAuth) String() string {
	if o == nil || o.c == nil {
		return "OAuth(static token)"
	}
	return fmt.Sprintf("OAuth(%s parameter %q)", o.c.s.Provider, o.c.s.Param)
}

// GoString describes the token without revealing it (the %#v form).
func (o *OAuth) GoString() string { return o.String() }

func (o *OAuth) token(ctx context.Context) (*oauth2.Token, error) {
	if o == nil {
		return nil, fmt.Errorf("no OAuth token set in the connection: %w", ErrLoginRequired)
	}
	select {
	case o.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-o.lock }()
	if o.valid(o.tok) {
		return o.tok, nil
	}
	if o.c == nil {
		return nil, fmt.Errorf("static OAuth token is empty: %w", ErrLoginRequired)
	}
	t, err := o.c.refresh(ctx, o.tok)
	if err != nil {
		return nil, err
	}
	o.tok = t
	o.persist(ctx, t)
	return t, nil
}

// valid reports whether t can be sent: it has an access token that is not
// within the early-expiry window of its expiry (no expiry: valid).
func (o *OAuth) valid(t *oauth2.Token) bool {
	if t == nil || t.AccessToken == "" {
		return false
	}
	return t.Expiry.IsZero() || time.Now().Add(o.early).Before(t.Expiry)
}

// persist writes a refreshed token back to the store. The request that
// triggered the refresh may be cancelled; the save is not.
func (o *OAuth) persist(ctx context.Context, t *oauth2.Token) {
	if o.save == nil {
		return
	}
	err := o.save.Update(context.WithoutCancel(ctx), o.conn, TokenValues(o.c.s.Param, t))
	if err != nil {
		l := o.logger
		if l == nil {
			l = slog.Default()
		}
		l.LogAttrs(ctx, slog.LevelWarn, "refreshed OAuth token not saved",
			slog.String("connection", o.conn), slog.String("parameter", o.c.s.Param), slog.String("error", err.Error()))
	}
}

// TokenValues returns the store values of token t of the OAuth parameter
// param. Absent parts are "" (which [StoreWriter.Update] removes).
func TokenValues(param string, t *oauth2.Token) Values {
	v := Values{
		param:                   t.AccessToken,
		param + KeyRefreshToken: t.RefreshToken,
		param + KeyTokenType:    t.TokenType,
		param + KeyExpiry:       "",
	}
	if !t.Expiry.IsZero() {
		v[param+KeyExpiry] = t.Expiry.UTC().Format(time.RFC3339)
	}
	return v
}

// tokenFromValues reads a stored token; an unreadable expiry counts as
// expired.
func tokenFromValues(param string, vals Values) *oauth2.Token {
	t := &oauth2.Token{
		AccessToken:  vals[param],
		RefreshToken: vals[param+KeyRefreshToken],
		TokenType:    vals[param+KeyTokenType],
	}
	if e := strings.TrimSpace(vals[param+KeyExpiry]); e != "" {
		exp, err := time.Parse(time.RFC3339, e)
		if err != nil {
			exp = time.Unix(1, 0)
		}
		t.Expiry = exp
	}
	return t
}

package runtime_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/runtime"
)

// authServer is a local OAuth 2.0 authorization server: authorization
// codes bound to a PKCE challenge, rotating refresh tokens, client
// credentials, device codes, and client assertions signed with a
// certificate. Every grant is checked as a real server would; a failed
// check is a 400 whose body echoes the request (so that tests can see that
// nothing the server sends back leaks into errors).
type authServer struct {
	t   *testing.T
	srv *httptest.Server

	clientID, clientSecret string
	cert                   *x509.Certificate // when set, clients authenticate with a client assertion
	expiresIn              int               // lifetime of issued tokens, seconds
	refreshDelay           time.Duration     // makes concurrent refreshes overlap

	mu        sync.Mutex
	codes     map[string]codeGrant // code -> grant
	refresh   map[string]bool      // valid refresh tokens
	issued    int
	lastForm  url.Values
	lastPath  string
	lastQuery url.Values // of the last authorize request
	lastRaw   string     // raw query of the last token request
	deviceOK  bool

	refreshes atomic.Int32
}

type codeGrant struct{ challenge, redirect string }

func newAuthServer(t *testing.T) *authServer {
	a := &authServer{t: t, clientID: "client-123", clientSecret: "s3cr3t-client-value", expiresIn: 3600,
		codes: map[string]codeGrant{}, refresh: map[string]bool{}}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *authServer) fail(w http.ResponseWriter, code, desc string, form url.Values) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	// Echo the request, as careless servers do.
	json.NewEncoder(w).Encode(map[string]any{"error": code, "error_description": desc + " in request " + form.Encode(), "request": form.Encode()})
}

func (a *authServer) serve(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.lastPath = r.URL.Path
	a.mu.Unlock()
	switch {
	case strings.HasSuffix(r.URL.Path, "/authorize"):
		a.authorize(w, r)
	case strings.HasSuffix(r.URL.Path, "/token"):
		a.token(w, r)
	case strings.HasSuffix(r.URL.Path, "/devicecode"):
		r.ParseForm()
		a.mu.Lock()
		a.lastForm = r.PostForm
		a.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"device_code": "dev-code-1", "user_code": "ABCD-EFGH",
			"verification_uri": a.srv.URL + "/device", "expires_in": 600, "interval": 1})
	default:
		http.NotFound(w, r)
	}
}

func (a *authServer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	a.mu.Lock()
	a.lastQuery = q
	a.mu.Unlock()
	if q.Get("response_type") != "code" || q.Get("client_id") != a.clientID || q.Get("code_challenge_method") != "S256" ||
		q.Get("code_challenge") == "" || q.Get("redirect_uri") == "" || q.Get("state") == "" {
		http.Error(w, "bad authorization request: "+q.Encode(), http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	a.issued++
	code := fmt.Sprintf("code-%d", a.issued)
	a.codes[code] = codeGrant{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	a.mu.Unlock()
	http.Redirect(w, r, q.Get("redirect_uri")+"?code="+code+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
}

// clientOK checks the client's authentication: a secret (Basic or form),
// or a client assertion signed with a.cert.
func (a *authServer) clientOK(r *http.Request, tokenURL string) error {
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if a.cert != nil {
		return a.checkAssertion(r.PostForm, tokenURL)
	}
	if id != a.clientID || (a.clientSecret != "" && secret != a.clientSecret) {
		return errors.New("invalid client")
	}
	return nil
}

func (a *authServer) checkAssertion(form url.Values, aud string) error {
	if form.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		return errors.New("no client assertion")
	}
	parts := strings.Split(form.Get("client_assertion"), ".")
	if len(parts) != 3 {
		return errors.New("malformed assertion")
	}
	var hdr map[string]string
	var claims map[string]any
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	json.Unmarshal(hb, &hdr)
	json.Unmarshal(cb, &claims)
	thumb := sha1.Sum(a.cert.Raw)
	if hdr["alg"] != "RS256" || hdr["x5t"] != base64.RawURLEncoding.EncodeToString(thumb[:]) {
		return fmt.Errorf("bad assertion header %v", hdr)
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(a.cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum[:], sig); err != nil {
		return errors.New("bad assertion signature")
	}
	exp, _ := claims["exp"].(float64)
	if claims["aud"] != aud || claims["iss"] != a.clientID || claims["sub"] != a.clientID || time.Unix(int64(exp), 0).Before(time.Now()) {
		return fmt.Errorf("bad assertion claims %v", claims)
	}
	return nil
}

func (a *authServer) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	f := r.PostForm
	a.mu.Lock()
	a.lastForm = f
	a.lastRaw = r.URL.RawQuery
	a.mu.Unlock()
	if err := a.clientOK(r, a.srv.URL+r.URL.Path); err != nil {
		a.fail(w, "invalid_client", err.Error(), f)
		return
	}
	switch f.Get("grant_type") {
	case "authorization_code":
		a.mu.Lock()
		g, ok := a.codes[f.Get("code")]
		delete(a.codes, f.Get("code"))
		a.mu.Unlock()
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		if !ok || g.redirect != f.Get("redirect_uri") || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			a.fail(w, "invalid_grant", "code, redirect_uri or PKCE verifier mismatch", f)
			return
		}
	case "refresh_token":
		a.refreshes.Add(1)
		time.Sleep(a.refreshDelay)
		a.mu.Lock()
		ok := a.refresh[f.Get("refresh_token")]
		delete(a.refresh, f.Get("refresh_token")) // rotation: a refresh token works once
		a.mu.Unlock()
		if !ok {
			a.fail(w, "invalid_grant", "unknown refresh token", f)
			return
		}
	case "client_credentials":
	case "urn:ietf:params:oauth:grant-type:device_code":
		if f.Get("device_code") != "dev-code-1" {
			a.fail(w, "invalid_grant", "device code", f)
			return
		}
	default:
		a.fail(w, "unsupported_grant_type", f.Get("grant_type"), f)
		return
	}
	a.mu.Lock()
	a.issued++
	n := a.issued
	resp := map[string]any{"access_token": fmt.Sprintf("access-%d", n), "token_type": "bearer", "expires_in": a.expiresIn}
	if f.Get("grant_type") != "client_credentials" {
		rt := fmt.Sprintf("refresh-%d", n)
		a.refresh[rt] = true
		resp["refresh_token"] = rt
	}
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

// grantRefresh registers a refresh token (as if issued at an earlier sign-in).
func (a *authServer) grantRefresh(rt string) {
	a.mu.Lock()
	a.refresh[rt] = true
	a.mu.Unlock()
}

func (a *authServer) form() url.Values {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lastForm
}

// browser follows the authorization URL as a user's browser would, up to
// the redirect back to the client, and returns the redirect's query.
func browser(t *testing.T, authURL string) url.Values {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %s", resp.Status)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query()
}

func oauth2Settings(a *authServer) *runtime.OAuthSettings {
	return &runtime.OAuthSettings{
		Param: "token", Provider: "oauth2", Kind: runtime.OAuth2, Scopes: []string{"read", "write"},
		AuthURL: a.srv.URL + "/oauth/authorize", TokenURL: a.srv.URL + "/oauth/token",
	}
}

func clientValues(a *authServer) runtime.Values {
	return runtime.Values{"token.client_id": a.clientID, "token.client_secret": a.clientSecret}
}

func TestOAuthCodeFlowPKCE(t *testing.T) {
	a := newAuthServer(t)
	flow := &runtime.OAuthFlow{Settings: oauth2Settings(a), Values: clientValues(a), RedirectURL: "http://127.0.0.1:9/callback"}
	authURL, err := flow.AuthCodeURL()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	if got := u.Query().Get("scope"); got != "read write" {
		t.Errorf("scope = %q", got)
	}
	if strings.Contains(authURL, a.clientSecret) {
		t.Error("the authorization URL carries the client secret")
	}
	redirect := browser(t, authURL)

	// A forged redirect (other state) is refused before any token request.
	forged := url.Values{"code": {redirect.Get("code")}, "state": {"forged"}}
	if _, err := flow.Exchange(context.Background(), forged); err == nil || !strings.Contains(err.Error(), "state") {
		t.Fatalf("forged state: err = %v", err)
	}
	vals, err := flow.Exchange(context.Background(), redirect)
	if err != nil {
		t.Fatal(err)
	}
	if f := a.form(); f.Get("code_verifier") == "" || f.Get("redirect_uri") != "http://127.0.0.1:9/callback" {
		t.Errorf("token request %v lacks the PKCE verifier or redirect", f)
	}
	if vals["token"] == "" || vals["token.refresh_token"] == "" || vals["token.expiry"] == "" {
		t.Fatalf("token values %v", keys(vals))
	}
	if exp, err := time.Parse(time.RFC3339, vals["token.expiry"]); err != nil || time.Until(exp) < 50*time.Minute {
		t.Errorf("expiry %q", vals["token.expiry"])
	}

	// The code works once (the server forgets it), and an error answer is
	// an *OAuthError.
	flow2 := &runtime.OAuthFlow{Settings: oauth2Settings(a), Values: clientValues(a), RedirectURL: "http://127.0.0.1:9/callback"}
	if _, err := flow2.AuthCodeURL(); err != nil {
		t.Fatal(err)
	}
	_, err = flow.Exchange(context.Background(), redirect)
	var oe *runtime.OAuthError
	if !errors.As(err, &oe) || oe.Code != "invalid_grant" {
		t.Fatalf("reused code: err = %v", err)
	}

	// The provider's error redirect is reported with its code.
	_, err = flow.Exchange(context.Background(), url.Values{"error": {"access_denied"}, "state": {redirect.Get("state")}})
	if !errors.As(err, &oe) || oe.Code != "access_denied" {
		t.Fatalf("error redirect: err = %v", err)
	}
}

// fileStore writes a credential file holding one connection.
func fileStore(t *testing.T, conn string, vals runtime.Values) (*runtime.FileStore, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "conn.json")
	b, _ := json.Marshal(map[string]any{"connections": map[string]any{conn: vals, "other": map[string]any{"api_key": "kept", "port": 8443}}})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := runtime.OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	return s, path
}

// api is a backend that accepts only Bearer tokens issued by a.
func api(t *testing.T) (*httptest.Server, *sync.Map) {
	seen := &sync.Map{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !strings.HasPrefix(tok, "access-") {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		seen.Store(tok, true)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv, seen
}

var opPing = &runtime.Operation{ID: "Ping", Method: "GET", Path: "/ping", Result: runtime.ResultJSON}

func expiredToken(a *authServer) runtime.Values {
	a.grantRefresh("refresh-0")
	v := clientValues(a)
	v["token"] = "access-0"
	v["token.refresh_token"] = "refresh-0"
	v["token.expiry"] = time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	return v
}

func TestOAuthRefreshOnExpiryIsPersisted(t *testing.T) {
	a := newAuthServer(t)
	backend, seen := api(t)
	store, path := fileStore(t, "mine", expiredToken(a))
	vals, err := store.Lookup(context.Background(), "mine")
	if err != nil {
		t.Fatal(err)
	}
	tok := runtime.NewOAuth(oauth2Settings(a), vals, runtime.OAuthSaveTo(store, "mine"))
	c, err := runtime.NewClient(backend.URL, runtime.WithAuth(tok))
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if _, err := c.Do(context.Background(), opPing, nil, &out); err != nil {
		t.Fatal(err)
	}
	if n := a.refreshes.Load(); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	if _, ok := seen.Load("access-1"); !ok {
		t.Error("the request did not carry the refreshed token")
	}
	// The refreshed (and rotated) token is in the file, for the next process;
	// the other connection is untouched and the file stays private.
	again, err := runtime.OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := again.Lookup(context.Background(), "mine")
	if got["token"] != "access-1" || got["token.refresh_token"] != "refresh-1" || got["token.client_secret"] != a.clientSecret {
		t.Errorf("stored after refresh: token=%q refresh=%q", got["token"], got["token.refresh_token"])
	}
	if exp, err := time.Parse(time.RFC3339, got["token.expiry"]); err != nil || time.Until(exp) < 50*time.Minute {
		t.Errorf("stored expiry %q", got["token.expiry"])
	}
	other, _ := again.Lookup(context.Background(), "other")
	if other["api_key"] != "kept" || other["port"] != "8443" {
		t.Errorf("other connection = %v", other)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	// A second request reuses the token.
	if _, err := c.Do(context.Background(), opPing, nil, &out); err != nil {
		t.Fatal(err)
	}
	if n := a.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes after a second call, want 1", n)
	}
	// A new process starting from the file needs no refresh, and a fresh
	// connection built from the file works with the rotated refresh token.
	tok2 := runtime.NewOAuth(oauth2Settings(a), got)
	if s, err := tok2.Token(context.Background()); err != nil || s.Reveal() != "access-1" {
		t.Errorf("token from file = %v, %v", s, err)
	}
}

func TestOAuthRefreshesBeforeExpiry(t *testing.T) {
	a := newAuthServer(t)
	vals := expiredToken(a)
	vals["token.expiry"] = time.Now().Add(20 * time.Second).UTC().Format(time.RFC3339) // inside the early window
	tok := runtime.NewOAuth(oauth2Settings(a), vals)
	s, err := tok.Token(context.Background())
	if err != nil || s.Reveal() != "access-1" {
		t.Fatalf("token = %q, %v; want a refreshed one", s.Reveal(), err)
	}
	// With a shorter early window the same token is still good.
	vals = expiredToken(a)
	vals["token.expiry"] = time.Now().Add(20 * time.Second).UTC().Format(time.RFC3339)
	tok = runtime.NewOAuth(oauth2Settings(a), vals, runtime.OAuthRefreshBefore(5*time.Second))
	if s, _ := tok.Token(context.Background()); s.Reveal() != "access-0" {
		t.Errorf("token = %q, want the stored one", s.Reveal())
	}
}

func TestOAuthOneRefreshForConcurrentCalls(t *testing.T) {
	a := newAuthServer(t)
	a.refreshDelay = 100 * time.Millisecond // all callers arrive while the refresh runs
	backend, seen := api(t)
	store, _ := fileStore(t, "mine", expiredToken(a))
	vals, _ := store.Lookup(context.Background(), "mine")
	c, err := runtime.NewClient(backend.URL, runtime.WithAuth(runtime.NewOAuth(oauth2Settings(a), vals, runtime.OAuthSaveTo(store, "mine"))))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			var out map[string]any
			_, err := c.Do(context.Background(), opPing, nil, &out)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := a.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes for 50 concurrent calls, want 1", n)
	}
	n := 0
	seen.Range(func(k, _ any) bool { n++; return k == "access-1" })
	if n != 1 {
		t.Errorf("calls used %d different tokens", n)
	}
}

func TestOAuthWaitingCallerHonoursContext(t *testing.T) {
	a := newAuthServer(t)
	a.refreshDelay = 300 * time.Millisecond
	tok := runtime.NewOAuth(oauth2Settings(a), expiredToken(a))
	go tok.Token(context.Background()) // holds the refresh
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := tok.Token(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's", err)
	}
}

func TestOAuthLoginRequired(t *testing.T) {
	a := newAuthServer(t)
	for name, vals := range map[string]runtime.Values{
		"no token":                  clientValues(a),
		"expired, no refresh token": {"token": "access-0", "token.expiry": "2001-01-01T00:00:00Z", "token.client_id": "x"},
	} {
		_, err := runtime.NewOAuth(oauth2Settings(a), vals).Token(context.Background())
		if !errors.Is(err, runtime.ErrLoginRequired) {
			t.Errorf("%s: err = %v, want ErrLoginRequired", name, err)
		}
	}
	var nilTok *runtime.OAuth
	req := httptest.NewRequest("GET", "/", nil)
	if err := nilTok.Authorize(req); !errors.Is(err, runtime.ErrLoginRequired) {
		t.Errorf("nil token: err = %v", err)
	}
	// A static token never expires and never refreshes.
	if err := runtime.StaticToken("fixed-token").Authorize(req); err != nil || req.Header.Get("Authorization") != "Bearer fixed-token" {
		t.Errorf("static: %v %q", err, req.Header.Get("Authorization"))
	}
}

func TestOAuthAAD(t *testing.T) {
	a := newAuthServer(t)
	a.clientSecret = "" // a public client: PKCE only
	s := &runtime.OAuthSettings{Param: "token", Provider: "aad", Kind: runtime.AAD, LoginURL: a.srv.URL + "/",
		TenantID: "common", ResourceURI: "https://management.core.windows.net/", Scopes: []string{"ignored"}}
	vals := runtime.Values{"token.client_id": a.clientID, "token:TenantId": "contoso.onmicrosoft.com"}
	flow := &runtime.OAuthFlow{Settings: s, Values: vals, RedirectURL: "http://127.0.0.1:9/"}
	authURL, err := flow.AuthCodeURL()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	if u.Path != "/contoso.onmicrosoft.com/oauth2/v2.0/authorize" {
		t.Errorf("authorize path %s (the connection's tenant wins)", u.Path)
	}
	// The resource becomes a v2 scope; its trailing slash is kept (ARM wants
	// https://management.core.windows.net//.default).
	if got := u.Query().Get("scope"); got != "https://management.core.windows.net//.default offline_access" {
		t.Errorf("scope = %q", got)
	}
	got, err := flow.Exchange(context.Background(), browser(t, authURL))
	if err != nil {
		t.Fatal(err)
	}
	if a.lastPath != "/contoso.onmicrosoft.com/oauth2/v2.0/token" || a.form().Get("client_id") != a.clientID {
		t.Errorf("token request %s %v", a.lastPath, a.form())
	}
	// Refresh with the stored values (client in the body, as AAD wants).
	for k, v := range vals {
		got[k] = v
	}
	got["token.expiry"] = "2001-01-01T00:00:00Z"
	if s, err := runtime.NewOAuth(s, got).Token(context.Background()); err != nil || !strings.HasPrefix(s.Reveal(), "access-") {
		t.Fatalf("refresh: %v", err)
	}
	if f := a.form(); f.Get("grant_type") != "refresh_token" || f.Get("client_id") != a.clientID {
		t.Errorf("refresh form %v", f)
	}

	// Device-code flow.
	dflow := &runtime.OAuthFlow{Settings: s, Values: vals}
	da, err := dflow.DeviceAuth(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if a.lastPath != "/contoso.onmicrosoft.com/oauth2/v2.0/devicecode" || da.UserCode != "ABCD-EFGH" ||
		a.form().Get("scope") != "https://management.core.windows.net//.default offline_access" {
		t.Errorf("device authorization %s %v", a.lastPath, a.form())
	}
	dv, err := dflow.DeviceToken(context.Background(), da)
	if err != nil {
		t.Fatal(err)
	}
	if dv["token"] == "" || dv["token.refresh_token"] == "" {
		t.Errorf("device token values %v", keys(dv))
	}
}

func TestOAuthAADClientCredentials(t *testing.T) {
	a := newAuthServer(t)
	s := &runtime.OAuthSettings{Param: "token", Provider: "aad", Kind: runtime.AAD, LoginURL: a.srv.URL,
		ResourceURI: "https://management.core.windows.net", GrantType: runtime.GrantClientCredentials}
	vals := runtime.Values{"token:clientId": a.clientID, "token:clientSecret": a.clientSecret, "token:TenantId": "t1"}
	tok := runtime.NewOAuth(s, vals)
	for range 2 {
		if s, err := tok.Token(context.Background()); err != nil || !strings.HasPrefix(s.Reveal(), "access-") {
			t.Fatalf("token: %v", err)
		}
	}
	if f := a.form(); f.Get("grant_type") != "client_credentials" || f.Get("scope") != "https://management.core.windows.net/.default" || a.lastPath != "/t1/oauth2/v2.0/token" {
		t.Errorf("request %s %v", a.lastPath, f)
	}
}

// selfSigned makes a certificate and key, as PEM.
func selfSigned(t *testing.T) (*x509.Certificate, string) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "connectorgen test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	p8, _ := x509.MarshalPKCS8PrivateKey(key)
	return cert, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})) +
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}))
}

func TestOAuthAADCertificate(t *testing.T) {
	a := newAuthServer(t)
	cert, pemText := selfSigned(t)
	a.cert = cert
	s := &runtime.OAuthSettings{Param: "token", Provider: "aadcertificate", Kind: runtime.AADCertificate,
		LoginURL: a.srv.URL, ResourceURI: "https://graph.microsoft.com/"}
	vals := runtime.Values{"token.client_id": a.clientID, "token.client_certificate": pemText}
	flow := &runtime.OAuthFlow{Settings: s, Values: vals, RedirectURL: "http://127.0.0.1:9/"}
	authURL, err := flow.AuthCodeURL()
	if err != nil {
		t.Fatal(err)
	}
	got, err := flow.Exchange(context.Background(), browser(t, authURL))
	if err != nil {
		t.Fatal(err) // the server verified the assertion (signature, x5t, aud, iss, sub, exp)
	}
	if f := a.form(); f.Get("client_secret") != "" || f.Get("client_assertion") == "" {
		t.Errorf("exchange form %v", keysOf(f))
	}
	for k, v := range vals {
		got[k] = v
	}
	got["token.expiry"] = "2001-01-01T00:00:00Z"
	if _, err := runtime.NewOAuth(s, got).Token(context.Background()); err != nil {
		t.Fatalf("refresh with an assertion: %v", err)
	}
	if f := a.form(); f.Get("grant_type") != "refresh_token" || f.Get("client_assertion") == "" {
		t.Errorf("refresh form %v", keysOf(f))
	}
	// A key that does not match the certificate is refused before any request.
	_, otherPEM := selfSigned(t)
	mixed := pemText[:strings.Index(pemText, "-----BEGIN PRIVATE KEY")] + otherPEM[strings.Index(otherPEM, "-----BEGIN PRIVATE KEY"):]
	if _, _, err := runtime.ParseClientCertificate([]byte(mixed)); err == nil || strings.Contains(err.Error(), "PRIVATE KEY-----") {
		t.Errorf("mismatched key: err = %v", err)
	}
}

func TestOAuthGenericTemplates(t *testing.T) {
	a := newAuthServer(t)
	host := strings.TrimPrefix(a.srv.URL, "http://")
	// The 3E Events templates (corpus), with the host as a connection value.
	s := &runtime.OAuthSettings{
		Param: "token", Provider: "oauth2generic", Kind: runtime.OAuth2Generic,
		Scopes:       []string{"https://elite.com/ewh.all", "offline_access"},
		AuthURL:      "http://{customHost}/{tenantId}/oauth2/v2.0/authorize",
		AuthQuery:    "?response_type=code&client_id={clientId}&scope={scopes}&redirect_uri={redirectUrl}&state={State}&prompt=select_account",
		TokenURL:     "http://{customHost}/{tenantId}/oauth2/v2.0/token",
		TokenBody:    "code={code}&grant_type=authorization_code&redirect_uri={redirectUrl}&client_id={clientId}&client_secret={clientSecret}",
		RefreshURL:   "http://{customHost}/{tenantId}/oauth2/v2.0/token",
		RefreshQuery: "?x-env={Environment}",
		RefreshBody:  "code={code}&grant_type=refresh_token&refresh_token={refreshToken}&redirect_uri={redirectUrl}&client_id={clientId}&client_secret={clientSecret}",
	}
	vals := runtime.Values{"token:customHost": host, "token:TenantId": "t-9", "token:clientId": a.clientID,
		"token:clientSecret": a.clientSecret, "token:environment": "prod & test"}
	flow := &runtime.OAuthFlow{Settings: s, Values: vals, RedirectURL: "http://127.0.0.1:9/cb"}
	authURL, err := flow.AuthCodeURL()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	q := u.Query()
	if u.Path != "/t-9/oauth2/v2.0/authorize" || q.Get("scope") != "https://elite.com/ewh.all offline_access" ||
		q.Get("redirect_uri") != "http://127.0.0.1:9/cb" || q.Get("prompt") != "select_account" || q.Get("code_challenge") == "" {
		t.Errorf("authorization URL %s", authURL)
	}
	got, err := flow.Exchange(context.Background(), browser(t, authURL))
	if err != nil {
		t.Fatal(err)
	}
	f := a.form()
	if f.Get("client_secret") != a.clientSecret || f.Get("redirect_uri") != "http://127.0.0.1:9/cb" || f.Get("code_verifier") == "" {
		t.Errorf("token body %v", keysOf(f))
	}
	// Refresh: the refresh body template, with the redirect URL saved at sign-in.
	for k, v := range vals {
		got[k] = v
	}
	got["token.expiry"] = "2001-01-01T00:00:00Z"
	signInRefresh := got["token.refresh_token"]
	var saved runtime.Values
	store := writerFunc(func(_ context.Context, _ string, v runtime.Values) error { saved = v; return nil })
	if _, err := runtime.NewOAuth(s, got, runtime.OAuthSaveTo(store, "x")).Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	f = a.form()
	if f.Get("grant_type") != "refresh_token" || f.Get("refresh_token") != signInRefresh || f.Get("redirect_uri") != "http://127.0.0.1:9/cb" {
		t.Errorf("refresh body %v", keysOf(f))
	}
	if a.lastRaw != "x-env=prod+%26+test" {
		t.Errorf("refresh query %q, want the escaped query template", a.lastRaw)
	}
	if !strings.HasPrefix(saved["token"], "access-") || saved["token.refresh_token"] == signInRefresh || saved["token.refresh_token"] == "" {
		t.Errorf("saved %v", keys(saved))
	}
	// A template naming a value the connection lacks is an error naming it.
	delete(vals, "token:customHost")
	_, err = (&runtime.OAuthFlow{Settings: s, Values: vals}).AuthCodeURL()
	if err == nil || !strings.Contains(err.Error(), "{customHost}") {
		t.Errorf("missing value: err = %v", err)
	}
}

// writerFunc is a Store that records updates.
type writerFunc func(ctx context.Context, conn string, v runtime.Values) error

func (w writerFunc) Lookup(context.Context, string) (runtime.Values, error) { return nil, nil }
func (w writerFunc) Update(ctx context.Context, conn string, v runtime.Values) error {
	return w(ctx, conn, v)
}

// TestOAuthSecretsNeverPrinted runs failing and succeeding flows with
// request logging on and scans every log line and error for the secret
// values involved.
func TestOAuthSecretsNeverPrinted(t *testing.T) {
	a := newAuthServer(t)
	backend, _ := api(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var texts []string
	var record func(err error)
	record = func(err error) {
		if err == nil {
			return
		}
		texts = append(texts, err.Error(), fmt.Sprintf("%+v %#v", err, err))
		// Whatever errors.As or Unwrap can reach is printed by someone.
		var oe *runtime.OAuthError
		if errors.As(err, &oe) {
			texts = append(texts, fmt.Sprintf("%#v", *oe))
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			record(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				record(e)
			}
		}
	}

	// A successful refresh and call, with request logging.
	vals := expiredToken(a)
	tok := runtime.NewOAuth(oauth2Settings(a), vals, runtime.OAuthLogger(logger))
	c, _ := runtime.NewClient(backend.URL, runtime.WithAuth(tok), runtime.WithLogger(logger))
	var out map[string]any
	_, err := c.Do(context.Background(), opPing, nil, &out)
	record(err)
	texts = append(texts, fmt.Sprint(tok), fmt.Sprintf("%+v %#v", tok, tok))

	// A refused refresh: the server echoes the request (refresh token and
	// client secret) in its error body.
	bad := expiredToken(a)
	bad["token.refresh_token"] = "refresh-unknown-value"
	_, err = runtime.NewOAuth(oauth2Settings(a), bad).Token(context.Background())
	if err == nil {
		t.Fatal("refresh with an unknown token succeeded")
	}
	record(err)
	// The same through the client, for the template and AAD paths.
	gen := &runtime.OAuthSettings{Param: "token", Provider: "oauth2generic", Kind: runtime.OAuth2Generic,
		AuthURL: a.srv.URL + "/a", TokenURL: a.srv.URL + "/token",
		RefreshBody: "grant_type=refresh_token&refresh_token={refreshToken}&client_id={clientId}&client_secret={clientSecret}"}
	c2, _ := runtime.NewClient(backend.URL, runtime.WithAuth(runtime.NewOAuth(gen, bad)), runtime.WithLogger(logger))
	_, err = c2.Do(context.Background(), opPing, nil, &out)
	record(err)
	aad := &runtime.OAuthSettings{Param: "token", Provider: "aad", Kind: runtime.AAD, LoginURL: a.srv.URL, ResourceURI: "r"}
	_, err = runtime.NewOAuth(aad, bad).Token(context.Background())
	record(err)
	// A refused code exchange (wrong client secret).
	flow := &runtime.OAuthFlow{Settings: oauth2Settings(a), RedirectURL: "http://127.0.0.1:9/",
		Values: runtime.Values{"token.client_id": a.clientID, "token.client_secret": "wrong-secret-value"}}
	authURL, _ := flow.AuthCodeURL()
	redirect := browser(t, authURL)
	_, err = flow.Exchange(context.Background(), redirect)
	if err == nil {
		t.Fatal("exchange with a wrong secret succeeded")
	}
	record(err)
	// A token endpoint that cannot be reached, its URL carrying a value.
	down := &runtime.OAuthSettings{Param: "token", Provider: "oauth2generic", Kind: runtime.OAuth2Generic,
		AuthURL: "http://127.0.0.1:1/a", TokenURL: "http://127.0.0.1:1/token", TokenQuery: "?k={clientSecret}",
		RefreshBody: "grant_type=refresh_token&refresh_token={refreshToken}&client_secret={clientSecret}"}
	_, err = runtime.NewOAuth(down, bad).Token(context.Background())
	record(err)
	if len(texts) < 6 {
		t.Fatalf("only %d texts recorded", len(texts))
	}

	secrets := []string{a.clientSecret, "wrong-secret-value", "refresh-unknown-value", "refresh-0", "refresh-1", "access-1",
		redirect.Get("code"), url.QueryEscape(a.clientSecret)}
	all := logs.String() + "\n" + strings.Join(texts, "\n")
	for _, s := range secrets {
		if s != "" && strings.Contains(all, s) {
			t.Errorf("secret %q printed in:\n%s", s, all)
		}
	}
	if !strings.Contains(all, "invalid_grant") || !strings.Contains(all, "invalid_client") {
		t.Errorf("errors lost their OAuth codes:\n%s", all)
	}
}

func keys(v runtime.Values) []string {
	var ks []string
	for k := range v {
		ks = append(ks, k)
	}
	return ks
}

func keysOf(v url.Values) []string {
	var ks []string
	for k := range v {
		ks = append(ks, k)
	}
	return ks
}

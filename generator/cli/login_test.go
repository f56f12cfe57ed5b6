package cli_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
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

	"github.com/connectorgen/connectorgen/generator/cli"
	"github.com/connectorgen/connectorgen/runtime"
)

// loginServer is an authorization server (authorization code with PKCE,
// rotating refresh tokens, device codes) plus the API it protects.
type loginServer struct {
	srv       *httptest.Server
	mu        sync.Mutex
	codes     map[string]string // code -> PKCE challenge
	refresh   map[string]bool
	n         int
	refreshes atomic.Int32
	apiKeys   []string // X-Site-Key headers the API saw
	lastForm  url.Values
}

func newLoginServer(t *testing.T) *loginServer {
	s := &loginServer{codes: map[string]string{}, refresh: map[string]bool{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *loginServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case strings.HasSuffix(r.URL.Path, "/authorize"):
		q := r.URL.Query()
		if q.Get("client_id") != "my-client" || q.Get("code_challenge_method") != "S256" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		s.n++
		code := fmt.Sprintf("code-%d", s.n)
		s.codes[code] = q.Get("code_challenge")
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+code+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	case strings.HasSuffix(r.URL.Path, "/devicecode"):
		json.NewEncoder(w).Encode(map[string]any{"device_code": "dc", "user_code": "WXYZ-1234", "verification_uri": s.srv.URL + "/device", "expires_in": 60, "interval": 1})
	case strings.HasSuffix(r.URL.Path, "/token"):
		r.ParseForm()
		f := r.PostForm
		s.lastForm = f
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = f.Get("client_id"), f.Get("client_secret")
		}
		if id != "my-client" || (secret != "" && secret != "client-secret-value") {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client"})
			return
		}
		switch f.Get("grant_type") {
		case "authorization_code":
			sum := sha256.Sum256([]byte(f.Get("code_verifier")))
			if ch, ok := s.codes[f.Get("code")]; !ok || ch != base64.RawURLEncoding.EncodeToString(sum[:]) {
				w.WriteHeader(http.StatusBadRequest)
				json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
				return
			}
		case "refresh_token":
			s.refreshes.Add(1)
			if !s.refresh[f.Get("refresh_token")] {
				w.WriteHeader(http.StatusBadRequest)
				json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
				return
			}
			delete(s.refresh, f.Get("refresh_token"))
		case "urn:ietf:params:oauth:grant-type:device_code":
		default:
			http.Error(w, "grant", http.StatusBadRequest)
			return
		}
		s.n++
		rt := fmt.Sprintf("refresh-token-%d", s.n)
		s.refresh[rt] = true
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": fmt.Sprintf("access-token-%d", s.n), "refresh_token": rt, "expires_in": 3600, "token_type": "Bearer"})
	case r.URL.Path == "/api/me":
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer access-token-") && r.Header.Get("X-Site-Key") == "" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		s.apiKeys = append(s.apiKeys, r.Header.Get("X-Site-Key"))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"name":"me"}`)
	default:
		http.NotFound(w, r)
	}
}

// connector writes a connector whose OAuth endpoints and API are s.
func (s *loginServer) connector(t *testing.T, props string) string {
	dir := filepath.Join(t.TempDir(), "Login Test")
	os.MkdirAll(dir, 0o755)
	u, _ := url.Parse(s.srv.URL)
	swagger := `{"swagger": "2.0", "info": {"title": "Login Test", "version": "1"}, "host": "` + u.Host + `", "basePath": "/api", "schemes": ["http"],
	  "paths": {"/me": {"get": {"operationId": "GetMe", "responses": {"200": {"description": "ok", "schema": {"type": "object"}}}}}}}`
	props = strings.ReplaceAll(props, "AS", s.srv.URL)
	os.WriteFile(filepath.Join(dir, "apiDefinition.swagger.json"), []byte(swagger), 0o644)
	os.WriteFile(filepath.Join(dir, "apiProperties.json"), []byte(props), 0o644)
	return dir
}

const oauthProps = `{"properties": {"connectionParameters": {
  "token": {"type": "oauthSetting", "oAuthSettings": {"identityProvider": "oauth2", "clientId": "[[DUMMY]]", "scopes": ["read write"],
    "customParameters": {"authorizationUrl": {"value": "AS/oauth/authorize"}, "tokenUrl": {"value": "AS/oauth/token"}, "refreshUrl": {"value": "AS/oauth/token"}}}},
  "token:region": {"type": "string", "defaultValue": "eu", "uiDefinition": {"displayName": "Region", "constraints": {"required": "true"}}},
  "siteKey": {"type": "securestring", "uiDefinition": {"displayName": "Site key", "constraints": {"required": "true"}}}
}}}`

// loginEnv is a fake terminal (answers) and a fake browser that follows the
// authorization URL, redirects included, to the loopback listener.
func loginEnv(answers string) (*cli.Env, *bytes.Buffer, *bytes.Buffer, *[]string) {
	var out, errb bytes.Buffer
	var opened []string
	env := &cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Stdin: strings.NewReader(answers),
		OpenURL: func(u string) error {
			opened = append(opened, u)
			resp, err := http.Get(u)
			if err != nil {
				return err
			}
			resp.Body.Close()
			return nil
		}}
	return env, &out, &errb, &opened
}

func readStore(t *testing.T, path, conn string) runtime.Values {
	t.Helper()
	s, err := runtime.OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.Lookup(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func noSecrets(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("output shows secret %q:\n%s", s, text)
		}
	}
}

func TestLoginAuthCodeFlowThenCallRefreshes(t *testing.T) {
	s := newLoginServer(t)
	dir := s.connector(t, oauthProps)
	store := filepath.Join(t.TempDir(), "creds", "connections.json")
	// Answers: region (Enter: default eu), site key, client ID, client secret.
	env, out, errb, opened := loginEnv("\nsite-key-secret\nmy-client\nclient-secret-value\n")
	code := cli.Run(context.Background(), []string{"login", "--store", store, dir, "mine"}, env)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	if len(*opened) != 1 || !strings.Contains((*opened)[0], "code_challenge=") {
		t.Fatalf("browser opened %v", *opened)
	}
	v := readStore(t, store, "mine")
	want := runtime.Values{"token:region": "eu", "siteKey": "site-key-secret", "token.client_id": "my-client",
		"token.client_secret": "client-secret-value", "token": "access-token-2", "token.refresh_token": "refresh-token-2"}
	for k, w := range want {
		if v[k] != w {
			t.Errorf("stored %s = %q, want %q", k, v[k], w)
		}
	}
	if !strings.HasPrefix(v["token.redirect_url"], "http://127.0.0.1:") || v["token.expiry"] == "" {
		t.Errorf("stored redirect %q expiry %q", v["token.redirect_url"], v["token.expiry"])
	}
	if fi, _ := os.Stat(store); fi.Mode().Perm() != 0o600 {
		t.Errorf("store mode %v", fi.Mode().Perm())
	}
	printed := out.String() + errb.String()
	noSecrets(t, printed, "site-key-secret", "client-secret-value", "access-token-2", "refresh-token-2", "code-1")
	if !strings.Contains(errb.String(), `connection "mine" saved in `+store) {
		t.Errorf("stderr:\n%s", errb)
	}

	// `call` with the file: the token is expired, so it is refreshed once
	// and the rotated token is written back.
	st, _ := runtime.OpenFileStore(store)
	st.Update(context.Background(), "mine", runtime.Values{"token.expiry": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)})
	env2, out2, errb2, _ := loginEnv("")
	if code := cli.Run(context.Background(), []string{"call", "-v", "--connection", store, dir, "GetMe"}, env2); code != 0 {
		t.Fatalf("call: exit %d\n%s", code, errb2)
	}
	if s.refreshes.Load() != 1 {
		t.Errorf("%d refreshes", s.refreshes.Load())
	}
	v = readStore(t, store, "mine")
	if v["token"] != "access-token-3" || v["token.refresh_token"] != "refresh-token-3" || v["siteKey"] != "site-key-secret" {
		t.Errorf("after refresh: token %q refresh %q", v["token"], v["token.refresh_token"])
	}
	noSecrets(t, out2.String()+errb2.String(), "access-token-3", "refresh-token-2", "refresh-token-3", "client-secret-value", "site-key-secret")

	// Logging in again keeps stored secrets on Enter and never shows them.
	env3, out3, errb3, _ := loginEnv("\n\n\n\n")
	if code := cli.Run(context.Background(), []string{"login", "--store", store, dir, "mine"}, env3); code != 0 {
		t.Fatalf("second login: exit %d\n%s", code, errb3)
	}
	v = readStore(t, store, "mine")
	if v["siteKey"] != "site-key-secret" || v["token.client_secret"] != "client-secret-value" || v["token.client_id"] != "my-client" {
		t.Errorf("second login lost values")
	}
	noSecrets(t, out3.String()+errb3.String(), "site-key-secret", "client-secret-value", "access-token-3", "refresh-token-3")
}

func TestLoginDeviceAAD(t *testing.T) {
	s := newLoginServer(t)
	dir := s.connector(t, `{"properties": {"connectionParameters": {
	  "token": {"type": "oauthSetting", "oAuthSettings": {"identityProvider": "aad", "clientId": "my-client",
	    "customParameters": {"loginUri": {"value": "AS"}, "tenantId": {"value": "common"}, "resourceUri": {"value": "https://graph.microsoft.com"}}}},
	  "token:TenantId": {"type": "string", "uiDefinition": {"constraints": {"required": "false", "hidden": "true"}}}}}}`)
	store := filepath.Join(t.TempDir(), "c.json")
	// Answers: client ID (Enter: the connector's), client secret (none).
	env, _, errb, opened := loginEnv("\n\n")
	code := cli.Run(context.Background(), []string{"login", "--device", "--store", store, "--param", "token:TenantId=contoso", dir, "aad"}, env)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	if len(*opened) != 0 || !strings.Contains(errb.String(), "enter the code WXYZ-1234") {
		t.Errorf("device prompt:\n%s", errb)
	}
	v := readStore(t, store, "aad")
	if v["token"] == "" || v["token:TenantId"] != "contoso" || v["token.client_id"] != "my-client" {
		t.Errorf("stored %v", v)
	}
	if f := s.lastForm; f.Get("scope") != "https://graph.microsoft.com/.default offline_access" {
		t.Errorf("device token request %v", f)
	}
}

func TestLoginParameterSet(t *testing.T) {
	s := newLoginServer(t)
	dir := s.connector(t, `{"properties": {"connectionParameterSets": {"values": [
	  {"name": "keyBasedAuth", "uiDefinition": {"displayName": "API key"}, "parameters": {
	    "siteKey": {"type": "securestring", "uiDefinition": {"displayName": "Site key", "constraints": {"required": "true"}}}}},
	  {"name": "oauth", "uiDefinition": {"displayName": "Sign in"}, "parameters": {
	    "token": {"type": "oauthSetting", "oAuthSettings": {"identityProvider": "oauth2", "clientId": "my-client",
	      "customParameters": {"authorizationUrl": {"value": "AS/authorize"}, "tokenUrl": {"value": "AS/token"}}}}}}]}}}`)
	// The API key set authenticates with the header its swagger names.
	swagger := filepath.Join(dir, "apiDefinition.swagger.json")
	b, _ := os.ReadFile(swagger)
	b = bytes.Replace(b, []byte(`"paths"`), []byte(`"securityDefinitions": {"k": {"type": "apiKey", "in": "header", "name": "X-Site-Key"}}, "paths"`), 1)
	os.WriteFile(swagger, b, 0o644)
	store := filepath.Join(t.TempDir(), "c.json")
	// Answers: the set (by number), the site key.
	env, _, errb, opened := loginEnv("1\nsite-key-secret\n")
	if code := cli.Run(context.Background(), []string{"login", "--store", store, dir, "k"}, env); code != 0 {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	if len(*opened) != 0 {
		t.Error("an API key set opened a browser")
	}
	v := readStore(t, store, "k")
	if v["connectionParameterSet"] != "keyBasedAuth" || v["siteKey"] != "site-key-secret" {
		t.Errorf("stored %v", v)
	}
	noSecrets(t, errb.String(), "site-key-secret")
	env2, _, errb2, _ := loginEnv("")
	if code := cli.Run(context.Background(), []string{"call", "--connection", store, dir, "GetMe"}, env2); code != 0 {
		t.Fatalf("call: exit %d\n%s", code, errb2)
	}
	if len(s.apiKeys) != 1 || s.apiKeys[0] != "site-key-secret" {
		t.Errorf("API saw keys %v", s.apiKeys)
	}

	// --set picks the OAuth set without asking.
	env3, _, errb3, opened3 := loginEnv("\n\n")
	if code := cli.Run(context.Background(), []string{"login", "--set", "OAuth", "--store", store, dir, "o"}, env3); code != 0 {
		t.Fatalf("exit %d\n%s", code, errb3)
	}
	if len(*opened3) != 1 || readStore(t, store, "o")["connectionParameterSet"] != "oauth" {
		t.Errorf("oauth set: opened %v", *opened3)
	}
	// An unknown set is a usage error.
	env4, _, errb4, _ := loginEnv("")
	if code := cli.Run(context.Background(), []string{"login", "--set", "nope", "--store", store, dir, "x"}, env4); code != cli.ExitUsage {
		t.Errorf("unknown set: exit %d\n%s", code, errb4)
	}
}

func TestLoginRequiredInputMissing(t *testing.T) {
	s := newLoginServer(t)
	dir := s.connector(t, oauthProps)
	env, _, errb, _ := loginEnv("") // input ends at once
	code := cli.Run(context.Background(), []string{"login", "--store", filepath.Join(t.TempDir(), "c.json"), dir, "x"}, env)
	if code != cli.ExitFail || !strings.Contains(errb.String(), "a value is required") {
		t.Errorf("exit %d\n%s", code, errb)
	}
}

// A redirect that is not this sign-in's (a stale tab, a probe, a forged
// state) is answered 400 and the sign-in goes on to the real one.
func TestLoginIgnoresStrayRedirect(t *testing.T) {
	s := newLoginServer(t)
	dir := s.connector(t, oauthProps)
	store := filepath.Join(t.TempDir(), "connections.json")
	env, _, errb, _ := loginEnv("\nsite-key-secret\nmy-client\nclient-secret-value\n")
	follow := env.OpenURL
	var strayStatus int
	env.OpenURL = func(u string) error {
		au, err := url.Parse(u)
		if err != nil {
			return err
		}
		resp, err := http.Get(au.Query().Get("redirect_uri") + "?code=stolen&state=not-this-one")
		if err != nil {
			return err
		}
		resp.Body.Close()
		strayStatus = resp.StatusCode
		return follow(u)
	}
	if code := cli.Run(context.Background(), []string{"login", "--store", store, dir, "mine"}, env); code != 0 {
		t.Fatalf("exit %d\n%s", code, errb)
	}
	if strayStatus != http.StatusBadRequest {
		t.Errorf("stray redirect answered %d, want 400", strayStatus)
	}
	if v := readStore(t, store, "mine"); v["token"] != "access-token-2" {
		t.Errorf("stored token %q after the real redirect", v["token"])
	}
}

package x3eevents_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/generator/internal/golden/x3eevents"
	"github.com/connectorgen/connectorgen/runtime"
)

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func writeStore(t *testing.T, conns map[string]map[string]string) (*runtime.FileStore, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "connections.json")
	b, _ := json.Marshal(map[string]any{"connections": conns})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := runtime.OpenFileStore(path)
	if err != nil {
		t.Fatal(err)
	}
	return s, path
}

// TestConnectionParameterSets: the stored set name picks the typed
// connection; each set has exactly its own fields and defaults.
func TestConnectionParameterSets(t *testing.T) {
	ctx := context.Background()
	store, _ := writeStore(t, map[string]map[string]string{
		"prod":    {"connectionParameterSet": "aadprod", "token": "a", "token:3eInstanceId": "inst-1"},
		"nonprod": {"connectionParameterSet": "aadNonprod", "token": "a", "token:3eInstanceId": "inst-2", "token:customHost": "h", "token:TenantId": "contoso", "token:clientId": "cid", "token:clientSecret": "csecret", "token:customScopes": "s"},
		"unset":   {"token": "a", "token:3eInstanceId": "inst-3"},
		"partial": {"connectionParameterSet": "aadNonprod", "token": "a", "token:3eInstanceId": "inst-4"},
	})
	conn, err := x3eevents.ConnectionFromStore(ctx, store, "prod")
	if err != nil {
		t.Fatal(err)
	}
	prod, ok := conn.(x3eevents.ConnectionAADProd)
	if !ok || prod.ParameterSet() != "aadProd" || prod.TokenCustomHost != "api.elite.com" || prod.Token3EInstanceID != "inst-1" {
		t.Errorf("prod = %#v", conn)
	}
	conn, err = x3eevents.ConnectionFromStore(ctx, store, "nonprod")
	if err != nil {
		t.Fatal(err)
	}
	switch c := conn.(type) {
	case x3eevents.ConnectionAADNonprod:
		if c.TokenTenantID != "contoso" || c.TokenClientSecret.Reveal() != "csecret" {
			t.Errorf("nonprod = %+v", c)
		}
		if s := fmt.Sprintf("%v %+v", c, c); strings.Contains(s, "csecret") {
			t.Errorf("printing the connection shows its secret: %s", s)
		}
	default:
		t.Errorf("nonprod is %T", conn)
	}
	if _, err := x3eevents.ConnectionFromStore(ctx, store, "unset"); err == nil || !strings.Contains(err.Error(), "aadProd, aadPreview, aadNonprod") {
		t.Errorf("no set: %v", err)
	}
	if _, err := x3eevents.ConnectionFromStore(ctx, store, "partial"); err == nil || !strings.Contains(err.Error(), `"token:clientId"`) {
		t.Errorf("missing parameters of the set: %v", err)
	}
}

// TestConnectionRefreshesWithTemplates: an expired token of the aadNonprod
// set is refreshed through the connector's oauth2generic refresh template
// (tenant from the connection, client from token:clientId/clientSecret),
// once for concurrent calls, and saved to the store.
func TestConnectionRefreshesWithTemplates(t *testing.T) {
	var refreshes atomic.Int32
	var form url.Values
	as := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.URL.Path != "/contoso/oauth2/v2.0/token" || r.PostForm.Get("grant_type") != "refresh_token" ||
			r.PostForm.Get("refresh_token") != "rt-0" || r.PostForm.Get("client_secret") != "csecret" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant"}`)
			return
		}
		refreshes.Add(1)
		form = r.PostForm
		time.Sleep(50 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"fresh-access","refresh_token":"rt-1","expires_in":3600,"token_type":"Bearer"}`)
	}))
	defer as.Close()
	// The connector's templates name login.microsoftonline.com: route it here.
	orig := http.DefaultTransport
	http.DefaultTransport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Host == "login.microsoftonline.com" {
			r = r.Clone(r.Context())
			r.URL.Scheme, r.URL.Host = "http", strings.TrimPrefix(as.URL, "http://")
		}
		return orig.RoundTrip(r)
	})
	defer func() { http.DefaultTransport = orig }()

	var seen atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer fresh-access" || r.URL.Query().Get("3eInstanceId") != "inst-2" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		seen.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `[]`)
	}))
	defer api.Close()

	store, path := writeStore(t, map[string]map[string]string{"nonprod": {
		"connectionParameterSet": "aadNonprod", "token": "stale", "token.refresh_token": "rt-0",
		"token.expiry": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), "token.redirect_url": "http://127.0.0.1:9/cb",
		"token:3eInstanceId": "inst-2", "token:customHost": "h", "token:TenantId": "contoso",
		"token:clientId": "cid", "token:clientSecret": "csecret", "token:customScopes": "s",
	}})
	conn, err := x3eevents.ConnectionFromStore(context.Background(), store, "nonprod")
	if err != nil {
		t.Fatal(err)
	}
	c, err := x3eevents.New(conn, runtime.WithBaseURL(api.URL), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 10)
	for range 10 {
		go func() {
			_, err := c.FetchDataObjectEventsInfo(context.Background())
			errs <- err
		}()
	}
	for range 10 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if refreshes.Load() != 1 || seen.Load() != 10 {
		t.Errorf("%d refreshes, %d calls", refreshes.Load(), seen.Load())
	}
	if form.Get("client_id") != "cid" || form.Get("redirect_uri") != "http://127.0.0.1:9/cb" {
		t.Errorf("refresh body %v", form)
	}
	again, _ := runtime.OpenFileStore(path)
	v, _ := again.Lookup(context.Background(), "nonprod")
	if v["token"] != "fresh-access" || v["token.refresh_token"] != "rt-1" || v["connectionParameterSet"] != "aadNonprod" {
		t.Errorf("stored token %q refresh %q", v["token"], v["token.refresh_token"])
	}
}

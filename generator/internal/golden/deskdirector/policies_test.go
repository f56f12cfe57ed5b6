package deskdirector_test

// Policy templates of the real DeskDirector connector
// (certified-connectors/DeskDirector, apiProperties.json), run by the
// generated client and by `connectorgen call`: each test asserts the exact
// request the backend receives and what the caller gets back. Templates
// covered here: dynamicHostUrl (connector-wide, then a scoped instance that
// wins for the "advanced" operations), setheader (over the apiKey
// credential, and a scoped one) and setconnectionstatustounauthenticated.

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/connectorgen/connectorgen/generator/internal/golden/deskdirector"
	"github.com/connectorgen/connectorgen/generator/internal/recorder"
	"github.com/connectorgen/connectorgen/runtime"
)

// connector is the connector folder, from generator/internal/golden/deskdirector.
var connector = recorder.RepoPath(4, "testdata/connectors/DeskDirector")

const (
	apiKey   = "dd-key-5f3a9c"
	siteHost = "acme.deskdirector.com"
)

var conn = deskdirector.Connection{SiteHost: siteHost, APIKey: apiKey}

// hostRequest is a request as a host received it.
type hostRequest struct {
	Host, Method, Path, Query string
	Header                    http.Header
}

// fakeHosts is one TLS server that answers for every host name: the client
// dials it whatever host a policy computes, and the request's Host says
// which host the client meant.
type fakeHosts struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []hostRequest
}

func newFakeHosts(t *testing.T, status int, body string) *fakeHosts {
	f := &fakeHosts{}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.reqs = append(f.reqs, hostRequest{r.Host, r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone()})
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// client is a generated client whose connections all reach the fake. It
// has no runtime.WithBaseURL: the connector's dynamicHostUrl policies
// choose the host.
func (f *fakeHosts) client(t *testing.T) *deskdirector.Client {
	t.Helper()
	addr := f.srv.Listener.Addr().String()
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // the fake's certificate names no DeskDirector host
	}
	t.Cleanup(tr.CloseIdleConnections)
	c, err := deskdirector.New(conn, runtime.WithHTTPClient(&http.Client{Transport: tr}), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fakeHosts) only(t *testing.T) hostRequest {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.reqs) != 1 {
		t.Fatalf("fake got %d requests, want 1", len(f.reqs))
	}
	r := f.reqs[0]
	f.reqs = nil
	return r
}

// checkHeaders asserts every header the client sends (net/http's own
// Accept-Encoding aside).
func checkHeaders(t *testing.T, got http.Header, want map[string]string) {
	t.Helper()
	for k := range got {
		if _, ok := want[k]; !ok && k != "Accept-Encoding" {
			t.Errorf("unexpected header %s: %q", k, got[k])
		}
	}
	for k, v := range want {
		if vs := got.Values(k); !slices.Equal(vs, []string{v}) {
			t.Errorf("header %s %q, want [%q]", k, vs, v)
		}
	}
}

// TestDynamicHostAndAuthorization: the connector-wide dynamicHostUrl sends
// every operation to https://<siteHost> (the swagger's host is a
// placeholder), and the connector-wide setheader replaces the apiKey
// credential (the raw key in Authorization) by "DdApi <key>".
func TestDynamicHostAndAuthorization(t *testing.T) {
	f := newFakeHosts(t, http.StatusOK, `{"id":42,"subject":"Printer"}`)
	res, err := f.client(t).GetTicket(context.Background(), 42)
	if err != nil {
		t.Fatal(err)
	}
	if string(res) != `{"id":42,"subject":"Printer"}` {
		t.Errorf("result %s", res)
	}
	r := f.only(t)
	if r.Host != siteHost || r.Method != "GET" || r.Path != "/api/v2/automate/connector/tickets/42" || r.Query != "" {
		t.Errorf("request %s https://%s%s?%s", r.Method, r.Host, r.Path, r.Query)
	}
	checkHeaders(t, r.Header, map[string]string{"Authorization": "DdApi " + apiKey, "User-Agent": "connectorgen"})
}

// TestScopedHostWins: the advanced-action operations have a second
// dynamicHostUrl, listed after the connector-wide one, which wins, and a
// scoped setheader passing the site host along.
func TestScopedHostWins(t *testing.T) {
	f := newFakeHosts(t, http.StatusOK, `{"results":[{"value":"a1","displayName":"Restart"}],"totalResults":1}`)
	res, err := f.client(t).ListAdvancedActions(context.Background(), &deskdirector.ListAdvancedActionsOptions{Category: runtime.Some("ops tools")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Results) != 1 || res.TotalResults.V != 1 {
		t.Errorf("result %+v", res)
	}
	r := f.only(t)
	if r.Host != "functions.deskdirector.com" || r.Method != "GET" || r.Path != "/api/v2/automate/connector/functions/listAdvancedActions" || r.Query != "category=ops+tools" {
		t.Errorf("request %s https://%s%s?%s", r.Method, r.Host, r.Path, r.Query)
	}
	checkHeaders(t, r.Header, map[string]string{"Authorization": "DdApi " + apiKey, "Dd-Host": siteHost, "User-Agent": "connectorgen"})
}

// TestUnauthenticated: setconnectionstatustounauthenticated (401) makes a
// 401 an *runtime.UnauthenticatedError that still carries the response;
// the key the backend echoes does not reach the message.
func TestUnauthenticated(t *testing.T) {
	const body = `{"message":"API key dd-key-5f3a9c is revoked"}`
	f := newFakeHosts(t, http.StatusUnauthorized, body)
	_, err := f.client(t).GetTicket(context.Background(), 7)
	var ue *runtime.UnauthenticatedError
	var apiErr *runtime.Error
	if !errors.As(err, &ue) || !errors.Is(err, runtime.ErrUnauthenticated) || !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T), want an *runtime.UnauthenticatedError", err, err)
	}
	if apiErr.StatusCode != http.StatusUnauthorized || string(apiErr.Body) != body || apiErr.OperationID != "GetTicket" {
		t.Errorf("*runtime.Error %d %q %s", apiErr.StatusCode, apiErr.Body, apiErr.OperationID)
	}
	if strings.Contains(err.Error(), apiKey) {
		t.Errorf("the key leaks into the message: %v", err)
	}
	r := f.only(t)
	if r.Host != siteHost || r.Path != "/api/v2/automate/connector/tickets/7" {
		t.Errorf("request https://%s%s", r.Host, r.Path)
	}

	// Another error status is a plain *runtime.Error.
	f = newFakeHosts(t, http.StatusForbidden, `{}`)
	_, err = f.client(t).GetTicket(context.Background(), 7)
	if errors.As(err, &ue) || !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusForbidden {
		t.Errorf("403: %v", err)
	}
}

// TestCallSameRequest: with an explicit base URL (runtime.WithBaseURL,
// `connectorgen call --base-url`) the dynamicHostUrl policies step aside
// and every other policy still applies; the generated client and `call`
// send the same request, and `call` reports the 401 like any error.
func TestCallSameRequest(t *testing.T) {
	srv := recorder.New(t, recorder.Response{Status: http.StatusUnauthorized, Body: `{"message":"no"}`})
	c, err := deskdirector.New(conn, runtime.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListAdvancedActions(context.Background(), nil)
	var ue *runtime.UnauthenticatedError
	if !errors.As(err, &ue) {
		t.Fatalf("error %v, want an *runtime.UnauthenticatedError", err)
	}
	req := srv.Only(t)
	if req.Method != "GET" || req.Path != "/api/v2/automate/connector/functions/listAdvancedActions" || req.Query != "" {
		t.Errorf("request %s %s?%s", req.Method, req.Path, req.Query)
	}
	checkHeaders(t, req.Header, map[string]string{"Authorization": "DdApi " + apiKey, "Dd-Host": siteHost, "User-Agent": "connectorgen"})

	stdout, stderr, code := srv.Call(t, connector, map[string]string{"siteHost": siteHost, "apiKey": apiKey}, "ListAdvancedActions")
	if code != 1 || stdout != `{"message":"no"}` || stderr != "401 Unauthorized\n" {
		t.Errorf("connectorgen call: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	recorder.Same(t, req, srv.Only(t))
}

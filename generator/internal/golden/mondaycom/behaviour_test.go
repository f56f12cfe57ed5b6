package mondaycom_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/internal/golden/mondaycom"
	"github.com/connectorgen/connectorgen/generator/internal/recorder"
	"github.com/connectorgen/connectorgen/runtime"
)

// connector is the connector folder, from generator/internal/golden/mondaycom.
var connector = recorder.RepoPath(4, "testdata/connectors/mondaycom")

const apiKey = "monday-key-7f3a"

// conn holds the connection values for `connectorgen call` (the
// apiProperties.json connection parameter names).
var conn = map[string]string{"Authorization": apiKey}

func newClient(t *testing.T, srv *recorder.Server) *mondaycom.Client {
	t.Helper()
	c, err := mondaycom.New(mondaycom.Connection{Authorization: apiKey}, runtime.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// call runs the operation through `connectorgen call` against srv and
// checks that it sent exactly the request the client sent (want), printed
// the response body on stdout and the status on stderr, and exited 0 for a
// 2xx status and 1 otherwise.
func call(t *testing.T, srv *recorder.Server, want recorder.Request, wantStdout string, status int, args ...string) {
	t.Helper()
	stdout, stderr, code := srv.Call(t, connector, conn, args...)
	wantCode := 0
	if status/100 != 2 {
		wantCode = 1
	}
	if code != wantCode {
		t.Fatalf("connectorgen call: exit %d, want %d (stderr: %s)", code, wantCode, stderr)
	}
	if stdout != wantStdout {
		t.Errorf("connectorgen call: stdout %q, want %q", stdout, wantStdout)
	}
	if want := fmt.Sprintf("%d %s\n", status, http.StatusText(status)); stderr != want {
		t.Errorf("connectorgen call: stderr %q, want %q", stderr, want)
	}
	recorder.Same(t, want, srv.Only(t))
}

func TestCallGraphQL(t *testing.T) {
	const resp = `{"data":{"boards":[{"id":"42","name":"Roadmap"}]},"account_id":7}`
	srv := recorder.New(t, recorder.Response{Header: map[string]string{"Content-Type": "application/json"}, Body: resp})

	out, err := newClient(t, srv).CallGraphQL(context.Background(), &mondaycom.CallGraphQLOptions{
		Body: &mondaycom.CallGraphQLRequest{Query: runtime.Some(`{ boards (ids: 42) { id name } }`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"data":       map[string]any{"boards": []any{map[string]any{"id": "42", "name": "Roadmap"}}},
		"account_id": float64(7),
	}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("result %#v, want %#v", out, want)
	}

	req := srv.Only(t)
	const body = `{"query":"{ boards (ids: 42) { id name } }"}`
	if req.Method != http.MethodPost || req.Path != "/" || req.Query != "" {
		t.Errorf("request line %s %s?%s, want POST /", req.Method, req.Path, req.Query)
	}
	if got := req.Header.Values("Authorization"); len(got) != 1 || got[0] != apiKey {
		t.Errorf("Authorization %q, want [%q] (API key header, verbatim)", got, apiKey)
	}
	// The internal Content-Type header parameter is filled from its default.
	if got := req.Header.Values("Content-Type"); len(got) != 1 || got[0] != "application/json" {
		t.Errorf("Content-Type %q, want [application/json]", got)
	}
	if string(req.Body) != body {
		t.Errorf("body %s, want %s", req.Body, body)
	}

	call(t, srv, req, resp, 200, "--body", body, "CallGraphQL")
}

func TestCallGraphQLWithoutBody(t *testing.T) {
	srv := recorder.New(t, recorder.Response{Body: `{}`})
	out, err := newClient(t, srv).CallGraphQL(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if out == nil || len(out) != 0 {
		t.Errorf("result %#v, want an empty map", out)
	}
	req := srv.Only(t)
	if req.Method != http.MethodPost || req.Path != "/" || req.Query != "" || len(req.Body) != 0 {
		t.Errorf("request %s %s?%s body %q, want POST / without a body", req.Method, req.Path, req.Query, req.Body)
	}
	// The body is optional, but the internal required header is still sent.
	if got := req.Header.Values("Content-Type"); len(got) != 1 || got[0] != "application/json" {
		t.Errorf("Content-Type %q, want [application/json]", got)
	}
	if got := req.Header.Get("Authorization"); got != apiKey {
		t.Errorf("Authorization %q, want %q", got, apiKey)
	}
	call(t, srv, req, `{}`, 200, "CallGraphQL")
}

func TestCallGraphQLError(t *testing.T) {
	// The service echoes the key: Error() must not show it, Body keeps it.
	const resp = `{"errors":[{"message":"Not Authenticated: key monday-key-7f3a"}],"status_code":401}`
	srv := recorder.New(t, recorder.Response{Status: http.StatusUnauthorized, Header: map[string]string{"Content-Type": "application/json"}, Body: resp})

	out, err := newClient(t, srv).CallGraphQL(context.Background(), &mondaycom.CallGraphQLOptions{
		Body: &mondaycom.CallGraphQLRequest{Query: runtime.Some("{ me { id } }")},
	})
	if out != nil {
		t.Errorf("result %#v, want nil", out)
	}
	var apiErr *runtime.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T), want a *runtime.Error", err, err)
	}
	if apiErr.OperationID != "CallGraphQL" || apiErr.StatusCode != 401 || apiErr.Status != "401 Unauthorized" || string(apiErr.Body) != resp || apiErr.Truncated {
		t.Errorf("error %+v, want CallGraphQL 401 Unauthorized with body %s", apiErr, resp)
	}
	if got := apiErr.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("error header Content-Type %q", got)
	}
	if strings.Contains(err.Error(), apiKey) || !strings.Contains(err.Error(), "REDACTED") {
		t.Errorf("Error() = %q: the API key must be replaced by REDACTED", err.Error())
	}

	req := srv.Only(t)
	if string(req.Body) != `{"query":"{ me { id } }"}` {
		t.Errorf("body %s", req.Body)
	}
	call(t, srv, req, resp, 401, "--body", `{"query":"{ me { id } }"}`, "CallGraphQL")
}

package emigo_test

import (
	"context"
	"testing"

	"github.com/connectorgen/connectorgen/generator/internal/golden/emigo"
	"github.com/connectorgen/connectorgen/generator/internal/recorder"
	"github.com/connectorgen/connectorgen/runtime"
)

const token = "emigo-access-token"

// TestDoubleEncodedPathEscapedOnce: GetItems' path parameters carry
// x-ms-url-encoding: double. The platform's second encoding is undone by its
// gateway, so the backend receives each value escaped once; the generated
// client and `connectorgen call` send exactly that, "/" included, so the
// value survives as one path segment.
func TestDoubleEncodedPathEscapedOnce(t *testing.T) {
	const body = `{"value": [{"id": 1}]}`
	srv := recorder.New(t, recorder.Response{Header: map[string]string{"Content-Type": "application/json"}, Body: body})
	c, err := emigo.New(emigo.Connection{Token: runtime.StaticToken(token)}, runtime.WithBaseURL(srv.URL), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetItems(context.Background(), "sales/orders", "a b%c"); err != nil {
		t.Fatal(err)
	}
	req := srv.Only(t)
	if want := "/datasets/sales%2Forders/tables/a%20b%25c/items"; req.Method != "GET" || req.Path != want {
		t.Errorf("request %s %s, want GET %s", req.Method, req.Path, want)
	}
	if got := req.Header.Get("Authorization"); got != "Bearer "+token {
		t.Errorf("Authorization = %q", got)
	}
	stdout, stderr, code := srv.Call(t, recorder.RepoPath(4, "testdata/connectors/Emigo"), map[string]string{"token": token},
		"--param", "type=sales/orders", "--param", "table=a b%c", "GetItems")
	if code != 0 || stdout != body {
		t.Fatalf("call: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	recorder.Same(t, req, srv.Only(t))
}

package tegolysign_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/connectorgen/connectorgen/generator/internal/golden/tegolysign"
	"github.com/connectorgen/connectorgen/generator/internal/recorder"
	"github.com/connectorgen/connectorgen/runtime"
)

// connector is the connector folder, from generator/internal/golden/tegolysign.
var connector = recorder.RepoPath(4, "testdata/connectors/tegolySIGN")

const token = "aad-access-token-xyz"

// conn holds the connection values for `connectorgen call`: the AAD OAuth
// parameter "token" and its tenant.
var conn = map[string]string{"token": token, "token:TenantId": "contoso.onmicrosoft.com"}

var jsonHeader = map[string]string{"Content-Type": "application/json"}

func newClient(t *testing.T, srv *recorder.Server) *tegolysign.Client {
	t.Helper()
	c, err := tegolysign.New(tegolysign.Connection{Token: runtime.StaticToken(token), TokenTenantID: "contoso.onmicrosoft.com"}, runtime.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// call runs the operation through `connectorgen call` and returns the
// request it sent, after checking the exit code (0 for a 2xx status, 1
// otherwise), stdout (the response body) and stderr (the status line).
func call(t *testing.T, srv *recorder.Server, wantStdout string, status int, args ...string) recorder.Request {
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
	return srv.Only(t)
}

// pdf writes the document to a file called "file" (the parameter name, which
// the generated client uses as the file name) for `connectorgen call`.
func pdf(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const doc = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\r\n--boundary-lookalike\r\n%%EOF\n"

func checkRequest(t *testing.T, req recorder.Request) {
	t.Helper()
	if req.Method != http.MethodPost || req.Path != "/api/webhook/create-draft" || req.Query != "" {
		t.Errorf("request %s %s?%s, want POST /api/webhook/create-draft", req.Method, req.Path, req.Query)
	}
	if got := req.Header.Values("Authorization"); len(got) != 1 || got[0] != "Bearer "+token {
		t.Errorf("Authorization %q, want [%q]", got, "Bearer "+token)
	}
	want := []recorder.Part{{Name: "file", FileName: "file", ContentType: "application/octet-stream", Body: doc}}
	if got := req.Parts(t); !reflect.DeepEqual(got, want) {
		t.Errorf("parts %v, want %v", got, want)
	}
}

func TestImportPDF(t *testing.T) {
	const resp = `{"draftId":"d-81","status":"draft"}`
	srv := recorder.New(t, recorder.Response{Status: http.StatusCreated, Header: jsonHeader, Body: resp})
	res, err := newClient(t, srv).ImportPDF(context.Background(), bytes.NewReader([]byte(doc)))
	if err != nil {
		t.Fatal(err)
	}
	// The response has no schema: the JSON comes back as is.
	if string(res) != resp {
		t.Errorf("result %s, want %s", res, resp)
	}
	req := srv.Only(t)
	checkRequest(t, req)
	recorder.SameMultipart(t, req, call(t, srv, resp, 201, "--param", "file=@"+pdf(t), "ImportPDF"))
}

func TestImportPDFError(t *testing.T) {
	const resp = `{"message":"Only PDF files can be imported"}`
	srv := recorder.New(t, recorder.Response{Status: http.StatusUnsupportedMediaType, Header: jsonHeader, Body: resp})
	res, err := newClient(t, srv).ImportPDF(context.Background(), bytes.NewReader([]byte(doc)))
	if res != nil {
		t.Errorf("result %s, want nil", res)
	}
	var apiErr *runtime.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T), want a *runtime.Error", err, err)
	}
	if apiErr.OperationID != "ImportPDF" || apiErr.StatusCode != 415 || apiErr.Status != "415 Unsupported Media Type" || string(apiErr.Body) != resp {
		t.Errorf("error %+v, want ImportPDF 415 with body %s", apiErr, resp)
	}
	req := srv.Only(t)
	checkRequest(t, req)
	recorder.SameMultipart(t, req, call(t, srv, resp, 415, "--param", "file=@"+pdf(t), "ImportPDF"))
}

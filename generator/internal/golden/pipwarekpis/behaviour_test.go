package pipwarekpis_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/generator/internal/golden/pipwarekpis"
	"github.com/connectorgen/connectorgen/generator/internal/recorder"
	"github.com/connectorgen/connectorgen/runtime"
)

// connector is the connector folder, from generator/internal/golden/pipwarekpis.
var connector = recorder.RepoPath(4, "testdata/connectors/PIPware KPIs")

const apiKey = "pip-key-42"

// conn holds the connection values for `connectorgen call`.
var conn = map[string]string{"api_key": apiKey, "domain": "acme.pipware.net"}

var jsonHeader = map[string]string{"Content-Type": "application/json"}

func newClient(t *testing.T, srv *recorder.Server) *pipwarekpis.Client {
	t.Helper()
	c, err := pipwarekpis.New(pipwarekpis.Connection{APIKey: apiKey, Domain: "acme.pipware.net"}, runtime.WithBaseURL(srv.URL))
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

func checkRequest(t *testing.T, req recorder.Request, path, contentType, body string) {
	t.Helper()
	if req.Method != http.MethodPut || req.Path != path || req.Query != "" {
		t.Errorf("request %s %s?%s, want PUT %s", req.Method, req.Path, req.Query, path)
	}
	if got := req.Header.Values("X-PIPWARE-ApiKey"); len(got) != 1 || got[0] != apiKey {
		t.Errorf("X-PIPWARE-ApiKey %q, want [%q]", got, apiKey)
	}
	if got := req.Header.Values("Content-Type"); len(got) != 1 || got[0] != contentType {
		t.Errorf("Content-Type %q, want [%q]", got, contentType)
	}
	if string(req.Body) != body {
		t.Errorf("body %s, want %s", req.Body, body)
	}
}

func TestSaveKpiActuals(t *testing.T) {
	const resp = `{"saved":2,"errors":[]}`
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: resp})
	res, err := newClient(t, srv).SaveKpiActuals(context.Background(), []pipwarekpis.SaveKpiActualsRequestItem{
		{KpiCode: "REV/EU 1", ValueDate: "2024-03-31T00:00:00+02:00", ActualValue: runtime.Some(1250000.5), Deleted: runtime.Some(false)},
		{KpiCode: "NPS", ValueDate: runtime.NewDateTime(time.Date(2024, 3, 31, 12, 0, 0, 0, time.UTC))},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(res) != resp {
		t.Errorf("result %s, want %s", res, resp)
	}
	req := srv.Only(t)
	// DateTime values are sent as their text; unset Opt fields are left
	// out, a set false is sent.
	const body = `[{"kpiCode":"REV/EU 1","valueDate":"2024-03-31T00:00:00+02:00","actualValue":1250000.5,"deleted":false},{"kpiCode":"NPS","valueDate":"2024-03-31T12:00:00Z"}]`
	// The Content-Type header parameter defaults to " application/json";
	// HTTP drops the leading space.
	checkRequest(t, req, "/api/v1/kpiIntegration/values", "application/json", body)
	recorder.Same(t, req, call(t, srv, resp, 200, "--body", body, "SaveKpiActuals"))
}

func TestSaveKpiTargetsHeaderOption(t *testing.T) {
	srv := recorder.New(t, recorder.Response{}) // 200 without a body
	res, err := newClient(t, srv).SaveKpiTargets(context.Background(), []pipwarekpis.SaveKpiTargetsRequestItem{
		{KpiCode: "Q&A", TargetDate: "2024-12-31", TargetValue: runtime.Some(0.0), Deleted: runtime.Some(true)},
	}, &pipwarekpis.SaveKpiTargetsOptions{ContentType: runtime.Some("application/json; charset=utf-8")})
	if err != nil {
		t.Fatal(err)
	}
	if res != nil {
		t.Errorf("result %q, want nil for an empty body", res)
	}
	req := srv.Only(t)
	const body = `[{"kpiCode":"Q\u0026A","targetDate":"2024-12-31","targetValue":0,"deleted":true}]`
	checkRequest(t, req, "/api/v1/kpiIntegration/targets", "application/json; charset=utf-8", body)
	recorder.Same(t, req, call(t, srv, "", 200,
		"--param", "Content-Type=application/json; charset=utf-8", "--body", body, "SaveKpiTargets"))
}

func TestSaveKpiTargetsError(t *testing.T) {
	const resp = `{"message":"Unauthorized. Please check your API key and that you have the KPITargets permission"}`
	srv := recorder.New(t, recorder.Response{Status: http.StatusUnauthorized, Header: jsonHeader, Body: resp})
	res, err := newClient(t, srv).SaveKpiTargets(context.Background(), []pipwarekpis.SaveKpiTargetsRequestItem{}, nil)
	if res != nil {
		t.Errorf("result %q, want nil", res)
	}
	var apiErr *runtime.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T), want a *runtime.Error", err, err)
	}
	if apiErr.OperationID != "SaveKpiTargets" || apiErr.StatusCode != 401 || apiErr.Status != "401 Unauthorized" || string(apiErr.Body) != resp {
		t.Errorf("error %+v, want SaveKpiTargets 401 Unauthorized with body %s", apiErr, resp)
	}
	req := srv.Only(t)
	checkRequest(t, req, "/api/v1/kpiIntegration/targets", "application/json", `[]`)
	recorder.Same(t, req, call(t, srv, resp, 401, "--body", `[]`, "SaveKpiTargets"))
}

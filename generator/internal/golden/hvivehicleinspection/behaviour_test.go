package hvivehicleinspection_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/connectorgen/connectorgen/generator/internal/golden/hvivehicleinspection"
	"github.com/connectorgen/connectorgen/generator/internal/recorder"
	"github.com/connectorgen/connectorgen/runtime"
)

// connector is the connector folder, from generator/internal/golden/hvivehicleinspection.
var connector = recorder.RepoPath(4, "testdata/connectors/HVI Vehicle Inspection")

// The connector has no connection parameters and no security.
var conn = map[string]string{}

var jsonHeader = map[string]string{"Content-Type": "application/json"}

const path = "/workflows/9bf21378f9924c97b16d3fed67e69200/triggers/manual/paths/invoke"

func newClient(t *testing.T, srv *recorder.Server) *hvivehicleinspection.Client {
	t.Helper()
	c, err := hvivehicleinspection.New(hvivehicleinspection.Connection{}, runtime.WithBaseURL(srv.URL))
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

// checkRequest checks the parts every InspectionPerVehicle request shares:
// the internal query parameters and the internal Content-Type header are
// filled from their defaults, and no credentials are sent.
func checkRequest(t *testing.T, req recorder.Request, sv, body string) {
	t.Helper()
	query := "api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=" + sv + "&sig=byht1JYW63X3X6hvP1B3cRjYvZExaWoV9BsLb_Mm_vI"
	if req.Method != http.MethodPost || req.Path != path || req.Query != query {
		t.Errorf("request %s %s?%s, want POST %s?%s", req.Method, req.Path, req.Query, path, query)
	}
	if got := req.Header.Values("Content-Type"); len(got) != 1 || got[0] != "application/json" {
		t.Errorf("Content-Type %q, want [application/json]", got)
	}
	if v, ok := req.Header["Authorization"]; ok {
		t.Errorf("Authorization %q, want none", v)
	}
	if string(req.Body) != body {
		t.Errorf("body %s, want %s", req.Body, body)
	}
}

const resp = `[{"id":"r1","__createdAt":"2024-01-05T10:00:00Z","createdAt":"2024-01-05 10:00","index_number":3,"deleted":false,"safe_to_use":"Yes"},` +
	`{"id":"r2","index_number":null,"unknown":1}]`

func TestInspectionPerVehicleDefaults(t *testing.T) {
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: resp})
	res, err := newClient(t, srv).InspectionPerVehicle(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []hvivehicleinspection.InspectionPerVehicleResponseItem{
		{
			ID:          runtime.Some("r1"),
			CreatedAt:   runtime.Some("2024-01-05T10:00:00Z"), // "__createdAt"
			CreatedAt2:  runtime.Some("2024-01-05 10:00"),     // "createdAt"
			IndexNumber: runtime.Some[int32](3),
			Deleted:     runtime.Some(false),
			SafeToUse:   runtime.Some("Yes"),
		},
		{ID: runtime.Some("r2")},
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("result %+v, want %+v", res, want)
	}
	req := srv.Only(t)
	// Without a body, the schema's default body is sent.
	checkRequest(t, req, "1.0", `{"end_date":"2021-10-27","master_email":"centhilsudar.v@ecoprotection.in","password":"Nirmcent@1","start_date":"2021-08-01","vehicle_number":"TN18A0267"}`)
	recorder.Same(t, req, call(t, srv, resp, 200, "InspectionPerVehicle"))
}

func TestInspectionPerVehicle(t *testing.T) {
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: `[]`})
	res, err := newClient(t, srv).InspectionPerVehicle(context.Background(), &hvivehicleinspection.InspectionPerVehicleOptions{
		Sv: runtime.Some("2.0 beta"),
		Body: &hvivehicleinspection.InspectionPerVehicleRequest{
			MasterEmail:   "fleet+ops@example.com",
			Password:      "k&y<1>",
			VehicleNumber: "KA 01 AB 1234",
			StartDate:     "2024-01-01",
			EndDate:       "2024-01-31",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res == nil || len(res) != 0 {
		t.Errorf("result %#v, want an empty slice", res)
	}
	req := srv.Only(t)
	// The caller's body replaces the default one (fields in schema order).
	const body = `{"master_email":"fleet+ops@example.com","password":"k\u0026y\u003c1\u003e","vehicle_number":"KA 01 AB 1234","start_date":"2024-01-01","end_date":"2024-01-31"}`
	checkRequest(t, req, "2.0+beta", body)
	recorder.Same(t, req, call(t, srv, `[]`, 200, "--param", "sv=2.0 beta", "--body", body, "InspectionPerVehicle"))
}

func TestInspectionPerVehicleError(t *testing.T) {
	const errBody = `{"error":{"code":"WorkflowTriggerIsNotEnabled","message":"The workflow is disabled."}}`
	srv := recorder.New(t, recorder.Response{Status: http.StatusConflict, Header: jsonHeader, Body: errBody})
	res, err := newClient(t, srv).InspectionPerVehicle(context.Background(), nil)
	if res != nil {
		t.Errorf("result %+v, want nil", res)
	}
	var apiErr *runtime.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T), want a *runtime.Error", err, err)
	}
	if apiErr.OperationID != "InspectionPerVehicle" || apiErr.StatusCode != 409 || apiErr.Status != "409 Conflict" || string(apiErr.Body) != errBody {
		t.Errorf("error %+v, want InspectionPerVehicle 409 Conflict with body %s", apiErr, errBody)
	}
	req := srv.Only(t)
	recorder.Same(t, req, call(t, srv, errBody, 409, "InspectionPerVehicle"))
}

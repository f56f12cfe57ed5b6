package africastalkingairtime_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/connectorgen/connectorgen/generator/internal/golden/africastalkingairtime"
	"github.com/connectorgen/connectorgen/generator/internal/recorder"
	"github.com/connectorgen/connectorgen/runtime"
)

// connector is the connector folder, from generator/internal/golden/africastalkingairtime.
var connector = recorder.RepoPath(4, "testdata/connectors/Africa's Talking Airtime")

const apiKey = "atsk_0f9e8d"

// conn holds the connection values for `connectorgen call`.
var conn = map[string]string{"api_key": apiKey}

var jsonHeader = map[string]string{"Content-Type": "application/json"}

func newClient(t *testing.T, srv *recorder.Server) *africastalkingairtime.Client {
	t.Helper()
	c, err := africastalkingairtime.New(africastalkingairtime.Connection{APIKey: apiKey}, runtime.WithBaseURL(srv.URL))
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

func checkHeader(t *testing.T, req recorder.Request, name string, want ...string) {
	t.Helper()
	if got := req.Header.Values(name); !reflect.DeepEqual(got, want) {
		t.Errorf("header %s: %q, want %q", name, got, want)
	}
}

func checkSendAirtime(t *testing.T, req recorder.Request, body string) {
	t.Helper()
	if req.Method != http.MethodPost || req.Path != "/version1/airtime/send" || req.Query != "" {
		t.Errorf("request %s %s?%s, want POST /version1/airtime/send", req.Method, req.Path, req.Query)
	}
	checkHeader(t, req, "apiKey", apiKey)
	// Both internal header parameters are filled from their defaults.
	checkHeader(t, req, "Content-Type", "application/json")
	checkHeader(t, req, "Accept", "application/json")
	if string(req.Body) != body {
		t.Errorf("body %s, want %s", req.Body, body)
	}
}

func TestSendAirtime(t *testing.T) {
	const resp = `{"errorMessage":"None","numSent":2,"totalAmount":"KES 30.0000","totalDiscount":"KES 1.2000",` +
		`"responses":[{"phoneNumber":"+254711000111","amount":"KES 10.0000","discount":"KES 0.4000","status":"Sent","requestId":"ATQid_1","errorMessage":"None"},` +
		`{"phoneNumber":"+254722000222","amount":"KES 20.0000","status":"Failed"}]}`
	srv := recorder.New(t, recorder.Response{Status: http.StatusCreated, Header: jsonHeader, Body: resp})
	res, err := newClient(t, srv).SendAirtime(context.Background(), africastalkingairtime.SendAirtimeRequest{
		Username: "sandbox",
		Recipients: []africastalkingairtime.SendAirtimeRequestRecipientsItem{
			{PhoneNumber: "+254711000111", Amount: "KES 10.00"},
			{PhoneNumber: "+254722000222", Amount: "KES 20.00"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := &africastalkingairtime.SendAirtimeResponse{
		ErrorMessage:  runtime.Some("None"),
		NumSent:       runtime.Some[int32](2),
		TotalAmount:   runtime.Some("KES 30.0000"),
		TotalDiscount: runtime.Some("KES 1.2000"),
		Responses: []africastalkingairtime.SendAirtimeResponseResponsesItem{
			{PhoneNumber: runtime.Some("+254711000111"), Amount: runtime.Some("KES 10.0000"), Discount: runtime.Some("KES 0.4000"),
				Status: runtime.Some("Sent"), RequestID: runtime.Some("ATQid_1"), ErrorMessage: runtime.Some("None")},
			{PhoneNumber: runtime.Some("+254722000222"), Amount: runtime.Some("KES 20.0000"), Status: runtime.Some("Failed")},
		},
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("result %+v, want %+v", res, want)
	}
	req := srv.Only(t)
	const body = `{"username":"sandbox","recipients":[{"phoneNumber":"+254711000111","amount":"KES 10.00"},{"phoneNumber":"+254722000222","amount":"KES 20.00"}]}`
	checkSendAirtime(t, req, body)
	recorder.Same(t, req, call(t, srv, resp, 201, "--body", body, "SendAirtime"))
}

func TestFindTransactionStatus(t *testing.T) {
	const resp = `{"status":"Success","extra":{"ignored":true}}`
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: resp})
	res, err := newClient(t, srv).FindTransactionStatus(context.Background(), "sandbox", "ATQid_a/b c+d")
	if err != nil {
		t.Fatal(err)
	}
	if want := (&africastalkingairtime.FindTransactionStatusResponse{Status: runtime.Some("Success")}); !reflect.DeepEqual(res, want) {
		t.Errorf("result %+v, want %+v", res, want)
	}
	req := srv.Only(t)
	if req.Method != http.MethodGet || req.Path != "/query/transaction/find" || req.Query != "username=sandbox&transactionId=ATQid_a%2Fb+c%2Bd" {
		t.Errorf("request %s %s?%s", req.Method, req.Path, req.Query)
	}
	checkHeader(t, req, "apiKey", apiKey)
	// The internal headers belong to SendAirtime only.
	checkHeader(t, req, "Content-Type")
	checkHeader(t, req, "Accept")
	recorder.Same(t, req, call(t, srv, resp, 200,
		"--param", "username=sandbox", "--param", "transactionId=ATQid_a/b c+d", "FindTransactionStatus"))
}

func TestSendAirtimeError(t *testing.T) {
	const resp = "The supplied authentication is invalid"
	srv := recorder.New(t, recorder.Response{Status: http.StatusUnauthorized, Header: map[string]string{"Content-Type": "text/plain"}, Body: resp})
	res, err := newClient(t, srv).SendAirtime(context.Background(), africastalkingairtime.SendAirtimeRequest{Username: "sandbox"})
	if res != nil {
		t.Errorf("result %+v, want nil", res)
	}
	var apiErr *runtime.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T), want a *runtime.Error", err, err)
	}
	if apiErr.OperationID != "SendAirtime" || apiErr.StatusCode != 401 || apiErr.Status != "401 Unauthorized" || string(apiErr.Body) != resp {
		t.Errorf("error %+v, want SendAirtime 401 Unauthorized with body %q", apiErr, resp)
	}
	req := srv.Only(t)
	// A nil slice is left out.
	checkSendAirtime(t, req, `{"username":"sandbox"}`)
	recorder.Same(t, req, call(t, srv, resp, 401, "--body", `{"username":"sandbox"}`, "SendAirtime"))
}

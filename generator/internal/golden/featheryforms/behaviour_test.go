package featheryforms_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/connectorgen/connectorgen/generator/internal/golden/featheryforms"
	"github.com/connectorgen/connectorgen/generator/internal/recorder"
	"github.com/connectorgen/connectorgen/runtime"
)

// The connector has only polling triggers, for which the generated package
// has no methods yet (only the payload types): these tests drive the poll
// request through `connectorgen call` and decode its output with the
// generated types.

// connector is the connector folder, from generator/internal/golden/featheryforms.
var connector = recorder.RepoPath(4, "testdata/connectors/Feathery Forms")

const apiKey = "Token feathery-secret"

// conn holds the connection values for `connectorgen call`.
var conn = map[string]string{"api_key": apiKey}

func TestFormCompletionPoll(t *testing.T) {
	const resp = `{"results":[{"id":"sub-1","Submission Completed At":"2024-05-01T08:30:00Z","Submission Updated At":"2024-05-01T08:31:00Z"},{"id":"sub-2"}]}`
	srv := recorder.New(t, recorder.Response{Header: map[string]string{"Content-Type": "application/json"}, Body: resp})
	stdout, stderr, code := srv.Call(t, connector, conn, "--param", "form_key=Sign-up Form/2", "FormCompletion")
	if code != 0 || stdout != resp || stderr != "200 OK\n" {
		t.Fatalf("connectorgen call: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	req := srv.Only(t)
	// The internal last_requested_at has no default: it is not sent.
	if req.Method != http.MethodGet || req.Path != "/trigger/power-automate/poll/form_completion/" || req.Query != "form_key=Sign-up+Form%2F2" {
		t.Errorf("request %s %s?%s", req.Method, req.Path, req.Query)
	}
	if got := req.Header.Values("Authorization"); len(got) != 1 || got[0] != apiKey {
		t.Errorf("Authorization %q, want [%q] (the key verbatim)", got, apiKey)
	}
	if len(req.Body) != 0 {
		t.Errorf("body %q, want none", req.Body)
	}

	var res featheryforms.FormCompletionResponse
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	want := featheryforms.FormCompletionResponse{Results: []featheryforms.FormCompletionResponseResultsItem{
		{ID: runtime.Some("sub-1"), SubmissionCompletedAt: runtime.Some("2024-05-01T08:30:00Z"), SubmissionUpdatedAt: runtime.Some("2024-05-01T08:31:00Z")},
		{ID: runtime.Some("sub-2")},
	}}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("decoded %+v, want %+v", res, want)
	}
}

func TestDataReceivedPollError(t *testing.T) {
	const resp = `{"detail":"Invalid token."}`
	srv := recorder.New(t, recorder.Response{Status: http.StatusForbidden, Header: map[string]string{"Content-Type": "application/json"}, Body: resp})
	stdout, stderr, code := srv.Call(t, connector, conn,
		"--param", "form_key=f1", "--param", "last_requested_at=2024-05-01T08:30:00+00:00", "DataReceived")
	if code != 1 || stdout != resp || stderr != "403 Forbidden\n" {
		t.Fatalf("connectorgen call: exit %d, stdout %q, stderr %q; want 1, the body, 403 Forbidden", code, stdout, stderr)
	}
	req := srv.Only(t)
	if req.Method != http.MethodGet || req.Path != "/trigger/power-automate/poll/data_received/" || req.Query != "form_key=f1&last_requested_at=2024-05-01T08%3A30%3A00%2B00%3A00" {
		t.Errorf("request %s %s?%s", req.Method, req.Path, req.Query)
	}
	if got := req.Header.Get("Authorization"); got != apiKey {
		t.Errorf("Authorization %q, want %q", got, apiKey)
	}
}

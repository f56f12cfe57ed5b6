package planner_test

// Policy templates of the real Planner connector (certified-connectors/Planner,
// apiProperties.json), run by the generated client and by `connectorgen call`
// against a fake Microsoft Graph: each test asserts the exact requests the
// backend receives and what the caller gets back. Templates covered here:
// routerequesttoendpoint, setvaluefromurl, setproperty, stringreplace,
// convertarraytoobject, setQueryParameter, StringToArray,
// EncodePropertyValue, ConvertObjectToArray and updatenextlink.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/internal/golden/planner"
	"github.com/connectorgen/connectorgen/generator/internal/recorder"
	"github.com/connectorgen/connectorgen/runtime"
)

// connector is the connector folder, from generator/internal/golden/planner.
var connector = recorder.RepoPath(4, "testdata/connectors/Planner")

const token = "eyJ0eXAi.planner.token"

// conn holds the connection values for `connectorgen call`.
var conn = map[string]string{"token": token}

var jsonHeader = map[string]string{"Content-Type": "application/json"}

func newClient(t *testing.T, srv *recorder.Server) *planner.Client {
	t.Helper()
	c, err := planner.New(planner.Connection{Token: runtime.StaticToken(token)}, runtime.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// call runs an operation through `connectorgen call`, checks the exit code
// and stdout, and returns the requests the fake received.
func call(t *testing.T, srv *recorder.Server, wantStdout string, args ...string) []recorder.Request {
	t.Helper()
	stdout, stderr, code := srv.Call(t, connector, conn, args...)
	if code != 0 {
		t.Fatalf("connectorgen call: exit %d (stderr: %s)", code, stderr)
	}
	if stdout != wantStdout {
		t.Errorf("connectorgen call: stdout\n%s\nwant\n%s", stdout, wantStdout)
	}
	return srv.Requests()
}

// want is a request as the backend must receive it: every header the
// client sends (net/http's own Accept-Encoding and Content-Length aside).
type want struct {
	method, path, query string
	header              map[string]string
	body                string
}

func check(t *testing.T, got []recorder.Request, wants ...want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("backend got %d requests, want %d: %+v", len(got), len(wants), got)
	}
	for i, w := range wants {
		r := got[i]
		if r.Method != w.method || r.Path != w.path || r.Query != w.query {
			t.Errorf("request %d: %s %s?%s, want %s %s?%s", i+1, r.Method, r.Path, r.Query, w.method, w.path, w.query)
		}
		h := map[string]string{"User-Agent": "connectorgen", "Authorization": "Bearer " + token}
		for k, v := range w.header {
			h[k] = v
		}
		for k := range r.Header {
			if _, ok := h[k]; !ok && k != "Accept-Encoding" && k != "Content-Length" {
				t.Errorf("request %d: unexpected header %s: %q", i+1, k, r.Header[k])
			}
		}
		for k, v := range h {
			if got := r.Header.Values(k); !slices.Equal(got, []string{v}) {
				t.Errorf("request %d: header %s %q, want [%q]", i+1, k, got, v)
			}
		}
		if string(r.Body) != w.body {
			t.Errorf("request %d: body\n%s\nwant\n%s", i+1, r.Body, w.body)
		}
	}
}

func same(t *testing.T, a, b []recorder.Request) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("generated client sent %d requests, connectorgen call %d", len(a), len(b))
	}
	for i := range a {
		recorder.Same(t, a[i], b[i])
	}
}

// TestCreateTaskV3 exercises the request chain of CreateTask_V3:
// routerequesttoendpoint (/v2/v1.0/planner/tasks → /v1.0/planner/tasks),
// StringToArray (";"-separated ids → [{"userId":…}]), two SetProperty on
// every element (orderHint, @odata.type), EncodePropertyValue and
// StringReplace on each userId ("@" → %40, then "." → %2E), and
// ConvertArrayToObject keyed by userId without the key; then the response
// chain: ConvertObjectToArray of Graph's assignments object into
// _assignments.
func TestCreateTaskV3(t *testing.T) {
	const graph = `{"id":"T1","planId":"P1","title":"Write report","assignments":{"u-1":{"orderHint":"8585","assignedDateTime":"2024-05-01T10:00:00Z"},"ada.lovelace@contoso.com":{"orderHint":"8584"}}}`
	srv := recorder.New(t, recorder.Response{Status: http.StatusCreated, Header: jsonHeader, Body: graph})
	res, err := newClient(t, srv).CreateTaskV3(context.Background(), planner.CreateTaskRequestV3{
		GroupID: "G1", PlanID: "P1", Title: "Write report", Assignments: runtime.Some("u-1; ada.lovelace@contoso.com;"),
	})
	if err != nil {
		t.Fatal(err)
	}
	gen := srv.Requests()
	check(t, gen, want{
		method: "POST", path: "/v1.0/planner/tasks",
		header: map[string]string{"Content-Type": "application/json", "Prefer": "return=representation"},
		// The caller's members keep their order; members the policies add
		// follow in the order they are added.
		body: `{"groupId":"G1","planId":"P1","title":"Write report","assignments":{"u-1":{"orderHint":" !","@odata.type":"microsoft.graph.plannerAssignment"},"ada%2Elovelace%40contoso%2Ecom":{"orderHint":" !","@odata.type":"microsoft.graph.plannerAssignment"}}}`,
	})
	// The caller gets _assignments as an array, in Graph's order.
	if res.ID.V != "T1" || len(res.Assignments) != 2 ||
		res.Assignments[0].UserID.V != "u-1" || res.Assignments[0].Value == nil || res.Assignments[0].Value.OrderHint.V != "8585" ||
		res.Assignments[0].Value.AssignedDateTime.V != "2024-05-01T10:00:00Z" ||
		res.Assignments[1].UserID.V != "ada.lovelace@contoso.com" || res.Assignments[1].Value.OrderHint.V != "8584" {
		t.Errorf("result %+v", res)
	}
	const out = `{"id":"T1","planId":"P1","title":"Write report","assignments":{"u-1":{"orderHint":"8585","assignedDateTime":"2024-05-01T10:00:00Z"},"ada.lovelace@contoso.com":{"orderHint":"8584"}},"_assignments":[{"userId":"u-1","value":{"orderHint":"8585","assignedDateTime":"2024-05-01T10:00:00Z"}},{"userId":"ada.lovelace@contoso.com","value":{"orderHint":"8584"}}]}`
	same(t, gen, call(t, srv, out, "--body", `{"groupId":"G1","planId":"P1","title":"Write report","assignments":"u-1; ada.lovelace@contoso.com;"}`, "CreateTask_V3"))
}

// TestUpdateTaskDetailsV2 exercises SetValueFromUrl (a GET of the details
// for their @odata.etag, sent as If-Match), SetProperty on every reference
// and checklist item, the five StringReplace encodings of resourceLink and
// the two ConvertArrayToObject; then on the response the two
// ConvertObjectToArray and the StringReplace decodings.
func TestUpdateTaskDetailsV2(t *testing.T) {
	const etag = `W/"JzEtVGFza0RldGFpbHMgQEBAQEBAQEBAQEBAQEBAWCc="`
	const details = `{"@odata.etag":"W/\"JzEtVGFza0RldGFpbHMgQEBAQEBAQEBAQEBAQEBAWCc=\"","id":"T1","description":"old"}`
	const updated = `{"id":"T1","description":"Notes","references":{"https%3A//contoso%2Esharepoint%2Ecom/a%25b#c":{"alias":"Spec","type":"Word","previewPriority":" !"}},"checklist":{"c1":{"title":"Draft","isChecked":true}}}`
	srv := recorder.NewFunc(t, func(r recorder.Request) recorder.Response {
		if r.Method == "GET" {
			return recorder.Response{Header: jsonHeader, Body: details}
		}
		return recorder.Response{Header: jsonHeader, Body: updated}
	})
	res, err := newClient(t, srv).UpdateTaskDetailsV2(context.Background(), "T1", planner.UpdateTaskDetailsRequest{
		Description: runtime.Some("Notes"),
		References:  []planner.UpdateTaskDetailsRequestReferencesItem{{Alias: runtime.Some("Spec"), ResourceLink: "https://contoso.sharepoint.com/a%b#c", Type: json.RawMessage(`"Word"`)}},
		Checklist:   []planner.UpdateTaskDetailsRequestChecklistItem{{ID: "c1", Title: "Draft", IsChecked: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	gen := srv.Requests()
	check(t, gen,
		want{method: "GET", path: "/v1.0/planner/tasks/T1/details", header: map[string]string{"Accept": "application/json"}},
		want{
			method: "PATCH", path: "/v1.0/planner/tasks/T1/details",
			header: map[string]string{"Content-Type": "application/json", "Prefer": "return=representation", "If-Match": etag},
			body:   `{"description":"Notes","references":{"https%3A//contoso%2Esharepoint%2Ecom/a%25b%23c":{"alias":"Spec","type":"Word","previewPriority":" !","@odata.type":"microsoft.graph.plannerExternalReference"}},"checklist":{"c1":{"title":"Draft","isChecked":true,"@odata.type":"microsoft.graph.plannerChecklistItem"}}}`,
		})
	wantRes := &planner.GetTaskDetailsResponse{
		ID: runtime.Some("T1"), Description: runtime.Some("Notes"),
		References: []planner.GetTaskDetailsResponseReferencesItem{{
			ResourceLink: "https://contoso.sharepoint.com/a%b#c",
			Value:        &planner.GetTaskDetailsResponseReferencesItemValue{Alias: runtime.Some("Spec"), Type: json.RawMessage(`"Word"`)},
		}},
		Checklist: []planner.GetTaskDetailsResponseChecklistItem{{
			ID: "c1", Value: &planner.GetTaskDetailsResponseChecklistItemValue{Title: runtime.Some("Draft"), IsChecked: runtime.Some(true)},
		}},
	}
	if !reflect.DeepEqual(res, wantRes) {
		t.Errorf("result %+v, want %+v", res, wantRes)
	}
	const out = `{"id":"T1","description":"Notes","references":[{"resourceLink":"https://contoso.sharepoint.com/a%b#c","value":{"alias":"Spec","type":"Word","previewPriority":" !"}}],"checklist":[{"id":"c1","value":{"title":"Draft","isChecked":true}}]}`
	body := `{"description":"Notes","references":[{"alias":"Spec","resourceLink":"https://contoso.sharepoint.com/a%b#c","type":"Word"}],"checklist":[{"id":"c1","title":"Draft","isChecked":true}]}`
	same(t, gen, call(t, srv, out, "--param", "id=T1", "--body", body, "UpdateTaskDetails_V2"))
}

// TestDeleteTask: SetValueFromUrl fetches the task's etag first.
func TestDeleteTask(t *testing.T) {
	srv := recorder.NewFunc(t, func(r recorder.Request) recorder.Response {
		if r.Method == "GET" {
			return recorder.Response{Header: jsonHeader, Body: `{"@odata.etag":"W/\"e1\"","id":"T 1"}`}
		}
		return recorder.Response{Status: http.StatusNoContent}
	})
	if err := newClient(t, srv).DeleteTask(context.Background(), "T 1"); err != nil {
		t.Fatal(err)
	}
	gen := srv.Requests()
	check(t, gen,
		want{method: "GET", path: "/v1.0/planner/tasks/T%201", header: map[string]string{"Accept": "application/json"}},
		want{method: "DELETE", path: "/v1.0/planner/tasks/T%201", header: map[string]string{"If-Match": `W/"e1"`}})
	stdout, stderr, code := srv.Call(t, connector, conn, "--param", "id=T 1", "DeleteTask")
	if code != 0 || stdout != "" || stderr != "204 No Content\n" {
		t.Fatalf("connectorgen call: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	same(t, gen, srv.Requests())

	// An etag Graph does not send fails the call before the DELETE.
	srv = recorder.New(t, recorder.Response{Header: jsonHeader, Body: `{"id":"T1"}`})
	err := newClient(t, srv).DeleteTask(context.Background(), "T1")
	if err == nil || !strings.Contains(err.Error(), "body()['@odata.etag'] is null") {
		t.Errorf("error %v", err)
	}
	if reqs := srv.Requests(); len(reqs) != 1 || reqs[0].Method != "GET" {
		t.Errorf("requests %+v, want only the GET", reqs)
	}
}

// TestListTasksV3 exercises routerequesttoendpoint (query kept),
// ConvertObjectToArray on every task of the page (@item()._assignments) and
// updatenextlink: Graph's link to graph.microsoft.com is routed onto the
// base URL the client talks to.
func TestListTasksV3(t *testing.T) {
	var srv *recorder.Server
	page := `{"@odata.context":"x","value":[{"id":"T1","assignments":{"u-2":{"orderHint":"2"},"u-1":{"orderHint":"1"}}},{"id":"T2","assignments":{}}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/planner/plans/P%201/tasks?$skiptoken=X1"}`
	srv = recorder.New(t, recorder.Response{Header: jsonHeader, Body: page})
	res, err := newClient(t, srv).ListTasksV3(context.Background(), "G1", "P 1")
	if err != nil {
		t.Fatal(err)
	}
	gen := srv.Requests()
	check(t, gen, want{method: "GET", path: "/v1.0/planner/plans/P%201/tasks", query: "groupId=G1"})
	next := srv.URL + "/v1.0/planner/plans/P%201/tasks?$skiptoken=X1"
	if res.ODataNextLink.V != next || len(res.Value) != 2 || len(res.Value[0].Assignments) != 2 ||
		res.Value[0].Assignments[0].UserID.V != "u-2" || res.Value[0].Assignments[1].Value.OrderHint.V != "1" ||
		res.Value[1].Assignments == nil || len(res.Value[1].Assignments) != 0 {
		t.Errorf("result %+v", res)
	}
	out := fmt.Sprintf(`{"@odata.context":"x","value":[{"id":"T1","assignments":{"u-2":{"orderHint":"2"},"u-1":{"orderHint":"1"}},"_assignments":[{"userId":"u-2","value":{"orderHint":"2"}},{"userId":"u-1","value":{"orderHint":"1"}}]},{"id":"T2","assignments":{},"_assignments":[]}],"@odata.nextLink":%q}`, next)
	same(t, gen, call(t, srv, out, "--param", "groupId=G1", "--param", "id=P 1", "ListTasks_V3"))
}

// TestListGroups exercises routerequesttoendpoint to a path with "$" and two
// setQueryParameter on an operation that has no query parameters.
func TestListGroups(t *testing.T) {
	const graph = `{"value":[{"id":"G1","displayName":"Team"}]}`
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: graph})
	res, err := newClient(t, srv).ListGroups(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	gen := srv.Requests()
	check(t, gen, want{method: "GET", path: "/v1.0/me/memberOf/$/microsoft.graph.group",
		query: "%24filter=groupTypes%2Fany%28c%3Ac+eq+%27Unified%27%29&%24select=id%2CdisplayName"})
	if len(res.Value) != 1 || res.Value[0].DisplayName.V != "Team" {
		t.Errorf("result %+v", res)
	}
	same(t, gen, call(t, srv, graph, "ListGroups"))
}

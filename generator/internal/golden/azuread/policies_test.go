package azuread_test

// Policy templates of the real AzureAD connector
// (certified-connectors/AzureAD, apiProperties.json) run by the generated
// client and by `connectorgen call` against a fake Microsoft Graph: each
// test asserts the exact request the backend receives and what the caller
// gets back. Templates covered here: moveproperties, setproperty (a value
// interpolating the body), routerequesttoendpoint (without httpMethod, and
// with a newPath lacking its leading "/") and updatenextlink.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/connectorgen/connectorgen/generator/internal/golden/azuread"
	"github.com/connectorgen/connectorgen/generator/internal/recorder"
	"github.com/connectorgen/connectorgen/runtime"
)

// connector is the connector folder, from generator/internal/golden/azuread.
var connector = recorder.RepoPath(4, "testdata/connectors/AzureAD")

const token = "eyJ0eXAi.azuread.token"

// conn holds the connection values for `connectorgen call`.
var conn = map[string]string{"token": token}

var jsonHeader = map[string]string{"Content-Type": "application/json"}

func newClient(t *testing.T, srv *recorder.Server) *azuread.Client {
	t.Helper()
	c, err := azuread.New(azuread.Connection{Token: runtime.StaticToken(token)}, runtime.WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// call runs an operation through `connectorgen call`, checks the exit code,
// stdout and the status line, and returns the request the fake received.
func call(t *testing.T, srv *recorder.Server, wantStdout string, status int, args ...string) recorder.Request {
	t.Helper()
	stdout, stderr, code := srv.Call(t, connector, conn, args...)
	if code != 0 {
		t.Fatalf("connectorgen call: exit %d (stderr: %s)", code, stderr)
	}
	if stdout != wantStdout {
		t.Errorf("connectorgen call: stdout\n%s\nwant\n%s", stdout, wantStdout)
	}
	if want := fmt.Sprintf("%d %s\n", status, http.StatusText(status)); stderr != want {
		t.Errorf("connectorgen call: stderr %q, want %q", stderr, want)
	}
	return srv.Only(t)
}

// check asserts the request line, every header the client sends (but
// net/http's own Accept-Encoding and Content-Length) and the body.
func check(t *testing.T, r recorder.Request, method, path, query string, header map[string]string, body string) {
	t.Helper()
	if r.Method != method || r.Path != path || r.Query != query {
		t.Errorf("request %s %s?%s, want %s %s?%s", r.Method, r.Path, r.Query, method, path, query)
	}
	h := map[string]string{"User-Agent": "connectorgen", "Authorization": "Bearer " + token}
	for k, v := range header {
		h[k] = v
	}
	for k := range r.Header {
		if _, ok := h[k]; !ok && k != "Accept-Encoding" && k != "Content-Length" {
			t.Errorf("unexpected header %s: %q", k, r.Header[k])
		}
	}
	for k, v := range h {
		if got := r.Header.Values(k); !slices.Equal(got, []string{v}) {
			t.Errorf("header %s %q, want [%q]", k, got, v)
		}
	}
	if string(r.Body) != body {
		t.Errorf("body\n%s\nwant\n%s", r.Body, body)
	}
}

var jsonContent = map[string]string{"Content-Type": "application/json"}

// TestUpdateUser: moveproperties (copyOnlySubProperties, dstSubPath
// "null") hoists the members of customProperties into the body and drops
// customProperties; a moved member replaces one of the same name.
func TestUpdateUser(t *testing.T) {
	srv := recorder.New(t, recorder.Response{Status: http.StatusNoContent})
	err := newClient(t, srv).UpdateUser(context.Background(), "ada@contoso.com", azuread.UpdateUserRequest{
		DisplayName:      runtime.Some("Ada"),
		JobTitle:         runtime.Some("Engineer"),
		CustomProperties: map[string]string{"employeeId": "E-7", "displayName": "Ada Lovelace"},
	})
	if err != nil {
		t.Fatal(err)
	}
	req := srv.Only(t)
	check(t, req, "PATCH", "/v1.0/users/ada@contoso.com", "", jsonContent,
		`{"displayName":"Ada Lovelace","jobTitle":"Engineer","employeeId":"E-7"}`)
	recorder.Same(t, req, call(t, srv, "", http.StatusNoContent, "--param", "id=ada@contoso.com",
		"--body", `{"displayName":"Ada","jobTitle":"Engineer","customProperties":{"displayName":"Ada Lovelace","employeeId":"E-7"}}`, "UpdateUser"))
}

// TestAddUserToGroup: setproperty rewrites @odata.id into the directory
// object URL Graph expects, interpolating the caller's value.
func TestAddUserToGroup(t *testing.T) {
	srv := recorder.New(t, recorder.Response{Status: http.StatusNoContent})
	if err := newClient(t, srv).AddUserToGroup(context.Background(), "G1", azuread.GetGroupRequest{ODataID: "5e6cf5c7-b511"}); err != nil {
		t.Fatal(err)
	}
	req := srv.Only(t)
	check(t, req, "POST", "/v1.0/groups/G1/members/$ref", "", jsonContent,
		`{"@odata.id":"https://graph.microsoft.com/v1.0/directoryObjects/5e6cf5c7-b511"}`)
	recorder.Same(t, req, call(t, srv, "", http.StatusNoContent, "--param", "id=G1", "--body", `{"@odata.id":"5e6cf5c7-b511"}`, "AddUserToGroup"))
}

// TestCheckMemberGroupsV2: routerequesttoendpoint without httpMethod (the
// method is kept) to "v1.0/users/{id}/checkMemberGroups" (no leading "/":
// normalised), with the path parameter escaped.
func TestCheckMemberGroupsV2(t *testing.T) {
	const graph = `{"value":["g-1"]}`
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: graph})
	res, err := newClient(t, srv).CheckMemberGroupsV2(context.Background(), "u/1", azuread.CheckMemberGroupsRequest{GroupIDs: []string{"g-1", "g-2"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Value, []string{"g-1"}) {
		t.Errorf("result %+v", res)
	}
	req := srv.Only(t)
	check(t, req, "POST", "/v1.0/users/u%2F1/checkMemberGroups", "", jsonContent, `{"groupIds":["g-1","g-2"]}`)
	recorder.Same(t, req, call(t, srv, graph, http.StatusOK, "--param", "id=u/1", "--body", `{"groupIds":["g-1","g-2"]}`, "CheckMemberGroupsV2"))
}

// TestCreateSecurityGroup: two operations routed to one endpoint.
func TestCreateSecurityGroup(t *testing.T) {
	const graph = `{"id":"G9","displayName":"Ops"}`
	srv := recorder.New(t, recorder.Response{Status: http.StatusCreated, Header: jsonHeader, Body: graph})
	body := azuread.CreateSecurityGroupRequest{DisplayName: "Ops", Description: "Operations", MailNickname: "ops", SecurityEnabled: true}
	res, err := newClient(t, srv).CreateSecurityGroup(context.Background(), body)
	if err != nil {
		t.Fatal(err)
	}
	if res.ID.V != "G9" {
		t.Errorf("result %+v", res)
	}
	req := srv.Only(t)
	const sent = `{"displayName":"Ops","description":"Operations","mailNickname":"ops","securityEnabled":true,"mailEnabled":false}`
	check(t, req, "POST", "/v1.0/groups", "", jsonContent, sent)
	recorder.Same(t, req, call(t, srv, graph, http.StatusCreated, "--body", sent, "CreateSecurityGroup"))
}

// TestGetGroupMembers: updatenextlink routes Graph's next link (to the
// service the connector declares) onto the base URL the client talks to.
func TestGetGroupMembers(t *testing.T) {
	const graph = `{"@odata.nextLink":"https://graph.microsoft.com/v1.0/groups/G1/members?$top=1&$skiptoken=RFNwdAI","value":[{"id":"u-1","displayName":"Ada"}]}`
	srv := recorder.New(t, recorder.Response{Header: jsonHeader, Body: graph})
	res, err := newClient(t, srv).GetGroupMembers(context.Background(), "G1", &azuread.GetGroupMembersOptions{Top: runtime.Some[int32](1)})
	if err != nil {
		t.Fatal(err)
	}
	next := srv.URL + "/v1.0/groups/G1/members?$top=1&$skiptoken=RFNwdAI"
	if res.ODataNextLink.V != next || len(res.Value) != 1 || res.Value[0].DisplayName.V != "Ada" {
		t.Errorf("result %+v", res)
	}
	req := srv.Only(t)
	check(t, req, "GET", "/v1.0/groups/G1/members", "%24top=1", nil, "")
	out := fmt.Sprintf(`{"@odata.nextLink":%q,"value":[{"id":"u-1","displayName":"Ada"}]}`, next)
	recorder.Same(t, req, call(t, srv, out, http.StatusOK, "--param", "id=G1", "--param", "$top=1", "GetGroupMembers"))
}

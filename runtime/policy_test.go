package runtime

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/runtime/expr"
)

// The tests here check each policy template on the runtime alone; the
// behaviour tests under generator/internal/golden (planner, azuread,
// deskdirector) run the same templates as compiled from real connectors.

// policyClient returns a client declared for https://service.invalid/base
// whose requests reach s (through WithBaseURL unless dynamic is set, in
// which case the test's policies must compute the host).
func policyClient(t *testing.T, s *testServer, dynamic bool, opts ...Option) *Client {
	t.Helper()
	all := []Option{WithRetry(RetryPolicy{})}
	if !dynamic {
		all = append(all, WithBaseURL(s.URL+"/base"))
	}
	c, err := NewClient("https://service.invalid/base", append(all, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func jsonReply(body string) func(w http.ResponseWriter, r *http.Request, n int) {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}
}

func only(t *testing.T, s *testServer) recorded {
	t.Helper()
	reqs := s.requests()
	if len(reqs) != 1 {
		t.Fatalf("server got %d requests, want 1", len(reqs))
	}
	return reqs[0]
}

func TestPolicySetHeader(t *testing.T) {
	s := newTestServer(t, nil)
	op := &Operation{ID: "Op", Method: "GET", Path: "/x", Params: []Param{{Name: "X-Skip", In: InHeader}}, Policies: []*Policy{
		{Template: PolicySetHeader, Index: 0, Name: "X-Over", Value: "v-@connectionParameters('a')"},
		{Template: PolicySetHeader, Index: 1, Name: "x-skip", Value: "policy", Exists: ExistsSkip},
		{Template: PolicySetHeader, Index: 2, Name: "X-New", Value: "@headers('X-Over')moo", Exists: ExistsSkip},
		{Template: PolicySetHeader, Index: 3, Name: "X-New", Value: "second", Exists: ExistsAppend},
		{Template: PolicySetHeader, Index: 4, Name: "X-Default", Value: "@connectionParameters('absent','dflt')"},
	}}
	c := policyClient(t, s, false, WithConnectionParameters(map[string]any{"a": "A"}))
	if _, err := c.Do(context.Background(), op, []Arg{String("caller")}, nil); err != nil {
		t.Fatal(err)
	}
	h := only(t, s).Header
	for name, want := range map[string][]string{
		"X-Over": {"v-A"}, "X-Skip": {"caller"}, "X-New": {"v-Amoo", "second"}, "X-Default": {"dflt"},
	} {
		if got := h.Values(name); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

// TestPolicySetHeaderAfterCredentials: policies see and override the
// credentials, as on the platform (DeskDirector overrides the apiKey
// header; DeepL prefixes it).
func TestPolicySetHeaderAfterCredentials(t *testing.T) {
	s := newTestServer(t, nil)
	auth := APIKey(InHeader, "Authorization", "key-1234")
	for _, tc := range []struct {
		p    *Policy
		want string
	}{
		{&Policy{Template: PolicySetHeader, Name: "Authorization", Value: "DdApi @connectionParameters('apiKey')"}, "DdApi key-1234"},
		{&Policy{Template: PolicySetHeader, Name: "Authorization", Value: "DeepL-Auth-Key @headers('Authorization')"}, "DeepL-Auth-Key key-1234"},
		{&Policy{Template: PolicySetHeader, Name: "Authorization", Value: "other", Exists: ExistsSkip}, "key-1234"},
	} {
		// GET may be retried (the header map is copied per attempt); POST is
		// sent once (the map is handed over): the policy wins in both.
		for _, method := range []string{"GET", "POST"} {
			c := policyClient(t, s, false, WithAuth(auth), WithConnectionParameters(map[string]any{"apiKey": Secret("key-1234")}))
			op := &Operation{ID: "Op", Method: method, Path: "/x", Policies: []*Policy{tc.p}}
			if _, err := c.Do(context.Background(), op, nil, nil); err != nil {
				t.Fatal(err)
			}
			reqs := s.requests()
			if got := reqs[len(reqs)-1].Header.Values("Authorization"); len(got) != 1 || got[0] != tc.want {
				t.Errorf("%s %s: Authorization %q, want %q", method, tc.p.Value, got, tc.want)
			}
		}
	}
}

func TestPolicySetHeaderResponseAndFailure(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "text/plain")
		if n == 2 {
			w.WriteHeader(http.StatusBadRequest)
		}
	})
	op := &Operation{ID: "Op", Method: "POST", Path: "/x", Policies: []*Policy{
		{Template: PolicySetHeader, Section: ResponseSection, Name: "Content-Type", Value: "application/json"},
		{Template: PolicySetHeader, Section: ResponseSection, Name: "Location", Value: "https://@connectionParameters('region')/deregister"},
		{Template: PolicySetHeader, Section: FailureSection, Name: "X-Failed", Value: "yes"},
	}}
	c := policyClient(t, s, false, WithConnectionParameters(map[string]any{"region": "eu.example"}))
	resp, err := c.Do(context.Background(), op, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type %q", got)
	}
	if got := resp.Header.Get("Location"); got != "https://eu.example/deregister" {
		t.Errorf("Location %q", got)
	}
	if resp.Header.Get("X-Failed") != "" {
		t.Error("failure policy ran on a success")
	}
	_, err = c.Do(context.Background(), op, nil, nil)
	var e *Error
	if !errors.As(err, &e) || e.Header.Get("X-Failed") != "yes" || e.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("error %v, want an *Error with X-Failed and the response policy's Content-Type", err)
	}
}

func TestPolicySetQueryParameter(t *testing.T) {
	s := newTestServer(t, nil)
	op := &Operation{ID: "Op", Method: "GET", Path: "/x", Params: []Param{
		{Name: "a", In: InQuery}, {Name: "$filter", In: InQuery}, {Name: "b", In: InQuery},
	}, Policies: []*Policy{
		{Template: PolicySetQueryParameter, Index: 0, Name: "$filter", Value: "groupTypes/any(c:c eq 'Unified')"},
		{Template: PolicySetQueryParameter, Index: 1, Name: "a", Value: "nope", Exists: ExistsSkip},
		{Template: PolicySetQueryParameter, Index: 2, Name: "c", Value: "@queryParameters('a')@connectionParameters('cat')", Exists: ExistsSkip},
		{Template: PolicySetQueryParameter, Index: 3, Name: "c", Value: "more", Exists: ExistsAppend},
	}}
	c := policyClient(t, s, false, WithConnectionParameters(map[string]any{"cat": "bar"}))
	if _, err := c.Do(context.Background(), op, []Arg{String("pqr"), String("old"), String("z")}, nil); err != nil {
		t.Fatal(err)
	}
	const want = "a=pqr&%24filter=groupTypes%2Fany%28c%3Ac+eq+%27Unified%27%29&b=z&c=pqrbar&c=more"
	if got := only(t, s).RawQuery; got != want {
		t.Errorf("query %s, want %s", got, want)
	}
}

func TestPolicyDynamicHostURL(t *testing.T) {
	s := newTestServer(t, nil)
	host := strings.TrimPrefix(s.URL, "http://")
	op := func(tpl string, tmpl PolicyTemplate) *Operation {
		return &Operation{ID: "Op", Method: "GET", Path: "/items/{id}", Params: []Param{{Name: "id", In: InPath, Required: true}, {Name: "q", In: InQuery}},
			Policies: []*Policy{{Template: tmpl, URL: tpl}}}
	}
	for _, tc := range []struct {
		tpl       string
		tmpl      PolicyTemplate
		wantPath  string
		wantQuery string
	}{
		// No path: the swagger basePath is kept (ActiveCampaign).
		{"http://@connectionParameters('host')", PolicyDynamicHostURL, "/base/items/a%20b", "q=1"},
		{"http://@connectionParameters('host')/", PolicyDynamicHostURL, "/base/items/a%20b", "q=1"},
		// A path replaces the basePath (3E Events, JIRA).
		{"http://@connectionParameters('host')/rest/api/", PolicyDynamicHostURL, "/rest/api/items/a%20b", "q=1"},
		// A query in the template goes first (dox42).
		{"http://@connectionParameters('host')/svc.ashx?@headers('X-Q')", PolicyDynamicHostURL, "/svc.ashx/items/a%20b", "k=v&q=1"},
		// dynamicsubdomain behaves like dynamichosturl (AlisQI's template is
		// "https://@connectionParameters('subdomain').alisqi.com/api/").
		{"http://@connectionParameters('host')/api/", PolicyDynamicSubdomain, "/api/items/a%20b", "q=1"},
	} {
		c := policyClient(t, s, true, WithConnectionParameters(map[string]any{"host": host}))
		o := op(tc.tpl, tc.tmpl)
		o.Params = append(o.Params, Param{Name: "X-Q", In: InHeader})
		if _, err := c.Do(context.Background(), o, []Arg{String("a b"), String("1"), String("k=v")}, nil); err != nil {
			t.Fatalf("%s: %v", tc.tpl, err)
		}
		reqs := s.requests()
		got := reqs[len(reqs)-1]
		if got.Path != tc.wantPath || got.RawQuery != tc.wantQuery {
			t.Errorf("%s: %s?%s, want %s?%s", tc.tpl, got.Path, got.RawQuery, tc.wantPath, tc.wantQuery)
		}
	}

	// An explicit base URL wins; a later scoped policy wins over an
	// earlier connector-wide one (DeskDirector).
	c := policyClient(t, s, false, WithPolicies(&Policy{Template: PolicyDynamicHostURL, Index: 0, URL: "https://unreachable.invalid"}))
	if _, err := c.Do(context.Background(), op("https://other.invalid", PolicyDynamicHostURL), []Arg{String("x")}, nil); err != nil {
		t.Fatal(err)
	}
	reqs := s.requests()
	if got := reqs[len(reqs)-1].Path; got != "/base/items/x" {
		t.Errorf("with WithBaseURL: path %s, want /base/items/x", got)
	}
	c = policyClient(t, s, true,
		WithPolicies(&Policy{Template: PolicyDynamicHostURL, Index: 0, URL: "https://unreachable.invalid"}),
		WithConnectionParameters(map[string]any{"host": host}))
	o := op("http://@connectionParameters('host')/scoped", PolicyDynamicHostURL)
	o.Policies[0].Index = 3
	if _, err := c.Do(context.Background(), o, []Arg{String("x")}, nil); err != nil {
		t.Fatal(err)
	}
	reqs = s.requests()
	if got := reqs[len(reqs)-1].Path; got != "/scoped/items/x" {
		t.Errorf("scoped after global: path %s, want /scoped/items/x", got)
	}

	// An empty host is an error that does not quote values.
	c = policyClient(t, s, true, WithConnectionParameters(map[string]any{"host": ""}))
	_, err := c.Do(context.Background(), op("https://@connectionParameters('host')", PolicyDynamicHostURL), []Arg{String("x")}, nil)
	if err == nil || !strings.Contains(err.Error(), "without a host") {
		t.Errorf("empty host: %v", err)
	}
	// A parameter that is not set at all.
	c = policyClient(t, s, true)
	_, err = c.Do(context.Background(), op("https://@connectionParameters('host')", PolicyDynamicHostURL), []Arg{String("x")}, nil)
	var missing *expr.MissingParameterError
	if !errors.As(err, &missing) || missing.Name != "host" {
		t.Errorf("missing parameter: %v", err)
	}
}

func TestPolicyRouteRequest(t *testing.T) {
	s := newTestServer(t, nil)
	op := &Operation{ID: "Op", Method: "POST", Path: "/v2/items/{id}", Params: []Param{
		{Name: "id", In: InPath, Required: true}, {Name: "v", In: InQuery}, {Name: "body", In: InBody},
	}, Policies: []*Policy{{Template: PolicyRouteRequest, URL: "v1.0/users/{id}/@connectionParameters('user')/check", Method: "@Request.OriginalHTTPMethod"}}}
	c := policyClient(t, s, false, WithConnectionParameters(map[string]any{"user": "a/b"}))
	if _, err := c.Do(context.Background(), op, []Arg{String("x y"), String("2"), RawJSON([]byte(`{"k":1}`))}, nil); err != nil {
		t.Fatal(err)
	}
	got := only(t, s)
	if got.Method != "POST" || got.Path != "/base/v1.0/users/x%20y/a%2Fb/check" || got.RawQuery != "v=2" || string(got.Body) != `{"k":1}` {
		t.Errorf("got %s %s?%s %s", got.Method, got.Path, got.RawQuery, got.Body)
	}

	op.Policies = []*Policy{{Template: PolicyRouteRequest, URL: "/envelopes/{id}", Method: "DELETE"}}
	if _, err := c.Do(context.Background(), op, []Arg{String("7")}, nil); err != nil {
		t.Fatal(err)
	}
	reqs := s.requests()
	if got := reqs[len(reqs)-1]; got.Method != "DELETE" || got.Path != "/base/envelopes/7" {
		t.Errorf("got %s %s", got.Method, got.Path)
	}

	op.Policies = []*Policy{{Template: PolicyRouteRequest, URL: "/x/{nope}"}}
	if _, err := c.Do(context.Background(), op, []Arg{String("7")}, nil); err == nil || !strings.Contains(err.Error(), "{nope}") {
		t.Errorf("unknown placeholder: %v", err)
	}
}

func doJSON(t *testing.T, c *Client, op *Operation, body string) recorded {
	t.Helper()
	var out []byte
	if _, err := c.Do(context.Background(), op, []Arg{RawJSON([]byte(body))}, &out); err != nil {
		t.Fatal(err)
	}
	return recorded{Body: out}
}

func bodyOp(ps ...*Policy) *Operation {
	for i, p := range ps {
		p.Index = i
	}
	return &Operation{ID: "Op", Method: "POST", Path: "/x", Params: []Param{{Name: "body", In: InBody}}, Body: BodyJSON, Result: ResultJSON, Policies: ps}
}

func TestPolicySetProperty(t *testing.T) {
	s := newTestServer(t, jsonReply(`{"next":"https://n/2","v":1}`))
	c := policyClient(t, s, false)
	op := bodyOp(
		&Policy{Template: PolicySetProperty, From: "@body()", FromSub: "version", Value: "v1"},
		&Policy{Template: PolicySetProperty, From: "@body().people", FromSub: "['@odata.type']", Value: "person"},
		&Policy{Template: PolicySetProperty, From: "@body().people", FromSub: "name", Value: "{@item().first} {@item().last}"},
		&Policy{Template: PolicySetProperty, From: "body()", FromSub: "payments", Value: "[{@body().payments}]"},
		&Policy{Template: PolicySetProperty, From: "@body()", FromSub: "absent", Value: "{@body().missing}"},
		&Policy{Template: PolicySetProperty, From: "@body()", FromSub: "age", Value: "30"},
		&Policy{Template: PolicySetProperty, Section: ResponseSection, From: "@body()", FromSub: "nextLink", Value: "{@body().next}"},
		&Policy{Template: PolicySetProperty, Section: ResponseSection, From: "@body()", FromSub: "none", Value: "{@body().absent}"},
	)
	got := doJSON(t, c, op, `{"people":[{"first":"John","last":"Smith"},{"first":"A","last":"B"}],"payments":{"amount":5}}`)
	// Members keep their order; those added by policies follow in the
	// order they were added.
	const wantReq = `{"people":[{"first":"John","last":"Smith","@odata.type":"person","name":"John Smith"},{"first":"A","last":"B","@odata.type":"person","name":"A B"}],"payments":[{"amount":5}],"version":"v1","age":"30"}`
	if b := only(t, s).Body; string(b) != wantReq {
		t.Errorf("request body\n%s\nwant\n%s", b, wantReq)
	}
	if want := `{"next":"https://n/2","v":1,"nextLink":"https://n/2"}`; string(got.Body) != want {
		t.Errorf("response %s, want %s", got.Body, want)
	}
}

func TestPolicyCollections(t *testing.T) {
	s := newTestServer(t, jsonReply(`{"assignments":{"u2":{"a":1},"u1":{"a":2}},"value":[{"assignments":{"x":true}},{"assignments":null}],"refs":{"https%3A//a%2Eb":{"alias":"A"}}}`))
	c := policyClient(t, s, false)
	op := bodyOp(
		// Request: Planner's CreateTask_V3 chain, then its references chain.
		&Policy{Template: PolicyStringToArray, From: "@body()", FromSub: "assignments", Find: ";,", KeyName: "userId", To: "@body().assignments"},
		&Policy{Template: PolicyEncodePropertyValue, From: "@body().assignments", FromSub: "userId", To: "@item().userId"},
		&Policy{Template: PolicyStringReplace, From: "@body().assignments", FromSub: "userId", Find: ".", Replace: "%2E", To: "@item().userId"},
		&Policy{Template: PolicyConvertArrayToObject, From: "@body()", FromSub: "assignments", KeyName: "userId", To: "@body().assignments"},
		&Policy{Template: PolicyConvertArrayToObject, From: "@body()", FromSub: "kept", KeyName: "id", Retain: true, To: "@body().kept"},
		&Policy{Template: PolicyConvertObjectToArray, From: "@body()", FromSub: "fields", KeyName: "field_id", ValueName: "value", To: "@body().fields"},
		// Response.
		&Policy{Template: PolicyConvertObjectToArray, Section: ResponseSection, From: "@body()", FromSub: "assignments", KeyName: "userId", To: "@body()._assignments"},
		&Policy{Template: PolicyConvertObjectToArray, Section: ResponseSection, From: "@body().value", FromSub: "assignments", To: "@item()._assignments"},
		&Policy{Template: PolicyConvertObjectToArray, Section: ResponseSection, From: "@body()", FromSub: "refs", KeyName: "resourceLink", To: "@body().refs"},
		&Policy{Template: PolicyStringReplace, Section: ResponseSection, From: "@body().refs", FromSub: "resourceLink", Find: "%2E", Replace: ".", To: "@item().resourceLink"},
		&Policy{Template: PolicyStringReplace, Section: ResponseSection, From: "@body().refs", FromSub: "resourceLink", Find: "%3A", Replace: ":", To: "@item().resourceLink"},
	)
	got := doJSON(t, c, op, `{"assignments":"u1; a.b@c.com;;","kept":[{"id":1,"x":"y"}],"fields":{"f2":"b","f1":"a"}}`)
	const wantReq = `{"assignments":{"u1":{},"a%2Eb%40c%2Ecom":{}},"kept":{"1":{"id":1,"x":"y"}},"fields":[{"field_id":"f2","value":"b"},{"field_id":"f1","value":"a"}]}`
	if b := only(t, s).Body; string(b) != wantReq {
		t.Errorf("request body\n%s\nwant\n%s", b, wantReq)
	}
	const wantResp = `{"assignments":{"u2":{"a":1},"u1":{"a":2}},"value":[{"assignments":{"x":true},"_assignments":[{"key":"x","value":true}]},{"assignments":null}],"refs":[{"resourceLink":"https://a.b","value":{"alias":"A"}}],"_assignments":[{"userId":"u2","value":{"a":1}},{"userId":"u1","value":{"a":2}}]}`
	if string(got.Body) != wantResp {
		t.Errorf("response\n%s\nwant\n%s", got.Body, wantResp)
	}

	// An element without its key fails the request before anything is sent.
	op = bodyOp(&Policy{Template: PolicyConvertArrayToObject, From: "@body()", FromSub: "a", KeyName: "id", To: "@body().a"})
	if _, err := c.Do(context.Background(), op, []Arg{RawJSON([]byte(`{"a":[{"x":1}]}`))}, nil); err == nil || !strings.Contains(err.Error(), `element 0 has no "id"`) {
		t.Errorf("missing key: %v", err)
	}
}

func TestPolicyMoveProperties(t *testing.T) {
	s := newTestServer(t, nil)
	c := policyClient(t, s, false)
	op := bodyOp(&Policy{Template: PolicyMoveProperties, From: "@body()", FromSub: "customProperties", To: "@body()", SubOnly: true})
	doJSON(t, c, op, `{"displayName":"A","customProperties":{"jobTitle":"B","displayName":"C"}}`)
	if b, want := string(only(t, s).Body), `{"displayName":"C","jobTitle":"B"}`; b != want {
		t.Errorf("body %s, want %s", b, want)
	}
	op = bodyOp(&Policy{Template: PolicyMoveProperties, From: "@body().a", FromSub: "b", To: "@body()", ToSub: "c.d"})
	doJSON(t, c, op, `{"a":{"b":[1]}}`)
	reqs := s.requests()
	if b, want := string(reqs[len(reqs)-1].Body), `{"a":{},"c":{"d":[1]}}`; b != want {
		t.Errorf("body %s, want %s", b, want)
	}
}

func TestPolicySetValueFromURL(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Method == "GET" {
			io.WriteString(w, `{"@odata.etag":"W/\"abc\"","id":"7"}`)
		}
	})
	c := policyClient(t, s, false, WithAuth(Bearer("tok-5678")))
	op := &Operation{ID: "Op", Method: "PATCH", Path: "/v2/tasks/{id}", Params: []Param{{Name: "id", In: InPath, Required: true}}, Policies: []*Policy{
		{Template: PolicySetValueFromURL, To: "@headers('If-Match')", URL: "/v1.0/tasks/{id}", ValuePath: "@body()['@odata.etag']", Method: "GET"},
		{Template: PolicySetValueFromURL, Index: 1, To: "@queryParameters('access_token')", URL: "/{id}?fields=access_token", ValuePath: "@body().id"},
	}}
	if _, err := c.Do(context.Background(), op, []Arg{String("7")}, nil); err != nil {
		t.Fatal(err)
	}
	reqs := s.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3", len(reqs))
	}
	if r := reqs[0]; r.Method != "GET" || r.Path != "/base/v1.0/tasks/7" || r.Header.Get("Authorization") != "Bearer tok-5678" {
		t.Errorf("first extra call %s %s %q", r.Method, r.Path, r.Header.Get("Authorization"))
	}
	if r := reqs[1]; r.Method != "GET" || r.Path != "/base/7" || r.RawQuery != "fields=access_token" {
		t.Errorf("second extra call %s %s?%s", r.Method, r.Path, r.RawQuery)
	}
	if r := reqs[2]; r.Method != "PATCH" || r.Header.Get("If-Match") != `W/"abc"` || r.RawQuery != "access_token=7" {
		t.Errorf("main call %s If-Match %q query %s", r.Method, r.Header.Get("If-Match"), r.RawQuery)
	}

	op.Policies = op.Policies[:1]
	op.Policies[0] = &Policy{Template: PolicySetValueFromURL, To: "@headers('If-Match')", URL: "/v1.0/tasks/{id}", ValuePath: "@body().missing"}
	if _, err := c.Do(context.Background(), op, []Arg{String("7")}, nil); err == nil || !strings.Contains(err.Error(), "body().missing is null") {
		t.Errorf("null value: %v", err)
	}
}

func TestPolicyUpdateNextLink(t *testing.T) {
	var s *testServer
	s = newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1:
			io.WriteString(w, `{"value":[],"@odata.nextLink":"/base/x?page=2"}`)
		default:
			io.WriteString(w, `{"value":[],"@odata.nextLink":"https://service.invalid/base/x?$skiptoken=3"}`)
		}
	})
	op := &Operation{ID: "Op", Method: "GET", Path: "/x", Result: ResultJSON, Policies: []*Policy{
		{Template: PolicyUpdateNextLink, Name: "@odata.nextLink"},
	}}
	c := policyClient(t, s, false)
	var out struct {
		Next string `json:"@odata.nextLink"`
	}
	if _, err := c.Do(context.Background(), op, nil, &out); err != nil {
		t.Fatal(err)
	}
	if want := s.URL + "/base/x?page=2"; out.Next != want {
		t.Errorf("relative link: %s, want %s", out.Next, want)
	}
	// A link to the declared service is routed to the client's base URL,
	// as the gateway routes backend links to itself.
	if _, err := c.Do(context.Background(), op, nil, &out); err != nil {
		t.Fatal(err)
	}
	if want := s.URL + "/base/x?$skiptoken=3"; out.Next != want {
		t.Errorf("declared-service link: %s, want %s", out.Next, want)
	}
}

func TestPolicySetConnectionStatusToUnauthenticated(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"message":"bad key"}`)
			return
		}
		w.WriteHeader(http.StatusForbidden)
	})
	c := policyClient(t, s, false, WithPolicies(&Policy{Template: PolicySetConnectionStatusToUnauthenticated, StatusCode: 401}))
	op := &Operation{ID: "Op", Method: "GET", Path: "/x"}
	_, err := c.Do(context.Background(), op, nil, nil)
	var ue *UnauthenticatedError
	var e *Error
	if !errors.As(err, &ue) || !errors.Is(err, ErrUnauthenticated) || !errors.As(err, &e) || e.StatusCode != 401 || string(e.Body) != `{"message":"bad key"}` {
		t.Fatalf("401: %v", err)
	}
	_, err = c.Do(context.Background(), op, nil, nil)
	if errors.As(err, &ue) || !errors.As(err, &e) || e.StatusCode != 403 {
		t.Fatalf("403: %v", err)
	}
}

// TestPolicySecrets: a secret connection value a policy puts in the path or
// the query reaches neither the log nor error messages.
func TestPolicySecrets(t *testing.T) {
	const key = "sekrit-key-99"
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, "unknown key "+key)
	})
	var logs bytes.Buffer
	c := policyClient(t, s, false,
		WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		WithConnectionParameters(map[string]any{"apiKey": Secret(key)}),
		WithPolicies(&Policy{Template: PolicySetQueryParameter, Name: "k", Value: "@connectionParameters('apiKey')"}))
	op := &Operation{ID: "Op", Method: "GET", Path: "/pair", Policies: []*Policy{{Template: PolicyRouteRequest, Index: 1, URL: "/@connectionParameters('apiKey')/pair"}}}
	_, err := c.Do(context.Background(), op, nil, nil)
	if err == nil {
		t.Fatal("want an error")
	}
	if got := only(t, s); got.Path != "/base/"+key+"/pair" || got.RawQuery != "k="+key {
		t.Fatalf("request %s?%s", got.Path, got.RawQuery)
	}
	if strings.Contains(err.Error(), key) || strings.Contains(logs.String(), key) {
		t.Errorf("secret leaked:\nerror: %v\nlog: %s", err, logs.String())
	}
}

// TestPolicyParsedOnce: expressions are parsed on first use only.
func TestPolicyParsedOnce(t *testing.T) {
	s := newTestServer(t, nil)
	p := &Policy{Template: PolicySetHeader, Name: "X", Value: "@connectionParameters('a')"}
	c := policyClient(t, s, false, WithConnectionParameters(map[string]any{"a": "1"}), WithPolicies(p))
	op := &Operation{ID: "Op", Method: "GET", Path: "/x"}
	for range 2 {
		if _, err := c.Do(context.Background(), op, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	first := p.comp
	if _, err := c.Do(context.Background(), op, nil, nil); err != nil {
		t.Fatal(err)
	}
	if first == nil || p.comp != first {
		t.Error("policy compiled again")
	}
	bad := &Policy{Template: PolicySetHeader, Name: "X", Value: "@nope('a')"}
	op.Policies = []*Policy{bad}
	if _, err := c.Do(context.Background(), op, nil, nil); err == nil || !strings.Contains(err.Error(), "unknown function") {
		t.Errorf("bad expression: %v", err)
	}
}

// TestPolicyPollAndLocation: a poll's stored URL is the one sent (after the
// host and route policies); a Location poll keeps its URL but gets the
// header policies.
func TestPolicyPollAndLocation(t *testing.T) {
	var s *testServer
	s = newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Location", s.URL+"/loc?state=1")
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	host := strings.TrimPrefix(s.URL, "http://")
	c := policyClient(t, s, true, WithConnectionParameters(map[string]any{"host": host}), WithPolicies(
		&Policy{Template: PolicyDynamicHostURL, URL: "http://@connectionParameters('host')/api"},
		&Policy{Template: PolicySetHeader, Index: 2, Name: "X-Key", Value: "k"},
	))
	op := &Operation{ID: "Trig", Method: "GET", Path: "/old", Policies: []*Policy{{Template: PolicyRouteRequest, Index: 1, URL: "/new"}}}
	o, err := c.Poll(context.Background(), op, nil, "", SplitRule{})
	if err != nil {
		t.Fatal(err)
	}
	if want := s.URL + "/loc?state=1"; o.Next != want {
		t.Fatalf("Next %s, want %s", o.Next, want)
	}
	if _, err := c.Poll(context.Background(), op, nil, o.Next, SplitRule{}); err != nil {
		t.Fatal(err)
	}
	reqs := s.requests()
	if reqs[0].Path != "/api/new" || reqs[1].Path != "/loc" || reqs[1].RawQuery != "state=1" {
		t.Errorf("paths %s, %s?%s", reqs[0].Path, reqs[1].Path, reqs[1].RawQuery)
	}
	for i, r := range reqs {
		if r.Header.Get("X-Key") != "k" {
			t.Errorf("request %d without the header policy", i)
		}
	}
	// Without a Location, Next is the URL actually sent.
	s2 := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(http.StatusAccepted) })
	host2 := strings.TrimPrefix(s2.URL, "http://")
	c = policyClient(t, s2, true, WithConnectionParameters(map[string]any{"host": host2}),
		WithPolicies(&Policy{Template: PolicyDynamicHostURL, URL: "http://@connectionParameters('host')"}))
	o, err = c.Poll(context.Background(), &Operation{ID: "T", Method: "GET", Path: "/p"}, nil, "", SplitRule{})
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := url.Parse(o.Next); u == nil || u.Host != host2 {
		t.Errorf("Next %s is not on the dynamic host %s", o.Next, host2)
	}
}

func TestLookupPolicyTemplate(t *testing.T) {
	for id, want := range map[string]PolicyTemplate{"SetProperty": PolicySetProperty, "dynamicHostUrl": PolicyDynamicHostURL, "setconnectionstatustounauthenticated": PolicySetConnectionStatusToUnauthenticated} {
		if got, ok := LookupPolicyTemplate(id); !ok || got != want || !strings.EqualFold(got.String(), id) {
			t.Errorf("%s: %v %v", id, got, ok)
		}
	}
	if _, ok := LookupPolicyTemplate("pollingtrigger"); ok {
		t.Error("pollingtrigger is not a Policy")
	}
}

// BenchmarkPolicies compares a call without policies with one through a
// connector-wide setheader and dynamichosturl and a scoped setproperty
// (expressions parsed once; the body decoded and encoded once per call).
func BenchmarkPolicies(b *testing.B) {
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Body != nil {
			io.Copy(io.Discard, r.Body)
		}
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{"ok":true}`)), Request: r}, nil
	})
	op := &Operation{ID: "Op", Method: "POST", Path: "/x/{id}", Params: []Param{{Name: "id", In: InPath, Required: true}, {Name: "body", In: InBody}}, Body: BodyJSON}
	args := []Arg{String("7"), RawJSON([]byte(`{"a":1,"b":[1,2,3]}`))}
	for _, tc := range []struct {
		name     string
		policies bool
	}{{"none", false}, {"three", true}} {
		b.Run(tc.name, func(b *testing.B) {
			opts := []Option{WithHTTPClient(&http.Client{Transport: rt}), WithRetry(RetryPolicy{})}
			o := *op
			if tc.policies {
				opts = append(opts, WithConnectionParameters(map[string]any{"host": "h.example", "key": Secret("k-123456")}), WithPolicies(
					&Policy{Template: PolicySetHeader, Index: 0, Name: "Authorization", Value: "Key @connectionParameters('key')"},
					&Policy{Template: PolicyDynamicHostURL, Index: 1, URL: "https://@connectionParameters('host')/api"}))
				o.Policies = []*Policy{{Template: PolicySetProperty, Index: 2, From: "@body()", FromSub: "c", Value: "v"}}
			}
			c, err := NewClient("https://service.example", opts...)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Do(context.Background(), &o, args, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A response too large for response policies to transform in memory is
// passed on whole and untouched, never cut.
func TestPolicyLargeResponsePassedOn(t *testing.T) {
	big := `{"a":"` + strings.Repeat("x", maxPolicyBody) + `"}`
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, big)
	})
	op := &Operation{ID: "Op", Method: "GET", Path: "/x", Result: ResultJSON, Policies: []*Policy{
		{Template: PolicySetProperty, Section: ResponseSection, From: "@body()", FromSub: "added", Value: "1"},
	}}
	c := policyClient(t, s, false)
	var out []byte
	if _, err := c.Do(context.Background(), op, nil, &out); err != nil {
		t.Fatal(err)
	}
	if len(out) != len(big) || string(out[:6]) != `{"a":"` || strings.Contains(string(out[len(out)-20:]), "added") {
		t.Fatalf("got %d bytes, want the %d bytes sent, untouched", len(out), len(big))
	}
}

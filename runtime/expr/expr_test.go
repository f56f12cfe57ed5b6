package expr

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// docEnv is the environment of the documented examples (connector-protocol
// §6.1): headers test=foo, port=1234; connection parameters cat=bar,
// subPath=path; query domain=pqr (and version=v2 for the routing example).
var docEnv = MapEnv{
	ConnectionParameters: map[string]string{"cat": "bar", "subPath": "path"},
	Headers:              map[string]string{"test": "foo", "port": "1234"},
	QueryParameters:      map[string]string{"domain": "pqr", "version": "v2"},
}

func mustJSON(t testing.TB, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// checkParts verifies that the parts of a parsed template cover its source
// exactly, in order.
func checkParts(t testing.TB, tpl *Template) {
	t.Helper()
	at := 0
	for _, p := range tpl.Parts() {
		if p.Offset != at || p.End <= p.Offset || p.End > len(tpl.Source()) {
			t.Fatalf("%q: part %+v does not continue at %d", tpl.Source(), p, at)
		}
		if p.Kind != TextPart && p.Text != tpl.Source()[p.Offset:p.End] {
			t.Fatalf("%q: part %+v text differs from source", tpl.Source(), p)
		}
		at = p.End
	}
	if at != len(tpl.Source()) {
		t.Fatalf("%q: parts end at %d, source has %d bytes", tpl.Source(), at, len(tpl.Source()))
	}
}

func parseOK(t testing.TB, s string) (*Template, []Diagnostic) {
	t.Helper()
	tpl, diags, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	checkParts(t, tpl)
	return tpl, diags
}

// TestDocumentedExamples covers every row of the "Documented examples" table
// of connector-protocol §6.1, plus the examples of §3.7 and §6.6.
func TestDocumentedExamples(t *testing.T) {
	withID := docEnv
	withID.PathParameters = map[string]string{"id": "42"}
	tests := []struct {
		name, in, want string
		env            Env
	}{
		{"setheader suffix", `@headers('test')moo`, `foomoo`, docEnv},
		{"setheader prefix", `moo@headers('test')`, `moofoo`, docEnv},
		{"setheader empty default", `@connectionParameters('name','')`, ``, docEnv},
		{"setqueryparameter concat", `@queryParameters('domain')@connectionParameters('cat')`, `pqrbar`, docEnv},
		{"setqueryparameter default", `@connectionParameters('dog','default')`, `default`, docEnv},
		{"dynamichosturl header host and port", `https://@header('test').abc.xyz:@header('port')`, `https://foo.abc.xyz:1234`, docEnv},
		{"dynamichosturl three sources", `https://@header('test').abc.@queryParameters('domain')/@connectionParameters('subPath')`, `https://foo.abc.pqr/path`, docEnv},
		{"dynamichosturl header default", `https://@header('test123','default').abc.xyz`, `https://default.abc.xyz`, docEnv},
		{"routerequesttoendpoint placeholder left", `/@queryParameters('version')/get/{id}`, `/v2/get/{id}`, docEnv},
		{"routerequesttoendpoint placeholder substituted", `/@queryParameters('version')/get/{id}`, `/v2/get/42`, withID},
		// §6.6 setproperty: name = "{@body().firstName} {@body().lastName}".
		{"setproperty braced", `{@body().firstName} {@body().lastName}`, `John Smith`,
			MapEnv{BodyValue: mustJSON(t, `{"firstName":"John","lastName":"Smith"}`)}},
		// §3.7 pollingtrigger triggerConfig.
		{"pollingtrigger filter", `lastModifiedDateTime gt @{triggerBody().value[0].lastModifiedDateTime}`,
			`lastModifiedDateTime gt 2024-05-01T10:00:00Z`,
			MapEnv{TriggerBodyValue: mustJSON(t, `{"value":[{"lastModifiedDateTime":"2024-05-01T10:00:00Z"}]}`)}},
		{"pollingtrigger number", `TripId gt @{triggerBody().value[0].TripId}`, `TripId gt 1234567`,
			MapEnv{TriggerBodyValue: mustJSON(t, `{"value":[{"TripId":1234567}]}`)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tpl, diags := parseOK(t, tc.in)
			if len(diags) != 0 {
				t.Errorf("diagnostics: %v", diags)
			}
			got, err := tpl.Eval(tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Eval(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}

	// §6.6: "@body().people" designates the array itself.
	tpl, _ := parseOK(t, `@body().people`)
	v, err := tpl.EvalValue(MapEnv{BodyValue: mustJSON(t, `{"people":[{"name":"a"},{"name":"b"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if arr, ok := v.([]any); !ok || len(arr) != 2 {
		t.Errorf("EvalValue(@body().people) = %#v, want the 2-element array", v)
	}
}

// corpusEnv serves the real corpus expressions below.
func corpusEnv(t testing.TB) MapEnv {
	return MapEnv{
		ConnectionParameters: map[string]string{
			"username": "alice", "graphID": "g1", "apiKey": "K1", "hostUrl": "https://crm.example.com", "orgName": "org",
			"BaseUrl": "https://data.mongodb-api.com", "api_key": "AK", "token:3eInstanceId": "3e-1", "token:tenantId": "tn",
			"token:customHost": ".example.com", "token:environment": "-eu", "token:region": "r1", "token:orgName": "uiorg",
			"tenantName": "ten", "siteName": "site", "contentgate-DnsName": "cg", "domain": "acme", "hostingID": "h7",
			"jirainstance": "myjira", "environment": "https://api.deepl.com/v2", "token": "TK", "QBRealmHostname": "acme.quickbase.com",
			"wpSiteUrl": "https://shop.example.com", "url_instance": "", "region": "eu.example.com", "host_name": "app.alkymi.io",
		},
		Headers:         map[string]string{"Authorization": "secret-auth", "domainname": "dox.example.com", "querystring": "a=1&b=2", "If-Match": "*", "Instance": "inst"},
		QueryParameters: map[string]string{"graphID": "g2", "yyyyMMdd": "20240102", "HostUrl": "h.example.com", "InstanceName": "i1", "access_token": "at", "idempotency": "idem-1"},
		BodyValue: mustJSON(t, `{"assignments":{"u1":{"orderHint":" !"}},"value":[{"id":"t1"}],"@odata.etag":"W/\"abc\"",
			"@odata.id":"https://graph.microsoft.com/v1.0/users/u1","access_token":"tok","gifts":{"payments":[{"amount":5}],"receipts":[]},
			"payments":{"amount":5},"next":"https://next.example.com/?page=2","filters":["a","b"],"results":[1,2],
			"field_entries":{"f1":"x"},"favicon_generation":{"api_key":""},"checklist":{},"references":{}}`),
		ItemValue:        mustJSON(t, `{"userId":"u1","resourceLink":"https://x.example.com/a","_assignments":[]}`),
		TriggerBodyValue: mustJSON(t, `{"approvals":[{"created":"2024-01-02T00:00:00Z"}],"files":[{"created":"2024-02-03"}],"nodes":[{"editedAt":"e1","lastStageChange":"s1","lastStatusChange":"t1","publishedAt":"p1"}],"requested_at":"2024-03-04","data":[{"created_time":1700000000}],"results":[]}`),
		HTTPMethod:       "PATCH",
		PathParameters:   map[string]string{"baseCurrency": "EUR", "targetCurrency": "USD"},
	}
}

// TestCorpusExpressions evaluates real template values from the corpus
// (connector named in the comment; parameter after it).
func TestCorpusExpressions(t *testing.T) {
	env := corpusEnv(t)
	tests := []struct {
		in, want string
		diag     string // expected single diagnostic message, if any
	}{
		// Pixela, newPath
		{in: `/%40@connectionParameters('username')`, want: `/%40alice`},
		{in: `/v1/users/@connectionParameters('username')`, want: `/v1/users/alice`},
		{in: `/v1/users/@connectionParameters('username')/graphs/@connectionParameters('graphID')/decrement`, want: `/v1/users/alice/graphs/g1/decrement`},
		{in: `/v1/users/@connectionParameters('username')/graphs/@queryParameters('graphID')/@queryParameters('yyyyMMdd')/retina`, want: `/v1/users/alice/graphs/g2/20240102/retina`},
		{in: `/v1/users/@connectionParameters('username')/graphs/@queryParamters('graphID')/pixels`, want: `/v1/users/alice/graphs/g2/pixels`,
			diag: `offset 51: 'queryParamters' is a misspelling of 'queryParameters'; read as queryParameters`},
		// ExchangeRate, newPath with placeholders
		{in: `/@connectionParameters('apiKey')/codes`, want: `/K1/codes`},
		{in: `/@connectionParameters('apiKey')/pair/{baseCurrency}/{targetCurrency}`, want: `/K1/pair/EUR/USD`},
		{in: `/@connectionParameters('apiKey')/history/{baseCurrency}/{year}/{month}/{day}`, want: `/K1/history/EUR/{year}/{month}/{day}`},
		// MyHospitals by AIHW, newPath with '-' in the placeholder name
		{in: `/measure-downloads/{measure-download-code}`, want: `/measure-downloads/{measure-download-code}`},
		// Facebook, parameterValueUrl and newPath
		{in: `/{pageId}?fields=access_token`, want: `/{pageId}?fields=access_token`},
		// AzureAD, newPath without leading '/'
		{in: `v1.0/users/{id}/checkMemberGroups`, want: `v1.0/users/{id}/checkMemberGroups`},
		// JIRA, routerequesttoendpoint httpMethod (also 12 other connectors)
		{in: `@Request.OriginalHTTPMethod`, want: `PATCH`},
		// Microsoft D365CE v9 OnPrem, urlTemplate (capitalised function name)
		{in: `@ConnectionParameters('hostUrl')/@ConnectionParameters('orgName')/api/data/v9.0/`, want: `https://crm.example.com/org/api/data/v9.0/`},
		// AXtension Content Gate, urlTemplate
		{in: `https://@ConnectionParameters('contentgate-DnsName').content-gate.com`, want: `https://cg.content-gate.com`},
		// MongoDB, urlTemplate
		{in: `@connectionParameters('BaseUrl')`, want: `https://data.mongodb-api.com`},
		// Oneflow, urlTemplate with a blank after the comma
		{in: `@connectionParameters('instance_url', 'https://api.oneflow.com/v1')`, want: `https://api.oneflow.com/v1`},
		// Encodian, urlTemplate: the parameter is set, so no default
		{in: `@connectionParameters('region','https://api.apps-encodian.com')`, want: `eu.example.com`},
		// Veterans Affairs Forms, urlTemplate
		{in: `https://@connectionParameters('environment','api').va.gov/services/va_forms/v0`, want: `https://https://api.deepl.com/v2.va.gov/services/va_forms/v0`},
		// Nextcom, urlTemplate (".nextcom.no" is text, not a path)
		{in: `https://@connectionParameters('domain').nextcom.no/rest-api/public/v2.0/`, want: `https://acme.nextcom.no/rest-api/public/v2.0/`},
		// JIRA, urlTemplate
		{in: `https://@connectionParameters('jirainstance').atlassian.net/rest/api/`, want: `https://myjira.atlassian.net/rest/api/`},
		// 3E Events, urlTemplate and setqueryparameter value
		{in: `https://@connectionParameters('token:customHost')/3e/events/webhook`, want: `https://.example.com/3e/events/webhook`},
		{in: `@connectionParameters('token:3eInstanceId')`, want: `3e-1`},
		{in: `@connectionParameters('token:notes','')`, want: ``},
		// Tribal - SITS, setheader value
		{in: `@connectionParameters('token:tenantId')`, want: `tn`},
		// Tribal - SITS, urlTemplate
		{in: `https://api@connectionParameters('token:environment')/@connectionParameters('token:region')/`, want: `https://api-eu/r1/`},
		// UiPath Automation Cloud, urlTemplate
		{in: `https://cloud.uipath.com/@connectionParameters('token:orgName')/@connectionParameters('tenantName')`, want: `https://cloud.uipath.com/uiorg/ten`},
		// Staffbase, urlTemplate
		{in: `https://powerautomateproxy-@connectionParameters('hostingID').staffbase.com`, want: `https://powerautomateproxy-h7.staffbase.com`},
		// RAPID Platform, urlTemplate
		{in: `https://api.rapidplatform.com/api/@connectionParameters('tenantName')/@connectionParameters('siteName')`, want: `https://api.rapidplatform.com/api/ten/site`},
		// dox42, urlTemplate with a header after '?'
		{in: `https://@headers('domainname')/dox42RestService.ashx?@headers('querystring')`, want: `https://dox.example.com/dox42RestService.ashx?a=1&b=2`},
		// Cascade, urlTemplate
		{in: `https://@headers('Instance').executestrategy.net/api/v2`, want: `https://inst.executestrategy.net/api/v2`},
		// Bloomflow, urlTemplate: header absent without default yields ""
		{in: `@headers('bloomflow_api_url')`, want: ``},
		// Enate, urlTemplate
		{in: `https://@queryParameters('HostUrl')/@queryParameters('InstanceName')/`, want: `https://h.example.com/i1/`},
		// Courier, setheader value from the query
		{in: `@queryParameters('idempotency')`, want: `idem-1`},
		// DeskDirector, setheader value
		{in: `DdApi @connectionParameters('apiKey')`, want: `DdApi K1`},
		// Alkymi, setheader value
		{in: `Token @connectionParameters('api_key')`, want: `Token AK`},
		// Monster API, setheader value
		{in: `Bearer @connectionParameters('token')`, want: `Bearer TK`},
		// DeepL, setheader value from a header
		{in: `DeepL-Auth-Key @headers('Authorization')`, want: `DeepL-Auth-Key secret-auth`},
		// Experlogix Smart Flows, setheader value with two defaults
		{in: `@connectionParameters('api_key','');@connectionParameters('url_instance','')`, want: `AK;`},
		// Dime.Scheduler, setheader value
		{in: `@connectionParameters('apiKey', '')`, want: `K1`},
		// Quickbase, setheader value
		{in: `@connectionParameters('QBRealmHostname')`, want: `acme.quickbase.com`},
		// WooCommerce, urlTemplate
		{in: `@connectionParameters('wpSiteUrl')/wp-json/wc-powerautomate/v1`, want: `https://shop.example.com/wp-json/wc-powerautomate/v1`},
		// Planner, parameterTemplate / parameterValuePathTemplate / setproperty paths
		{in: `@headers('If-Match')`, want: `*`},
		{in: `@body()['@odata.etag']`, want: `W/"abc"`},
		{in: `@body().assignments`, want: `{"u1":{"orderHint":" !"}}`},
		{in: `@item().userId`, want: `u1`},
		{in: `@item()._assignments`, want: `[]`},
		{in: `@body().value`, want: `[{"id":"t1"}]`},
		// Planner, stringreplace sourceString: a lone '@' is text
		{in: `@`, want: `@`},
		// Planner / AzureAD, newPropertySubPathTemplate: text
		{in: `['@odata.type']`, want: `['@odata.type']`},
		// Microsoft 365 Lighthouse (also AzureAD, Planner), updatenextlink nextLinkPropertyName: text
		{in: `@odata.nextLink`, want: `@odata.nextLink`},
		// Facebook, parameterValuePathTemplate / parameterTemplate
		{in: `@body().access_token`, want: `tok`},
		{in: `@queryParameters('access_token')`, want: `at`},
		// Blackbaud Raiser's Edge NXT, setproperty newPropertyParentPathTemplate written without '@'
		{in: `body()`, want: `{"@odata.etag":"W/\"abc\"","@odata.id":"https://graph.microsoft.com/v1.0/users/u1","access_token":"tok","assignments":{"u1":{"orderHint":" !"}},"checklist":{},"favicon_generation":{"api_key":""},"field_entries":{"f1":"x"},"filters":["a","b"],"gifts":{"payments":[{"amount":5}],"receipts":[]},"next":"https://next.example.com/?page=2","payments":{"amount":5},"references":{},"results":[1,2],"value":[{"id":"t1"}]}`,
			diag: `offset 0: body() written without '@' is read as @body()`},
		// Blackbaud Raiser's Edge NXT, setproperty propertyValuePathTemplate
		{in: `[{@body().gifts.payments}]`, want: `[[{"amount":5}]]`},
		{in: `[{@body().payments}]`, want: `[{"amount":5}]`},
		{in: `[{@body().gifts.receipts}]`, want: `[[]]`},
		// Oneflow, setproperty JSON text around a braced expression
		{in: `[{"filter_rules": [{"type": "EVENT_TYPE", "values": {@body().filters} }] }]`, want: `[{"filter_rules": [{"type": "EVENT_TYPE", "values": ["a","b"] }] }]`},
		// AzureAD, setproperty value
		{in: `https://graph.microsoft.com/v1.0/directoryObjects/{@body()['@odata.id']}`, want: `https://graph.microsoft.com/v1.0/directoryObjects/https://graph.microsoft.com/v1.0/users/u1`},
		// iObeya, setproperty value in the Response section
		{in: `{@body().next}`, want: `https://next.example.com/?page=2`},
		// Huddle, pollingtrigger
		{in: `@{triggerBody().approvals[0].created}`, want: `2024-01-02T00:00:00Z`},
		{in: `@triggerBody().files`, want: `[{"created":"2024-02-03"}]`},
		// Nosco, pollingtrigger
		{in: `@{triggerBody().nodes[0].lastStageChange}`, want: `s1`},
		// Feathery Forms, pollingtrigger
		{in: `@{triggerBody().requested_at}`, want: `2024-03-04`},
		{in: `@triggerBody().results`, want: `[]`},
		// Facebook, pollingtrigger: a number interpolated as text
		{in: `@{triggerBody().data[0].created_time}`, want: `1700000000`},
		// Planner, setqueryparameter value with parentheses and quotes: text
		{in: `groupTypes/any(c:c eq 'Unified')`, want: `groupTypes/any(c:c eq 'Unified')`},
		// SignHost, a constant setheader value: text
		{in: `APPKey cO7F4VfIA3PmmSac O1Jt0io6QfFpcBdkQEFxnUJlkxplaEmS`, want: `APPKey cO7F4VfIA3PmmSac O1Jt0io6QfFpcBdkQEFxnUJlkxplaEmS`},
	}
	if len(tests) < 40 {
		t.Fatalf("only %d corpus cases", len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			tpl, diags := parseOK(t, tc.in)
			var msgs []string
			for _, d := range diags {
				msgs = append(msgs, d.String())
			}
			if got := strings.Join(msgs, "; "); got != tc.diag {
				t.Errorf("diagnostics = %q, want %q", got, tc.diag)
			}
			got, err := tpl.Eval(env)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Eval = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEvalValue(t *testing.T) {
	env := corpusEnv(t)
	tests := []struct {
		in   string
		want any
	}{
		{`@triggerBody().approvals`, []any{map[string]any{"created": "2024-01-02T00:00:00Z"}}},
		{`@body()['@odata.etag']`, `W/"abc"`},
		{`@triggerBody().data[0].created_time`, float64(1700000000)},
		{`@{triggerBody().data[0].created_time}`, `1700000000`}, // interpolation is text
		{`{@body().results}`, []any{float64(1), float64(2)}},
		{`[{@body().results}]`, `[[1,2]]`},
		{`@connectionParameters('apiKey')`, `K1`},
		{`@body()?.nothing`, nil},
		{`/v1.0/planner/tasks/{id}`, `/v1.0/planner/tasks/{id}`},
		{`plain`, `plain`},
	}
	for _, tc := range tests {
		tpl, _ := parseOK(t, tc.in)
		got, err := tpl.EvalValue(env)
		if err != nil {
			t.Errorf("EvalValue(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("EvalValue(%q) = %#v, want %#v", tc.in, got, tc.want)
		}
	}
}

func TestTextFormatting(t *testing.T) {
	env := MapEnv{BodyValue: mustJSON(t, `{"f":1.5,"big":1e21,"small":0.0000001,"t":true,"o":{"b":"<&>","a":[1,"x",null]},"n":null}`)}
	tests := map[string]string{
		`@body().f`:         `1.5`,
		`@body().big`:       `1e+21`,
		`@body().small`:     `1e-7`,
		`@body().t`:         `true`,
		`@body().o`:         `{"a":[1,"x",null],"b":"<&>"}`,
		`x@{body().o.a[1]}`: `xx`,
		`@body()?.n`:        ``,
	}
	for in, want := range tests {
		tpl, _ := parseOK(t, in)
		got, err := tpl.Eval(env)
		if err != nil || got != want {
			t.Errorf("Eval(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	num := MapEnv{BodyValue: map[string]any{"n": json.Number("12.50")}}
	if got, err := MustParse(`@body().n`).Eval(num); err != nil || got != "12.50" {
		t.Errorf("json.Number: %q, %v", got, err)
	}
}

func TestNullSafe(t *testing.T) {
	env := MapEnv{BodyValue: mustJSON(t, `{"a":{"b":null},"arr":[]}`)}
	tests := []struct{ in, want, err string }{
		{in: `@body()?.missing`, want: ``},
		{in: `@body()?['missing']`, want: ``},
		{in: `@body().a?.b`, want: ``},
		{in: `@body()?.missing?.x`, want: ``},
		{in: `@body().arr?[3]`, want: ``},
		{in: `@body()?.missing.x`, err: `expr: body()?.missing is null`},
		{in: `@body().a.b`, err: `expr: body().a.b is null`},
		{in: `@item()?.x`, want: ``},
		{in: `@item().x`, err: `expr: item() is null`},
	}
	for _, tc := range tests {
		got, err := MustParse(tc.in).Eval(env)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("Eval(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Eval(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestRefs(t *testing.T) {
	tests := []struct {
		in   string
		want []Ref
	}{
		{`https://@header('test').abc.xyz:@header('port')`, []Ref{
			{Kind: Header, Name: "test", Offset: 8},
			{Kind: Header, Name: "port", Offset: 32},
		}},
		// ExchangeRate newPath
		{`/@connectionParameters('apiKey')/pair/{baseCurrency}/{targetCurrency}`, []Ref{
			{Kind: ConnectionParameter, Name: "apiKey", Offset: 1},
			{Kind: PathParam, Name: "baseCurrency", Offset: 38},
			{Kind: PathParam, Name: "targetCurrency", Offset: 53},
		}},
		{`@connectionParameters('instance_url', 'https://api.oneflow.com/v1')`, []Ref{
			{Kind: ConnectionParameter, Name: "instance_url", Default: "https://api.oneflow.com/v1", HasDefault: true},
		}},
		{`@connectionParameters('token:HostName','')`, []Ref{
			{Kind: ConnectionParameter, Name: "token:HostName", HasDefault: true},
		}},
		{`@queryParamters('graphID')`, []Ref{{Kind: Query, Name: "graphID"}}},
		{`@Request.OriginalHTTPMethod`, []Ref{{Kind: RequestMethod}}},
		{`@body()['@odata.etag']`, []Ref{{Kind: Body, Path: []Segment{{Key: "@odata.etag"}}}}},
		{`@{triggerBody().nodes[0].editedAt}`, []Ref{{Kind: TriggerBody, Path: []Segment{{Key: "nodes"}, {Index: 0, IsIndex: true}, {Key: "editedAt"}}}}},
		{`{@item()?['it''s']?[2].x}`, []Ref{{Kind: Item, Offset: 1, Path: []Segment{{Key: "it's", NullSafe: true}, {Index: 2, IsIndex: true, NullSafe: true}, {Key: "x"}}}}},
		{`body().a`, []Ref{{Kind: Body, Path: []Segment{{Key: "a"}}}}},
		{`a@b.com @odata.type ['@odata.id'] {"x": 1} { id } {}`, nil},
	}
	for _, tc := range tests {
		tpl, _ := parseOK(t, tc.in)
		if got := tpl.Refs(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Refs(%q) =\n %+v\nwant\n %+v", tc.in, got, tc.want)
		}
		if lit := tpl.IsLiteral(); lit != (tc.want == nil) {
			t.Errorf("IsLiteral(%q) = %v", tc.in, lit)
		}
	}

	// Canonical rendering.
	render := map[string]string{
		`@ConnectionParameters('a', 'b')`:  `@connectionParameters('a','b')`,
		`@header('x')`:                     `@headers('x')`,
		`@queryParamters('q')`:             `@queryParameters('q')`,
		`@body()['a'][0]?['b c']?.d`:       `@body().a[0]?['b c']?.d`,
		`@{triggerBody().value[0].TripId}`: `@triggerBody().value[0].TripId`,
		`@request.originalhttpmethod`:      `@Request.OriginalHTTPMethod`,
		`@connectionParameters('it''s')`:   `@connectionParameters('it''s')`,
	}
	for in, want := range render {
		ref, ok := MustParse(in).SingleRef()
		if !ok {
			t.Errorf("SingleRef(%q): not a single expression", in)
			continue
		}
		if got := ref.String(); got != want {
			t.Errorf("Ref(%q).String() = %q, want %q", in, got, want)
		}
	}
	if _, ok := MustParse(`{id}`).SingleRef(); ok {
		t.Errorf("SingleRef({id}) reports an expression")
	}
	if _, ok := MustParse(`Bearer @connectionParameters('t')`).SingleRef(); ok {
		t.Errorf("SingleRef on text+expression reports a single expression")
	}
}

func TestLiteralAt(t *testing.T) {
	tests := []struct{ in, diag string }{
		{in: `user@example.com`},
		{in: `@odata.nextLink`},
		{in: `['@odata.id']`},
		{in: `@@id@@`},
		{in: `@`},
		{in: `a @ b`},
		{in: `@1`},
		{in: `{@odata.id}`},
		{in: `@request`},
		{in: `@body.a`, diag: `offset 0: '@body' is not followed by '(' and is kept as literal text`},
		{in: `x {@headers} y`, diag: `offset 3: '@headers' is not followed by '(' and is kept as literal text`},
		{in: `item(s) per page`, diag: `offset 0: item( looks like an expression without '@' but does not parse (expected a quoted string argument to item, found 's'); kept as text`},
		{in: `{"a": {"b": [1]}}`},
		{in: `{ id }`},
		{in: `{}`},
	}
	for _, tc := range tests {
		tpl, diags := parseOK(t, tc.in)
		if !tpl.IsLiteral() {
			t.Errorf("%q: not literal: %+v", tc.in, tpl.Parts())
		}
		var msgs []string
		for _, d := range diags {
			msgs = append(msgs, d.String())
		}
		if got := strings.Join(msgs, "; "); got != tc.diag {
			t.Errorf("%q: diagnostics %q, want %q", tc.in, got, tc.diag)
		}
		if got, err := tpl.Eval(nil); err != nil || got != tc.in {
			t.Errorf("Eval(%q) = %q, %v", tc.in, got, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`@connectionParameters('a`, `expr: offset 22: unterminated string literal`},
		{`@connectionParameters('a'`, `expr: offset 21: missing ')' to close 'connectionParameters('`},
		{`@connectionParameters('a',`, `expr: offset 21: missing ')' to close 'connectionParameters('`},
		{`@connectionParameters(`, `expr: offset 21: missing ')' to close 'connectionParameters('`},
		{`@connectionParameters('a' 'b')`, `expr: offset 26: expected ',' or ')' in the arguments of connectionParameters, found '\''`},
		{`@connectionParameters(name)`, `expr: offset 22: expected a quoted string argument to connectionParameters, found 'n'`},
		{`@connectionParameters('a',)`, `expr: offset 26: expected a quoted string argument to connectionParameters, found ')'`},
		{`@connectionParameters()`, `expr: offset 0: connectionParameters takes 1 or 2 arguments, got 0`},
		{`@headers('a','b','c')`, `expr: offset 0: headers takes 1 or 2 arguments, got 3`},
		{`@connectionParameters('')`, `expr: offset 0: connectionParameters: empty name`},
		{`@body('x')`, `expr: offset 0: body takes no arguments, got 1`},
		{`@foo()`, `expr: offset 0: unknown function 'foo'`},
		{`x@variables('v')`, `expr: offset 1: unknown function 'variables'`},
		{`@{foo}`, `expr: offset 0: unknown function 'foo'`},
		{`@{body}`, `expr: offset 6: expected '(' after 'body'`},
		{`@{}`, `expr: offset 2: expected an expression such as body() or connectionParameters('name'), found '}'`},
		{`@{'x'}`, `expr: offset 2: expected an expression such as body() or connectionParameters('name'), found '\''`},
		{`@{triggerBody().x`, `expr: offset 0: missing '}' to close '@{'`},
		{`@{triggerBody().x y}`, `expr: offset 0: missing '}' to close '@{'`},
		{`{@body().x`, `expr: offset 0: missing '}' to close '{@'`},
		{`@body()[x]`, `expr: offset 8: expected an array index or a quoted key after '[', found 'x'`},
		{`@body()[0`, `expr: offset 7: missing ']' to close '['`},
		{`@body()['a'`, `expr: offset 7: missing ']' to close '['`},
		{`@body()['a`, `expr: offset 8: unterminated string literal`},
		{`@body()[99999999999999999999]`, `expr: offset 8: array index 99999999999999999999 is too large`},
		{`@body()?.[0]`, `expr: offset 9: expected a property name after '?.', found '['`},
		{`@Request.OriginalUrl`, `expr: offset 0: unsupported property 'Request.OriginalUrl' (only Request.OriginalHTTPMethod is supported)`},
	}
	for _, tc := range tests {
		tpl, _, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) = %+v, want error", tc.in, tpl.Parts())
			continue
		}
		if got := err.Error(); got != tc.want {
			t.Errorf("Parse(%q) error\n got %s\nwant %s", tc.in, got, tc.want)
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q): error %T is not a *SyntaxError", tc.in, err)
		}
	}
}

func TestEvalErrors(t *testing.T) {
	env := MapEnv{
		ConnectionParameters: map[string]string{"apiKey": "k"},
		BodyValue:            mustJSON(t, `{"name":"n","obj":{},"list":[{"a":1}],"num":3}`),
		TriggerBodyValue:     mustJSON(t, `{"value":[]}`),
	}
	tests := []struct {
		in, want string
		as       any
	}{
		{`@connectionParameters('dog')`, `expr: connection parameter 'dog' is not set`, new(*MissingParameterError)},
		{`https://@connectionParameters('token:customHost')/x`, `expr: connection parameter 'token:customHost' is not set`, new(*MissingParameterError)},
		{`@body().missing.x`, `expr: body().missing is null`, new(*NullError)},
		{`@body().missing`, `expr: body().missing is null`, new(*NullError)},
		{`@triggerBody().value[0].x`, `expr: triggerBody().value[0] is null`, new(*NullError)},
		{`@{triggerBody().value[0].x}`, `expr: triggerBody().value[0] is null`, new(*NullError)},
		{`@body().list[0].b`, `expr: body().list[0].b is null`, new(*NullError)},
		{`@body().name[0]`, `expr: body().name is a string, not an array`, new(*TypeError)},
		{`@body().list.a`, `expr: body().list is an array, not an object`, new(*TypeError)},
		{`@body().num.a`, `expr: body().num is a number, not an object`, new(*TypeError)},
		{`@body().obj[0]`, `expr: body().obj is an object, not an array`, new(*TypeError)},
		{`@item()`, `expr: item() is null`, new(*NullError)},
	}
	for _, tc := range tests {
		_, err := MustParse(tc.in).Eval(env)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Eval(%q) error = %v, want %q", tc.in, err, tc.want)
			continue
		}
		if !errors.As(err, tc.as) {
			t.Errorf("Eval(%q): error %T is not %T", tc.in, err, tc.as)
		}
	}
	// A connection parameter set to "" without default is "", with default the default.
	empty := MapEnv{ConnectionParameters: map[string]string{"p": ""}}
	if got, err := MustParse(`[@connectionParameters('p')|@connectionParameters('p','d')]`).Eval(empty); err != nil || got != "[|d]" {
		t.Errorf("empty parameter: %q, %v", got, err)
	}
	if _, ok := MustParse(`{x}`).SingleRef(); ok {
		t.Errorf("placeholder is not an expression")
	}
	if _, err := (Ref{Kind: PathParam, Name: "x"}).Eval(nil); err == nil || err.Error() != `expr: path parameter 'x' is not set` {
		t.Errorf("Ref.Eval(PathParam) error = %v", err)
	}
}

// TestErrorsNeverContainValues evaluates failing templates against an
// environment whose every value is a recognisable secret.
func TestErrorsNeverContainValues(t *testing.T) {
	const secret = "S3CR3T-value"
	env := MapEnv{
		ConnectionParameters: map[string]string{"apiKey": secret, "password": secret + "2", "token:customHost": secret + "3"},
		Headers:              map[string]string{"Authorization": secret + "4"},
		QueryParameters:      map[string]string{"code": secret + "5"},
		BodyValue:            map[string]any{"token": secret + "6", "list": []any{secret + "7"}, "obj": map[string]any{"k": secret + "8"}},
		ItemValue:            secret + "9",
		TriggerBodyValue:     map[string]any{"value": []any{}},
		HTTPMethod:           secret + "M",
		PathParameters:       map[string]string{"id": secret + "P"},
	}
	templates := []string{
		`@connectionParameters('apiKey')@connectionParameters('missing')`,
		`Bearer @connectionParameters('password') @body().nope`,
		`https://@connectionParameters('token:customHost')/@{triggerBody().value[0].id}`,
		`@headers('Authorization')@body().token.x`,
		`@queryParameters('code')@body().token[0]`,
		`@body().list.x`,
		`@body().list[0].x`,
		`@body().obj[0]`,
		`@item().x`,
		`@Request.OriginalHTTPMethod/{id}/@body()?.none.x`,
		`{@body().obj.k.z}`,
	}
	for _, s := range templates {
		tpl, _ := parseOK(t, s)
		for _, f := range []func() error{
			func() error { _, err := tpl.Eval(env); return err },
			func() error { _, err := tpl.EvalValue(env); return err },
			func() error { _, err := tpl.EvalEscaped(env, url.PathEscape); return err },
		} {
			err := f()
			if err == nil {
				t.Errorf("%q: no error", s)
				continue
			}
			if strings.Contains(err.Error(), "S3CR3T") {
				t.Errorf("%q: error leaks a value: %v", s, err)
			}
		}
	}
}

func TestEvalEscaped(t *testing.T) {
	env := MapEnv{
		ConnectionParameters: map[string]string{"username": "a b/c"},
		PathParameters:       map[string]string{"id": "x/y?"},
	}
	got, err := MustParse(`/v1/users/@connectionParameters('username')/items/{id}/{other}`).EvalEscaped(env, url.PathEscape)
	if err != nil {
		t.Fatal(err)
	}
	if want := `/v1/users/a%20b%2Fc/items/x%2Fy%3F/{other}`; got != want {
		t.Errorf("EvalEscaped = %q, want %q", got, want)
	}
}

func TestParsePath(t *testing.T) {
	tests := []struct {
		in   string
		want []Segment
		err  string
	}{
		{in: `api_key`, want: []Segment{{Key: "api_key"}}},
		{in: `['@odata.id']`, want: []Segment{{Key: "@odata.id"}}},
		{in: `['orderHint']`, want: []Segment{{Key: "orderHint"}}},
		{in: `a.b[0]?.c`, want: []Segment{{Key: "a"}, {Key: "b"}, {Index: 0, IsIndex: true}, {Key: "c", NullSafe: true}}},
		{in: `.a`, want: []Segment{{Key: "a"}}},
		{in: `measure-download-code`, want: []Segment{{Key: "measure-download-code"}}},
		{in: ``, err: `expr: offset 0: empty property path`},
		{in: `a..b`, err: `expr: offset 1: expected a property name after '.'`},
		{in: `a b`, err: `expr: offset 1: unexpected ' ' in property path`},
		{in: `['x`, err: `expr: offset 1: unterminated string literal`},
	}
	for _, tc := range tests {
		got, err := ParsePath(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParsePath(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParsePath(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestConcurrentEval(t *testing.T) {
	tpl := MustParse(`https://@connectionParameters('h')/@{body().a[0]}`)
	env := MapEnv{ConnectionParameters: map[string]string{"h": "x"}, BodyValue: mustJSON(t, `{"a":[1]}`)}
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 100 {
				if got, err := tpl.Eval(env); err != nil || got != "https://x/1" {
					t.Errorf("Eval = %q, %v", got, err)
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
}

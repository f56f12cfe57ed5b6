package lower_test

import (
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/lower"
	"github.com/connectorgen/connectorgen/generator/spec"
)

const policyAPI = `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "h",
  "paths": {
    "/items/{id}": {"get": {"operationId": "GetItem",
      "parameters": [{"name": "id", "in": "path", "required": true, "type": "string"}],
      "responses": {"200": {"description": "ok", "schema": {"type": "object"}}}},
    "patch": {"operationId": "UpdateItem",
      "parameters": [{"name": "id", "in": "path", "required": true, "type": "string"},
        {"name": "body", "in": "body", "schema": {"type": "object"}}],
      "responses": {"204": {"description": "ok"}}}},
    "/list": {"get": {"operationId": "List", "responses": {"200": {"description": "ok", "schema": {"type": "object"}}}}}
  }}`

// policyProps is a policyTemplateInstances list, one instance per line
// (line 4 onwards); parameter warnings point at the parameter's name.
const policyProps = `{"properties": {
"connectionParameters": {"key": {"type": "securestring"}, "host": {"type": "string"}, "token": {"type": "oauthSetting"}},
"policyTemplateInstances": [
{"templateId": "setHeader", "title": "auth", "parameters": {"x-ms-apimTemplateParameter.name": "Authorization", "x-ms-apimTemplateParameter.value": "Key @connectionParameters('key')", "x-ms-apimTemplateParameter.existsAction": "override", "x-ms-apimTemplate-policySection": "Request"}},
{"templateId": "dynamicHostUrl", "title": "host", "parameters": {"x-ms-apimTemplateParameter.urlTemplate": "https://@connectionParameters('host')/api"}},
{"templateId": "routerequesttoendpoint", "title": "route", "parameters": {"x-ms-apimTemplate-operationName": ["GetItem", "Missing"], "x-ms-apimTemplateParameter.newPath": "/v2/{id}", "x-ms-apimTemplateParameter.httpMethod": "@Request.OriginalHTTPMethod"}},
{"templateId": "routerequesttoendpoint", "title": "bad placeholder", "parameters": {"x-ms-apimTemplate-operationName": ["List"], "x-ms-apimTemplateParameter.newPath": "/v2/{id}"}},
{"templateId": "noSuchTemplate", "title": "unknown", "parameters": {}},
{"templateId": "setheader", "title": "bad expr", "parameters": {"x-ms-apimTemplateParameter.name": "X", "x-ms-apimTemplateParameter.value": "@nope('x')"}},
{"templateId": "setheader", "title": "unknown param", "parameters": {"x-ms-apimTemplateParameter.name": "X", "x-ms-apimTemplateParameter.value": "@connectionParameters('token:customHost')"}},
{"templateId": "SetProperty", "title": "prop", "parameters": {"x-ms-apimTemplate-operationName": ["UpdateItem"], "x-ms-apimTemplateParameter.newPropertyParentPathTemplate": "@body()", "x-ms-apimTemplateParameter.newPropertySubPathTemplate": "['@odata.type']", "x-ms-apimTemplateParameter.propertyValuePathTemplate": "item", "x-ms-apimTemplate-policySection": "Request"}},
{"templateId": "updatenextlink", "title": "next", "parameters": {"x-ms-apimTemplate-operationName": ["Missing"], "x-ms-apimTemplateParameter.nextLinkPropertyName": "nextLink"}},
{"templateId": "setconnectionstatustounauthenticated", "title": "401", "parameters": {"x-ms-apimTemplateParameter.statusCode": 401}},
{"templateId": "setqueryparameter", "title": "section", "parameters": {"x-ms-apimTemplateParameter.name": "a", "x-ms-apimTemplateParameter.value": "b", "x-ms-apimTemplate-policySection": "Response"}},
{"templateId": "stringreplace", "title": "extra", "parameters": {"x-ms-apimTemplate-operationName": ["List"], "x-ms-apimTemplateParameter.propertyParentPath": "@body()", "x-ms-apimTemplateParameter.propertySubPath": "a", "x-ms-apimTemplateParameter.sourceString": "x", "x-ms-apimTemplateParameter.newPropertyPath": "@item().a", "x-ms-apimTemplateParameter.colour": "red", "x-ms-apimTemplate-policySection": "Response"}}
]}}`

func lowerPolicies(t *testing.T, strict bool) (*ir.Package, diag.List) {
	t.Helper()
	doc, ds := spec.Load("api.json", []byte(policyAPI))
	if doc == nil {
		t.Fatal(ds)
	}
	props, ds := spec.LoadProperties("props.json", []byte(policyProps))
	if props == nil {
		t.Fatal(ds)
	}
	return lower.Lower(&spec.Connector{Name: "x", API: doc, Properties: props}, lower.Options{Strict: strict})
}

func TestPolicies(t *testing.T) {
	pkg, ds := lowerPolicies(t, false)
	var b strings.Builder
	ds.Sort().Print(&b)
	got := b.String()
	for _, want := range []string{
		`props.json:6:75: warning: policy template "routerequesttoendpoint" (route) is scoped to operation "Missing", which the connector does not define: that name is ignored`,
		`props.json:7:130: warning: policy template "routerequesttoendpoint" (bad placeholder): placeholder {id} is not a path parameter of List: the template is ignored for that operation`,
		`props.json:8:1: warning: policy template "noSuchTemplate" (unknown) is not supported by the runtime: it is ignored`,
		`props.json:9:105: warning: policy template "setheader" (bad expr): x-ms-apimTemplateParameter.value "@nope('x')": expr: offset 0: unknown function 'nope': it is ignored`,
		`props.json:10:110: warning: policy template "setheader" (unknown param): x-ms-apimTemplateParameter.value "@connectionParameters('token:customHost')" reads connection parameter 'token:customHost', which the connection does not have: calls fail with a missing-parameter error`,
		`props.json:12:1: warning: policy template "updatenextlink" (next) applies to no operation of the connector: it is ignored`,
		`props.json:12:66: warning: policy template "updatenextlink" (next) is scoped to operation "Missing", which the connector does not define: that name is ignored`,
		`props.json:14:153: warning: policy template "setqueryparameter" (section): section "Response" is not supported for this template (only Request): it is ignored`,
		`props.json:15:329: warning: policy template "stringreplace" (extra): parameter "x-ms-apimTemplateParameter.colour" is not read by this template: it is ignored`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("missing diagnostic:\n%s\ngot:\n%s", want, got)
		}
	}
	if strings.Contains(got, "error:") {
		t.Errorf("errors without Strict:\n%s", got)
	}

	type compiled struct {
		template string
		index    int
		global   bool
	}
	var all []compiled
	for _, p := range pkg.Policies {
		all = append(all, compiled{p.Template, p.Index, p.Global})
	}
	want := []compiled{
		{"setheader", 0, true}, {"dynamichosturl", 1, true}, {"routerequesttoendpoint", 2, false},
		{"setheader", 6, true}, {"setproperty", 7, false}, {"setconnectionstatustounauthenticated", 9, true},
		{"stringreplace", 11, false},
	}
	if len(all) != len(want) {
		t.Fatalf("compiled %v, want %v", all, want)
	}
	for i := range want {
		if all[i] != want[i] {
			t.Errorf("policy %d: %v, want %v", i, all[i], want[i])
		}
	}
	scoped := map[string][]int{}
	for _, a := range pkg.Actions {
		for _, p := range a.Op.Policies {
			scoped[a.Op.ID] = append(scoped[a.Op.ID], p.Index)
		}
	}
	if g, u, l := scoped["GetItem"], scoped["UpdateItem"], scoped["List"]; len(g) != 1 || g[0] != 2 || len(u) != 1 || u[0] != 7 || len(l) != 1 || l[0] != 11 {
		t.Errorf("scoped policies %v", scoped)
	}
	p := pkg.Policies[0]
	if p.Name != "Authorization" || p.Value != "Key @connectionParameters('key')" || p.Exists != "override" || p.Section != "Request" {
		t.Errorf("setheader compiled as %+v", p)
	}
	if p := pkg.Policies[5]; p.StatusCode != 401 || p.Section != "Response" {
		t.Errorf("setconnectionstatustounauthenticated compiled as %+v", p)
	}
}

// TestPoliciesStrict: what the runtime cannot honour is an error.
func TestPoliciesStrict(t *testing.T) {
	_, ds := lowerPolicies(t, true)
	var b strings.Builder
	ds.Sort().Print(&b)
	got := b.String()
	if !ds.HasErrors() || !strings.Contains(got, `props.json:8:1: error: policy template "noSuchTemplate" (unknown) is not supported by the runtime`) {
		t.Errorf("want errors with Strict, got:\n%s", got)
	}
	if strings.Contains(got, "warning: policy template") {
		t.Errorf("policy warnings left with Strict:\n%s", got)
	}
}

// moveproperties with dstParentPath @item() (no newPropertyPath) is a
// positioned warning, not a panic.
func TestPolicyMoveToWholeItem(t *testing.T) {
	doc, ds := spec.Load("api.json", []byte(policyAPI))
	if doc == nil {
		t.Fatal(ds)
	}
	props, ds := spec.LoadProperties("props.json", []byte(`{"properties": {"policyTemplateInstances": [
{"templateId": "moveproperties", "title": "m", "parameters": {"x-ms-apimTemplate-operationName": ["UpdateItem"], "x-ms-apimTemplateParameter.srcParentPath": "@body()", "x-ms-apimTemplateParameter.srcSubPath": "x", "x-ms-apimTemplateParameter.dstParentPath": "@item()"}}
]}}`))
	if props == nil {
		t.Fatal(ds)
	}
	_, ds = lower.Lower(&spec.Connector{Name: "x", API: doc, Properties: props}, lower.Options{})
	var b strings.Builder
	ds.Sort().Print(&b)
	if !strings.Contains(b.String(), "props.json:2:") || !strings.Contains(b.String(), "dstParentPath @item() cannot be replaced as a whole") {
		t.Errorf("diagnostics:\n%s", b.String())
	}
}

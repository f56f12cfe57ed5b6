package lower_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/lower"
	"github.com/connectorgen/connectorgen/generator/spec"
)

// lowerConnector lowers a swagger with an apiProperties.json and,
// when script is true, a script.csx; it returns the diagnostics printed.
func lowerConnector(t *testing.T, swagger, props string, script bool) (*ir.Package, string) {
	t.Helper()
	doc, ds := spec.Load("test.json", []byte(swagger))
	if doc == nil {
		t.Fatalf("load: %v", ds)
	}
	c := &spec.Connector{Name: "Test", API: doc}
	if props != "" {
		p, more := spec.LoadProperties("apiProperties.json", []byte(props))
		ds.Append(more)
		c.Properties = p
	}
	if script {
		c.Script = &spec.Script{File: "script.csx"}
	}
	pkg, more := lower.Lower(c, lower.Options{})
	ds.Append(more)
	var b strings.Builder
	ds.Sort().Print(&b)
	return pkg, b.String()
}

// hasWarning reports whether diags has a warning positioned in file (at a
// line and column) whose message contains msg.
func hasWarning(diags, file, msg string) bool {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(file) + `:\d+:\d+: warning: .*` + regexp.QuoteMeta(msg))
	return re.MatchString(diags)
}

const pageable = `{
  "swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "example.com",
  "paths": {
    "/a": {"get": {"operationId": "ListA", "x-ms-pageable": {"nextLinkName": "@odata.nextLink"},
      "responses": {"200": {"description": "ok", "schema": {"type": "object", "properties": {
        "value": {"type": "array", "items": {"$ref": "#/definitions/Item"}},
        "@odata.nextLink": {"type": "string"}}}}}}},
    "/b": {"get": {"operationId": "ListB", "x-ms-pageable": {},
      "responses": {"200": {"description": "ok", "schema": {"type": "object", "properties": {
        "data": {"type": "array", "items": {"type": "integer"}}, "nextPage": {"type": "string"}}}}}}},
    "/c": {"get": {"operationId": "ListC", "x-ms-pageable": {"nextLinkName": "next", "itemName": "rows"},
      "responses": {"200": {"description": "ok", "schema": {"type": "object", "properties": {
        "rows": {"type": "array", "items": {"type": "string"}}}}}}}},
    "/d": {"get": {"operationId": "ListD", "x-ms-pageable": {"nextLinkName": "nextLink"},
      "responses": {"200": {"description": "ok", "schema": {"type": "object", "properties": {
        "x": {"type": "array"}, "y": {"type": "array"}}}}}}},
    "/e": {"get": {"operationId": "ListE", "x-ms-pageable": {}, "produces": ["application/xml"],
      "responses": {"200": {"description": "ok", "schema": {"type": "string", "format": "binary"}}}}},
    "/f": {"get": {"operationId": "ListAAll", "responses": {"200": {"description": "ok"}}}}
  },
  "definitions": {"Item": {"type": "object", "properties": {"id": {"type": "string"}}}}
}`

func TestPagers(t *testing.T) {
	pkg, diags := lowerConnector(t, pageable, "", false)
	var got []string
	for _, p := range pkg.Pagers {
		item := p.Item.Name
		if p.Item.Kind == ir.Qual {
			item = p.Item.Pkg + "." + p.Item.Name
		}
		got = append(got, fmt.Sprintf("%s(%s) %s %s %s", p.GoName, p.Action.GoName, p.NextLink, p.Items, item))
	}
	want := []string{
		// ListAAll is an operation: the pager of ListA takes the alternative.
		"ListAItems(ListA) @odata.nextLink value Item",
		"ListBAll(ListB) nextLink data int64",
		"ListCAll(ListC) next rows string",
		"ListDAll(ListD) nextLink value encoding/json.RawMessage",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("pagers:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, w := range []string{
		`x-ms-pageable of ListB: the response has no "value" array; items are read from "data", its only array property`,
		`x-ms-pageable of ListB: the response declares no "nextLink" property but "nextPage"`,
		`x-ms-pageable of ListD: the response has no "value" array and several array properties (x, y); items are read from "value" as raw JSON`,
		`x-ms-pageable on ListE, whose response is not JSON: no pager is generated`,
	} {
		if !hasWarning(diags, "test.json", w) {
			t.Errorf("no positioned warning %q in\n%s", w, diags)
		}
	}
}

const dynamic = `{
  "swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "example.com",
  "paths": {
    "/sites/{site}/lists": {"get": {"operationId": "GetLists", "x-ms-visibility": "internal",
      "parameters": [{"name": "site", "in": "path", "required": true, "type": "string"},
        {"name": "top", "in": "query", "type": "integer"}, {"name": "kind", "in": "query", "type": "string"},
        {"name": "flags", "in": "query", "type": "array", "items": {"type": "string"}},
        {"name": "skip", "in": "query", "type": "boolean"}],
      "responses": {"200": {"description": "ok", "schema": {"type": "array", "items": {"type": "object"}}}}}},
    "/query": {"post": {"operationId": "Query", "x-ms-visibility": "internal",
      "parameters": [{"name": "q", "in": "body", "required": true, "schema": {"type": "object"}}],
      "responses": {"200": {"description": "ok", "schema": {"type": "object"}}}}},
    "/sites/{site}/lists/{list}/items": {"post": {"operationId": "AddItem",
      "parameters": [
        {"name": "site", "in": "path", "required": true, "type": "string"},
        {"name": "list", "in": "path", "required": true, "type": "integer",
          "x-ms-dynamic-values": {"operationId": "GetLists", "parameters": {"site": {"parameter": "site"}, "top": 50, "kind": "doc", "flags": ["a", "b"], "skip": null},
            "value-collection": "value", "value-path": "Id", "value-title": "Title"}},
        {"name": "view", "in": "query", "type": "string",
          "x-ms-dynamic-values": {"operationId": "Query", "parameters": {"q": {"parameter": "site"}}, "value-path": "v"},
          "x-ms-dynamic-list": {"operationId": "Query", "parameters": {"q/scope/site": {"parameterReference": "site"}, "q/scope/mode": {"value": "all"}, "q/owner": {"parameterReference": "item/owner"}, "q/scope": {"value": "overlaps"}},
            "itemValuePath": "v", "itemTitlePath": "t"}},
        {"name": "folder", "in": "query", "type": "string",
          "x-ms-dynamic-tree": {"settings": {}, "open": {"operationId": "GetLists"}}},
        {"name": "picker", "in": "query", "type": "string",
          "x-ms-dynamic-values": {"capability": "file-picker", "value-path": "Id"}},
        {"name": "user", "in": "query", "type": "string",
          "x-ms-dynamic-values": {"builtInOperation": "AadGraph.GetUsers"}},
        {"name": "gone", "in": "query", "type": "string",
          "x-ms-dynamic-values": {"operationId": "Missing"}},
        {"name": "unbound", "in": "query", "type": "string",
          "x-ms-dynamic-values": {"operationId": "GetLists"}},
        {"name": "item", "in": "body", "schema": {"type": "object", "properties": {"owner": {"type": "object"}},
          "x-ms-dynamic-schema": {"operationId": "Query", "parameters": {"q": {"parameter": "site"}}, "value-path": "schema/properties"},
          "x-ms-dynamic-properties": {"operationId": "Query", "parameters": {"q/site": {"parameterReference": "site"}}, "itemValuePath": "schema"}}}
      ],
      "responses": {"200": {"description": "ok", "schema": {"type": "object", "properties": {
        "fields": {"type": "object", "x-ms-dynamic-schema": {"operationId": "GetLists", "parameters": {"site": {"parameter": "site"}}}}}}}}}}
  }
}`

func TestLookups(t *testing.T) {
	pkg, diags := lowerConnector(t, dynamic, "", false)
	var got []string
	for _, lu := range pkg.Lookups {
		var args, binds []string
		for _, a := range lu.Args {
			args = append(args, a.GoName+" "+a.Type.Name)
		}
		for _, b := range lu.Bindings {
			p := lu.Target.Op.Params[b.Param].Name
			if b.Path != nil {
				p += "/" + strings.Join(b.Path, "/")
			}
			if b.Const != nil {
				binds = append(binds, p+"="+string(b.Const))
			} else {
				binds = append(binds, p+"=<"+lu.Args[b.Arg].GoName+">")
			}
		}
		got = append(got, fmt.Sprintf("%s %s->%s (%s) [%s] %s|%s|%s|%s", lu.GoName, lu.Extension, lu.Target.GoName,
			strings.Join(args, ", "), strings.Join(binds, " "), lu.Collection, lu.ValuePath, lu.TitlePath, lu.SchemaPath))
	}
	want := []string{
		"AddItemListValues x-ms-dynamic-values->GetLists (site string) [site=<site> top=50 kind=\"doc\" flags=[\"a\",\"b\"]] value|Id|Title|",
		"AddItemRequestSchema x-ms-dynamic-properties->Query (site string) [q/site=<site>] |||schema",
		"AddItemResponseFieldsSchema x-ms-dynamic-schema->GetLists (site string) [site=<site>] |||",
		// x-ms-dynamic-list wins over x-ms-dynamic-values: it reaches into the
		// target's body and into the host's.
		"AddItemViewValues x-ms-dynamic-list->Query (site string, owner RawMessage) [q/scope/site=<site> q/scope/mode=\"all\" q/owner=<owner>] |v|t|",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lookups:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if v := pkg.Lookups[0].Value; v.Name != "int64" {
		t.Errorf("value type of AddItemListValues: %+v, want int64 (the parameter's type)", v)
	}
	for _, w := range []string{
		`x-ms-dynamic-tree of parameter "folder" of AddItem is not supported`,
		`x-ms-dynamic-values of parameter "picker" of AddItem uses the designer capability "file-picker"`,
		`x-ms-dynamic-values of parameter "user" of AddItem calls the designer's built-in operation "AadGraph.GetUsers"`,
		`x-ms-dynamic-values of parameter "gone" of AddItem: operation "Missing" is not defined: no helper is generated`,
		`x-ms-dynamic-values of parameter "unbound" of AddItem: it binds no value to the required parameter "site" of GetLists`,
		`x-ms-dynamic-list of parameter "view" of AddItem: parameter "q/scope" overlaps the binding of "q/scope/site": it is not sent`,
	} {
		if !hasWarning(diags, "test.json", w) {
			t.Errorf("no positioned warning %q in\n%s", w, diags)
		}
	}
}

const scripted = `{
  "swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "example.com",
  "paths": {"/a": {"get": {"operationId": "A", "responses": {"200": {"description": "ok"}}}},
            "/b": {"get": {"operationId": "B", "responses": {"200": {"description": "ok"}}}}},
  "definitions": {"Script": {"type": "object", "properties": {"x": {"type": "string"}}}}
}`

func TestCustomCode(t *testing.T) {
	cases := []struct {
		name, props string
		script      bool
		ops         []string
		warnFile    string
		warn        string
	}{
		{"listed", "{\"properties\": {\n  \"scriptOperations\": [\"B\", \"Nope\"]}}", true, []string{"B"}, "apiProperties.json",
			`custom code in script.csx (C#) is not run: calls of "B" go straight to the backend unless a Go CustomCode is installed with WithCustomCode`},
		{"empty list", `{"properties": {"scriptOperations": []}}`, true, nil, "script.csx",
			`custom code in script.csx (C#) is not run: calls of every operation go straight to the backend`},
		{"no list", `{"properties": {}}`, true, nil, "script.csx", `calls of every operation`},
		{"operationIds", `{"properties": {"script": {"operationIds": ["A", "B"]}}}`, true, []string{"A", "B"}, "apiProperties.json", `calls of "A", "B" go`},
		{"no script", `{"properties": {"scriptOperations": ["A"]}}`, false, []string{"A"}, "apiProperties.json",
			`the connector has custom code (C#) that it does not ship: calls of "A" go straight to the backend`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pkg, diags := lowerConnector(t, scripted, tc.props, tc.script)
			s := pkg.Script
			if s == nil {
				t.Fatalf("no script hook; diagnostics:\n%s", diags)
			}
			// The definition "Script" keeps its name; the hook takes the alternative.
			if s.TypeName != "CustomCode" || s.OptionName != "WithCustomCode" || fmt.Sprint(s.Operations) != fmt.Sprint(tc.ops) || (s.Operations == nil) != (tc.ops == nil) {
				t.Errorf("hook %+v, want operations %v", s, tc.ops)
			}
			if !hasWarning(diags, tc.warnFile, tc.warn) {
				t.Errorf("no positioned warning %q in %s:\n%s", tc.warn, tc.warnFile, diags)
			}
		})
	}
	_, diags := lowerConnector(t, scripted, "{\"properties\": {\n  \"scriptOperations\": [\"B\", \"Nope\"]}}", true)
	if !strings.Contains(diags, `apiProperties.json:2:23: warning: script operation "Nope" is not an operation of the connector`) {
		t.Errorf("unknown script operation:\n%s", diags)
	}
	pkg, diags := lowerConnector(t, scripted, `{"properties": {"scriptOperations": []}}`, false)
	if pkg.Script != nil || strings.Contains(diags, "custom code") {
		t.Errorf("no script and an empty list: hook %+v\n%s", pkg.Script, diags)
	}
}

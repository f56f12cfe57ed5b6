package spec

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/diag"
)

// load runs Load on src as "t.json" and returns the document and the
// diagnostics as strings.
func load(t *testing.T, src string) (*Document, []string) {
	t.Helper()
	doc, ds := Load("t.json", []byte(src))
	if doc == nil && !ds.HasErrors() {
		t.Fatalf("nil document without error: %v", ds)
	}
	return doc, diagStrings(ds)
}

func diagStrings(ds diag.List) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

// mustLoad loads src and fails on errors.
func mustLoad(t *testing.T, src string) (*Document, []string) {
	t.Helper()
	doc, ds := load(t, src)
	if doc == nil {
		t.Fatalf("Load failed: %q", ds)
	}
	for _, d := range ds {
		if strings.Contains(d, ": error: ") {
			t.Fatalf("unexpected error: %s", d)
		}
	}
	return doc, ds
}

func wantDiags(t *testing.T, got []string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("diagnostics:\n got %q\nwant %q", got, want)
	}
}

// op finds an operation by id.
func op(t *testing.T, d *Document, id string) *Operation {
	t.Helper()
	for _, p := range d.Paths {
		for _, o := range p.Operations {
			if o.OperationID == id {
				return o
			}
		}
	}
	t.Fatalf("no operation %q", id)
	return nil
}

func def(t *testing.T, d *Document, name string) *Schema {
	t.Helper()
	for _, s := range d.Definitions {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no definition %q", name)
	return nil
}

const head = `{"swagger":"2.0","info":{"title":"t","version":"1"},`

func TestMinimal(t *testing.T) {
	d, ds := mustLoad(t, `{"swagger":"2.0","info":{"title":"T","description":"D","version":"1.0"},"paths":{}}`)
	wantDiags(t, ds)
	if d.Version != "2.0" || d.Title != "T" || d.Description != "D" || d.APIVersion != "1.0" || d.BasePath != "" || d.File != "t.json" {
		t.Errorf("document: %+v", d)
	}
	if d.Pos != (diag.Pos{File: "t.json", Line: 1, Col: 1}) {
		t.Errorf("Pos = %v", d.Pos)
	}
}

func TestBOM(t *testing.T) {
	d, ds := mustLoad(t, "\ufeff"+head+`"paths":{}}`)
	wantDiags(t, ds, "t.json:1:1: warning: UTF-8 byte order mark removed")
	if d.Title != "t" {
		t.Errorf("Title = %q", d.Title)
	}
}

func TestLatin1(t *testing.T) {
	src := "{\"swagger\":\"2.0\",\n\"info\":{\"title\":\"caf\xe9 cr\xe8me\",\"version\":\"1\"},\n\"paths\":{}}"
	d, ds := mustLoad(t, src)
	wantDiags(t, ds, "t.json:2:21: warning: invalid UTF-8 read as Latin-1 (2 bytes)")
	if d.Title != "café crème" {
		t.Errorf("Title = %q", d.Title)
	}
}

func TestCommentsAndTrailingCommas(t *testing.T) {
	src := `{
  // a comment
  "swagger": "2.0",
  "info": {"title": "t", "version": "1",},
  "paths": {"/a": {"get": {"operationId": "A", "responses": {}, }}},
  /* block */ "host": "h"
}`
	d, ds := mustLoad(t, src)
	wantDiags(t, ds,
		"t.json:2:3: warning: comment removed (2 comments)",
		"t.json:4:40: warning: trailing comma removed (2 commas)",
	)
	if d.Host != "h" || op(t, d, "A").Pos.Line != 5 {
		t.Errorf("Host %q, op at %v", d.Host, op(t, d, "A").Pos)
	}
}

func TestControlCharacters(t *testing.T) {
	src := "{\"swagger\":\"2.0\",\n" +
		"\"info\":{\"title\":\"a\tb\",\"description\":\"x\ny\",\"version\":\"1\"},\n" +
		"\"paths\":{\"/a\":{\"get\":{\"operationId\":\"A\",\"responses\":{}}}}}"
	d, ds := mustLoad(t, src)
	wantDiags(t, ds, "t.json:2:19: warning: raw control character in string escaped (2 characters)")
	if d.Title != "a\tb" || d.Description != "x\ny" {
		t.Errorf("Title %q Description %q", d.Title, d.Description)
	}
	// The raw line break is escaped; line numbers after it are unchanged.
	if p := op(t, d, "A").Pos; p.Line != 4 {
		t.Errorf("operation at %v, want line 4", p)
	}
}

func TestDuplicateKeys(t *testing.T) {
	src := head + `
"paths":{"/a":{"get":{
  "operationId":"First",
  "x-ms-visibility":"internal",
  "operationId":"Second",
  "responses":{}}}}}`
	d, ds := mustLoad(t, src)
	wantDiags(t, ds, `t.json:3:3: warning: duplicate key "operationId" (the later value at 5:3 wins)`)
	o := op(t, d, "Second")
	if o.Visibility != "internal" {
		t.Errorf("Visibility = %q", o.Visibility)
	}
	if len(d.Paths) != 1 || len(d.Paths[0].Operations) != 1 {
		t.Errorf("paths: %+v", d.Paths)
	}
}

func TestSyntaxErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"missing comma", "{\"swagger\":\"2.0\",\n\"info\":{\"title\":\"t\" \"version\":\"1\"},\n\"paths\":{}}",
			`t.json:2:21: error: invalid JSON: invalid character '"' after object key:value pair`},
		{"extra brace", "{\"swagger\":\"2.0\",\"paths\":{}}}\n",
			`t.json:1:29: error: invalid JSON: invalid character '}' after top-level value`},
		{"after a trailing comma", "{\"a\":[1,2,],\n\"b\":1 \"c\":2}",
			`t.json:2:7: error: invalid JSON: invalid character '"' after object value (expecting ',' or '}')`},
		{"truncated", "{\"swagger\":\"2.0\",\n\"paths\":{",
			`t.json:2:10: error: invalid JSON: unexpected end of JSON input`},
		{"empty", "", `t.json:1:1: error: invalid JSON: unexpected end of JSON input`},
		{"too deep", strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1),
			`t.json:1:1001: error: invalid JSON: nested deeper than 1000 levels`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, ds := load(t, tc.src)
			if d != nil {
				t.Errorf("document returned")
			}
			wantDiags(t, ds, tc.want)
		})
	}
}

func TestVersionErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`{"swagger":"3.0","paths":{}}`, `t.json:1:12: error: unsupported swagger version "3.0" (want "2.0")`},
		{`{"swagger":2.0,"paths":{}}`, `t.json:1:12: error: unsupported swagger version 2.0 (want "2.0")`},
		{`{"openapi":"4.0","paths":{}}`, `t.json:1:12: error: unsupported openapi version "4.0" (want swagger "2.0" or openapi "3.x")`},
		{`{"info":{}}`, `t.json:1:1: error: not an API definition: no "swagger" or "openapi" key`},
		{` [1]`, `t.json:1:2: error: not an API definition: the document is not a JSON object`},
	} {
		d, ds := load(t, tc.src)
		if d != nil {
			t.Errorf("%s: document returned", tc.src)
		}
		wantDiags(t, ds, tc.want)
	}
}

func TestOperationIDs(t *testing.T) {
	src := head + `"paths":{
"/v2/items/{id}":{
  "get":{"responses":{}},
  "put":{"operationId":"Foo","responses":{}}},
"/b":{
  "post":{"operationId":"Foo","responses":{}},
  "get":{"operationId":"GetV2ItemsById","responses":{}}}}}`
	d, ds := mustLoad(t, src)
	wantDiags(t, ds,
		`t.json:3:3: warning: operation GET /v2/items/{id} has no operationId; using "GetV2ItemsById_2"`,
		`t.json:6:25: warning: duplicate operationId "Foo" (first at 4:24); renamed to "Foo_2"`,
	)
	var ids []string
	var derived []bool
	for _, p := range d.Paths {
		for _, o := range p.Operations {
			ids = append(ids, o.OperationID)
			derived = append(derived, o.IDDerived)
		}
	}
	if !slices.Equal(ids, []string{"GetV2ItemsById_2", "Foo", "Foo_2", "GetV2ItemsById"}) ||
		!slices.Equal(derived, []bool{true, false, true, false}) {
		t.Errorf("ids %q derived %v", ids, derived)
	}
}

func TestDeriveOperationID(t *testing.T) {
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/v2/items/{id}", "GetV2ItemsById"},
		{"POST", "/", "PostRoot"},
		{"DELETE", "/users/{user-id}/files/{file_name}.json", "DeleteUsersByUserIdFilesByFileNameJson"},
		{"PATCH", "/a b/ü/x", "PatchABX"},
	} {
		if got := deriveOperationID(tc.method, tc.path); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}

func TestMisspelledExtensions(t *testing.T) {
	src := head + `
"x-ms-capabilities":{"testConnection":{"operationId":"A"}},
"paths":{"/a":{"get":{"operationId":"A","x-ms-visibilty":"Advanced","responses":{},
  "parameters":[{"name":"q","in":"query","type":"string","x-ms-summary:":"Query",
    "x-ms-visibility":"internal","x-ms-visbility":"important"}]}}}}`
	d, ds := mustLoad(t, src)
	wantDiags(t, ds,
		"t.json:3:41: warning: misspelled extension x-ms-visibilty read as x-ms-visibility",
		"t.json:4:58: warning: misspelled extension x-ms-summary: read as x-ms-summary",
		"t.json:5:34: warning: misspelled extension x-ms-visbility ignored: x-ms-visibility is also present",
	)
	o := op(t, d, "A")
	if o.Visibility != "advanced" || o.Parameters[0].Summary != "Query" || o.Parameters[0].Visibility != "internal" {
		t.Errorf("op %+v param %+v", o, o.Parameters[0])
	}
	if d.TestConnection != "A" {
		t.Errorf("TestConnection = %q", d.TestConnection)
	}
}

func TestAnnotationMisspelled(t *testing.T) {
	src := `{"swagger":"2.0","info":{"title":"t","version":"1",
"x-ms-api-annotations":{"status":"Production"}},"paths":{}}`
	d, ds := mustLoad(t, src)
	wantDiags(t, ds, "t.json:2:1: warning: misspelled extension x-ms-api-annotations read as x-ms-api-annotation")
	if d.Status != "production" {
		t.Errorf("Status = %q", d.Status)
	}
}

func TestCanonicalExtension(t *testing.T) {
	var r extResolver
	for _, tc := range []struct{ key, known string }{
		{"x-ms-visibility", "x-ms-visibility"},
		{"x-ms-visibilty", "x-ms-visibility"},
		{"x-ms-visbility", "x-ms-visibility"},
		{"x-ms-visibiltiy", "x-ms-visibility"},
		{"x-ms-summmary", "x-ms-summary"},
		{"x-ms-sumamry", "x-ms-summary"},
		{"x-ms-summary:", "x-ms-summary"},
		{"x-ms  -summary", "x-ms-summary"},
		{"X-MS-Summary", "x-ms-summary"},
		{"x-ms-api-annotations", "x-ms-api-annotation"},
		{"x-ms-dynamic-schemas", "x-ms-dynamic-schema"},
		{"x-ms-summary title", ""},
		{"x-ms-foo-bar", ""},
		{"x-nullable", "x-nullable"},
		{"x-example", ""},
	} {
		if got, _ := r.canonical(tc.key); got != tc.known {
			t.Errorf("canonical(%q) = %q, want %q", tc.key, got, tc.known)
		}
	}
}

func TestEnumLikeValuesLowerCased(t *testing.T) {
	src := `{"swagger":"2.0","info":{"title":"t","version":"1","x-ms-api-annotation":{"status":"Preview"}},
"paths":{"/a":{"get":{"operationId":"A","x-ms-visibility":"Internal","x-ms-trigger":"Batch",
  "x-ms-trigger-hint":"Hint","x-ms-trigger-metadata":{"mode":"polling","kind":"query"},
  "x-ms-api-annotation":{"family":"A","revision":2,"status":"Production"},
  "x-ms-pageable":{"nextLinkName":"@odata.nextLink","itemName":"value"},
  "parameters":[{"name":"p","in":"path","required":true,"type":"string","x-ms-url-encoding":"DOUBLE","x-ms-visibility":"Advanced"}],
  "responses":{}},
 "post":{"operationId":"B","x-ms-visibility":"Hidden","x-ms-pageable":{"nextLinkName":null},"responses":{}}}}}`
	d, ds := mustLoad(t, src)
	wantDiags(t, ds, `t.json:8:46: warning: unknown x-ms-visibility value "Hidden"`)
	a := op(t, d, "A")
	if d.Status != "preview" || a.Visibility != "internal" || a.Trigger != "batch" || a.TriggerHint != "Hint" {
		t.Errorf("status %q op %+v", d.Status, a)
	}
	if string(a.TriggerMetadata) != `{"mode":"polling","kind":"query"}` {
		t.Errorf("TriggerMetadata = %s", a.TriggerMetadata)
	}
	if *a.Annotation != (Annotation{Family: "A", Revision: 2, Status: "production"}) {
		t.Errorf("Annotation = %+v", a.Annotation)
	}
	if *a.Pageable != (Pageable{NextLinkName: "@odata.nextLink", ItemName: "value"}) {
		t.Errorf("Pageable = %+v", a.Pageable)
	}
	if p := a.Parameters[0]; p.URLEncoding != "double" || p.Visibility != "advanced" {
		t.Errorf("param %+v", p)
	}
	if b := op(t, d, "B"); b.Pageable == nil || *b.Pageable != (Pageable{}) {
		t.Errorf("B.Pageable = %+v", b.Pageable)
	}
}

func TestNotificationContentAndEmptyPaths(t *testing.T) {
	src := head + `"paths":{
"/empty":{},
"/hook":{"x-ms-notification-content":{"description":"d","schema":{"$ref":"#/definitions/Event"}}},
"/inline":{"x-ms-notification-content":{"schema":{"type":"object",
  "properties":{"id":{"type":"string","x-ms-visibility":"Internal","x-ms-summary":"Id"}}}}},
"/sub":{"post":{"operationId":"Sub","parameters":[{"name":"b","in":"body","schema":{"type":"object",
  "properties":{"url":{"type":"string","x-ms-notification-url":true,"x-ms-visibility":"internal"}}}}],"responses":{}}}},
"definitions":{"Event":{"type":"object"}}}`
	d, ds := mustLoad(t, src)
	wantDiags(t, ds)
	if len(d.Paths) != 4 || d.Paths[0].Path != "/empty" || d.Paths[0].Operations != nil || d.Paths[0].NotificationContent != nil {
		t.Fatalf("paths: %+v", d.Paths)
	}
	hook := d.Paths[1].NotificationContent
	if hook == nil || hook.Description != "d" || hook.Schema != def(t, d, "Event") || hook.Pos.Line != 3 {
		t.Errorf("hook: %+v", hook)
	}
	in := d.Paths[2].NotificationContent
	if in == nil || in.Schema == nil || in.Schema.Type != "object" || len(in.Schema.Properties) != 1 {
		t.Fatalf("inline: %+v", in)
	}
	if p := in.Schema.Properties[0]; p.Name != "id" || p.Schema.Visibility != "internal" || p.Schema.Summary != "Id" || p.Pos != (diag.Pos{File: "t.json", Line: 5, Col: 17}) {
		t.Errorf("inline property: %+v %+v", p, p.Schema)
	}
	url := op(t, d, "Sub").Parameters[0].Schema.Properties[0].Schema
	if !url.NotificationURL || url.Visibility != "internal" {
		t.Errorf("url: %+v", url)
	}
}

func TestNotificationContentMissingRef(t *testing.T) {
	src := head + `"paths":{
"/hook":{"x-ms-notification-content":{"schema":{"$ref":"#/definitions/Nope"}}}}}`
	d, ds := load(t, src)
	if d != nil {
		t.Error("document returned")
	}
	wantDiags(t, ds, `t.json:2:56: error: unresolved reference "#/definitions/Nope"`)
}

func TestMissingRef(t *testing.T) {
	src := head + `"paths":{
"/a":{"get":{"responses":{"200":{"description":"ok",
  "schema":{"$ref":"#/definitions/Missing"}}}}}}}`
	d, ds := load(t, src)
	if d != nil {
		t.Error("document returned")
	}
	wantDiags(t, ds, `t.json:3:20: error: unresolved reference "#/definitions/Missing"`)
}

func TestRecursiveSchema(t *testing.T) {
	src := head + `"paths":{"/n":{"get":{"operationId":"N","responses":{"200":{"description":"ok","schema":{"$ref":"#/definitions/Node"}}}}}},
"definitions":{
  "Node":{"type":"object","required":["self"],"properties":{
    "children":{"type":"array","items":{"$ref":"#/definitions/Node"}},
    "self":{"$ref":"#/definitions/Node"},
    "other":{"$ref":"#/definitions/A"}}},
  "A":{"type":"object","properties":{"b":{"$ref":"#/definitions/B"}}},
  "B":{"type":"object","required":["a"],"properties":{"a":{"$ref":"#/definitions/A"}}}}}`
	d, ds := mustLoad(t, src)
	wantDiags(t, ds)
	node := def(t, d, "Node")
	if node.Ref != "#/definitions/Node" || node.Pos != (diag.Pos{File: "t.json", Line: 3, Col: 3}) {
		t.Errorf("Node: %+v", node)
	}
	if node.Properties[0].Schema.Items != node || node.Properties[1].Schema != node {
		t.Error("Node is not a pointer cycle")
	}
	a, b := def(t, d, "A"), def(t, d, "B")
	if node.Properties[2].Schema != a || a.Properties[0].Schema != b || b.Properties[0].Schema != a {
		t.Error("A/B are not a pointer cycle")
	}
	if op(t, d, "N").Responses[0].Schema != node {
		t.Error("response schema is not the definition")
	}
}

func TestParameterMergeAndRefs(t *testing.T) {
	src := head + `"paths":{"/items/{id}":{
 "parameters":[{"$ref":"#/parameters/Id"},{"name":"q","in":"query","type":"string"}],
 "get":{"operationId":"G","parameters":[
   {"name":"q","in":"query","type":"integer","required":true},
   {"name":"body","in":"body","schema":{"$ref":"#/definitions/Item"}}],"responses":{}},
 "delete":{"operationId":"D","responses":{}}}},
"parameters":{"Id":{"name":"id","in":"path","required":true,"type":"string","x-ms-url-encoding":"double","x-ms-summary":"Item id"}},
"definitions":{"Item":{"type":"object"}}}`
	d, ds := mustLoad(t, src)
	wantDiags(t, ds)
	g := op(t, d, "G")
	var got []string
	for _, p := range g.Parameters {
		got = append(got, p.Name+"/"+p.In+"/"+p.Type+"/"+p.Ref)
	}
	if !slices.Equal(got, []string{"id/path/string/#/parameters/Id", "q/query/integer/", "body/body//"}) {
		t.Errorf("G parameters %q", got)
	}
	id := g.Parameters[0]
	if !id.Required || id.URLEncoding != "double" || id.Summary != "Item id" || id.Pos.Line != 7 {
		t.Errorf("id: %+v", id)
	}
	if !g.Parameters[1].Required || g.Parameters[1].Pos.Line != 4 {
		t.Errorf("q: %+v", g.Parameters[1])
	}
	if g.Parameters[2].Schema != def(t, d, "Item") {
		t.Error("body schema is not the definition")
	}
	var dn []string
	for _, p := range op(t, d, "D").Parameters {
		dn = append(dn, p.Name+"/"+p.Type)
	}
	if !slices.Equal(dn, []string{"id/string", "q/string"}) {
		t.Errorf("D parameters %q", dn)
	}
}

func TestParameterValues(t *testing.T) {
	src := head + `"paths":{"/a":{"get":{"operationId":"A","parameters":[
  {"name":"e","in":"query","type":"string","enum":[1,"a",true,null,2.50],"default":2.50,"format":"f"},
  {"name":"arr","in":"query","type":"array","collectionFormat":"multi","items":{"type":"integer","format":"int32","enum":[1,2]}},
  {"name":"f","in":"formData","type":"file","x-ms-dynamic-values":{"operationId":"X","value-path":"id"},
   "x-ms-dynamic-list":{"operationId":"Y"},"x-ms-dynamic-schema":{"operationId":"Z"},"x-ms-dynamic-properties":{"a":1},
   "x-ms-dynamic-tree":{"settings":{}},"x-ms-trigger-value":{"value-path":"v"}}],"responses":{}}}}}`
	d, ds := mustLoad(t, src)
	wantDiags(t, ds)
	ps := op(t, d, "A").Parameters
	e := ps[0]
	if !reflect.DeepEqual(e.Enum, []any{json.Number("1"), "a", true, nil, json.Number("2.50")}) || e.Default != json.Number("2.50") || !e.HasDefault || e.Format != "f" {
		t.Errorf("e: %#v", e)
	}
	arr := ps[1]
	if arr.CollectionFormat != "multi" || arr.Items == nil || arr.Items.Type != "integer" || arr.Items.Format != "int32" ||
		!reflect.DeepEqual(arr.Items.Enum, []any{json.Number("1"), json.Number("2")}) || arr.HasDefault {
		t.Errorf("arr: %+v items %+v", arr, arr.Items)
	}
	f := ps[2]
	for got, want := range map[string]string{
		string(f.DynamicValues):     `{"operationId":"X","value-path":"id"}`,
		string(f.DynamicList):       `{"operationId":"Y"}`,
		string(f.DynamicSchema):     `{"operationId":"Z"}`,
		string(f.DynamicProperties): `{"a":1}`,
		string(f.DynamicTree):       `{"settings":{}}`,
		string(f.TriggerValue):      `{"value-path":"v"}`,
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	if f.Type != "file" || f.In != "formData" {
		t.Errorf("f: %+v", f)
	}
}

func TestResponsesSecurityAndOperationFields(t *testing.T) {
	src := `{"swagger":"2.0","info":{"title":"t","version":"1"},"host":"api.example.com","basePath":"/v1",
"schemes":["HTTPS","http"],"consumes":["application/json"],"produces":["application/json"],
"securityDefinitions":{
  "key":{"type":"apiKey","name":"X-Key","in":"header"},
  "oauth":{"type":"oauth2","flow":"accessCode","authorizationUrl":"https://a","tokenUrl":"https://t","scopes":{"read":"r","write":"w"}}},
"security":[{"key":[]},{"oauth":["read"]},{}],
"paths":{"/a":{
 "post":{"operationId":"P","deprecated":true,"tags":["x"],"summary":"S","description":"D","consumes":["multipart/form-data"],"security":[],
  "responses":{"default":{"description":"err"},"200":{"description":"ok","headers":{"Location":{"type":"string"},"Retry-After":{"type":"integer"}}},"404":{"description":"nf"}}},
 "get":{"operationId":"G","security":[{"oauth":["write"]}],"responses":{"200":{"description":"ok"}}},
 "put":{"operationId":"U","responses":{}}}}}`
	d, ds := mustLoad(t, src)
	wantDiags(t, ds)
	if d.Host != "api.example.com" || d.BasePath != "/v1" || !slices.Equal(d.Schemes, []string{"https", "http"}) {
		t.Errorf("doc: %+v", d)
	}
	if !reflect.DeepEqual(d.Security, [][]string{{"key"}, {"oauth"}, {}}) {
		t.Errorf("Security = %q", d.Security)
	}
	if len(d.SecurityDefinitions) != 2 {
		t.Fatalf("SecurityDefinitions = %+v", d.SecurityDefinitions)
	}
	k, o := d.SecurityDefinitions[0], d.SecurityDefinitions[1]
	if k.Key != "key" || k.Type != "apiKey" || k.Name != "X-Key" || k.In != "header" || k.Pos.Line != 4 {
		t.Errorf("key: %+v", k)
	}
	if o.Flow != "accessCode" || o.AuthorizationURL != "https://a" || o.TokenURL != "https://t" || !slices.Equal(o.Scopes, []string{"read", "write"}) {
		t.Errorf("oauth: %+v", o)
	}
	var methods []string
	for _, op := range d.Paths[0].Operations {
		methods = append(methods, op.Method)
	}
	if !slices.Equal(methods, []string{"POST", "GET", "PUT"}) {
		t.Errorf("methods in source order: %q", methods)
	}
	p := op(t, d, "P")
	if !p.Deprecated || p.Summary != "S" || p.Description != "D" || !slices.Equal(p.Tags, []string{"x"}) ||
		!slices.Equal(p.Consumes, []string{"multipart/form-data"}) || !slices.Equal(p.Produces, []string{"application/json"}) ||
		!p.HasSecurity || p.Security == nil || len(p.Security) != 0 || p.Path != "/a" {
		t.Errorf("P: %+v", p)
	}
	var codes []string
	for _, r := range p.Responses {
		codes = append(codes, r.Code+":"+r.Description)
	}
	if !slices.Equal(codes, []string{"default:err", "200:ok", "404:nf"}) || !slices.Equal(p.Responses[1].Headers, []string{"Location", "Retry-After"}) {
		t.Errorf("responses %q headers %q", codes, p.Responses[1].Headers)
	}
	if g := op(t, d, "G"); !g.HasSecurity || !reflect.DeepEqual(g.Security, [][]string{{"oauth"}}) {
		t.Errorf("G security: %v %q", g.HasSecurity, g.Security)
	}
	if u := op(t, d, "U"); u.HasSecurity || u.Security != nil || !slices.Equal(u.Consumes, []string{"application/json"}) {
		t.Errorf("U: %+v", u)
	}
}

func TestSchemaFields(t *testing.T) {
	src := head + `"paths":{},"definitions":{
"Pet":{"type":"object","discriminator":"kind","required":["kind"],"title":"T","description":"D",
  "x-ms-summary":"Pet","x-ms-dynamic-schema":{"operationId":"S"},"x-ms-dynamic-properties":{"p":1},
  "properties":{
    "kind":{"type":"string","enum":["cat","dog"],"default":"cat","readOnly":true,"x-nullable":true},
    "tags":{"type":"object","additionalProperties":{"type":"string"}},
    "any":{"type":"object","additionalProperties":true},
    "n":{"type":"number","format":"double","x-ms-visibility":"Advanced"}}},
"Cat":{"allOf":[{"$ref":"#/definitions/Pet"},{"type":"object","properties":{"meow":{"type":"boolean"}}}]},
"Alias":{"$ref":"#/definitions/Cat"}}}`
	d, ds := mustLoad(t, src)
	wantDiags(t, ds)
	pet := def(t, d, "Pet")
	if pet.Type != "object" || pet.Discriminator != "kind" || !slices.Equal(pet.Required, []string{"kind"}) || pet.Title != "T" ||
		pet.Description != "D" || pet.Summary != "Pet" || string(pet.DynamicSchema) != `{"operationId":"S"}` || string(pet.DynamicProperties) != `{"p":1}` {
		t.Errorf("Pet: %+v", pet)
	}
	var names []string
	for _, p := range pet.Properties {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"kind", "tags", "any", "n"}) {
		t.Errorf("property order %q", names)
	}
	kind := pet.Properties[0].Schema
	if !reflect.DeepEqual(kind.Enum, []any{"cat", "dog"}) || kind.Default != "cat" || !kind.HasDefault || !kind.ReadOnly || !kind.Nullable {
		t.Errorf("kind: %+v", kind)
	}
	if tags := pet.Properties[1].Schema; tags.AdditionalProperties == nil || tags.AdditionalProperties.Type != "string" || tags.AdditionalPropertiesTrue {
		t.Errorf("tags: %+v", tags)
	}
	if anyS := pet.Properties[2].Schema; anyS.AdditionalProperties != nil || !anyS.AdditionalPropertiesTrue {
		t.Errorf("any: %+v", anyS)
	}
	if n := pet.Properties[3].Schema; n.Format != "double" || n.Visibility != "advanced" {
		t.Errorf("n: %+v", n)
	}
	cat := def(t, d, "Cat")
	if len(cat.AllOf) != 2 || cat.AllOf[0] != pet || cat.AllOf[1].Properties[0].Name != "meow" {
		t.Errorf("Cat: %+v", cat)
	}
	if alias := def(t, d, "Alias"); len(alias.AllOf) != 1 || alias.AllOf[0] != cat || alias.Ref != "#/definitions/Alias" {
		t.Errorf("Alias: %+v", alias)
	}
}

func TestOpenAPI3(t *testing.T) {
	src := `{"openapi":"3.0.1","info":{"title":"t","version":"1"},"servers":[{"url":"https://api.example.com/v1/"}],
"paths":{"/a/{id}":{
 "parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}],
 "post":{"operationId":"P","x-ms-visibility":"Important","requestBody":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Item"}}}},
  "parameters":[{"name":"tags","in":"query","schema":{"type":"array","items":{"type":"string"}}}],
  "responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":"array","items":{"$ref":"#/components/schemas/Item"}}}}}}},
 "put":{"operationId":"F","requestBody":{"content":{"multipart/form-data":{"schema":{"type":"object","required":["file"],
   "properties":{"file":{"type":"string","format":"binary"},"name":{"type":"string","description":"N"}}}}}},
  "responses":{"204":{"description":"none"}}}}},
"components":{"schemas":{"Item":{"type":"object","nullable":true,"properties":{"id":{"type":"string"}}}},
 "securitySchemes":{"b":{"type":"http","scheme":"bearer"},"basic":{"type":"http","scheme":"basic"},
  "k":{"type":"apiKey","name":"X-Key","in":"header"},
  "o":{"type":"oauth2","flows":{"authorizationCode":{"authorizationUrl":"https://a","tokenUrl":"https://t","scopes":{"read":"r"}}}}}},
"security":[{"b":[]}]}`
	d, ds := mustLoad(t, src)
	wantDiags(t, ds)
	if d.Version != "3.0.1" || d.Host != "api.example.com" || d.BasePath != "/v1" || !slices.Equal(d.Schemes, []string{"https"}) {
		t.Errorf("doc: %+v", d)
	}
	item := def(t, d, "Item")
	if item.Ref != "#/components/schemas/Item" || !item.Nullable || item.Properties[0].Name != "id" {
		t.Errorf("Item: %+v", item)
	}
	p := op(t, d, "P")
	var got []string
	for _, x := range p.Parameters {
		got = append(got, x.Name+"/"+x.In+"/"+x.Type+"/"+x.CollectionFormat)
	}
	if !slices.Equal(got, []string{"id/path/string/", "tags/query/array/multi", "body/body//"}) {
		t.Errorf("P parameters %q", got)
	}
	if body := p.Parameters[2]; body.Schema != item || !body.Required || p.Parameters[1].Items.Type != "string" {
		t.Errorf("body: %+v", body)
	}
	if !slices.Equal(p.Consumes, []string{"application/json"}) || !slices.Equal(p.Produces, []string{"application/json"}) || p.Visibility != "important" {
		t.Errorf("P: %+v", p)
	}
	if r := p.Responses[0]; r.Code != "200" || r.Schema == nil || r.Schema.Items != item {
		t.Errorf("response: %+v", r)
	}
	f := op(t, d, "F")
	got = nil
	for _, x := range f.Parameters {
		got = append(got, x.Name+"/"+x.In+"/"+x.Type+"/"+x.Description)
	}
	if !slices.Equal(got, []string{"id/path/string/", "file/formData/file/", "name/formData/string/N"}) || !f.Parameters[1].Required || f.Parameters[2].Required {
		t.Errorf("F parameters %q", got)
	}
	var schemes []string
	for _, s := range d.SecurityDefinitions {
		schemes = append(schemes, s.Key+":"+s.Type+":"+s.Name+":"+s.In+":"+s.Scheme+":"+s.Flow)
	}
	if !slices.Equal(schemes, []string{"b:apiKey:Authorization:header:bearer:", "basic:basic:::basic:", "k:apiKey:X-Key:header::", "o:oauth2::::accessCode"}) {
		t.Errorf("security schemes %q", schemes)
	}
	if o := d.SecurityDefinitions[3]; o.AuthorizationURL != "https://a" || o.TokenURL != "https://t" || !slices.Equal(o.Scopes, []string{"read"}) {
		t.Errorf("oauth: %+v", o)
	}
	if !reflect.DeepEqual(d.Security, [][]string{{"b"}}) {
		t.Errorf("Security %q", d.Security)
	}
}

func TestOpenAPI31TypeArrays(t *testing.T) {
	src := `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{},
"components":{"schemas":{"S":{"type":["string","null"]},"N":{"type":["null"]},"M":{"type":["integer","string"]}}}}`
	d, ds := mustLoad(t, src)
	wantDiags(t, ds)
	if s := def(t, d, "S"); s.Type != "string" || !s.Nullable {
		t.Errorf("S: %+v", s)
	}
	if s := def(t, d, "N"); s.Type != "null" {
		t.Errorf("N: %+v", s)
	}
	if s := def(t, d, "M"); s.Type != "integer" || s.Nullable {
		t.Errorf("M: %+v", s)
	}
}

func TestSplitServerURL(t *testing.T) {
	for _, tc := range []struct{ url, scheme, host, base string }{
		{"https://h.example.com/v1/", "https", "h.example.com", "/v1"},
		{"HTTP://{tenant}.example.com", "http", "{tenant}.example.com", ""},
		{"/api", "", "", "/api"},
		{"https://h/", "https", "h", "/"},
	} {
		s, h, b := splitServerURL(tc.url)
		if s != tc.scheme || h != tc.host || b != tc.base {
			t.Errorf("%s: %q %q %q", tc.url, s, h, b)
		}
	}
}

func TestBugCheck(t *testing.T) {
	var ds diag.List
	func() {
		defer func() { bugCheck("f.json", recover(), &ds) }()
		var m map[string]int
		m["x"] = 1
	}()
	wantDiags(t, diagStrings(ds), "f.json: error: connectorgen bug: assignment to entry in nil map (in github.com/connectorgen/connectorgen/generator/spec.TestBugCheck.func1)")
	if bugCheck("f.json", nil, &ds) || len(ds) != 1 {
		t.Error("bugCheck(nil) reported something")
	}
}

func TestLoadDoesNotModifyInput(t *testing.T) {
	src := []byte("\ufeff" + head + `"paths":{"/a":{"get":{"operationId":"A","operationId":"B","responses":{},}}}}`)
	orig := slices.Clone(src)
	if d, _ := Load("t.json", src); d == nil {
		t.Fatal("Load failed")
	}
	if !slices.Equal(src, orig) {
		t.Error("Load modified its input")
	}
	src = []byte(head + `"paths":{"/a":{"get":{"operationId":"A","operationId":"B","responses":{}}}}}`)
	orig = slices.Clone(src)
	Load("t.json", src)
	if !slices.Equal(src, orig) {
		t.Error("Load modified its input (duplicates only)")
	}
}

func TestSharedResponse(t *testing.T) {
	src := head + `"paths":{"/a":{"get":{"operationId":"A","responses":{"404":{"$ref":"#/responses/NotFound"}}}}},
"responses":{"NotFound":{"description":"nf","headers":{"X-Trace":{"type":"string"}},"schema":{"$ref":"#/definitions/Err"}}},
"definitions":{"Err":{"type":"object"}}}`
	d, ds := mustLoad(t, src)
	wantDiags(t, ds)
	r := op(t, d, "A").Responses[0]
	if r.Code != "404" || r.Description != "nf" || !slices.Equal(r.Headers, []string{"X-Trace"}) || r.Schema != def(t, d, "Err") {
		t.Errorf("response: %+v", r)
	}
}

func TestStructuralProblems(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		ok        bool
		want      []string
	}{
		{"info and paths not objects", `{"swagger":"2.0","info":5,"paths":[]}`, true, []string{
			`t.json:1:25: warning: "info" is not an object; ignored`,
			`t.json:1:35: warning: "paths" is not an object; ignored`,
		}},
		{"no info, no paths", `{"swagger":"2.0"}`, true, []string{
			`t.json:1:1: warning: no "info" object`,
			`t.json:1:1: warning: no "paths" object`,
		}},
		{"operation not an object", head + `"paths":{"/a":{"get":5}}}`, true, []string{
			`t.json:1:74: warning: operation GET /a is not an object; ignored`,
		}},
		{"missing shared parameter", head + `"paths":{"/a":{"get":{"parameters":[{"$ref":"#/parameters/Nope"}],"responses":{}}}}}`, false, []string{
			`t.json:1:97: error: unresolved reference "#/parameters/Nope"`,
		}},
		{"external reference", head + `"paths":{},"definitions":{"A":{"$ref":"other.json#/X"}}}`, false, []string{
			`t.json:1:91: error: unresolved reference "other.json#/X" (only references within the document are supported)`,
		}},
		{"parameters not an array", head + `"paths":{"/a":{"get":{"operationId":"A","parameters":5,"responses":{}}}}}`, false, []string{
			`t.json:1:106: error: array build failed, input is not an array, line 1, column 106`,
		}},
		{"schema not an object", head + `"paths":{},"definitions":{"A":5}}`, true, []string{
			`t.json:1:83: warning: schema is not an object; ignored`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, ds := load(t, tc.src)
			if (d != nil) != tc.ok {
				t.Errorf("document returned: %v, want %v", d != nil, tc.ok)
			}
			wantDiags(t, ds, tc.want...)
		})
	}
}

package lower_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/lower"
	"github.com/connectorgen/connectorgen/generator/spec"
)

func lowerDoc(t *testing.T, swagger string) (*ir.Package, string) {
	t.Helper()
	doc, ds := spec.Load("test.json", []byte(swagger))
	if doc == nil {
		t.Fatalf("load: %v", ds)
	}
	pkg, more := lower.Lower(&spec.Connector{Name: "Test Connector", API: doc}, lower.Options{})
	ds.Append(more)
	var b strings.Builder
	ds.Sort().Print(&b)
	return pkg, b.String()
}

const triggers = `{
  "swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "example.com",
  "paths": {
    "/items": {"get": {"operationId": "OnNewItems", "x-ms-trigger": "batch",
      "responses": {"200": {"description": "ok", "schema": {"type": "array", "items": {"type": "string"}}}}}},
    "/one": {"get": {"operationId": "OnOne", "x-ms-trigger": "single",
      "responses": {"200": {"description": "ok", "schema": {"type": "object"}}}}},
    "/hooks": {
      "x-ms-notification-content": {"schema": {"type": "object", "properties": {"id": {"type": "string"}}}},
      "post": {"operationId": "OnHook", "x-ms-trigger": "single",
        "parameters": [{"name": "body", "in": "body", "required": true, "schema": {"type": "object",
          "properties": {"url": {"type": "string", "x-ms-notification-url": true, "x-ms-visibility": "internal"}}}}],
        "responses": {"201": {"description": "created"}}}},
    "/nested": {"post": {"operationId": "OnNested", "x-ms-trigger": "single",
        "parameters": [{"name": "body", "in": "body", "schema": {"type": "object",
          "properties": {"config": {"type": "object", "properties": {"callback": {"type": "string", "x-ms-notification-url": true}}}}}}],
        "responses": {"201": {"description": "created"}}}},
    "/act": {"get": {"operationId": "DoIt", "responses": {"200": {"description": "ok"}}}}
  }
}`

func TestTriggerClassification(t *testing.T) {
	pkg, _ := lowerDoc(t, triggers)
	want := map[string]struct {
		mode  ir.TriggerMode
		batch bool
	}{
		"OnNewItems": {ir.Polling, true},
		"OnOne":      {ir.Polling, false},
		"OnHook":     {ir.Webhook, false}, // notification content and URL property
		"OnNested":   {ir.Webhook, false}, // URL property nested in the body
	}
	if len(pkg.Triggers) != len(want) {
		t.Fatalf("got %d triggers, want %d", len(pkg.Triggers), len(want))
	}
	for _, tr := range pkg.Triggers {
		w, ok := want[tr.OperationID]
		if !ok || tr.Mode != w.mode || tr.Batch != w.batch {
			t.Errorf("%s: mode %v batch %v, want %v %v", tr.OperationID, tr.Mode, tr.Batch, w.mode, w.batch)
		}
		if tr.Setup == nil || tr.Setup.Op.ID != tr.OperationID {
			t.Errorf("%s: no setup request", tr.OperationID)
		}
	}
	if len(pkg.Actions) != 1 || pkg.Actions[0].GoName != "DoIt" {
		t.Errorf("actions = %v, want only DoIt", pkg.Actions)
	}
}

const params = `{
  "swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "example.com", "basePath": "/v1/",
  "paths": {"/items/{id}": {"post": {"operationId": "update-item",
    "parameters": [
      {"name": "id", "in": "path", "required": true, "type": "string", "x-ms-url-encoding": "double"},
      {"name": "id", "in": "query", "type": "integer"},
      {"name": "Content-Type", "in": "header", "required": true, "type": "string", "default": "application/json", "x-ms-visibility": "internal"},
      {"name": "api-version", "in": "query", "required": true, "type": "string", "default": "2024-01-01"},
      {"name": "mode", "in": "query", "required": true, "type": "string", "enum": ["fast", "-slow", "<="]},
      {"name": "body", "in": "body", "required": true, "schema": {"type": "object", "required": ["events"],
        "properties": {"events": {"type": "array", "items": {"type": "string"}, "default": ["push"], "x-ms-visibility": "internal"},
                       "kind": {"type": "string", "default": "web", "x-ms-visibility": "internal"},
                       "name": {"type": "string"}}}}
    ],
    "responses": {"201": {"description": "created", "schema": {"$ref": "#/definitions/Item"}}}}}},
  "definitions": {"Item": {"type": "object", "properties": {
    "id": {"type": "string"}, "Id": {"type": "integer"}, "created": {"type": "string", "format": "date-time"},
    "parent": {"$ref": "#/definitions/Item"}, "children": {"type": "array", "items": {"$ref": "#/definitions/Item"}}}}}
}`

func TestParametersAndTypes(t *testing.T) {
	pkg, diags := lowerDoc(t, params)
	if pkg.BaseURL != "https://example.com/v1" {
		t.Errorf("BaseURL = %q", pkg.BaseURL)
	}
	if len(pkg.Actions) != 1 {
		t.Fatalf("want 1 action, got %d", len(pkg.Actions))
	}
	a := pkg.Actions[0]
	if a.GoName != "UpdateItem" {
		t.Errorf("GoName = %q", a.GoName)
	}
	got := map[string]string{}
	for _, p := range a.Op.Params {
		exp := map[ir.Exposure]string{ir.Positional: "positional", ir.Optional: "optional", ir.Hidden: "hidden"}[p.Exposure]
		got[p.In+":"+p.Name] = exp + " " + p.GoName
	}
	want := map[string]string{
		"path:id":             "positional id",       // path wins the name
		"query:id":            "optional IDQuery",    // clash resolved by location, not order
		"header:Content-Type": "hidden ",             // internal with default: filled by the runtime
		"query:api-version":   "optional APIVersion", // required, but its default satisfies it
		"query:mode":          "positional mode",
		"body:body":           "positional body",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
	if !a.Op.Params[0].DoubleEncode {
		t.Error("x-ms-url-encoding: double not recorded")
	}
	if string(a.Op.BodyDefault) != `{"events":["push"],"kind":"web"}` {
		t.Errorf("BodyDefault = %s", a.Op.BodyDefault)
	}
	if a.Result == nil || a.Result.Name != "Item" || !a.Result.Struct {
		t.Errorf("result = %+v, want the Item struct", a.Result)
	}
	types := map[string]*ir.Type{}
	for _, ty := range pkg.Types {
		types[ty.GoName] = ty
	}
	item := types["Item"]
	if item == nil {
		t.Fatal("no Item type")
	}
	fields := map[string]*ir.Field{}
	for _, f := range item.Fields {
		fields[f.JSONName] = f
	}
	// "Id" sorts before "id", so it claims ID; the rule depends on names, not order.
	if fields["Id"].GoName != "ID" || fields["id"].GoName != "ID2" {
		t.Errorf("clash: Id→%s id→%s", fields["Id"].GoName, fields["id"].GoName)
	}
	if !strings.Contains(diags, "field name ID is taken; using ID2") {
		t.Errorf("no warning for the renamed field:\n%s", diags)
	}
	if f := fields["parent"]; f.Type.Kind != ir.Pointer || f.Type.Elem.Name != "Item" {
		t.Errorf("recursive field parent: %+v", f.Type)
	}
	if f := fields["created"]; f.Type.Name != "DateTime" || !f.Opt {
		t.Errorf("date-time field: %+v opt=%v", f.Type, f.Opt)
	}
	mode := types["UpdateItemMode"]
	if mode == nil || mode.Kind != ir.EnumType {
		t.Fatalf("no enum type UpdateItemMode: %v", types)
	}
	var consts []string
	for _, v := range mode.Values {
		consts = append(consts, v.GoName)
	}
	if got, want := strings.Join(consts, " "), "UpdateItemModeFast UpdateItemModeMinusSlow UpdateItemModeLtEq"; got != want {
		t.Errorf("enum constants = %s, want %s", got, want)
	}
	req := types["UpdateItemRequest"]
	if req == nil {
		t.Fatal("no UpdateItemRequest type")
	}
	for _, f := range req.Fields {
		// Internal properties with defaults are never sent as zero values.
		if (f.JSONName == "events" && !f.OmitNil) || (f.JSONName == "kind" && !f.Opt) {
			t.Errorf("internal default field %s would be sent as a zero value", f.JSONName)
		}
	}
}

// TestNamesIndependentOfOrder lowers the same definitions in two orders and
// expects the same names.
func TestNamesIndependentOfOrder(t *testing.T) {
	a := `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {},
	  "definitions": {"user_id": {"type": "object", "properties": {"a": {"type": "string"}}},
	                  "UserID": {"type": "object", "properties": {"b": {"type": "string"}}}}}`
	b := `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {},
	  "definitions": {"UserID": {"type": "object", "properties": {"b": {"type": "string"}}},
	                  "user_id": {"type": "object", "properties": {"a": {"type": "string"}}}}}`
	names := func(doc string) map[string]string {
		pkg, _ := lowerDoc(t, doc)
		out := map[string]string{}
		for _, ty := range pkg.Types {
			out[ty.Source] = ty.GoName
		}
		return out
	}
	na, nb := names(a), names(b)
	if na["#/definitions/UserID"] != nb["#/definitions/UserID"] || na["#/definitions/user_id"] != nb["#/definitions/user_id"] {
		t.Errorf("names depend on order: %v vs %v", na, nb)
	}
	if na["#/definitions/UserID"] != "UserID" || na["#/definitions/user_id"] != "UserIDModel" {
		t.Errorf("names = %v", na)
	}
}

func TestNoHostWarns(t *testing.T) {
	pkg, diags := lowerDoc(t, `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}}`)
	if pkg.BaseURL != "https://localhost" {
		t.Errorf("BaseURL = %q", pkg.BaseURL)
	}
	if !strings.Contains(diags, "test.json:1:1: warning: the definition has no host") {
		t.Errorf("no positioned warning for the missing host:\n%s", diags)
	}
}

const events = `{
  "swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "example.com",
  "paths": {
    "/a": {"get": {"operationId": "BatchArray", "x-ms-trigger": "batch",
      "responses": {"200": {"description": "ok", "schema": {"type": "array", "items": {"$ref": "#/definitions/Item"}}}}}},
    "/b": {"get": {"operationId": "BatchValue", "x-ms-trigger": "batch",
      "responses": {"200": {"description": "ok", "schema": {"type": "object", "properties": {
        "tags": {"type": "array", "items": {"type": "string"}},
        "value": {"type": "array", "items": {"$ref": "#/definitions/Item"}}}}}}}},
    "/c": {"get": {"operationId": "BatchOnlyArray", "x-ms-trigger": "batch",
      "responses": {"200": {"description": "ok", "schema": {"type": "object", "properties": {
        "count": {"type": "integer"}, "envelopes": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}}}}}}}},
    "/d": {"get": {"operationId": "BatchNoArray", "x-ms-trigger": "batch",
      "responses": {"200": {"description": "ok", "schema": {"type": "object", "properties": {"a": {"type": "array"}, "b": {"type": "array"}}}}}}},
    "/e": {"get": {"operationId": "Single", "x-ms-trigger": "single",
      "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Item"}}}}},
    "/hooks": {
      "x-ms-notification-content": {"schema": {"$ref": "#/definitions/Hook"}},
      "post": {"operationId": "OnHook", "x-ms-trigger": "single",
        "parameters": [{"name": "body", "in": "body", "schema": {"type": "object", "properties": {"url": {"type": "string", "x-ms-notification-url": true}}}}],
        "responses": {"201": {"description": "created", "schema": {"type": "object", "properties": {"id": {"type": "string"}}}}}}}
  },
  "definitions": {
    "Item": {"type": "object", "properties": {"id": {"type": "string"}}},
    "Hook": {"type": "object", "properties": {"event": {"type": "string"}}}
  }
}`

func TestTriggerEvents(t *testing.T) {
	pkg, diags := lowerDoc(t, events)
	want := map[string]struct {
		event string
		split bool
		path  string
	}{
		"BatchArray":     {"Item", true, ""},
		"BatchValue":     {"Item", true, "value"},                                    // "value" wins over other arrays
		"BatchOnlyArray": {"BatchOnlyArrayResponseEnvelopesItem", true, "envelopes"}, // the single array property
		"BatchNoArray":   {"BatchNoArrayResponse", false, ""},                        // nothing to split: whole body, with a warning
		"Single":         {"Item", false, ""},
		"OnHook":         {"Hook", false, ""}, // x-ms-notification-content, not the subscribe response
	}
	for _, tr := range pkg.Triggers {
		w := want[tr.OperationID]
		got := ""
		if tr.Event != nil {
			got = tr.Event.Name
		}
		if got != w.event || tr.Split != w.split || strings.Join(tr.SplitPath, ".") != w.path {
			t.Errorf("%s: event %q split %v path %q; want %q %v %q", tr.OperationID, got, tr.Split, strings.Join(tr.SplitPath, "."), w.event, w.split, w.path)
		}
	}
	if !strings.Contains(diags, "batch trigger BatchNoArray: its response has no array to split") {
		t.Errorf("no warning for the batch trigger without an array:\n%s", diags)
	}
}

// TestTriggerDataPath: the pollingtrigger policy's triggerDataPath names the
// array of a batch trigger, ahead of the generic rule ("value" here).
func TestTriggerDataPath(t *testing.T) {
	doc, ds := spec.Load("api.json", []byte(`{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "h",
	  "paths": {"/trigger/items": {"get": {"operationId": "OnNew", "x-ms-trigger": "batch",
	    "responses": {"200": {"description": "ok", "schema": {"type": "object", "properties": {
	      "value": {"type": "array", "items": {"type": "string"}},
	      "data": {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}}}}}}}}}}}}}}`))
	if doc == nil {
		t.Fatal(ds)
	}
	props, ds := spec.LoadProperties("props.json", []byte(`{"properties": {"policyTemplateInstances": [
	  {"templateId": "pollingtrigger", "title": "p", "parameters": {
	    "x-ms-apimTemplate-operationName": ["OnNew"],
	    "x-ms-apimTemplateParameter.triggerConfig": {"since": "@{triggerBody().data.items[0].id}"},
	    "x-ms-apimTemplateParameter.triggerDataPath": "@triggerBody().data.items"}}]}}`))
	if props == nil {
		t.Fatal(ds)
	}
	pkg, _ := lower.Lower(&spec.Connector{Name: "x", API: doc, Properties: props}, lower.Options{})
	tr := pkg.Triggers[0]
	if !tr.Split || strings.Join(tr.SplitPath, ".") != "data.items" || tr.Event == nil || tr.Event.Name != "OnNewResponseDataItemsItem" {
		t.Errorf("split %v path %v event %+v; want data.items and the item struct", tr.Split, tr.SplitPath, tr.Event)
	}
}

// The callback URL is the runtime's to fill (Listener.Subscribe): it is
// never a field, objects holding only it go too, and a body left with
// nothing to set is not an argument.
func TestSubscribeBodyHidesCallbackURL(t *testing.T) {
	pkg, _ := lowerDoc(t, `{
  "swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "example.com",
  "paths": {
    "/only": {"post": {"operationId": "OnlyURL", "x-ms-trigger": "single",
      "parameters": [{"name": "body", "in": "body", "required": true, "schema": {"type": "object",
        "properties": {"url": {"type": "string", "x-ms-notification-url": true, "x-ms-visibility": "internal"}}}}],
      "responses": {"201": {"description": "created"}}}},
    "/mixed": {"post": {"operationId": "Mixed", "x-ms-trigger": "single",
      "parameters": [{"name": "body", "in": "body", "required": true, "schema": {"type": "object", "required": ["name"],
        "properties": {
          "name": {"type": "string"},
          "config": {"type": "object", "properties": {"url": {"type": "string", "x-ms-notification-url": true}}},
          "auth": {"type": "object", "properties": {"url": {"type": "string", "x-ms-notification-url": true}, "secret": {"type": "string"}}}}}}],
      "responses": {"201": {"description": "created"}}}}
  }
}`)
	byID := map[string]*ir.Trigger{}
	for _, tr := range pkg.Triggers {
		byID[tr.OperationID] = tr
	}
	only := byID["OnlyURL"].Setup.Op.Params[0]
	if only.Exposure != ir.Hidden {
		t.Errorf("OnlyURL body exposure = %v, want hidden", only.Exposure)
	}
	fields := map[string][]string{}
	for _, ty := range pkg.Types {
		for _, f := range ty.Fields {
			fields[ty.GoName] = append(fields[ty.GoName], f.JSONName)
		}
		if ty.GoName == only.Type.Name {
			t.Errorf("the empty inline body type %s is declared", ty.GoName)
		}
	}
	mixed := byID["Mixed"].Setup.Op.Params[0]
	if mixed.Exposure != ir.Positional {
		t.Errorf("Mixed body exposure = %v, want positional", mixed.Exposure)
	}
	if got := fields[mixed.Type.Name]; !slices.Equal(got, []string{"name", "auth"}) {
		t.Errorf("Mixed body fields = %v, want [name auth] (config held only the URL)", got)
	}
	if got := fields[mixed.Type.Name+"Auth"]; !slices.Equal(got, []string{"secret"}) {
		t.Errorf("Mixed auth fields = %v, want [secret]", got)
	}
	if tr := byID["Mixed"]; !slices.Equal(tr.NotificationPath, []string{"config", "url"}) {
		t.Errorf("notification path = %v, want [config url]", tr.NotificationPath)
	}
}

// The client keeps a polling trigger's state (pollingtrigger policy,
// x-ms-trigger-value): the compiled data, the hidden state parameters and
// a positioned warning for every entry it cannot honour.
func TestPollState(t *testing.T) {
	doc, ds := spec.Load("api.json", []byte(`{
  "swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "example.com",
  "paths": {
    "/trigger/alerts": {"get": {"operationId": "OnAlerts", "x-ms-trigger": "batch",
      "parameters": [
        {"name": "$filter", "in": "query", "type": "string", "x-ms-visibility": "internal"},
        {"name": "top", "in": "query", "type": "integer"}],
      "responses": {"200": {"description": "ok", "schema": {"type": "object", "properties": {"value": {"type": "array", "items": {"type": "object"}}}}}}}},
    "/rows": {"get": {"operationId": "OnRows", "x-ms-trigger": "batch",
      "parameters": [
        {"name": "after", "in": "query", "type": "integer", "x-ms-trigger-value": {"value-collection": "value", "value-path": "seqn"}},
        {"name": "X-After", "in": "header", "type": "integer", "x-ms-trigger-value": {"value-collection": "value", "value-path": "seqn"}}],
      "responses": {"200": {"description": "ok", "schema": {"type": "array", "items": {"type": "object"}}}}}},
    "/act": {"get": {"operationId": "DoIt", "responses": {"200": {"description": "ok"}}}}
  }
}`))
	props, pds := spec.LoadProperties("props.json", []byte(`{"properties": {"policyTemplateInstances": [
  {"templateId": "PollingTrigger", "title": "p1", "parameters": {
    "x-ms-apimTemplate-operationName": ["OnAlerts"],
    "x-ms-apimTemplateParameter.triggerConfig": {
      "$filter": "lastModifiedDateTime gt @{triggerBody().value[0].lastModifiedDateTime}",
      "": "1",
      "per_page": "1",
      "tenant": "@connectionParameters('tenant')"},
    "x-ms-apimTemplateParameter.triggerDataPath": "@triggerBody().value"}},
  {"templateId": "pollingtrigger", "title": "p2", "parameters": {"x-ms-apimTemplate-operationName": ["DoIt"]}}
]}}`))
	ds.Append(pds)
	if doc == nil || props == nil {
		t.Fatalf("load: %v", ds)
	}
	pkg, more := lower.Lower(&spec.Connector{Name: "T", API: doc, Properties: props}, lower.Options{})
	var b strings.Builder
	more.Sort().Print(&b)
	warnings := b.String()

	byID := map[string]*ir.Trigger{}
	for _, tr := range pkg.Triggers {
		byID[tr.OperationID] = tr
	}
	alerts := byID["OnAlerts"].Setup.Op
	if alerts.PollingTrigger == nil {
		t.Fatal("OnAlerts: no PollingTrigger")
	}
	var params []string
	for _, c := range alerts.PollingTrigger.Config {
		params = append(params, c.Param)
	}
	if !slices.Equal(params, []string{"$filter", "per_page", "tenant"}) {
		t.Errorf("triggerConfig params = %q, want connector order without the empty name", params)
	}
	exposure := func(op ir.Op, name string) ir.Exposure {
		for _, p := range op.Params {
			if p.Name == name {
				return p.Exposure
			}
		}
		t.Fatalf("%s: no parameter %s", op.ID, name)
		return 0
	}
	if exposure(alerts, "$filter") != ir.Hidden || exposure(alerts, "top") != ir.Optional {
		t.Errorf("OnAlerts: the state parameter must be hidden and the others kept")
	}
	rows := byID["OnRows"].Setup.Op
	if tv := rows.Params[0].TriggerValue; tv == nil || tv.Collection != "value" || tv.Path != "seqn" {
		t.Errorf("after: TriggerValue = %+v", tv)
	}
	if rows.Params[1].TriggerValue != nil {
		t.Errorf("a header parameter cannot carry x-ms-trigger-value")
	}
	if exposure(rows, "after") != ir.Hidden {
		t.Errorf("after: the runtime sets it, it must be hidden")
	}
	for _, w := range []string{
		`props.json:6:7: warning: triggerConfig of OnAlerts has an entry with an empty parameter name`,
		`props.json:7:7: warning: triggerConfig "per_page" of OnAlerts is the constant "1"`,
		`triggerConfig "tenant" of OnAlerts reads @connectionParameters('tenant')`,
		`policy template "pollingtrigger" (p2) applies to no polling trigger`,
		`x-ms-trigger-value on header parameter "X-After" is not supported`,
	} {
		if !strings.Contains(warnings, w) {
			t.Errorf("warnings lack %q:\n%s", w, warnings)
		}
	}
	if strings.Contains(warnings, `"p1"`) || strings.Contains(warnings, "(p1) is not applied") {
		t.Errorf("the applied policy is reported as not applied:\n%s", warnings)
	}
}

package lower_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/lower"
	"github.com/connectorgen/connectorgen/generator/spec"
)

// selection has types used by one operation, by several, by none, and an
// inline type (GetResponse's parameter) whose first-choice name an
// operation that is then excluded (Get) has taken.
const selection = `{
  "swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "example.com",
  "paths": {
    "/a": {"get": {"operationId": "ListA",
      "parameters": [{"name": "top", "in": "query", "type": "integer"}],
      "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Shared"}}}}},
    "/b": {"post": {"operationId": "CreateB",
      "parameters": [
        {"name": "body", "in": "body", "schema": {"$ref": "#/definitions/OnlyB"}},
        {"name": "session", "in": "cookie", "type": "string"}],
      "responses": {"200": {"description": "ok", "schema": {"type": "object", "properties": {
        "shared": {"$ref": "#/definitions/Shared"}, "note": {"type": "string"}}}}}}},
    "/get": {"get": {"operationId": "Get", "responses": {"200": {"description": "ok", "schema": {"type": "object",
      "properties": {"item": {"type": "object", "properties": {"name": {"type": "string"}}}}}}}}},
    "/get/response": {"get": {"operationId": "GetResponse",
      "parameters": [{"name": "item", "in": "query", "required": true, "type": "string", "enum": ["x", "y"]}],
      "responses": {"204": {"description": "done"}}}}
  },
  "definitions": {
    "Shared": {"type": "object", "properties": {"id": {"type": "string"}}},
    "OnlyB": {"type": "object", "properties": {"child": {"$ref": "#/definitions/OnlyBChild"},
      "mixed": {"$ref": "#/definitions/Mixed"}, "color": {"type": "string", "enum": ["red", "blue"]}}},
    "OnlyBChild": {"type": "object", "properties": {"x": {"type": "integer"}}},
    "Mixed": {"type": "object", "properties": {"y": {"type": "integer"}}},
    "Unused": {"type": "object", "properties": {"mixed": {"$ref": "#/definitions/Mixed"}}},
    "Kind": {"type": "string", "enum": ["one", "two"]},
    "Plain": {"type": "string"}
  }
}`

func lowerWith(t *testing.T, swagger string, opts lower.Options) (*ir.Package, diag.List) {
	t.Helper()
	doc, ds := spec.Load("test.json", []byte(swagger))
	if doc == nil {
		t.Fatalf("load: %v", ds)
	}
	pkg, more := lower.Lower(&spec.Connector{Name: "Test Connector", API: doc}, opts)
	return pkg, append(ds, more...)
}

func sel(ids ...string) []lower.Select {
	var out []lower.Select
	for _, id := range ids {
		out = append(out, lower.Select{OperationID: id})
	}
	return out
}

func typeNames(p *ir.Package) []string {
	var out []string
	for _, t := range p.Types {
		out = append(out, t.GoName)
	}
	return out
}

func actionNames(p *ir.Package) []string {
	var out []string
	for _, a := range p.Actions {
		out = append(out, a.GoName)
	}
	return out
}

func TestExcludePrunesOnlyItsTypes(t *testing.T) {
	full, ds := lowerWith(t, selection, lower.Options{})
	if !ds.HasErrors() || !strings.Contains(errText(ds), `"in" is "cookie"`) {
		t.Fatalf("full generation: want the error of CreateB's cookie parameter, got:\n%s", errText(ds))
	}
	for _, opts := range []lower.Options{
		{Exclude: sel("CreateB", "Get")},
		{Include: sel("ListA", "GetResponse")},
	} {
		got, ds := lowerWith(t, selection, opts)
		if len(ds) > 0 {
			t.Errorf("%+v: diagnostics of excluded operations remain:\n%s", opts, errText(ds))
		}
		if want := []string{"GetResponse", "ListA"}; !slices.Equal(actionNames(got), want) {
			t.Errorf("%+v: actions %v, want %v", opts, actionNames(got), want)
		}
		// Gone: what only CreateB and Get used (OnlyB, OnlyBChild, OnlyB's
		// enum, the inline responses). Kept: what others use, Mixed (Unused
		// uses it), Unused and Kind (no operation uses them: declared in a
		// full generation too) and GetResponseItemType, GetResponse's enum
		// parameter, which keeps its second-choice name although Get's
		// GetResponseItem is gone.
		want := []string{"GetResponseItemType", "GetResponseItemTypeX", "GetResponseItemTypeY", "Kind", "KindOne", "KindTwo", "ListAOptions", "Mixed", "Shared", "Unused"}
		var names []string
		for _, ty := range got.Types {
			names = append(names, ty.GoName)
			for _, v := range ty.Values {
				names = append(names, v.GoName)
			}
		}
		for _, a := range got.Actions {
			if a.Options != "" {
				names = append(names, a.Options)
			}
		}
		slices.Sort(names)
		if !slices.Equal(names, want) {
			t.Errorf("%+v: declared %v, want %v", opts, names, want)
		}
		// What remains is what a full generation declares, byte for byte.
		for _, ty := range got.Types {
			i := slices.IndexFunc(full.Types, func(f *ir.Type) bool { return f.GoName == ty.GoName })
			if i < 0 || !reflect.DeepEqual(full.Types[i], ty) {
				t.Errorf("%+v: type %s differs from the full generation", opts, ty.GoName)
			}
		}
		for _, a := range got.Actions {
			i := slices.IndexFunc(full.Actions, func(f *ir.Action) bool { return f.Op.ID == a.Op.ID })
			if i < 0 || !reflect.DeepEqual(full.Actions[i], a) {
				t.Errorf("%+v: action %s differs from the full generation", opts, a.GoName)
			}
		}
	}
}

func TestRenames(t *testing.T) {
	got, ds := lowerWith(t, selection, lower.Options{
		Exclude: sel("CreateB"),
		Renames: []lower.Rename{
			{From: "ListA", To: "Fetch"},
			{From: "#/definitions/Shared", To: "Common"},
			{From: "#/definitions/Kind", To: "Sort"},
		},
	})
	if ds.HasErrors() {
		t.Fatalf("errors:\n%s", errText(ds))
	}
	if want := []string{"Fetch", "Get", "GetResponse"}; !slices.Equal(actionNames(got), want) {
		t.Errorf("actions %v, want %v", actionNames(got), want)
	}
	// Derived names follow: FetchOptions, SortOne.
	want := []string{"Common", "GetResponse", "GetResponseItem", "GetResponseItemType", "Mixed", "Sort", "Unused"}
	if !slices.Equal(typeNames(got), want) {
		t.Errorf("types %v, want %v", typeNames(got), want)
	}
	for _, a := range got.Actions {
		if a.GoName == "Fetch" && (a.Options != "FetchOptions" || a.Result.Name != "Common") {
			t.Errorf("Fetch: options %q, result %q; want FetchOptions, Common", a.Options, a.Result.Name)
		}
	}
	for _, ty := range got.Types {
		if ty.GoName == "Sort" && (len(ty.Values) != 2 || ty.Values[0].GoName != "SortOne") {
			t.Errorf("Sort constants: %+v", ty.Values)
		}
	}
}

func TestSelectionErrors(t *testing.T) {
	at := diag.Pos{File: "connectorgen.json", Line: 7, Col: 3}
	for _, c := range []struct {
		name string
		opts lower.Options
		want string
	}{
		{"unknown include", lower.Options{Include: []lower.Select{{OperationID: "lista", Pos: at}}},
			`connectorgen.json:7:3: error: include: test.json has no operation "lista" (did you mean "ListA"?)`},
		{"unknown exclude", lower.Options{Exclude: sel("Nope")}, `error: exclude: test.json has no operation "Nope"`},
		{"Go name for operationId", lower.Options{Exclude: sel("Createb")}, `(did you mean "CreateB"?)`},
		{"both", lower.Options{Include: sel("ListA"), Exclude: sel("CreateB")}, "include and exclude cannot be used together"},
		{"everything excluded", lower.Options{Exclude: sel("ListA", "CreateB", "Get", "GetResponse")}, "every operation of test.json is excluded"},
		{"unknown definition", lower.Options{Renames: []lower.Rename{{From: "#/definitions/shared", To: "X", Pos: at}}},
			`connectorgen.json:7:3: error: rename: test.json has no definition "shared" (did you mean "Shared"?)`},
		{"inlined definition", lower.Options{Renames: []lower.Rename{{From: "#/definitions/Plain", To: "X"}}}, `definition "Plain" is not a Go type of its own`},
		{"not an identifier", lower.Options{Renames: []lower.Rename{{From: "ListA", To: "list-a"}}}, `"list-a" is not an exported Go identifier`},
		{"unexported", lower.Options{Renames: []lower.Rename{{From: "ListA", To: "listA"}}}, `"listA" is not an exported Go identifier`},
		{"renamed excluded", lower.Options{Exclude: sel("CreateB"), Renames: []lower.Rename{{From: "CreateB", To: "Make"}}}, `operation "CreateB" is not generated`},
		{"clash with a method", lower.Options{Exclude: sel("CreateB"), Renames: []lower.Rename{{From: "ListA", To: "Get", Pos: at}}},
			"connectorgen.json:7:3: error: rename: ListA → Get clashes with another method named Get"},
		{"clash with a later method", lower.Options{Exclude: sel("CreateB"), Renames: []lower.Rename{{From: "GetResponse", To: "ListA"}}},
			"rename: GetResponse → ListA clashes with another method named ListA"},
		{"clash with a type", lower.Options{Exclude: sel("CreateB"), Renames: []lower.Rename{{From: "#/definitions/Unused", To: "Mixed"}}},
			"rename: #/definitions/Unused → Mixed clashes with another type named Mixed"},
		{"clash with a derived name", lower.Options{Exclude: sel("CreateB"), Renames: []lower.Rename{{From: "#/definitions/Unused", To: "ListAOptions"}}},
			"rename: #/definitions/Unused → ListAOptions clashes with another type named ListAOptions"},
		{"reserved", lower.Options{Exclude: sel("CreateB"), Renames: []lower.Rename{{From: "#/definitions/Unused", To: "Client"}}},
			"clashes with another type named Client"},
		{"two to one", lower.Options{Exclude: sel("CreateB"), Renames: []lower.Rename{{From: "ListA", To: "Fetch"}, {From: "Get", To: "Fetch"}}},
			"ListA and Get are both renamed to Fetch"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, ds := lowerWith(t, selection, c.opts)
			if !strings.Contains(errText(ds), c.want) {
				t.Errorf("want an error containing\n\t%s\ngot:\n%s", c.want, errText(ds))
			}
		})
	}
}

// TestSourceOption: the source path written into generated files.
func TestSourceOption(t *testing.T) {
	got, _ := lowerWith(t, selection, lower.Options{Exclude: sel("CreateB"), Source: "connectors/Test"})
	if got.Source != "connectors/Test" {
		t.Errorf("Source = %q", got.Source)
	}
}

func errText(ds diag.List) string {
	var b strings.Builder
	ds.Sort().Print(&b)
	return b.String()
}

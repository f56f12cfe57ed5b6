package apidiff

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator"
	"github.com/connectorgen/connectorgen/generator/ir"
)

// The tests derive pairs of connector versions from the real connectors in
// testdata/connectors (always present, so nothing skips): each version is a
// copy in a temporary folder whose swagger (and apiProperties.json) is
// decoded, changed programmatically and written back. Both versions of a
// pair go through the same decode/encode, so the mutation is the only
// difference between them.

const (
	cloudmersive = "Cloudmersive Virus Scan" // 2 actions, models, an enum, an API key
	wttr         = "wttr.in"                 // 1 action with an Options struct
	moduleq      = "ModuleQ"                 // a batch polling trigger
)

func connectorsRoot() string { return filepath.Join("..", "..", "testdata", "connectors") }

func testConnectors(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(connectorsRoot(), "*", "apiDefinition.swagger.json"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no connectors in %s (%v)", connectorsRoot(), err)
	}
	for i, d := range dirs {
		dirs[i] = filepath.Dir(d)
	}
	slices.Sort(dirs)
	return dirs
}

func dirName(dir string) string { return filepath.Base(dir) }

type object = map[string]any

// version is a derived connector version being built: its folder and its
// decoded swagger and apiProperties.json.
type version struct {
	dir        string
	api, props object
}

// mutation changes a version.
type mutation func(t *testing.T, v *version)

// derive copies testdata connector name into a new temporary folder of the
// same name, applies muts, and returns the folder.
func derive(t *testing.T, name string, muts ...mutation) string {
	t.Helper()
	src := filepath.Join(connectorsRoot(), name)
	dst := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	v := &version{dst, readJSON(t, filepath.Join(dst, "apiDefinition.swagger.json")), readJSON(t, filepath.Join(dst, "apiProperties.json"))}
	for _, m := range muts {
		m(t, v)
	}
	writeJSON(t, filepath.Join(dst, "apiDefinition.swagger.json"), v.api)
	writeJSON(t, filepath.Join(dst, "apiProperties.json"), v.props)
	return dst
}

func readJSON(t *testing.T, path string) object {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v object
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

func writeJSON(t *testing.T, path string, v object) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// at walks a decoded document by keys; it fails the test when a key is missing.
func at(t *testing.T, v object, keys ...string) object {
	t.Helper()
	for _, k := range keys {
		next, ok := v[k].(object)
		if !ok {
			t.Fatalf("swagger has no object at %q", keys)
		}
		v = next
	}
	return v
}

// op finds an operation by operationId.
func op(t *testing.T, api object, id string) object {
	t.Helper()
	for _, item := range at(t, api, "paths") {
		for _, o := range item.(object) {
			if o, ok := o.(object); ok && o["operationId"] == id {
				return o
			}
		}
	}
	t.Fatalf("no operation %s", id)
	return nil
}

func removeOperation(id string) mutation {
	return func(t *testing.T, v *version) {
		api := v.api
		for path, item := range at(t, api, "paths") {
			for method, o := range item.(object) {
				if o, ok := o.(object); ok && o["operationId"] == id {
					delete(item.(object), method)
					if len(item.(object)) == 0 {
						delete(at(t, api, "paths"), path)
					}
					return
				}
			}
		}
		t.Fatalf("no operation %s", id)
	}
}

func addParam(id string, param object) mutation {
	return func(t *testing.T, v *version) {
		o := op(t, v.api, id)
		ps, _ := o["parameters"].([]any)
		o["parameters"] = append(ps, param)
	}
}

func setParam(id, name, key string, value any) mutation {
	return func(t *testing.T, v *version) {
		for _, p := range op(t, v.api, id)["parameters"].([]any) {
			if p := p.(object); p["name"] == name {
				p[key] = value
				return
			}
		}
		t.Fatalf("%s has no parameter %s", id, name)
	}
}

func set(key string, value any, path ...string) mutation {
	return func(t *testing.T, v *version) { at(t, v.api, path...)[key] = value }
}

func renameEnumValue(from, to string, path ...string) mutation {
	return func(t *testing.T, v *version) {
		s := at(t, v.api, path...)
		for i, e := range s["enum"].([]any) {
			if e == from {
				s["enum"].([]any)[i] = to
				return
			}
		}
		t.Fatalf("%q has no enum value %q", path, from)
	}
}

func addConnParam(name string, required bool) mutation {
	return func(t *testing.T, v *version) {
		at(t, v.props, "properties", "connectionParameters")[name] = object{
			"type":         "string",
			"uiDefinition": object{"constraints": object{"required": fmt.Sprint(required)}},
		}
	}
}

func query(name string, required bool, typ string) object {
	return object{"name": name, "in": "query", "required": required, "type": typ}
}

func load(t *testing.T, dir string) *ir.Package {
	t.Helper()
	res, ds := generator.Generate(dir, generator.Options{})
	if res == nil {
		t.Fatalf("generate %s: %v", dir, ds.Err())
	}
	return res.Package
}

// want is a change without its message (messages are checked by the CLI's
// golden test).
type want struct {
	Kind     Kind
	Breaking bool
	Symbol   string
	Old, New string
}

func (w want) String() string {
	b := "         "
	if w.Breaking {
		b = "BREAKING "
	}
	return fmt.Sprintf("%s%-20s %-28s old=%q new=%q", b, w.Kind, w.Symbol, w.Old, w.New)
}

func TestCompare(t *testing.T) {
	cases := []struct {
		name      string
		connector string
		old, new  []mutation
		want      []want
	}{
		{
			name: "removed operation", connector: cloudmersive,
			new: []mutation{removeOperation("Scan_File")},
			want: []want{
				{ActionRemoved, true, "Client.ScanFile", "func (c *Client) ScanFile(ctx context.Context, inputFile io.Reader) (*VirusScanResult, error)", ""},
			},
		},
		{
			name: "new required parameter", connector: cloudmersive,
			new: []mutation{addParam("Scan_Website", query("region", true, "string"))},
			want: []want{
				{ParamAdded, true, "Client.ScanWebsite", "", "region string"},
			},
		},
		{
			name: "retyped field", connector: cloudmersive,
			new: []mutation{set("type", "string", "definitions", "VirusScanResult", "properties", "CleanResult")},
			want: []want{
				{FieldRetyped, true, "VirusScanResult.CleanResult", "runtime.Opt[bool]", "runtime.Opt[string]"},
			},
		},
		{
			name: "added optional parameter", connector: wttr,
			new: []mutation{addParam("WeatherGet", query("units", false, "string"))},
			want: []want{
				{ParamAdded, false, "WeatherGetOptions.Units", "", "runtime.Opt[string]"},
			},
		},
		{
			// The method had no Options struct: its signature gains opts.
			name: "first optional parameter", connector: cloudmersive,
			new: []mutation{addParam("Scan_Website", query("timeout", false, "integer"))},
			want: []want{
				{OptionsAdded, true, "Client.ScanWebsite", "", "opts *ScanWebsiteOptions"},
				{ParamAdded, false, "ScanWebsiteOptions.Timeout", "", "runtime.Opt[int64]"},
			},
		},
		{
			name: "renamed enum value", connector: cloudmersive,
			new: []mutation{renameEnumValue("Phishing", "PhishingSite", "definitions", "WebsiteScanResult", "properties", "WebsiteThreatType")},
			want: []want{
				{EnumValueRemoved, true, "WebsiteScanResultWebsiteThreatTypePhishing", `WebsiteScanResultWebsiteThreatType = "Phishing"`, ""},
				{EnumValueAdded, false, "WebsiteScanResultWebsiteThreatTypePhishingSite", "", `WebsiteScanResultWebsiteThreatType = "PhishingSite"`},
			},
		},
		{
			name: "optional parameter made required", connector: wttr,
			new: []mutation{setParam("WeatherGet", "view", "required", true)},
			want: []want{
				{ParamRequired, true, "Client.WeatherGet", "WeatherGetOptions.View runtime.Opt[WeatherGetView]", "view WeatherGetView"},
			},
		},
		{
			name: "required parameter made optional", connector: wttr,
			old: []mutation{setParam("WeatherGet", "view", "required", true)},
			want: []want{
				{ParamOptional, true, "Client.WeatherGet", "view WeatherGetView", "WeatherGetOptions.View runtime.Opt[WeatherGetView]"},
			},
		},
		{
			name: "retyped parameter", connector: cloudmersive,
			old: []mutation{addParam("Scan_Website", query("depth", true, "string"))},
			new: []mutation{addParam("Scan_Website", query("depth", true, "integer"))},
			want: []want{
				{ParamRetyped, true, "Client.ScanWebsite", "depth string", "depth int64"},
			},
		},
		{
			// Same types: calls still compile but pass the arguments swapped.
			name: "reordered parameters", connector: cloudmersive,
			old: []mutation{addParam("Scan_Website", query("a", true, "string")), addParam("Scan_Website", query("b", true, "string"))},
			new: []mutation{addParam("Scan_Website", query("b", true, "string")), addParam("Scan_Website", query("a", true, "string"))},
			want: []want{
				{ParamsReordered, true, "Client.ScanWebsite", "(input, a, b)", "(input, b, a)"},
			},
		},
		{
			name: "renamed operation", connector: cloudmersive,
			new: []mutation{func(t *testing.T, v *version) { op(t, v.api, "Scan_File")["operationId"] = "Scan_Upload" }},
			want: []want{
				{ActionRemoved, true, "Client.ScanFile", "func (c *Client) ScanFile(ctx context.Context, inputFile io.Reader) (*VirusScanResult, error)", ""},
				{ActionAdded, false, "Client.ScanUpload", "", "func (c *Client) ScanUpload(ctx context.Context, inputFile io.Reader) (*VirusScanResult, error)"},
			},
		},
		{
			name: "connection parameters", connector: cloudmersive,
			new: []mutation{addConnParam("region", true), addConnParam("tenant", false)},
			want: []want{
				{ConnParamAdded, true, "Connection.Region", "", "string"},
				{ConnParamAdded, false, "Connection.Tenant", "", "string"},
			},
		},
		{
			name: "trigger parameter and event field", connector: moduleq,
			new: []mutation{
				addParam("NewRecTrigger", query("team", true, "string")),
				set("type", "integer", "paths", "/trigger", "get", "responses", "200", "schema", "properties", "hasRecommendations"),
			},
			want: []want{
				{ParamAdded, true, "Client.PollNewRecTrigger", "", "team string"},
				{FieldRetyped, true, "NewRecTriggerResponse.HasRecommendations", "runtime.Opt[bool]", "runtime.Opt[int64]"},
			},
		},
		{
			name: "removed trigger", connector: moduleq,
			new: []mutation{removeOperation("NewRecTrigger")},
			want: []want{
				{TriggerRemoved, true, "Client.PollNewRecTrigger", "func (c *Client) PollNewRecTrigger(ctx context.Context, store runtime.TriggerStore, cfg runtime.PollConfig, h func(context.Context, NewRecTriggerResponse) error) error", ""},
				{TypeRemoved, true, "NewRecTriggerResponse", "type NewRecTriggerResponse struct", ""},
			},
		},
		{
			name: "base URL and deprecation", connector: cloudmersive,
			new: []mutation{
				set("host", "eu.cloudmersive.com"),
				func(t *testing.T, v *version) { op(t, v.api, "Scan_Website")["deprecated"] = true },
			},
			want: []want{
				{ActionDeprecated, false, "Client.ScanWebsite", "", ""},
				{BaseURLChanged, false, "DefaultBaseURL", "https://api.cloudmersive.com", "https://eu.cloudmersive.com"},
			},
		},
		{
			name: "removed pager", connector: "Elfsquad Data",
			new: []mutation{func(t *testing.T, v *version) { delete(op(t, v.api, "get_entities"), "x-ms-pageable") }},
			want: []want{
				{MethodRemoved, true, "Client.GetEntitiesAll", "func (c *Client) GetEntitiesAll(ctx context.Context, entityName string, opts *GetEntitiesOptions) iter.Seq2[json.RawMessage, error]", ""},
			},
		},
		{
			// The lookup of GetFeed's "feed" takes the endpoint as argument; a
			// constant binding drops the argument.
			name: "lookup signature", connector: "Emigo",
			new: []mutation{func(t *testing.T, v *version) {
				for _, p := range op(t, v.api, "GetFeed")["parameters"].([]any) {
					if p := p.(object); p["name"] == "feed" {
						p["x-ms-dynamic-values"].(object)["parameters"] = object{"endpoint": object{"value": "main"}}
					}
				}
			}},
			want: []want{
				{MethodChanged, true, "Client.GetFeedFeedValues",
					"func (c *Client) GetFeedFeedValues(ctx context.Context, endpoint string) ([]runtime.Choice[string], error)",
					"func (c *Client) GetFeedFeedValues(ctx context.Context) ([]runtime.Choice[string], error)"},
			},
		},
		{
			name: "removed custom code", connector: wttr,
			new: []mutation{func(t *testing.T, v *version) {
				if err := os.Remove(filepath.Join(v.dir, "script.csx")); err != nil {
					t.Fatal(err)
				}
			}},
			want: []want{
				{ScriptRemoved, true, "Script", "type Script interface\nfunc WithScript(s Script) runtime.Option", ""},
			},
		},
		{
			name: "custom code scope", connector: wttr,
			new: []mutation{func(t *testing.T, v *version) { at(t, v.props, "properties")["scriptOperations"] = []any{"WeatherGet"} }},
			want: []want{
				{ScriptScopeChanged, false, "WithScript", "every operation", "WeatherGet"},
			},
		},
		{
			name: "trigger event retyped", connector: moduleq,
			new: []mutation{set("schema", object{"type": "string"}, "paths", "/trigger", "get", "responses", "200")},
			want: []want{
				{EventRetyped, true, "Client.PollNewRecTrigger", "NewRecTriggerResponse", "string"},
				{TypeRemoved, true, "NewRecTriggerResponse", "type NewRecTriggerResponse struct", ""},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := load(t, derive(t, tc.connector, tc.old...))
			new := load(t, derive(t, tc.connector, tc.new...))
			changes := Compare(old, new)
			var got []want
			for _, c := range changes {
				got = append(got, want{c.Kind, c.Breaking, c.Symbol, c.Old, c.New})
				if c.Message == "" {
					t.Errorf("%s %s: empty message", c.Symbol, c.Kind)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("changes:\n%s\nwant:\n%s", lines(got), lines(tc.want))
			}
			if wantBreaking := slices.ContainsFunc(tc.want, func(w want) bool { return w.Breaking }); Breaking(changes) != wantBreaking {
				t.Errorf("Breaking = %v, want %v", Breaking(changes), wantBreaking)
			}
		})
	}
}

func lines(ws []want) string {
	var b strings.Builder
	for _, w := range ws {
		b.WriteString("  " + w.String() + "\n")
	}
	return b.String()
}

// TestCompareIdentical: a connector compared with itself has no changes,
// and Compare is deterministic.
func TestCompareIdentical(t *testing.T) {
	for _, dir := range testConnectors(t) {
		a, b := load(t, dir), load(t, dir)
		if cs := Compare(a, b); len(cs) != 0 {
			t.Errorf("%s: %d changes against itself, first: %+v", dirName(dir), len(cs), cs[0])
		}
	}
}

// TestCompareBetweenConnectors compares unrelated connectors in both
// directions: every change of one direction has its mirror in the other,
// and the output is sorted and repeatable.
func TestCompareBetweenConnectors(t *testing.T) {
	dirs := testConnectors(t)
	pkgs := make([]*ir.Package, len(dirs))
	for i, dir := range dirs {
		pkgs[i] = load(t, dir)
	}
	for i := range dirs {
		a, b := pkgs[i], pkgs[(i+1)%len(dirs)]
		fwd, back := Compare(a, b), Compare(a, b)
		if !slices.Equal(fwd, back) {
			t.Fatalf("%s: Compare is not repeatable", dirName(dirs[i]))
		}
		if !slices.IsSortedFunc(fwd, func(x, y Change) int { return strings.Compare(x.Symbol, y.Symbol) }) {
			t.Errorf("%s: changes not sorted by symbol", dirName(dirs[i]))
		}
		rev := Compare(b, a)
		count := func(cs []Change, k Kind) int {
			return len(slices.DeleteFunc(slices.Clone(cs), func(c Change) bool { return c.Kind != k }))
		}
		for _, k := range [][2]Kind{{ActionAdded, ActionRemoved}, {TypeAdded, TypeRemoved}, {TriggerAdded, TriggerRemoved}, {FieldAdded, FieldRemoved}} {
			if count(fwd, k[0]) != count(rev, k[1]) || count(fwd, k[1]) != count(rev, k[0]) {
				t.Errorf("%s vs %s: %s/%s counts are not mirrored", dirName(dirs[i]), dirName(dirs[(i+1)%len(dirs)]), k[0], k[1])
			}
		}
	}
}

// fixture is a small hand-made IR for the rules the derived pairs do not
// reach easily.
func fixture() *ir.Package {
	str := &ir.TypeRef{Kind: ir.Builtin, Name: "string"}
	i64 := &ir.TypeRef{Kind: ir.Builtin, Name: "int64"}
	item := &ir.TypeRef{Kind: ir.Named, Name: "Item", Struct: true}
	return &ir.Package{
		BaseURL: "https://api.example.com",
		Actions: []*ir.Action{{
			GoName: "GetItem", Options: "GetItemOptions", Result: item,
			Op: ir.Op{ID: "getItem", Method: "GET", Path: "/items/{id}", Params: []*ir.Param{
				{Name: "id", In: "path", Required: true, Exposure: ir.Positional, GoName: "id", Type: str},
				{Name: "top", In: "query", Exposure: ir.Optional, GoName: "Top", Type: i64},
				{Name: "api-version", In: "query", Exposure: ir.Hidden, GoName: "APIVersion", Type: str, Default: "1", HasDefault: true},
			}},
		}},
		Triggers: []*ir.Trigger{{
			GoName: "OnItem", OperationID: "onItem", Mode: ir.Polling, RunName: "PollOnItem", Event: item,
			Setup: &ir.Action{GoName: "OnItem", Op: ir.Op{ID: "onItem", Method: "GET", Path: "/trigger"}},
		}},
		Types: []*ir.Type{
			{GoName: "Item", Kind: ir.StructType, Fields: []*ir.Field{{GoName: "Name", JSONName: "name", Type: str, Opt: true}}},
			{GoName: "Status", Kind: ir.EnumType, Base: str, Values: []*ir.EnumValue{{GoName: "StatusOpen", Value: "open"}}},
		},
		Connection: &ir.Connection{
			Params: []*ir.ConnParam{{Name: "api_key", GoName: "APIKey", Kind: ir.ConnSecret, Required: true}},
			Auth:   []*ir.Auth{{Kind: ir.AuthAPIKey, In: "header", Name: "X-Key", Value: "APIKey"}},
		},
	}
}

func withSets(p *ir.Package) {
	p.Connection.Sets = []*ir.ConnSet{
		{Name: "key", GoName: "ConnectionKey", Params: p.Connection.Params, Auth: p.Connection.Auth},
		{Name: "oauth", GoName: "ConnectionOAuth", Params: []*ir.ConnParam{{Name: "token", GoName: "Token", Kind: ir.ConnOAuthToken, Required: true}}},
	}
}

func TestCompareRules(t *testing.T) {
	top := func(p *ir.Package) *ir.Param { return p.Actions[0].Op.Params[1] }
	cases := []struct {
		name     string
		old, new func(p *ir.Package)
		want     []want
	}{
		{name: "options renamed", new: func(p *ir.Package) { p.Actions[0].Options = "GetItemOpts" },
			want: []want{{OptionsRenamed, true, "GetItemOptions", "GetItemOptions", "GetItemOpts"}}},
		{name: "parameter moved", new: func(p *ir.Package) { top(p).In = "header" },
			want: []want{{ParamMoved, false, "GetItemOptions.Top", "query", "header"}}},
		{name: "internal parameter exposed as required",
			new: func(p *ir.Package) {
				p.Actions[0].Op.Params[2].Exposure, p.Actions[0].Op.Params[2].GoName = ir.Positional, "apiVersion"
			},
			want: []want{{ParamAdded, true, "Client.GetItem", "", "apiVersion string"}}},
		{name: "internal parameter exposed as optional", new: func(p *ir.Package) { p.Actions[0].Op.Params[2].Exposure = ir.Optional },
			want: []want{{ParamAdded, false, "GetItemOptions.APIVersion", "", "runtime.Opt[string]"}}},
		{name: "parameter made internal", new: func(p *ir.Package) { top(p).Exposure = ir.Hidden; p.Actions[0].Options = "" },
			want: []want{
				{OptionsRemoved, true, "Client.GetItem", "opts *GetItemOptions", ""},
				{ParamRemoved, true, "GetItemOptions.Top", "runtime.Opt[int64]", ""},
			}},
		{name: "argument renamed", new: func(p *ir.Package) { p.Actions[0].Op.Params[0].GoName = "itemID" },
			want: []want{{ParamRenamed, false, "Client.GetItem", "id", "itemID"}}},
		{name: "options field renamed", new: func(p *ir.Package) { top(p).GoName = "Limit" },
			want: []want{{ParamRenamed, true, "GetItemOptions.Top", "GetItemOptions.Top", "GetItemOptions.Limit"}}},
		{name: "options field retyped", new: func(p *ir.Package) { top(p).Type = &ir.TypeRef{Kind: ir.Slice, Elem: top(p).Type} },
			want: []want{{ParamRetyped, true, "GetItemOptions.Top", "runtime.Opt[int64]", "[]int64"}}},
		{name: "result dropped", new: func(p *ir.Package) { p.Actions[0].Result = nil },
			want: []want{{ResultChanged, true, "Client.GetItem", "*Item", ""}}},
		{name: "request changed", new: func(p *ir.Package) { p.Actions[0].Op.Path = "/v2/items/{id}" },
			want: []want{{RequestChanged, false, "Client.GetItem", "GET /items/{id}", "GET /v2/items/{id}"}}},
		{name: "deprecated", new: func(p *ir.Package) { p.Actions[0].Deprecated = true },
			want: []want{{ActionDeprecated, false, "Client.GetItem", "", ""}}},
		{name: "field JSON name", new: func(p *ir.Package) { p.Types[0].Fields[0].JSONName = "fullName" },
			want: []want{{FieldJSONRenamed, false, "Item.Name", "name", "fullName"}}},
		{name: "field made required", new: func(p *ir.Package) { p.Types[0].Fields[0].Opt = false },
			want: []want{{FieldRetyped, true, "Item.Name", "runtime.Opt[string]", "string"}}},
		{name: "field added",
			new: func(p *ir.Package) {
				p.Types[0].Fields = append(p.Types[0].Fields, &ir.Field{GoName: "Size", JSONName: "size", Type: &ir.TypeRef{Kind: ir.Builtin, Name: "int64"}})
			},
			want: []want{{FieldAdded, false, "Item.Size", "", "int64"}}},
		{name: "enum wire value", new: func(p *ir.Package) { p.Types[1].Values[0].Value = "OPEN" },
			want: []want{{EnumValueChanged, false, "StatusOpen", `Status = "open"`, `Status = "OPEN"`}}},
		{name: "enum becomes struct", new: func(p *ir.Package) { p.Types[1].Kind = ir.StructType },
			want: []want{{TypeChanged, true, "Status", "type Status string", "type Status struct"}}},
		{name: "trigger mode",
			new: func(p *ir.Package) {
				tr := p.Triggers[0]
				tr.Mode, tr.SubscribeName, tr.UnsubscribeName, tr.RunName = ir.Webhook, "SubscribeOnItem", "UnsubscribeOnItem", "DeliverOnItem"
			},
			want: []want{{TriggerModeChanged, true, "Client.PollOnItem",
				"func (c *Client) PollOnItem(ctx context.Context, store runtime.TriggerStore, cfg runtime.PollConfig, h func(context.Context, Item) error) error",
				"func (c *Client) SubscribeOnItem(ctx context.Context, l *runtime.Listener, id string) error\n" +
					"func (c *Client) UnsubscribeOnItem(ctx context.Context, l *runtime.Listener, id string) error\n" +
					"func (c *Client) DeliverOnItem(ctx context.Context, store runtime.TriggerStore, l *runtime.Listener, cfg runtime.DeliveryConfig, h func(context.Context, Item) error) error"}}},
		{name: "trigger method renamed", new: func(p *ir.Package) { p.Triggers[0].RunName = "PollItems" },
			want: []want{{TriggerRenamed, true, "Client.PollOnItem", "PollOnItem", "PollItems"}}},
		{name: "trigger batch", new: func(p *ir.Package) { p.Triggers[0].Batch = true },
			want: []want{{TriggerBatchChanged, false, "Client.PollOnItem", "false", "true"}}},
		{name: "trigger setup parameter",
			new: func(p *ir.Package) {
				p.Triggers[0].Setup.Op.Params = []*ir.Param{{Name: "since", In: "query", Exposure: ir.Positional, GoName: "since", Type: &ir.TypeRef{Kind: ir.Builtin, Name: "string"}}}
			},
			want: []want{{ParamAdded, true, "Client.PollOnItem", "", "since string"}}},
		{name: "connection store key", new: func(p *ir.Package) { p.Connection.Params[0].Name = "apiKey" },
			want: []want{{ConnParamRenamed, true, "Connection.APIKey", "api_key", "apiKey"}}},
		{name: "connection parameter retyped", new: func(p *ir.Package) { p.Connection.Params[0].Kind = ir.ConnString },
			want: []want{{ConnParamRetyped, true, "Connection.APIKey", "runtime.Secret", "string"}}},
		{name: "connection parameter made optional", new: func(p *ir.Package) { p.Connection.Params[0].Required = false },
			want: []want{{ConnParamOptional, false, "Connection.APIKey", "required", "optional"}}},
		{name: "connection parameter made required", old: func(p *ir.Package) { p.Connection.Params[0].Required = false },
			want: []want{{ConnParamRequired, true, "Connection.APIKey", "optional", "required"}}},
		{name: "auth", new: func(p *ir.Package) { p.Connection.Auth[0].Name = "X-API-Key" },
			want: []want{{AuthChanged, false, "Connection", `API key in header "X-Key" from APIKey`, `API key in header "X-API-Key" from APIKey`}}},
		{name: "parameter sets appear", new: withSets,
			want: []want{{ConnChanged, true, "Connection", "type Connection struct", "type Connection interface"}}},
		{name: "parameter sets change", old: withSets,
			new: func(p *ir.Package) {
				withSets(p)
				p.Connection.Sets[1].Name = "oauth2"
				p.Connection.Sets = append(p.Connection.Sets, &ir.ConnSet{Name: "basic", GoName: "ConnectionBasic"})
				p.Connection.Sets[0].Params = append(slices.Clone(p.Connection.Sets[0].Params), &ir.ConnParam{Name: "region", GoName: "Region", Required: true})
			},
			want: []want{
				{ConnSetAdded, false, "ConnectionBasic", "", "type ConnectionBasic struct"},
				{ConnParamAdded, true, "ConnectionKey.Region", "", "string"},
				{ConnSetRenamed, true, "ConnectionOAuth", "oauth", "oauth2"},
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old, new := fixture(), fixture()
			if tc.old != nil {
				tc.old(old)
			}
			if tc.new != nil {
				tc.new(new)
			}
			var got []want
			for _, c := range Compare(old, new) {
				got = append(got, want{c.Kind, c.Breaking, c.Symbol, c.Old, c.New})
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("changes:\n%s\nwant:\n%s", lines(got), lines(tc.want))
			}
		})
	}
	if cs := Compare(fixture(), fixture()); len(cs) != 0 {
		t.Errorf("fixture against itself: %v", cs)
	}
}

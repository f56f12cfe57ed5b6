package apidiff

import (
	"strconv"
	"strings"

	"github.com/connectorgen/connectorgen/generator/ir"
)

// The functions of this file render the Go API that package emit writes for
// an IR, as Go source text (gofmt spelling). They mirror emit's rules
// (optionType, resultType, field types, trigger subscriber signatures); a
// test parses the emitted files of every testdata connector and checks that
// Decls matches them exactly, so the two cannot drift apart unnoticed.

// nilable reports whether nil is the "unset" value of t (emit's rule).
func nilable(t *ir.TypeRef) bool {
	switch t.Kind {
	case ir.Slice, ir.Map, ir.Pointer:
		return true
	case ir.Qual:
		return t.Pkg == "io" || t.Name == "RawMessage"
	}
	return t.Kind == ir.Builtin && t.Name == "any"
}

// optionType is the type of an Options field: struct pointers, nil-able
// types as they are, scalars wrapped in runtime.Opt.
func optionType(t *ir.TypeRef) string {
	switch {
	case t.Kind == ir.Named && t.Struct:
		return "*" + t.GoString()
	case nilable(t):
		return t.GoString()
	}
	return "runtime.Opt[" + t.GoString() + "]"
}

// resultType is the first result of an action method ("" when it returns
// only an error).
func resultType(t *ir.TypeRef) string {
	if t == nil {
		return ""
	}
	if t.Kind == ir.Named && t.Struct {
		return "*" + t.GoString()
	}
	return t.GoString()
}

// fieldType is the type of a model field.
func fieldType(f *ir.Field) string {
	if f.Opt {
		return "runtime.Opt[" + f.Type.GoString() + "]"
	}
	return f.Type.GoString()
}

// eventType is the type handed to a trigger's handler.
func eventType(t *ir.Trigger) string {
	if t.Event == nil {
		return "json.RawMessage"
	}
	return t.Event.GoString()
}

// connType is the type of a Connection field.
func connType(k ir.ConnParamKind) string {
	switch k {
	case ir.ConnSecret:
		return "runtime.Secret"
	case ir.ConnOAuthToken:
		return "*runtime.OAuth"
	case ir.ConnInt:
		return "int64"
	case ir.ConnBool:
		return "bool"
	}
	return "string"
}

// params renders the arguments an action's parameters contribute to a
// method: the positional ones, then opts.
func params(a *ir.Action) []string {
	var ps []string
	for _, p := range a.Op.Params {
		if p.Exposure == ir.Positional {
			ps = append(ps, p.GoName+" "+p.Type.GoString())
		}
	}
	if a.Options != "" {
		ps = append(ps, "opts *"+a.Options)
	}
	return ps
}

func funcDecl(name string, args []string, result string) string {
	return "func (c *Client) " + name + "(" + strings.Join(args, ", ") + ") " + result
}

// actionDecl is the declaration of an action method.
func actionDecl(a *ir.Action) string {
	result := "error"
	if r := resultType(a.Result); r != "" {
		result = "(" + r + ", error)"
	}
	return funcDecl(a.GoName, append([]string{"ctx context.Context"}, params(a)...), result)
}

// triggerMethod is one method of a trigger's subscriber.
type triggerMethod struct{ name, decl string }

// triggerMethods returns the methods of a trigger in emission order: PollX
// for polling triggers; SubscribeX, UnsubscribeX (when it can subscribe)
// and DeliverX for webhooks.
func triggerMethods(t *ir.Trigger) []triggerMethod {
	handler := "h func(context.Context, " + eventType(t) + ") error"
	if t.Mode == ir.Polling {
		args := append([]string{"ctx context.Context", "store runtime.TriggerStore", "cfg runtime.PollConfig"}, params(t.Setup)...)
		return []triggerMethod{{t.RunName, funcDecl(t.RunName, append(args, handler), "error")}}
	}
	var ms []triggerMethod
	if t.SubscribeName != "" {
		args := append([]string{"ctx context.Context", "l *runtime.Listener", "id string"}, params(t.Setup)...)
		ms = append(ms,
			triggerMethod{t.SubscribeName, funcDecl(t.SubscribeName, args, "error")},
			triggerMethod{t.UnsubscribeName, funcDecl(t.UnsubscribeName, []string{"ctx context.Context", "l *runtime.Listener", "id string"}, "error")})
	}
	args := []string{"ctx context.Context", "store runtime.TriggerStore", "l *runtime.Listener", "cfg runtime.DeliveryConfig", handler}
	return append(ms, triggerMethod{t.RunName, funcDecl(t.RunName, args, "error")})
}

// pagerDecl is the declaration of a pager: the page action's parameters,
// an iterator of items.
func pagerDecl(pg *ir.Pager) string {
	args := append([]string{"ctx context.Context"}, params(pg.Action)...)
	return funcDecl(pg.GoName, args, "iter.Seq2["+pg.Item.GoString()+", error]")
}

// lookupDecl is the declaration of a dynamic-metadata helper.
func lookupDecl(lu *ir.Lookup) string {
	args := []string{"ctx context.Context"}
	for _, a := range lu.Args {
		args = append(args, a.GoName+" "+a.Type.GoString())
	}
	return funcDecl(lu.GoName, args, "("+lookupResult(lu)+", error)")
}

// lookupResult is what a lookup returns besides the error.
func lookupResult(lu *ir.Lookup) string {
	if lu.Kind == ir.LookupValues {
		return "[]runtime.Choice[" + lu.Value.GoString() + "]"
	}
	return "json.RawMessage"
}

// scriptExecute is the method of the custom-code interface.
const scriptExecute = "func(ctx context.Context, sc *runtime.ScriptContext) (*http.Response, error)"

func scriptOptionDecl(s *ir.Script) string {
	return "func " + s.OptionName + "(s " + s.TypeName + ") runtime.Option"
}

// connFields returns the parameters that are fields of a connection
// struct (gateway parameters are not: they make the connection unusable).
func connFields(ps []*ir.ConnParam) []*ir.ConnParam {
	var out []*ir.ConnParam
	for _, p := range ps {
		if p.Kind != ir.ConnGateway {
			out = append(out, p)
		}
	}
	return out
}

// setupMethod is the name of the trigger method that takes the setup
// request's parameters ("" when none does: a webhook without subscribe).
func setupMethod(t *ir.Trigger) string {
	if t.Mode == ir.Polling {
		return t.RunName
	}
	return t.SubscribeName
}

// shortDecl drops "func (c *Client) " from a method declaration, for messages.
func shortDecl(decl string) string { return strings.TrimPrefix(decl, "func (c *Client) ") }

// Decls returns the exported API of the package emitted for p, except the
// parts every package has with the same shape (type Client, func New, func
// ConnectionFromStore, MarshalJSON/UnmarshalJSON methods): symbol →
// declaration text. Methods are keyed by receiver type and name, interface
// methods by interface and name.
//
//	"DefaultBaseURL"             → "\"https://api.example.com/v1\"" (Go-quoted value)
//	"Client.GetItem"             → "func (c *Client) GetItem(ctx context.Context, id string, opts *GetItemOptions) (*Item, error)"
//	"GetItemOptions"             → "struct"
//	"GetItemOptions.Top"         → "runtime.Opt[int64]"
//	"Item" / "Status"            → "struct" / "string" (the underlying type)
//	"Item.Name"                  → "runtime.Opt[string]"
//	"StatusOpen"                 → "Status = \"open\""
//	"Connection", "Connection.X" → "struct", "runtime.Secret"
//	"Script", "Script.Execute"   → "interface", "func(ctx context.Context, ...) (...)"
//	"WithScript"                 → "func WithScript(s Script) runtime.Option"
//	"ConnectionKeyAuth.ParameterSet" → "func (ConnectionKeyAuth) ParameterSet() string"
//
// Compare reports changes in these terms; the map is exported for tests and
// tools that want to look at one version's API.
func Decls(p *ir.Package) map[string]string {
	m := map[string]string{"DefaultBaseURL": strconv.Quote(p.BaseURL)}
	options := func(a *ir.Action) {
		if a == nil || a.Options == "" {
			return
		}
		m[a.Options] = "struct"
		for _, p := range a.Op.Params {
			if p.Exposure == ir.Optional {
				m[a.Options+"."+p.GoName] = optionType(p.Type)
			}
		}
	}
	for _, a := range p.Actions {
		m["Client."+a.GoName] = actionDecl(a)
		options(a)
	}
	for _, t := range p.Triggers {
		for _, tm := range triggerMethods(t) {
			m["Client."+tm.name] = tm.decl
		}
		options(t.Setup)
	}
	for _, t := range p.Types {
		switch t.Kind {
		case ir.StructType:
			m[t.GoName] = "struct"
			for _, f := range t.Fields {
				m[t.GoName+"."+f.GoName] = fieldType(f)
			}
		case ir.EnumType:
			m[t.GoName] = t.Base.GoString()
			for _, v := range t.Values {
				m[v.GoName] = t.GoName + " = " + strconv.Quote(v.Value)
			}
		}
	}
	for _, pg := range p.Pagers {
		m["Client."+pg.GoName] = pagerDecl(pg)
	}
	for _, lu := range p.Lookups {
		m["Client."+lu.GoName] = lookupDecl(lu)
	}
	if s := p.Script; s != nil {
		m[s.TypeName] = "interface"
		m[s.TypeName+".Execute"] = scriptExecute
		m[s.OptionName] = scriptOptionDecl(s)
	}
	c := p.Connection
	if c == nil {
		c = &ir.Connection{}
	}
	structFields := func(typ string, ps []*ir.ConnParam) {
		m[typ] = "struct"
		for _, cp := range connFields(ps) {
			m[typ+"."+cp.GoName] = connType(cp.Kind)
		}
	}
	if len(c.Sets) == 0 {
		structFields("Connection", c.Params)
		return m
	}
	m["Connection"] = "interface"
	m["Connection.ParameterSet"] = "func() string"
	for _, s := range c.Sets {
		structFields(s.GoName, s.Params)
		m[s.GoName+".ParameterSet"] = "func (" + s.GoName + ") ParameterSet() string"
	}
	return m
}

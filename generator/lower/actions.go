package lower

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/naming"
	"github.com/connectorgen/connectorgen/generator/spec"
)

// operations lowers every operation: actions become methods, triggers are
// classified. Method names are claimed in operationId order.
func (l *lowerer) operations() {
	var ops []*spec.Operation
	items := map[*spec.Operation]*spec.PathItem{}
	for _, pi := range l.doc.Paths {
		for _, op := range pi.Operations {
			ops = append(ops, op)
			items[op] = pi
		}
	}
	slices.SortStableFunc(ops, func(a, b *spec.Operation) int { return cmp.Compare(a.OperationID, b.OperationID) })
	for _, op := range ops {
		name := l.claim(l.meths, op.Pos, "method", l.opGoName(op)) // opGoName: prune.go
		if op.Trigger != "" {
			t := l.trigger(op, items[op], name)
			t.Setup = l.action(op, name, t)
			l.event(t, op, items[op])
			l.subscriber(t)
			l.pkg.Triggers = append(l.pkg.Triggers, t)
			continue
		}
		l.pkg.Actions = append(l.pkg.Actions, l.action(op, name, nil))
	}
	l.helpers(ops) // helpers.go: pagers and dynamic-metadata lookups
}

func (l *lowerer) trigger(op *spec.Operation, pi *spec.PathItem, name string) *ir.Trigger {
	t := &ir.Trigger{
		GoName:      name,
		OperationID: op.OperationID,
		Mode:        ir.Polling,
		Batch:       op.Trigger == "batch",
		Summary:     op.Summary,
		Description: op.Description,
		Hint:        op.TriggerHint,
		Pos:         op.Pos,
	}
	// A webhook trigger carries x-ms-notification-content on its path item or
	// an x-ms-notification-url property in its body (protocol §3.1, §4.1).
	if pi.NotificationContent != nil {
		t.Mode = ir.Webhook
	}
	for _, p := range op.Parameters {
		if p.In == "body" && hasNotificationURL(p.Schema, map[*spec.Schema]bool{}) {
			t.Mode = ir.Webhook
			t.NotificationPath = notificationPath(p.Schema, map[*spec.Schema]bool{})
		}
	}
	return t
}

func hasNotificationURL(s *spec.Schema, seen map[*spec.Schema]bool) bool {
	if s == nil || seen[s] {
		return false
	}
	seen[s] = true
	if s.NotificationURL {
		return true
	}
	props, _ := flatten(s)
	for _, p := range props {
		if hasNotificationURL(p.Schema, seen) {
			return true
		}
	}
	return hasNotificationURL(s.Items, seen)
}

// Precedence when two parameters want the same Go name: path > query >
// header > body > formData (style guide §4).
var inRank = map[string]int{"path": 0, "query": 1, "header": 2, "body": 3, "formData": 4}

var inSuffix = map[string]string{"path": "Path", "query": "Query", "header": "Header", "body": "Body", "formData": "Form"}

// action lowers op, an action, or the request of trigger t: for a webhook
// trigger the runtime fills the callback URL in, for a polling trigger it
// keeps the state parameters.
func (l *lowerer) action(op *spec.Operation, name string, t *ir.Trigger) *ir.Action {
	a := &ir.Action{
		GoName:      name,
		Summary:     op.Summary,
		Description: op.Description,
		Deprecated:  op.Deprecated,
		Internal:    op.Visibility == "internal",
		Pos:         op.Pos,
		Op: ir.Op{
			ID:     op.OperationID,
			Method: op.Method,
			Path:   op.Path,
			NoAuth: op.HasSecurity && len(op.Security) == 0,
		},
	}
	l.body(a, op)
	for _, sp := range op.Parameters {
		if _, ok := inRank[sp.In]; !ok {
			l.ds.Errorf(sp.Pos, "parameter %q of %s: \"in\" is %q; want path, query, header, body or formData", sp.Name, op.OperationID, sp.In)
			continue
		}
		a.Op.Params = append(a.Op.Params, l.param(a, op, sp))
	}
	switch {
	case t == nil:
	case t.Mode == ir.Webhook:
		l.hideCallbackOnlyBody(a)
	case t.Mode == ir.Polling:
		l.pollState(a, op)
	}
	l.nameParams(a)
	l.result(a, op)
	return a
}

func (l *lowerer) param(a *ir.Action, op *spec.Operation, sp *spec.Parameter) *ir.Param {
	p := &ir.Param{
		Name:         sp.Name,
		In:           sp.In,
		Required:     sp.Required || sp.In == "path",
		Internal:     sp.Visibility == "internal",
		DoubleEncode: sp.URLEncoding == "double",
		File:         sp.Type == "file",
		Collection:   sp.CollectionFormat,
		Doc:          nameless(paramDoc(sp), sp.Name),
		Pos:          sp.Pos,
	}
	ctx := a.GoName + l.n.Exported(sp.Name)
	switch {
	case sp.In == "body":
		p.Type = l.bodyType(a, sp)
		if sp.HasDefault {
			b, _ := json.Marshal(sp.Default)
			p.Default, p.HasDefault = string(b), true
		}
	case sp.Type == "file" || (sp.Type == "string" && sp.Format == "binary"):
		p.Type = tReader
		p.File = sp.In == "formData"
	case sp.Type == "array":
		items := sp.Items
		if items == nil {
			items = &spec.Schema{Type: "string"}
		}
		p.Type = &ir.TypeRef{Kind: ir.Slice, Elem: l.paramScalar(items, ctx, sp.Pos)}
	default:
		p.Type = l.paramScalar(&spec.Schema{Type: sp.Type, Format: sp.Format, Enum: sp.Enum, Pos: sp.Pos}, ctx, sp.Pos)
	}
	if sp.In != "body" && sp.HasDefault {
		p.Default, p.HasDefault = defaultText(sp.Default), true
	}
	switch {
	case p.Internal && p.HasDefault:
		p.Exposure = ir.Hidden // filled by the runtime from the default
	case p.Required && !p.HasDefault:
		p.Exposure = ir.Positional
	default:
		// Optional, or required with a default that satisfies it.
		p.Exposure = ir.Optional
	}
	return p
}

// paramScalar is the Go type of a path/query/header/formData value.
func (l *lowerer) paramScalar(s *spec.Schema, ctx string, pos diag.Pos) *ir.TypeRef {
	switch s.Type {
	case "string", "integer", "number", "boolean":
	default:
		// Not a primitive: sent as text.
		return tString
	}
	return l.typeOf(s, ctx, pos)
}

// bodyType chooses the Go type of the body parameter after a.Op.Body is known.
func (l *lowerer) bodyType(a *ir.Action, sp *spec.Parameter) *ir.TypeRef {
	if a.Op.Body == ir.BodyRaw {
		return tReader
	}
	if sp.Schema == nil {
		return tRaw
	}
	return l.typeOf(sp.Schema, a.GoName+"Request", sp.Pos)
}

// body decides how the request body is encoded, from the parameters and the
// effective consumes list.
func (l *lowerer) body(a *ir.Action, op *spec.Operation) {
	var bodyParam *spec.Parameter
	form, file := false, false
	for _, p := range op.Parameters {
		switch p.In {
		case "body":
			bodyParam = p
		case "formData":
			form = true
			file = file || p.Type == "file"
		}
	}
	consumes := op.Consumes
	has := func(sub string) bool {
		return slices.ContainsFunc(consumes, func(c string) bool { return strings.Contains(strings.ToLower(c), sub) })
	}
	switch {
	case form:
		if file || has("multipart/form-data") {
			a.Op.Body = ir.BodyMultipart
		} else {
			a.Op.Body = ir.BodyForm
		}
	case bodyParam != nil:
		s := bodyParam.Schema
		binary := s != nil && (s.Type == "file" || (s.Type == "string" && s.Format == "binary"))
		jsonish := len(consumes) == 0 || has("json")
		switch {
		case binary || !jsonish:
			a.Op.Body = ir.BodyRaw
			a.Op.ContentType = "application/octet-stream"
			if len(consumes) > 0 {
				a.Op.ContentType = consumes[0]
			}
		default:
			a.Op.Body = ir.BodyJSON
			a.Op.ContentType = "application/json"
			for _, c := range consumes {
				if strings.Contains(strings.ToLower(c), "json") {
					a.Op.ContentType = c
					break
				}
			}
			if def := bodyDefaults(s, map[*spec.Schema]bool{}); def != nil {
				a.Op.BodyDefault, _ = json.Marshal(def)
			}
		}
	}
}

// bodyDefaults collects the defaults of internal properties (recursively
// into object properties) as a JSON object, nil when there are none. They
// are what the platform fills in for the user (protocol §2.3).
func bodyDefaults(s *spec.Schema, seen map[*spec.Schema]bool) map[string]any {
	if s == nil || seen[s] {
		return nil
	}
	seen[s] = true
	defer delete(seen, s)
	props, _ := flatten(s)
	var out map[string]any
	for _, p := range props {
		ps := p.Schema
		if ps == nil {
			continue
		}
		var v any
		if ps.Visibility == "internal" && ps.HasDefault {
			v = ps.Default
		} else if nested := bodyDefaults(ps, seen); nested != nil {
			v = nested
		} else {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[p.Name] = v
	}
	return out
}

// nameParams gives every exposed parameter its Go name: positional ones a
// local variable name, optional ones an Options field name, claimed in
// location precedence so that a clash resolves the same way whatever the
// parameter order.
func (l *lowerer) nameParams(a *ir.Action) {
	order := slices.Clone(a.Op.Params)
	slices.SortStableFunc(order, func(x, y *ir.Param) int { return cmp.Compare(inRank[x.In], inRank[y.In]) })
	// One name space for all exposed parameters, so that a path "id" and a
	// query "id" are told apart in both the arguments and the Options fields.
	exposed := naming.NewScope()
	locals := naming.NewScope(localReserved...)
	hasOpt := false
	for _, p := range order {
		if p.Exposure == ir.Hidden {
			continue
		}
		base := l.n.Exported(p.Name)
		name := l.claim(exposed, p.Pos, "parameter", base, base+inSuffix[p.In])
		switch p.Exposure {
		case ir.Positional:
			local := l.n.Unexported(name)
			p.GoName = l.claim(locals, p.Pos, "parameter", local, local+inSuffix[p.In])
		case ir.Optional:
			hasOpt = true
			p.GoName = name
		}
	}
	if hasOpt {
		a.Options = l.claim(l.types, a.Pos, "type", a.GoName+"Options", a.GoName+"Params")
	}
}

// result picks the success response that defines the method's result: 200
// first, then the other 2xx codes in numeric order (protocol §2.11).
// successRank orders success codes: 200 first, then the other 2xx codes
// in numeric order; -1 for anything else.
func successRank(code string) int {
	n, err := strconv.Atoi(code)
	if err != nil || n < 200 || n > 299 {
		return -1
	}
	if n == 200 {
		return 0
	}
	return n
}

// bestResponse is the success response that defines an operation's result:
// the best-ranked 2xx response with a schema, nil when there is none.
func bestResponse(op *spec.Operation) *spec.Response {
	var best *spec.Response
	for _, r := range op.Responses {
		if r.Schema == nil || successRank(r.Code) < 0 {
			continue
		}
		if best == nil || successRank(r.Code) < successRank(best.Code) {
			best = r
		}
	}
	return best
}

func (l *lowerer) result(a *ir.Action, op *spec.Operation) {
	best := bestResponse(op)
	rank := successRank
	produces := op.Produces
	jsonish := len(produces) == 0 || slices.ContainsFunc(produces, func(p string) bool {
		return strings.Contains(strings.ToLower(p), "json")
	})
	if best == nil {
		// No declared body. Connectors often leave out the schema of
		// responses that do carry data (dynamic schemas, quick definitions),
		// so unless no body can come back, the caller gets the raw bytes
		// instead of losing them.
		noBody := op.Method == "DELETE" || op.Method == "HEAD"
		any2xx, only204 := false, true
		for _, r := range op.Responses {
			if rank(r.Code) >= 0 {
				any2xx = true
				only204 = only204 && r.Code == "204"
			}
		}
		if noBody || (any2xx && only204) {
			return
		}
		if jsonish {
			a.Op.Result, a.Result = ir.ResultJSON, tRaw
		} else {
			a.Op.Result, a.Result = ir.ResultBinary, tRC
		}
		return
	}
	s := best.Schema
	switch {
	case s.Type == "file" || (s.Type == "string" && s.Format == "binary"):
		a.Op.Result, a.Result = ir.ResultBinary, tRC
	case s.Type == "string" && !jsonish:
		a.Op.Result, a.Result = ir.ResultText, tString
	case !jsonish:
		// The response is not JSON (XML, HTML, ...): hand over the bytes
		// rather than fail to decode them.
		a.Op.Result, a.Result = ir.ResultBinary, tRC
	default:
		a.Op.Result = ir.ResultJSON
		a.Result = l.typeOf(s, a.GoName+"Response", best.Pos)
	}
}

func paramDoc(p *spec.Parameter) string {
	var parts []string
	for _, t := range []string{p.Summary, p.Description} {
		t = strings.TrimSpace(t)
		if t != "" && !slices.Contains(parts, t) {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, "\n\n")
}

// hideCallbackOnlyBody hides the body parameter of a webhook subscribe
// operation when nothing in it is left for the caller to set: its only
// properties were the callback URL (not a field, see structType). The
// runtime then sends {} with the URL filled in, merged over the internal
// defaults. Its inline struct, used only here, is not declared.
func (l *lowerer) hideCallbackOnlyBody(a *ir.Action) {
	i := slices.IndexFunc(a.Op.Params, func(p *ir.Param) bool { return p.In == "body" })
	if i < 0 {
		return
	}
	body := a.Op.Params[i]
	if body.HasDefault || body.Type == nil || body.Type.Kind != ir.Named || !body.Type.Struct {
		return
	}
	d := l.decl(body.Type.Name)
	if d == nil || len(d.Fields) > 0 {
		return
	}
	body.Exposure = ir.Hidden
	if d.Source == "" {
		l.decls = slices.DeleteFunc(l.decls, func(x *ir.Type) bool { return x == d })
	}
}

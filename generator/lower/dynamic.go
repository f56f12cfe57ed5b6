package lower

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/naming"
	"github.com/connectorgen/connectorgen/generator/spec"
)

// Dynamic metadata (protocol §2.9). The designer calls another operation
// of the connector to offer values for a parameter (x-ms-dynamic-values,
// x-ms-dynamic-list) or to learn the schema of a body or response whose
// Go type therefore stays json.RawMessage (x-ms-dynamic-schema,
// x-ms-dynamic-properties). Each becomes a helper method making that call
// (an ir.Lookup). x-ms-dynamic-tree (a folder browser) is not supported.
//
// Where both the old and the new extension are present the new one is
// used (x-ms-dynamic-list, x-ms-dynamic-properties): its bindings are
// unambiguous and reach into bodies; the platform's validator asks
// authors for both when they differ in reach.

// dynExt is one decoded dynamic extension.
type dynExt struct {
	name        string // the extension key
	operationID string
	params      []spec.PolicyParameter // the "parameters" members, source order
	// Paths: values (collection, value, title) or schema (value).
	collection, value, title string
	capability, builtIn      string
	pos                      diag.Pos
}

// decodeDyn reads an extension value; nil when raw is absent.
func decodeDyn(name string, raw json.RawMessage, pos diag.Pos) *dynExt {
	if raw == nil {
		return nil
	}
	x := &dynExt{name: name, pos: pos}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return x // not an object: no operationId, reported by the caller
	}
	str := func(k string) string {
		var s string
		json.Unmarshal(m[k], &s)
		return s
	}
	x.operationID = str("operationId")
	x.capability, x.builtIn = str("capability"), str("builtInOperation")
	if p, ok := m["parameters"]; ok {
		x.params = objectMembers(p, pos)
	}
	switch name {
	case "x-ms-dynamic-values":
		x.collection, x.value, x.title = str("value-collection"), str("value-path"), str("value-title")
	case "x-ms-dynamic-list":
		x.collection, x.value, x.title = str("itemsPath"), str("itemValuePath"), str("itemTitlePath")
	case "x-ms-dynamic-schema":
		x.value = str("value-path")
	case "x-ms-dynamic-properties":
		x.value = str("itemValuePath")
	}
	return x
}

// pickDyn returns the first usable extension of candidates (in order of
// preference), warning about the first one when none is usable.
func (l *lowerer) pickDyn(subject string, cands ...*dynExt) *dynExt {
	var first *dynExt
	for _, x := range cands {
		if x == nil {
			continue
		}
		if first == nil {
			first = x
		}
		if x.operationID != "" {
			return x
		}
	}
	switch {
	case first == nil:
	case first.capability != "":
		l.ds.Warnf(first.pos, "%s of %s uses the designer capability %q: no helper is generated", first.name, subject, first.capability)
	case first.builtIn != "":
		l.ds.Warnf(first.pos, "%s of %s calls the designer's built-in operation %q: no helper is generated", first.name, subject, first.builtIn)
	default:
		l.ds.Warnf(first.pos, "%s of %s has no operationId: no helper is generated", first.name, subject)
	}
	return nil
}

// lookups lowers the dynamic metadata of every operation, in operationId
// order, after all methods are named (helpers lose name clashes).
func (l *lowerer) lookups(byID map[string]*ir.Action, ops []*spec.Operation) {
	items := map[*spec.Operation]*spec.PathItem{}
	for _, pi := range l.doc.Paths {
		for _, op := range pi.Operations {
			items[op] = pi
		}
	}
	for _, op := range ops {
		host := byID[op.OperationID]
		if host == nil {
			continue
		}
		lk := &lookupCtx{l: l, host: host, op: op, byID: byID}
		for _, sp := range op.Parameters {
			if sp.DynamicTree != nil {
				l.ds.Warnf(sp.Pos, "x-ms-dynamic-tree of parameter %q of %s is not supported: the parameter is an ordinary argument and no helper browses its values", sp.Name, op.OperationID)
			}
			ip := lk.hostParam(sp)
			if ip == nil || ip.Exposure == ir.Hidden {
				continue
			}
			if sp.In == "body" {
				lk.bodyLookups(sp, ip)
				continue
			}
			subject := "parameter " + strconv.Quote(sp.Name) + " of " + op.OperationID
			x := l.pickDyn(subject, decodeDyn("x-ms-dynamic-list", sp.DynamicList, sp.Pos), decodeDyn("x-ms-dynamic-values", sp.DynamicValues, sp.Pos))
			if x != nil {
				lk.values(x, "parameter "+strconv.Quote(sp.Name), l.n.Exported(sp.Name), ip.Type)
			}
		}
		where, s := "Response", (*spec.Schema)(nil)
		if r := bestResponse(op); r != nil && host.Result != nil {
			s = r.Schema
		}
		if op.Trigger != "" {
			where = "Event"
			if nc := items[op].NotificationContent; nc != nil && nc.Schema != nil {
				s = nc.Schema
			}
		}
		lk.schemas(s, where, strings.ToLower(where))
	}
}

// lookupCtx is the operation whose dynamic metadata is being lowered.
type lookupCtx struct {
	l    *lowerer
	host *ir.Action
	op   *spec.Operation
	byID map[string]*ir.Action
}

// hostParam is the lowered parameter of the spec parameter sp.
func (lk *lookupCtx) hostParam(sp *spec.Parameter) *ir.Param {
	for _, p := range lk.host.Op.Params {
		if p.Name == sp.Name && p.In == sp.In {
			return p
		}
	}
	return nil
}

// bodyParam returns the body parameter of the host: spec and lowered.
func (lk *lookupCtx) bodyParam() (*spec.Parameter, *ir.Param) {
	for _, sp := range lk.op.Parameters {
		if sp.In == "body" {
			return sp, lk.hostParam(sp)
		}
	}
	return nil, nil
}

// bodyLookups: the schema of the body and the values of its properties.
func (lk *lookupCtx) bodyLookups(sp *spec.Parameter, ip *ir.Param) {
	subject := "the body of " + lk.op.OperationID
	if x := lk.l.pickDyn(subject, decodeDyn("x-ms-dynamic-properties", sp.DynamicProperties, sp.Pos), decodeDyn("x-ms-dynamic-schema", sp.DynamicSchema, sp.Pos)); x != nil {
		lk.schema(x, "the request body", "Request")
	} else {
		lk.schemas(sp.Schema, "Request", "request body")
	}
	seen := map[*spec.Schema]bool{}
	var walk func(s *spec.Schema, path []string)
	walk = func(s *spec.Schema, path []string) {
		if s == nil || seen[s] || len(path) > 8 {
			return
		}
		seen[s] = true
		defer delete(seen, s)
		props, _ := flatten(s)
		for _, p := range props {
			ps := p.Schema
			if ps == nil {
				continue
			}
			at := append(slices.Clone(path), p.Name)
			what := "body property " + strconv.Quote(strings.Join(at, "/"))
			host, x := ps, lk.l.pickDyn(what+" of "+lk.op.OperationID, decodeDyn("x-ms-dynamic-list", ps.DynamicList, p.Pos), decodeDyn("x-ms-dynamic-values", ps.DynamicValues, p.Pos))
			if x == nil && ps.Type == "array" && ps.Items != nil {
				host, x = ps.Items, lk.l.pickDyn(what+" of "+lk.op.OperationID, decodeDyn("x-ms-dynamic-list", ps.Items.DynamicList, p.Pos), decodeDyn("x-ms-dynamic-values", ps.Items.DynamicValues, p.Pos))
			}
			if x != nil {
				var name strings.Builder
				for _, seg := range at {
					name.WriteString(lk.l.n.Exported(seg))
				}
				lk.values(x, what, name.String(), lk.l.dynSchemaType(host))
				continue
			}
			if !isDynamic(ps) && (ps.Type == "object" || ps.Type == "") {
				walk(ps, at)
			}
		}
	}
	walk(sp.Schema, nil)
}

// dynSchemaType is the Go type lowered for s, or its scalar type when s was
// never lowered (it is only used for helper arguments and values).
func (l *lowerer) dynSchemaType(s *spec.Schema) *ir.TypeRef {
	if s == nil {
		return tRaw
	}
	if r, ok := l.refs[s]; ok {
		return r
	}
	switch s.Type {
	case "string", "integer", "number", "boolean":
		return scalar(s)
	case "array":
		return &ir.TypeRef{Kind: ir.Slice, Elem: l.dynSchemaType(s.Items)}
	}
	return tRaw
}

// schemas finds the x-ms-dynamic-schema / x-ms-dynamic-properties
// locations in s (depth first, property order) and lowers each.
func (l *lookupCtx) schemas(s *spec.Schema, where, words string) {
	seen := map[*spec.Schema]bool{}
	var walk func(s *spec.Schema, path []string)
	walk = func(s *spec.Schema, path []string) {
		if s == nil || seen[s] || len(path) > 8 {
			return
		}
		seen[s] = true
		defer delete(seen, s)
		if isDynamic(s) {
			subject := "the " + words
			switch n := len(path); {
			case n == 1 && path[0] == "[]":
				subject = "the items of the " + words
			case n > 0 && path[n-1] == "[]":
				subject = "the items of property " + strconv.Quote(dynPathText(path[:n-1])) + " of the " + words
			case n > 0:
				subject = "property " + strconv.Quote(dynPathText(path)) + " of the " + words
			}
			x := l.l.pickDyn(subject+" of "+l.op.OperationID, decodeDyn("x-ms-dynamic-properties", s.DynamicProperties, s.Pos), decodeDyn("x-ms-dynamic-schema", s.DynamicSchema, s.Pos))
			if x != nil {
				var name strings.Builder
				name.WriteString(where)
				for _, seg := range path {
					if seg != "[]" {
						name.WriteString(l.l.n.Exported(seg))
					}
				}
				l.schema(x, subject, name.String())
			}
			return
		}
		props, _ := flatten(s)
		for _, p := range props {
			walk(p.Schema, append(slices.Clone(path), p.Name))
		}
		walk(s.Items, append(slices.Clone(path), "[]"))
	}
	walk(s, nil)
}

// dynPathText writes a schema path with "[]" for array items: "value[]/id".
func dynPathText(path []string) string {
	var b strings.Builder
	for i, seg := range path {
		if i > 0 && seg != "[]" {
			b.WriteByte('/')
		}
		b.WriteString(seg)
	}
	return b.String()
}

// values lowers a value/title lookup for subject; base names it.
func (lk *lookupCtx) values(x *dynExt, subject, base string, t *ir.TypeRef) {
	if t.Kind == ir.Slice {
		t = t.Elem
	}
	lu := &ir.Lookup{
		Kind:       ir.LookupValues,
		Extension:  x.name,
		Host:       lk.host,
		Subject:    subject,
		Collection: x.collection,
		ValuePath:  x.value,
		TitlePath:  x.title,
		Value:      dynValueType(t),
		Pos:        x.pos,
	}
	if !lk.bind(lu, x, subject) {
		return
	}
	name := lk.host.GoName + base
	lu.GoName = lk.l.claim(lk.l.meths, x.pos, "method", name+"Values", name+"Choices")
	lk.l.pkg.Lookups = append(lk.l.pkg.Lookups, lu)
}

// dynValueType is the Go type of an offered value: the parameter's scalar
// type, else raw JSON.
func dynValueType(t *ir.TypeRef) *ir.TypeRef {
	switch {
	case t.Kind == ir.Builtin && t.Name != "any":
		return t
	case t.Kind == ir.Named && t.Enum:
		return t
	case t.Kind == ir.Qual && t.Pkg == runtimePkg:
		return t // runtime.DateTime, runtime.Date
	}
	return tRaw
}

// schema lowers a schema lookup for subject; base names it.
func (lk *lookupCtx) schema(x *dynExt, subject, base string) {
	lu := &ir.Lookup{
		Kind:       ir.LookupSchema,
		Extension:  x.name,
		Host:       lk.host,
		Subject:    subject,
		SchemaPath: x.value,
		Pos:        x.pos,
	}
	if !lk.bind(lu, x, subject) {
		return
	}
	name := lk.host.GoName + base
	lu.GoName = lk.l.claim(lk.l.meths, x.pos, "method", name+"Schema", name+"JSONSchema")
	lk.l.pkg.Lookups = append(lk.l.pkg.Lookups, lu)
}

// bind resolves the target operation and the parameter bindings of x into
// lu, warning and returning false when the helper cannot be generated.
func (lk *lookupCtx) bind(lu *ir.Lookup, x *dynExt, subject string) bool {
	l := lk.l
	fail := func(format string, args ...any) bool {
		l.ds.Warnf(x.pos, "%s of %s of %s: "+format+": no helper is generated", append([]any{x.name, subject, lk.op.OperationID}, args...)...)
		return false
	}
	target := lk.byID[x.operationID]
	if target == nil {
		return fail("operation %q is not defined", x.operationID)
	}
	lu.Target = target
	locals := naming.NewScope(localReserved...)
	sources := map[string]int{} // source key -> index in lu.Args
	bound := map[int]bool{}
	for _, m := range x.params {
		idx, path, ok := dynTargetParam(target, m.Name)
		if !ok {
			return fail("%s has no parameter %q", x.operationID, m.Name)
		}
		b := &ir.Binding{Param: idx, Path: path}
		// Two values for one place, or one inside the other ("body/a" and
		// "body/a/b"), cannot both be sent: the first one given wins.
		if i := slices.IndexFunc(lu.Bindings, func(o *ir.Binding) bool { return o.Param == idx && pathsOverlap(o.Path, path) }); i >= 0 {
			l.ds.Warnf(x.pos, "%s of %s of %s: parameter %q overlaps the binding of %q: it is not sent", x.name, subject, lk.op.OperationID, m.Name, bindingName(target, lu.Bindings[i]))
			continue
		}
		ref, konst := dynBindingValue(m.Value)
		switch {
		case ref != "":
			src, ok := lk.resolve(ref)
			if !ok {
				return fail("parameter %q refers to %q, which %s does not have", m.Name, ref, lk.op.OperationID)
			}
			if src.konst != nil {
				b.Const = src.konst
				break
			}
			i, seen := sources[src.key]
			if !seen {
				i = len(lu.Args)
				sources[src.key] = i
				lu.Args = append(lu.Args, &ir.LookupArg{
					GoName: l.claim(locals, x.pos, "parameter", src.local),
					Type:   src.typ,
					Source: src.doc,
				})
			}
			b.Arg = i
			if target.Op.Params[idx].In != "body" && !dynTextual(src.typ) {
				return fail("parameter %q refers to %q, whose value has no text form", m.Name, ref)
			}
		case bytes.Equal(konst, []byte("null")):
			continue // a null constant sends nothing
		default:
			b.Const = konst
		}
		bound[idx] = true
		lu.Bindings = append(lu.Bindings, b)
	}
	for i, p := range target.Op.Params {
		if bound[i] || !p.Required || p.HasDefault || (p.In == "body" && target.Op.BodyDefault != nil) {
			continue
		}
		return fail("it binds no value to the required parameter %q of %s", p.Name, x.operationID)
	}
	slices.SortStableFunc(lu.Bindings, func(a, b *ir.Binding) int { return a.Param - b.Param })
	return true
}

// dynTextual reports whether values of t have a text form for a path, query,
// header or form parameter (scalars and slices of scalars).
func dynTextual(t *ir.TypeRef) bool {
	if t.Kind == ir.Slice {
		t = t.Elem
	}
	return dynValueType(t) != tRaw
}

// dynTargetParam finds the parameter of t that a binding key names: a
// parameter name, or "bodyParam/prop/..." for a property inside the body
// (x-ms-dynamic-list form). A plain name that is no parameter but a body
// exists names a body property (the old form cannot tell them apart).
func dynTargetParam(t *ir.Action, key string) (int, []string, bool) {
	segs := strings.Split(strings.Trim(key, "/"), "/")
	find := func(name string) int {
		if i := slices.IndexFunc(t.Op.Params, func(p *ir.Param) bool { return p.Name == name }); i >= 0 {
			return i
		}
		return slices.IndexFunc(t.Op.Params, func(p *ir.Param) bool { return strings.EqualFold(p.Name, name) })
	}
	body := slices.IndexFunc(t.Op.Params, func(p *ir.Param) bool { return p.In == "body" })
	if i := find(segs[0]); i >= 0 {
		if len(segs) == 1 {
			return i, nil, true
		}
		if t.Op.Params[i].In == "body" {
			return i, segs[1:], true
		}
		return 0, nil, false
	}
	if body >= 0 && segs[0] != "" {
		return body, segs, true
	}
	return 0, nil, false
}

// dynBindingValue reads one binding: a reference to a host parameter
// ({"parameter": x} or {"parameterReference": x}) or a constant
// ({"value": v} or a plain literal), as JSON.
func dynBindingValue(raw json.RawMessage) (ref string, konst json.RawMessage) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil && len(m) == 1 {
		for k, v := range m {
			var s string
			switch k {
			case "parameter", "parameterReference":
				if json.Unmarshal(v, &s) == nil && s != "" {
					return s, nil
				}
			case "value":
				return "", dynCompact(v)
			}
		}
	}
	return "", dynCompact(raw)
}

func dynCompact(raw json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return raw
	}
	return buf.Bytes()
}

// dynSource is what a binding reference stands for on the host side.
type dynSource struct {
	key   string // identity, to share one argument between bindings
	local string // argument name
	doc   string
	typ   *ir.TypeRef
	konst []byte // a hidden parameter's default, used as a constant
}

// resolve resolves a reference to a host parameter ("name"), a property of
// the host's body ("body/a/b" with the body parameter's name first, or
// "a" for a top-level property in the old form).
func (lk *lookupCtx) resolve(ref string) (dynSource, bool) {
	l := lk.l
	segs := strings.Split(strings.Trim(ref, "/"), "/")
	for _, sp := range lk.op.Parameters {
		if sp.Name != segs[0] {
			continue
		}
		ip := lk.hostParam(sp)
		if ip == nil {
			return dynSource{}, false
		}
		if sp.In == "body" {
			return lk.bodySource(segs[1:])
		}
		if len(segs) > 1 {
			return dynSource{}, false
		}
		if ip.Exposure == ir.Hidden {
			b, _ := json.Marshal(ip.Default)
			return dynSource{konst: b}, true
		}
		local := ip.GoName
		if ip.Exposure == ir.Optional {
			local = l.n.Unexported(ip.GoName)
		}
		return dynSource{key: "param " + sp.In + " " + sp.Name, local: local, doc: "parameter " + strconv.Quote(sp.Name), typ: dynArgType(ip.Type)}, true
	}
	return lk.bodySource(segs)
}

// bodySource resolves a property path inside the host's body (the whole
// body for an empty path).
func (lk *lookupCtx) bodySource(path []string) (dynSource, bool) {
	sp, ip := lk.bodyParam()
	if sp == nil || ip == nil || ip.Exposure == ir.Hidden {
		return dynSource{}, false
	}
	if len(path) == 0 {
		return dynSource{key: "body", local: lk.l.n.Unexported(sp.Name), doc: "the request body", typ: dynArgType(ip.Type)}, true
	}
	s := sp.Schema
	for _, seg := range path {
		props, _ := flatten(s)
		i := slices.IndexFunc(props, func(p *spec.Property) bool { return p.Name == seg })
		if i < 0 || props[i].Schema == nil {
			return dynSource{}, false
		}
		s = props[i].Schema
	}
	p := strings.Join(path, "/")
	return dynSource{key: "body " + p, local: lk.l.n.Unexported(path[len(path)-1]), doc: "body property " + strconv.Quote(p), typ: dynArgType(lk.l.dynSchemaType(s))}, true
}

// dynArgType is the Go type of a helper argument: struct types by pointer.
func dynArgType(t *ir.TypeRef) *ir.TypeRef {
	if t.Kind == ir.Named && t.Struct {
		return &ir.TypeRef{Kind: ir.Pointer, Elem: t}
	}
	if t.Kind == ir.Qual && t.Pkg == "io" {
		return tRaw
	}
	return t
}

// pathsOverlap reports whether one body path is a prefix of the other
// (nil, the whole parameter, overlaps everything).
func pathsOverlap(a, b []string) bool {
	n := min(len(a), len(b))
	return slices.Equal(a[:n], b[:n])
}

// bindingName is the name a binding is written with in the connector:
// the parameter, or "param/a/b" for a path inside a body parameter.
func bindingName(target *ir.Action, b *ir.Binding) string {
	return strings.Join(append([]string{target.Op.Params[b.Param].Name}, b.Path...), "/")
}

package emit

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/dave/jennifer/jen"

	"github.com/connectorgen/connectorgen/generator/ir"
)

// dynamicHelpers emits the dynamic-metadata helpers: one method per parameter
// with x-ms-dynamic-values / x-ms-dynamic-list (value/title pairs) and per
// body or response with x-ms-dynamic-schema / x-ms-dynamic-properties (its
// JSON schema). Each calls the operation the connector names, as the
// designer does, through the client.
func dynamicHelpers(f *jen.File, p *ir.Package) bool {
	for _, lu := range p.Lookups {
		dynamicHelper(f, lu)
	}
	return len(p.Lookups) > 0
}

func dynamicHelper(f *jen.File, lu *ir.Lookup) {
	dynamicHelperDoc(lu).file(f)
	params := []jen.Code{jen.Id("ctx").Qual("context", "Context")}
	for _, a := range lu.Args {
		params = append(params, jen.Id(a.GoName).Add(typeExpr(a.Type)))
	}
	var result jen.Code = jen.Qual("encoding/json", "RawMessage")
	if lu.Kind == ir.LookupValues {
		result = jen.Index().Qual(rt, "Choice").Types(typeExpr(lu.Value))
	}
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(lu.GoName).Params(params...).Params(result, jen.Error()).BlockFunc(func(g *jen.Group) {
		args := dynamicCallArgs(g, lu)
		target := jen.Op("&").Id(opVar(lu.Target))
		if lu.Kind == ir.LookupSchema {
			g.Return(jen.Qual(rt, "DynamicSchema").Call(jen.Id("ctx"), jen.Id("c").Dot("rt"), target, args, jen.Lit(lu.SchemaPath)))
			return
		}
		var list []jen.Code
		for _, kv := range [][2]string{{"Collection", lu.Collection}, {"Value", lu.ValuePath}, {"Title", lu.TitlePath}} {
			if kv[1] != "" {
				list = append(list, jen.Id(kv[0]).Op(":").Lit(kv[1]))
			}
		}
		g.Return(jen.Qual(rt, "DynamicValues").Types(typeExpr(lu.Value)).Call(
			jen.Id("ctx"), jen.Id("c").Dot("rt"), target, args, jen.Qual(rt, "ValueList").Values(list...)))
	})
}

func dynamicHelperDoc(lu *ir.Lookup) *docBuilder {
	d := &docBuilder{}
	host := lu.Host.GoName
	switch lu.Kind {
	case ir.LookupValues:
		s := lu.GoName + " lists the values the connector offers for " + lu.Subject + " of " + host + " (" + lu.Extension + "): it calls " +
			lu.Target.GoName + " and reads "
		if lu.ValuePath != "" {
			s += "the value at " + strconv.Quote(lu.ValuePath)
		} else {
			s += "the value"
		}
		if lu.TitlePath != "" {
			s += " and the title at " + strconv.Quote(lu.TitlePath)
		}
		s += " of each item of "
		if lu.Collection != "" {
			s += strconv.Quote(lu.Collection) + "."
		} else {
			s += "the response."
		}
		d.text(s)
	case ir.LookupSchema:
		s := lu.GoName + " fetches the JSON schema of " + lu.Subject + " of " + host + " (" + lu.Extension + "), which " +
			"the connector leaves open (its Go type is json.RawMessage): it calls " + lu.Target.GoName + " and returns "
		if lu.SchemaPath != "" {
			s += "the value at " + strconv.Quote(lu.SchemaPath) + " of the response (nil when it is null)."
		} else {
			s += "the response."
		}
		d.text(s)
	}
	d.raw("\t" + lu.Target.Op.Method + " " + lu.Target.Op.Path)
	var list []string
	for _, a := range lu.Args {
		list = append(list, "  - "+a.GoName+": the value of "+a.Source+" of "+host)
	}
	if len(list) > 0 {
		d.raw(append([]string{"Parameters:"}, list...)...)
	}
	return d
}

// dynamicCallArgs declares args for the target operation and fills it from the
// bindings; it returns the expression of the argument slice.
func dynamicCallArgs(g *jen.Group, lu *ir.Lookup) jen.Code {
	if len(lu.Bindings) == 0 {
		return jen.Nil()
	}
	g.Var().Id("args").Index(jen.Lit(len(lu.Target.Op.Params))).Qual(rt, "Arg")
	for i := 0; i < len(lu.Bindings); {
		j := i
		for j < len(lu.Bindings) && lu.Bindings[j].Param == lu.Bindings[i].Param {
			j++
		}
		group := lu.Bindings[i:j]
		i = j
		p := lu.Target.Op.Params[group[0].Param]
		dst := jen.Id("args").Index(jen.Lit(group[0].Param))
		if whole := dynamicWhole(group); whole != nil {
			g.Add(dst.Op("=").Add(dynamicBindingArg(lu, p, whole)))
			continue
		}
		g.Add(dst.Op("=").Qual(rt, "JSON").Call(dynamicBodyTree(lu, group)))
	}
	return jen.Id("args").Index(jen.Op(":"))
}

func dynamicWhole(bs []*ir.Binding) *ir.Binding {
	for _, b := range bs {
		if b.Path == nil {
			return b
		}
	}
	return nil
}

// dynamicBindingArg is the runtime.Arg of a binding of a whole parameter.
func dynamicBindingArg(lu *ir.Lookup, p *ir.Param, b *ir.Binding) *jen.Statement {
	if b.Const != nil {
		if p.In == "body" {
			return jen.Qual(rt, "RawJSON").Call(jen.Index().Byte().Call(jen.Lit(string(b.Const))))
		}
		return dynamicConstArg(b.Const)
	}
	a := lu.Args[b.Arg]
	v := jen.Id(a.GoName)
	if p.In == "body" {
		return jen.Qual(rt, "JSON").Call(v)
	}
	if a.Type.Kind == ir.Slice {
		return jen.Qual(rt, sliceConv(a.Type.Elem)).Call(v)
	}
	return jen.Qual(rt, scalarConv(a.Type)).Call(v)
}

// dynamicConstArg is the text form of a JSON constant for a path, query, header
// or form parameter: strings as they are, arrays as lists, other values as
// their JSON.
func dynamicConstArg(raw []byte) *jen.Statement {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return jen.Qual(rt, "String").Call(jen.Lit(string(raw)))
	}
	if list, ok := v.([]any); ok {
		var items []jen.Code
		for _, e := range list {
			items = append(items, jen.Lit(dynamicConstText(e)))
		}
		return jen.Qual(rt, "Strings").Call(jen.Index().String().Values(items...))
	}
	return jen.Qual(rt, "String").Call(jen.Lit(dynamicConstText(v)))
}

func dynamicConstText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// dynamicBodyTree builds the JSON object of bindings into a body parameter, as
// nested map literals in binding order.
func dynamicBodyTree(lu *ir.Lookup, bs []*ir.Binding) jen.Code {
	type node struct {
		keys  []string
		kids  map[string]*node
		value map[string]jen.Code
	}
	root := &node{kids: map[string]*node{}, value: map[string]jen.Code{}}
	// lower drops overlapping bindings (with a warning); a conflict here
	// would be a bug, and the binding is skipped rather than moved.
bindings:
	for _, b := range bs {
		n := root
		for _, seg := range b.Path[:len(b.Path)-1] {
			kid, ok := n.kids[seg]
			if !ok {
				if _, taken := n.value[seg]; taken {
					continue bindings
				}
				kid = &node{kids: map[string]*node{}, value: map[string]jen.Code{}}
				n.kids[seg] = kid
				n.keys = append(n.keys, seg)
			}
			n = kid
		}
		last := b.Path[len(b.Path)-1]
		if _, dup := n.value[last]; dup || n.kids[last] != nil {
			continue
		}
		var v jen.Code
		if b.Const != nil {
			v = jen.Qual("encoding/json", "RawMessage").Call(jen.Lit(string(b.Const)))
		} else {
			v = jen.Id(lu.Args[b.Arg].GoName)
		}
		n.value[last] = v
		n.keys = append(n.keys, last)
	}
	var lit func(n *node) jen.Code
	lit = func(n *node) jen.Code {
		var items []jen.Code
		for _, k := range n.keys {
			if kid := n.kids[k]; kid != nil {
				items = append(items, jen.Lit(k).Op(":").Add(lit(kid)))
			} else {
				items = append(items, jen.Lit(k).Op(":").Add(n.value[k]))
			}
		}
		return jen.Map(jen.String()).Any().Values(items...)
	}
	return lit(root)
}

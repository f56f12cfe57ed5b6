package emit

import (
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/connectorgen/connectorgen/generator/ir"
)

func actions(f *jen.File, p *ir.Package) bool {
	for _, a := range p.Actions {
		if a.Options != "" {
			options(f, a)
		}
		method(f, a)
	}
	return len(p.Actions) > 0
}

// options emits the struct of an action's optional parameters.
func options(f *jen.File, a *ir.Action) {
	f.Comment("// " + a.Options + " holds the optional parameters of " + a.GoName + ". The zero value")
	f.Comment("// sends none of them (parameters with a default send the default).")
	f.Type().Id(a.Options).StructFunc(func(g *jen.Group) {
		for _, p := range a.Op.Params {
			if p.Exposure != ir.Optional {
				continue
			}
			d := &docBuilder{}
			d.text(p.Doc)
			d.text(paramNote(p))
			d.to(g)
			g.Id(p.GoName).Add(optionType(p.Type))
		}
	})
}

// paramNote says where the parameter goes and what it defaults to.
func paramNote(p *ir.Param) string {
	s := "Sent as " + p.In + " parameter " + quote(p.Name)
	if p.In == "body" {
		s = "Sent as the request body"
	}
	if p.HasDefault && p.In != "body" {
		s += "; defaults to " + quote(p.Default)
	}
	return s + "."
}

// optionType is the field type of an optional parameter: scalars are
// runtime.Opt, slices, maps, readers and raw JSON are nil when unset, struct
// bodies are pointers.
func optionType(t *ir.TypeRef) *jen.Statement {
	switch {
	case t.Kind == ir.Named && t.Struct:
		return jen.Op("*").Add(typeExpr(t))
	case nilable(t):
		return typeExpr(t)
	}
	return jen.Qual(rt, "Opt").Types(typeExpr(t))
}

// nilable reports whether nil is the "unset" value of t.
func nilable(t *ir.TypeRef) bool {
	switch t.Kind {
	case ir.Slice, ir.Map, ir.Pointer:
		return true
	case ir.Qual:
		return t.Pkg == "io" || t.Name == "RawMessage"
	}
	return t.Kind == ir.Builtin && t.Name == "any"
}

func method(f *jen.File, a *ir.Action) {
	d := &docBuilder{}
	if s := strings.TrimSpace(a.Summary); s != "" {
		d.text(a.GoName + " calls the action " + quote(strings.Join(strings.Fields(s), " ")) + ".")
	} else {
		d.text(a.GoName + " calls the operation " + a.Op.ID + ".")
	}
	if strings.TrimSpace(a.Description) != strings.TrimSpace(a.Summary) {
		d.text(a.Description)
	}
	if a.Internal {
		d.text("The connector marks this operation internal: the platform calls it (for example for dynamic values or subscriptions), users normally do not.")
	}
	d.raw("\t" + a.Op.Method + " " + a.Op.Path)
	paramsDoc(d, a)
	d.file(f)

	params := []jen.Code{jen.Id("ctx").Qual("context", "Context")}
	for _, p := range a.Op.Params {
		if p.Exposure == ir.Positional {
			params = append(params, jen.Id(p.GoName).Add(positionalType(p)))
		}
	}
	if a.Options != "" {
		params = append(params, jen.Id("opts").Op("*").Id(a.Options))
	}
	results := jen.Error()
	if a.Result != nil {
		results = jen.Params(resultType(a.Result), jen.Error())
	}
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(a.GoName).Params(params...).Add(results).BlockFunc(func(g *jen.Group) {
		methodBody(g, a)
	})
}

func positionalType(p *ir.Param) *jen.Statement { return typeExpr(p.Type) }

func resultType(t *ir.TypeRef) *jen.Statement {
	if t.Kind == ir.Named && t.Struct {
		return jen.Op("*").Add(typeExpr(t))
	}
	return typeExpr(t)
}

func methodBody(g *jen.Group, a *ir.Action) {
	argsExpr := buildArgs(g, a)
	call := jen.Id("c").Dot("rt").Dot("Do").Call(jen.Id("ctx"), jen.Op("&").Id(opVar(a)), argsExpr, outExpr(a))
	methodResult(g, a, call)
}

// buildArgs declares args and fills it from the method's parameters; it
// returns the expression of the argument slice (nil when there are none).
func buildArgs(g *jen.Group, a *ir.Action) *jen.Statement {
	n := len(a.Op.Params)
	argsExpr := jen.Nil()
	if n > 0 {
		g.Var().Id("args").Index(jen.Lit(n)).Qual(rt, "Arg")
		argsExpr = jen.Id("args").Index(jen.Op(":"))
		for i, p := range a.Op.Params {
			if p.Exposure == ir.Positional {
				g.Add(setArg(i, p, jen.Id(p.GoName), false))
			}
		}
		if a.Options != "" {
			g.If(jen.Id("opts").Op("!=").Nil()).BlockFunc(func(g *jen.Group) {
				for i, p := range a.Op.Params {
					if p.Exposure == ir.Optional {
						g.Add(setArg(i, p, jen.Id("opts").Dot(p.GoName), true))
					}
				}
			})
		}
	}
	return argsExpr
}

// methodResult calls Do and returns the typed result.
func methodResult(g *jen.Group, a *ir.Action, call *jen.Statement) {
	if a.Result == nil {
		g.List(jen.Id("_"), jen.Err()).Op(":=").Add(call)
		g.Return(jen.Err())
		return
	}
	g.Var().Id("out").Add(typeExpr(a.Result))
	ptr := a.Result.Kind == ir.Named && a.Result.Struct
	zero := zeroValue(a.Result)
	if ptr {
		zero = jen.Nil()
	}
	g.If(jen.List(jen.Id("_"), jen.Err()).Op(":=").Add(call), jen.Err().Op("!=").Nil()).Block(jen.Return(zero, jen.Err()))
	if ptr {
		g.Return(jen.Op("&").Id("out"), jen.Nil())
	} else {
		g.Return(jen.Id("out"), jen.Nil())
	}
}

func outExpr(a *ir.Action) jen.Code {
	if a.Result == nil {
		return jen.Nil()
	}
	return jen.Op("&").Id("out")
}

func zeroValue(t *ir.TypeRef) *jen.Statement {
	switch t.Kind {
	case ir.Slice, ir.Map, ir.Pointer:
		return jen.Nil()
	case ir.Qual:
		if nilable(t) {
			return jen.Nil()
		}
		return jen.Lit("") // runtime.DateTime, runtime.Date
	case ir.Named:
		if t.Enum {
			return jen.Lit("")
		}
		return jen.Id(t.Name).Values()
	}
	switch t.Name {
	case "string":
		return jen.Lit("")
	case "bool":
		return jen.False()
	case "any":
		return jen.Nil()
	}
	return jen.Lit(0)
}

// setArg assigns args[i] from v. opt says v is an Options field, with the
// "unset" forms of optionType.
func setArg(i int, p *ir.Param, v *jen.Statement, opt bool) jen.Code {
	dst := jen.Id("args").Index(jen.Lit(i))
	t := p.Type
	if opt && !nilable(t) && !(t.Kind == ir.Named && t.Struct) {
		// runtime.Opt: only a set value is sent.
		conv := "Opt" + strings.TrimSuffix(scalarConv(t), "Of")
		if p.In == "body" {
			return jen.If(jen.List(jen.Id("v"), jen.Id("ok")).Op(":=").Add(v).Dot("Get").Call(), jen.Id("ok")).Block(
				dst.Clone().Op("=").Add(argExpr(p, jen.Id("v"))),
			)
		}
		return dst.Op("=").Qual(rt, conv).Call(v)
	}
	if opt && (t.Kind == ir.Slice && p.In != "body") {
		// A nil slice converts to "not given".
		return dst.Op("=").Add(argExpr(p, v))
	}
	if opt {
		// Pointers, slices, maps, readers and raw JSON: nil means unset.
		return jen.If(jen.Add(v).Op("!=").Nil()).Block(dst.Op("=").Add(argExpr(p, v.Clone())))
	}
	return dst.Op("=").Add(argExpr(p, v))
}

// argExpr converts a Go value of p's type into a runtime.Arg.
func argExpr(p *ir.Param, v *jen.Statement) *jen.Statement {
	t := p.Type
	if p.In == "body" {
		switch {
		case t.Kind == ir.Qual && t.Pkg == "io":
			return jen.Qual(rt, "Reader").Call(v)
		case t.Kind == ir.Qual && t.Name == "RawMessage":
			return jen.Qual(rt, "RawJSON").Call(v)
		}
		return jen.Qual(rt, "JSON").Call(v)
	}
	if t.Kind == ir.Qual && t.Pkg == "io" {
		return jen.Qual(rt, "File").Call(jen.Lit(p.Name), v)
	}
	if t.Kind == ir.Slice {
		return jen.Qual(rt, sliceConv(t.Elem)).Call(v)
	}
	return jen.Qual(rt, scalarConv(t)).Call(v)
}

// scalarConv names the generic runtime conversion for a scalar type.
func scalarConv(t *ir.TypeRef) string {
	switch t.Name {
	case "int64", "int32":
		return "IntOf"
	case "float64":
		return "FloatOf"
	case "bool":
		return "BoolOf"
	}
	return "StringOf" // string, enums, DateTime, Date
}

func sliceConv(t *ir.TypeRef) string {
	switch t.Name {
	case "int64", "int32":
		return "IntsOf"
	case "float64":
		return "FloatsOf"
	case "bool":
		return "BoolsOf"
	}
	return "StringsOf"
}

// paramsDoc ends the doc of a method taking a's arguments: the list of
// documented positional parameters and the deprecation notice.
func paramsDoc(d *docBuilder, a *ir.Action) {
	var list []string
	for _, p := range a.Op.Params {
		if p.Exposure == ir.Positional && p.Doc != "" {
			list = append(list, "  - "+p.GoName+": "+strings.Join(strings.Fields(p.Doc), " "))
		}
	}
	if len(list) > 0 {
		d.raw(append([]string{"Parameters:"}, list...)...)
	}
	if a.Deprecated {
		d.text("Deprecated: the connector marks this operation deprecated.")
	}
}

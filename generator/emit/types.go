package emit

import (
	"github.com/dave/jennifer/jen"

	"github.com/connectorgen/connectorgen/generator/ir"
)

// typeExpr renders a type reference.
func typeExpr(t *ir.TypeRef) *jen.Statement {
	switch t.Kind {
	case ir.Named:
		return jen.Id(t.Name)
	case ir.Slice:
		return jen.Index().Add(typeExpr(t.Elem))
	case ir.Map:
		return jen.Map(jen.String()).Add(typeExpr(t.Elem))
	case ir.Pointer:
		return jen.Op("*").Add(typeExpr(t.Elem))
	case ir.Qual:
		return jen.Qual(t.Pkg, t.Name)
	}
	return jen.Id(t.Name)
}

func types(f *jen.File, p *ir.Package) bool {
	for _, t := range p.Types {
		switch t.Kind {
		case ir.StructType:
			structType(f, t)
		case ir.EnumType:
			enumType(f, t)
		}
	}
	return len(p.Types) > 0
}

func structType(f *jen.File, t *ir.Type) {
	d := &docBuilder{}
	if t.Doc != "" {
		d.text(t.GoName + ": " + t.Doc)
	} else {
		d.text(t.GoName + " is " + sourceText(t) + ".")
	}
	d.file(f)
	f.Type().Id(t.GoName).StructFunc(func(g *jen.Group) {
		for _, fl := range t.Fields {
			field(g, fl)
		}
	})
	extraMethods(f, t)
}

// taggable reports whether a JSON name can be written in a struct tag.
func taggable(name string) bool {
	for _, r := range name {
		if r == ',' || r == '"' || r == '\\' || r == '`' || r < ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

// extraMethods gives a struct with untaggable JSON names MarshalJSON and
// UnmarshalJSON methods that carry those fields through runtime helpers.
func extraMethods(f *jen.File, t *ir.Type) {
	var extra []*ir.Field
	for _, fl := range t.Fields {
		if !taggable(fl.JSONName) {
			extra = append(extra, fl)
		}
	}
	if len(extra) == 0 {
		return
	}
	(&docBuilder{}).text("MarshalJSON encodes " + t.GoName + ", including the properties whose names cannot be struct tags.").file(f)
	f.Func().Params(jen.Id("v").Id(t.GoName)).Id("MarshalJSON").Params().Params(jen.Index().Byte(), jen.Error()).Block(
		jen.Type().Id("plain").Id(t.GoName),
		jen.Return(jen.Qual(rt, "MarshalExtra").Call(jen.Id("plain").Call(jen.Id("v")), jen.Index().Qual(rt, "ExtraField").ValuesFunc(func(g *jen.Group) {
			for _, fl := range extra {
				g.Values(jen.Id("Name").Op(":").Lit(fl.JSONName), jen.Id("Value").Op(":").Id("v").Dot(fl.GoName), jen.Id("Omit").Op(":").Add(omitExpr(fl)))
			}
		}))),
	)
	(&docBuilder{}).text("UnmarshalJSON decodes " + t.GoName + ", including the properties whose names cannot be struct tags.").file(f)
	f.Func().Params(jen.Id("v").Op("*").Id(t.GoName)).Id("UnmarshalJSON").Params(jen.Id("b").Index().Byte()).Error().Block(
		jen.Type().Id("plain").Id(t.GoName),
		jen.If(jen.Err().Op(":=").Qual("encoding/json", "Unmarshal").Call(jen.Id("b"), jen.Parens(jen.Op("*").Id("plain")).Call(jen.Id("v"))), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Return(jen.Qual(rt, "UnmarshalExtra").Call(jen.Id("b"), jen.Map(jen.String()).Any().ValuesFunc(func(g *jen.Group) {
			for _, fl := range extra {
				g.Lit(fl.JSONName).Op(":").Op("&").Id("v").Dot(fl.GoName)
			}
		}))),
	)
}

// omitExpr is the "leave out" condition of an extra field: the omitzero or
// omitempty rule its tag would have had.
func omitExpr(fl *ir.Field) *jen.Statement {
	v := jen.Id("v").Dot(fl.GoName)
	switch {
	case fl.Opt:
		return v.Dot("IsZero").Call()
	case fl.OmitNil:
		if fl.Type.Kind == ir.Slice || fl.Type.Kind == ir.Map || (fl.Type.Kind == ir.Qual && fl.Type.Name == "RawMessage") {
			return jen.Len(v).Op("==").Lit(0)
		}
		return v.Op("==").Nil()
	}
	return jen.False()
}

func field(g *jen.Group, fl *ir.Field) {
	(&docBuilder{}).text(fl.Doc).to(g)
	tag := fl.JSONName
	if tag == "-" {
		tag = "-," // the property is literally named "-"
	}
	typ := typeExpr(fl.Type)
	switch {
	case fl.Opt:
		typ = jen.Qual(rt, "Opt").Types(typeExpr(fl.Type))
		tag += ",omitzero"
	case fl.OmitNil:
		// omitzero leaves out nil slices, maps and pointers but keeps an empty,
		// non-nil slice or map: a required empty array is still sent as [].
		tag += ",omitzero"
	}
	if !taggable(fl.JSONName) {
		tag = "-" // carried by the struct's MarshalJSON/UnmarshalJSON
	}
	g.Id(fl.GoName).Add(typ).Tag(map[string]string{"json": tag})
}

func enumType(f *jen.File, t *ir.Type) {
	d := &docBuilder{}
	if t.Doc != "" {
		d.text(t.GoName + ": " + t.Doc)
	} else {
		d.text(t.GoName + " is an enumeration: " + sourceText(t) + ".")
	}
	d.file(f)
	f.Type().Id(t.GoName).Add(typeExpr(t.Base))
	f.Comment("// Values of " + t.GoName + ".")
	f.Const().DefsFunc(func(g *jen.Group) {
		for _, v := range t.Values {
			g.Id(v.GoName).Id(t.GoName).Op("=").Lit(v.Value)
		}
	})
}

// sourceText says where a type comes from, without positions (they would
// change the output whenever unrelated lines of the definition move).
func sourceText(t *ir.Type) string {
	if t.Source != "" {
		return "defined by " + t.Source
	}
	return "declared inline in the connector definition"
}

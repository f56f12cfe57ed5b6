package emit

import (
	"github.com/dave/jennifer/jen"

	"github.com/connectorgen/connectorgen/generator/ir"
)

func connection(f *jen.File, p *ir.Package) bool {
	c := p.Connection
	f.Comment("// Connection holds the values of one connection to the " + title(p) + " connector:")
	f.Comment("// its connection parameters. Secret values are runtime.Secret and never print.")
	f.Type().Id("Connection").StructFunc(func(g *jen.Group) {
		for _, cp := range c.Params {
			d := &docBuilder{}
			text := cp.GoName + " is the connection parameter " + quote(cp.Name)
			if cp.Required {
				text += " (required)"
			}
			d.text(text + ".")
			d.text(cp.Doc)
			d.to(g)
			g.Id(cp.GoName).Add(connType(cp.Kind))
		}
	})

	// ConnectionFromStore
	names := []jen.Code{jen.Id("ctx"), jen.Id("store"), jen.Id("name")}
	var required []jen.Code
	for _, cp := range c.Params {
		names = append(names, jen.Lit(cp.Name))
		if cp.Required {
			required = append(required, jen.Lit(cp.Name))
		}
	}
	f.Comment("// ConnectionFromStore reads the connection called name from store and checks")
	f.Comment("// that its required parameters are present.")
	f.Func().Id("ConnectionFromStore").Params(
		jen.Id("ctx").Qual("context", "Context"), jen.Id("store").Qual(rt, "Store"), jen.Id("name").String(),
	).Params(jen.Id("Connection"), jen.Error()).BlockFunc(func(g *jen.Group) {
		if len(c.Params) == 0 {
			g.Comment("// The connector has no connection parameters: there is nothing to read.")
			g.Return(jen.Id("Connection").Values(), jen.Nil())
			return
		}
		g.List(jen.Id("vals"), jen.Err()).Op(":=").Qual(rt, "LookupConnection").Call(names...)
		g.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("Connection").Values(), jen.Err()))
		if len(required) > 0 {
			g.If(jen.Err().Op(":=").Id("vals").Dot("Require").Call(append([]jen.Code{jen.Id("name")}, required...)...), jen.Err().Op("!=").Nil()).
				Block(jen.Return(jen.Id("Connection").Values(), jen.Err()))
		}
		g.Var().Id("conn").Id("Connection")
		for _, cp := range c.Params {
			switch cp.Kind {
			case ir.ConnString:
				g.Id("conn").Dot(cp.GoName).Op("=").Id("vals").Index(jen.Lit(cp.Name))
			case ir.ConnSecret, ir.ConnOAuthToken:
				g.Id("conn").Dot(cp.GoName).Op("=").Qual(rt, "Secret").Call(jen.Id("vals").Index(jen.Lit(cp.Name)))
			case ir.ConnInt, ir.ConnBool:
				fn := "Int"
				if cp.Kind == ir.ConnBool {
					fn = "Bool"
				}
				g.If(
					jen.List(jen.Id("conn").Dot(cp.GoName), jen.Err()).Op("=").Id("vals").Dot(fn).Call(jen.Id("name"), jen.Lit(cp.Name)),
					jen.Err().Op("!=").Nil(),
				).Block(jen.Return(jen.Id("Connection").Values(), jen.Err()))
			}
		}
		g.Return(jen.Id("conn"), jen.Nil())
	})

	// authorizer
	f.Comment("// authorizer attaches the connection's credentials as the connector's security")
	f.Comment("// definitions say.")
	f.Func().Params(jen.Id("conn").Id("Connection")).Id("authorizer").Params().Qual(rt, "Authorizer").BlockFunc(func(g *jen.Group) {
		var auths []jen.Code
		for _, a := range c.Auth {
			switch a.Kind {
			case ir.AuthAPIKey:
				in := "InHeader"
				if a.In == "query" {
					in = "InQuery"
				}
				auths = append(auths, jen.Qual(rt, "APIKey").Call(jen.Qual(rt, in), jen.Lit(a.Name), jen.Qual(rt, "Secret").Call(jen.Id("conn").Dot(a.Value))))
			case ir.AuthBasic:
				auths = append(auths, jen.Qual(rt, "Basic").Call(jen.String().Call(jen.Id("conn").Dot(a.User)), jen.Qual(rt, "Secret").Call(jen.Id("conn").Dot(a.Password))))
			case ir.AuthBearer:
				auths = append(auths, jen.Qual(rt, "Bearer").Call(jen.Qual(rt, "Secret").Call(jen.Id("conn").Dot(a.Value))))
			}
		}
		switch len(auths) {
		case 0:
			g.Return(jen.Nil())
		case 1:
			g.Return(auths[0])
		default:
			g.Return(jen.Qual(rt, "Chain").Call(auths...))
		}
	})
	return true
}

func connType(k ir.ConnParamKind) *jen.Statement {
	switch k {
	case ir.ConnSecret, ir.ConnOAuthToken:
		return jen.Qual(rt, "Secret")
	case ir.ConnInt:
		return jen.Int64()
	case ir.ConnBool:
		return jen.Bool()
	}
	return jen.String()
}

func quote(s string) string { return "\"" + s + "\"" }

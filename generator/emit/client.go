package emit

import (
	"github.com/dave/jennifer/jen"

	"github.com/connectorgen/connectorgen/generator/ir"
)

func client(f *jen.File, p *ir.Package) bool {
	f.Comment("// DefaultBaseURL is the service address given by the connector definition")
	f.Comment("// (scheme://host/basePath). runtime.WithBaseURL replaces it.")
	f.Const().Id("DefaultBaseURL").Op("=").Lit(p.BaseURL)

	f.Comment("// Client calls the actions of the " + title(p) + " connector. It is safe for")
	f.Comment("// concurrent use.")
	f.Type().Id("Client").Struct(jen.Id("rt").Op("*").Qual(rt, "Client"))

	f.Comment("// New returns a client that authenticates with conn. Options are applied after")
	f.Comment("// the connection's own settings, so they can override them (runtime.WithBaseURL,")
	f.Comment("// runtime.WithHTTPClient, runtime.WithRetry, runtime.WithLogger, ...).")
	f.Func().Id("New").Params(jen.Id("conn").Id("Connection"), jen.Id("opts").Op("...").Qual(rt, "Option")).
		Params(jen.Op("*").Id("Client"), jen.Error()).
		Block(
			jen.List(jen.Id("c"), jen.Err()).Op(":=").Qual(rt, "NewClient").Call(
				jen.Id("DefaultBaseURL"),
				jen.Append(jen.Index().Qual(rt, "Option").Values(append([]jen.Code{jen.Qual(rt, "WithAuth").Call(jen.Id("conn").Dot("authorizer").Call())}, policyOptions(p)...)...), jen.Id("opts").Op("...")).Op("..."),
			),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.Return(jen.Op("&").Id("Client").Values(jen.Id("rt").Op(":").Id("c")), jen.Nil()),
		)
	return true
}

func doc(f *jen.File, p *ir.Package) bool {
	f.Comment("// The runtime must support this package's API level: a mismatch fails the build")
	f.Comment("// here instead of misbehaving at run time.")
	f.Const().Defs(
		jen.Id("_").Op("=").Qual(rt, "VersionCheck").Call(jen.Qual(rt, "APIVersion").Op("-").Lit(packageAPILevel(p))),
		jen.Id("_").Op("=").Qual(rt, "VersionCheck").Call(jen.Lit(packageAPILevel(p)).Op("-").Qual(rt, "MinAPIVersion")),
	)
	return true
}

// apiLevel is the runtime API level the emitted code needs (runtime.APIVersion).
const apiLevel = 1

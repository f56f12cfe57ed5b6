package emit

import (
	"strconv"

	"github.com/dave/jennifer/jen"

	"github.com/connectorgen/connectorgen/generator/ir"
)

// helpersAPILevel is the runtime API level that pagers, dynamic-metadata
// helpers and the custom-code hook need (runtime.APIVersion 4); 0 when the
// package has none of them.
func helpersAPILevel(p *ir.Package) int {
	if len(p.Pagers) > 0 || len(p.Lookups) > 0 || p.Script != nil {
		return 4
	}
	return 0
}

// pagerMethods emits the iterator method of every pageable action
// (x-ms-pageable): it takes the page method's parameters and yields the
// items of every page, following next links through the client.
func pagerMethods(f *jen.File, p *ir.Package) bool {
	for _, pg := range p.Pagers {
		pagerMethod(f, pg)
	}
	return len(p.Pagers) > 0
}

func pagerMethod(f *jen.File, pg *ir.Pager) {
	a := pg.Action
	items := "the items of " + strconv.Quote(pg.Items)
	d := &docBuilder{}
	d.text(pg.GoName + " calls " + a.GoName + " and follows the " + strconv.Quote(pg.NextLink) + " links of its " +
		"responses, yielding " + items + " of every page, in order. Every page is requested through the client with " +
		"the connection's credentials, middleware and retries; a next link to another host is not followed. An error " +
		"is yielded once and ends the iteration; breaking out of the loop stops fetching. Nothing is sent before the " +
		"iteration starts.")
	d.raw("\t" + a.Op.Method + " " + a.Op.Path + ", then GET of each next link")
	paramsDoc(d, a)
	d.file(f)
	params := append([]jen.Code{jen.Id("ctx").Qual("context", "Context")}, setupParams(a)...)
	item := typeExpr(pg.Item)
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id(pg.GoName).Params(params...).
		Qual("iter", "Seq2").Types(item, jen.Error()).BlockFunc(func(g *jen.Group) {
		args := buildArgs(g, a)
		paging := []jen.Code{jen.Id("NextLink").Op(":").Lit(pg.NextLink), jen.Id("Items").Op(":").Lit(pg.Items)}
		g.Return(jen.Qual(rt, "PageItems").Types(typeExpr(pg.Item)).Call(
			jen.Id("ctx"), jen.Id("c").Dot("rt"), jen.Op("&").Id(opVar(a)), args, jen.Qual(rt, "Paging").Values(paging...)))
	})
}

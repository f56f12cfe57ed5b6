package emit

import (
	"cmp"
	"slices"

	"github.com/dave/jennifer/jen"

	"github.com/connectorgen/connectorgen/generator/ir"
)

// opVar is the name of the package variable describing an action's operation.
func opVar(a *ir.Action) string { return "op" + a.GoName }

var inNames = map[string]string{"path": "InPath", "query": "InQuery", "header": "InHeader", "body": "InBody", "formData": "InFormData"}

var collNames = map[string]string{"ssv": "SSV", "tsv": "TSV", "pipes": "Pipes", "multi": "Multi"}

var bodyNames = map[ir.BodyKind]string{ir.BodyJSON: "BodyJSON", ir.BodyForm: "BodyForm", ir.BodyMultipart: "BodyMultipart", ir.BodyRaw: "BodyRaw"}

var resultNames = map[ir.ResultKind]string{ir.ResultJSON: "ResultJSON", ir.ResultBinary: "ResultBinary", ir.ResultText: "ResultText"}

// operations emits one runtime.Operation per action: the data the runtime
// builds requests from (the same data `connectorgen call` derives at run time).
func operations(f *jen.File, p *ir.Package) bool {
	all := append([]*ir.Action(nil), p.Actions...)
	for _, t := range p.Triggers {
		all = append(all, t.Setup)
	}
	slices.SortFunc(all, func(a, b *ir.Action) int { return cmp.Compare(a.GoName, b.GoName) })
	for _, a := range all {
		f.Comment("// " + opVar(a) + " describes the " + a.Op.ID + " operation.")
		f.Var().Id(opVar(a)).Op("=").Qual(rt, "Operation").Values(opFields(&a.Op)...)
	}
	return len(all) > 0
}

func opFields(op *ir.Op) []jen.Code {
	kv := func(k string, v jen.Code) jen.Code { return jen.Id(k).Op(":").Add(v) }
	fields := []jen.Code{
		kv("ID", jen.Lit(op.ID)),
		kv("Method", jen.Lit(op.Method)),
		kv("Path", jen.Lit(op.Path)),
	}
	if len(op.Params) > 0 {
		var ps []jen.Code
		for _, p := range op.Params {
			ps = append(ps, jen.Values(paramFields(p)...))
		}
		fields = append(fields, kv("Params", jen.Index().Qual(rt, "Param").ValuesFunc(func(g *jen.Group) {
			for _, p := range ps {
				g.Line().Add(p)
			}
			g.Line()
		})))
	}
	if op.Body != ir.BodyNone {
		fields = append(fields, kv("Body", jen.Qual(rt, bodyNames[op.Body])))
	}
	if op.ContentType != "" {
		fields = append(fields, kv("ContentType", jen.Lit(op.ContentType)))
	}
	if op.BodyDefault != nil {
		fields = append(fields, kv("BodyDefault", jen.Qual("encoding/json", "RawMessage").Call(jen.Lit(string(op.BodyDefault)))))
	}
	if op.Result != ir.ResultNone {
		fields = append(fields, kv("Result", jen.Qual(rt, resultNames[op.Result])))
	}
	if op.Accept != "" {
		fields = append(fields, kv("Accept", jen.Lit(op.Accept)))
	}
	if op.NoAuth {
		fields = append(fields, kv("NoAuth", jen.True()))
	}
	if pt := op.PollingTrigger; pt != nil {
		var cfg []jen.Code
		for _, c := range pt.Config {
			cfg = append(cfg, jen.Values(kv("Param", jen.Lit(c.Param)), kv("Expr", jen.Lit(c.Expr))))
		}
		var ptFields []jen.Code
		if len(cfg) > 0 {
			ptFields = append(ptFields, kv("Config", jen.Index().Qual(rt, "TriggerConfig").Values(cfg...)))
		}
		fields = append(fields, kv("PollingTrigger", jen.Op("&").Qual(rt, "PollingTrigger").Values(ptFields...)))
	}
	return multiline(fields)
}

func paramFields(p *ir.Param) []jen.Code {
	kv := func(k string, v jen.Code) jen.Code { return jen.Id(k).Op(":").Add(v) }
	fs := []jen.Code{kv("Name", jen.Lit(p.Name)), kv("In", jen.Qual(rt, inNames[p.In]))}
	if p.Required {
		fs = append(fs, kv("Required", jen.True()))
	}
	if p.HasDefault {
		fs = append(fs, kv("Default", jen.Lit(p.Default)), kv("HasDefault", jen.True()))
	}
	if p.Internal {
		fs = append(fs, kv("Internal", jen.True()))
	}
	if c, ok := collNames[p.Collection]; ok {
		fs = append(fs, kv("Collection", jen.Qual(rt, c)))
	}
	if p.DoubleEncode {
		fs = append(fs, kv("DoubleEncode", jen.True()))
	}
	if p.File {
		fs = append(fs, kv("File", jen.True()))
	}
	if tv := p.TriggerValue; tv != nil {
		fs = append(fs, kv("TriggerValue", jen.Op("&").Qual(rt, "TriggerValue").Values(kv("Collection", jen.Lit(tv.Collection)), kv("Path", jen.Lit(tv.Path)))))
	}
	return fs
}

// multiline puts each element on its own line in a composite literal.
func multiline(cs []jen.Code) []jen.Code {
	out := make([]jen.Code, 0, len(cs)+1)
	for _, c := range cs {
		out = append(out, jen.Line().Add(c))
	}
	return append(out, jen.Line())
}

package emit

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

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
	policies(f, p, all) // policies.go
	return len(all) > 0 || len(p.Policies) > 0
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
	if len(op.Policies) > 0 {
		var refs []jen.Code
		for _, pol := range op.Policies {
			refs = append(refs, jen.Id(policyVar(pol)))
		}
		fields = append(fields, kv("Policies", jen.Index().Op("*").Qual(rt, "Policy").Values(refs...)))
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

// ---- Policy templates ----

// policyVar names the package variable of a policy instance after its
// position in policyTemplateInstances.
func policyVar(p *ir.Policy) string { return "policy" + strconv.Itoa(p.Index) }

var policyTemplateNames = map[string]string{
	"setheader":                            "PolicySetHeader",
	"setqueryparameter":                    "PolicySetQueryParameter",
	"dynamichosturl":                       "PolicyDynamicHostURL",
	"dynamicsubdomain":                     "PolicyDynamicSubdomain",
	"routerequesttoendpoint":               "PolicyRouteRequest",
	"setproperty":                          "PolicySetProperty",
	"convertobjecttoarray":                 "PolicyConvertObjectToArray",
	"convertarraytoobject":                 "PolicyConvertArrayToObject",
	"stringtoarray":                        "PolicyStringToArray",
	"stringreplace":                        "PolicyStringReplace",
	"encodepropertyvalue":                  "PolicyEncodePropertyValue",
	"moveproperties":                       "PolicyMoveProperties",
	"setvaluefromurl":                      "PolicySetValueFromURL",
	"updatenextlink":                       "PolicyUpdateNextLink",
	"setconnectionstatustounauthenticated": "PolicySetConnectionStatusToUnauthenticated",
}

var sectionNames = map[string]string{"Response": "ResponseSection", "Failure": "FailureSection"}

var existsNames = map[string]string{"skip": "ExistsSkip", "append": "ExistsAppend"}

// policyAPILevel is the runtime API level of packages with policy templates.
const policyAPILevel = 2

// packageAPILevel is the runtime API level a package needs.
func packageAPILevel(p *ir.Package) int {
	if len(p.Policies) > 0 {
		return max(apiLevel, policyAPILevel, connectionAPILevel(p), helpersAPILevel(p))
	}
	return max(apiLevel, connectionAPILevel(p), helpersAPILevel(p))
}

// policies emits one runtime.Policy variable per policy instance, in
// connector order. Connector-wide ones go to the client (policyOptions),
// scoped ones are listed by the operations they apply to.
func policies(f *jen.File, p *ir.Package, all []*ir.Action) {
	for _, pol := range p.Policies {
		scope := "every operation"
		if !pol.Global {
			var ids []string
			for _, a := range all {
				if slices.Contains(a.Op.Policies, pol) {
					ids = append(ids, a.Op.ID)
				}
			}
			scope = strings.Join(ids, ", ")
		}
		title := strings.Join(strings.Fields(pol.Title), " ")
		doc := policyVar(pol) + " is policyTemplateInstances[" + strconv.Itoa(pol.Index) + "], " + pol.Template
		if title != "" {
			doc += " " + strconv.Quote(title)
		}
		for _, line := range docLines(doc + " (" + pol.Section + "), for " + scope + ".") {
			f.Comment(comment(line))
		}
		f.Var().Id(policyVar(pol)).Op("=").Op("&").Qual(rt, "Policy").Values(policyFields(pol)...)
	}
}

func policyFields(p *ir.Policy) []jen.Code {
	kv := func(k string, v jen.Code) jen.Code { return jen.Id(k).Op(":").Add(v) }
	fields := []jen.Code{
		kv("Template", jen.Qual(rt, policyTemplateNames[p.Template])),
		kv("Index", jen.Lit(p.Index)),
	}
	if s, ok := sectionNames[p.Section]; ok {
		fields = append(fields, kv("Section", jen.Qual(rt, s)))
	}
	if p.Title != "" {
		fields = append(fields, kv("Title", jen.Lit(p.Title)))
	}
	for _, s := range []struct{ k, v string }{
		{"Name", p.Name}, {"Value", p.Value}, {"URL", p.URL}, {"Method", p.Method},
		{"From", p.From}, {"FromSub", p.FromSub}, {"To", p.To}, {"ToSub", p.ToSub}, {"ValuePath", p.ValuePath},
		{"KeyName", p.KeyName}, {"ValueName", p.ValueName}, {"Find", p.Find}, {"Replace", p.Replace},
	} {
		if s.v != "" || s.k == "Value" && (p.Template == "setheader" || p.Template == "setqueryparameter") {
			fields = append(fields, kv(s.k, jen.Lit(s.v)))
		}
	}
	if e, ok := existsNames[p.Exists]; ok {
		fields = append(fields, kv("Exists", jen.Qual(rt, e)))
	}
	if p.Retain {
		fields = append(fields, kv("Retain", jen.True()))
	}
	if p.SubOnly {
		fields = append(fields, kv("SubOnly", jen.True()))
	}
	if p.StatusCode != 0 {
		fields = append(fields, kv("StatusCode", jen.Lit(p.StatusCode)))
	}
	return multiline(fields)
}

// policyOptions are the options New passes for policy templates: the
// connector-wide policies and the connection parameter values their
// expressions read (conn.connectionParameters, connection_gen.go).
func policyOptions(p *ir.Package) []jen.Code {
	if len(p.Policies) == 0 {
		return nil
	}
	var global []jen.Code
	for _, pol := range p.Policies {
		if pol.Global {
			global = append(global, jen.Id(policyVar(pol)))
		}
	}
	var out []jen.Code
	if len(global) > 0 {
		out = append(out, jen.Qual(rt, "WithPolicies").Call(global...))
	}
	return append(out, jen.Qual(rt, "WithConnectionParameters").Call(jen.Id("conn").Dot("connectionParameters").Call()))
}

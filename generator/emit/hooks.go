package emit

import (
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/connectorgen/connectorgen/generator/ir"
)

// scriptHook emits the custom-code hook (script.csx): an interface with the
// ScriptBase contract in Go terms and the option that installs an
// implementation for the operations the connector's script covers.
func scriptHook(f *jen.File, p *ir.Package) bool {
	s := p.Script
	if s == nil {
		return false
	}
	covers := "every operation"
	if s.Operations != nil {
		quoted := make([]string, len(s.Operations))
		for i, id := range s.Operations {
			quoted[i] = strconv.Quote(id)
		}
		covers = "the operations " + strings.Join(quoted, ", ")
		if len(quoted) == 1 {
			covers = "the operation " + quoted[0]
		}
	}
	source := "custom code that the connector does not ship"
	if s.File != "" {
		source = "its custom code (" + scriptFileName(s.File) + ")"
	}
	d := &docBuilder{}
	d.text(s.TypeName + " is the Go form of the connector's custom code. On the platform, " + source +
		" runs in C# for " + covers + " in place of sending the request to the backend; connectorgen does not run " +
		"it, so without a " + s.TypeName + " installed with " + s.OptionName + " those calls go straight to the backend.")
	d.text("Execute is ScriptBase.ExecuteAsync: sc.OperationID is Context.OperationId, sc.Request is Context.Request " +
		"(the outgoing request with the connection's credentials; it may be changed), sc.Send is Context.SendAsync, " +
		"and the response it returns is the operation's response (runtime.SetRequestJSON and runtime.SetResponseJSON " +
		"play CreateJsonContent). It runs for every attempt, inside the client's retries.")
	d.file(f)
	f.Type().Id(s.TypeName).Interface(
		jen.Id("Execute").Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("sc").Op("*").Qual(rt, "ScriptContext")).
			Params(jen.Op("*").Qual("net/http", "Response"), jen.Error()),
	)
	optDoc := s.OptionName + " runs s for " + covers + ", as the connector's custom code does; pass it to New."
	if s.Operations != nil {
		optDoc += " Other operations are sent as usual."
	}
	(&docBuilder{}).text(optDoc).file(f)
	ids := []jen.Code{jen.Id("s")}
	for _, id := range s.Operations {
		ids = append(ids, jen.Lit(id))
	}
	f.Func().Id(s.OptionName).Params(jen.Id("s").Id(s.TypeName)).Qual(rt, "Option").Block(
		jen.If(jen.Id("s").Op("==").Nil()).Block(jen.Return(jen.Qual(rt, "WithScript").Call(jen.Nil()))),
		jen.Return(jen.Qual(rt, "WithScript").Call(ids...)),
	)
	return true
}

func scriptFileName(file string) string {
	if i := strings.LastIndexAny(file, `/\`); i >= 0 {
		return file[i+1:]
	}
	return file
}

package cli

import (
	"encoding/json"
	"strings"

	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/runtime"
)

// RuntimeOperation converts the IR description of an operation into the
// runtime's. Generated code holds the same data as a Go literal (emitted from
// the same IR), so `call` and generated clients send the same requests.
func RuntimeOperation(op *ir.Op) *runtime.Operation {
	out := &runtime.Operation{
		ID:          op.ID,
		Method:      op.Method,
		Path:        op.Path,
		Body:        runtime.BodyKind(op.Body),
		ContentType: op.ContentType,
		Result:      runtime.ResultKind(op.Result),
		Accept:      op.Accept,
		NoAuth:      op.NoAuth,
	}
	if op.BodyDefault != nil {
		out.BodyDefault = json.RawMessage(op.BodyDefault)
	}
	if pt := op.PollingTrigger; pt != nil {
		out.PollingTrigger = &runtime.PollingTrigger{}
		for _, c := range pt.Config {
			out.PollingTrigger.Config = append(out.PollingTrigger.Config, runtime.TriggerConfig{Param: c.Param, Expr: c.Expr})
		}
	}
	for _, p := range op.Params {
		var tv *runtime.TriggerValue
		if p.TriggerValue != nil {
			tv = &runtime.TriggerValue{Collection: p.TriggerValue.Collection, Path: p.TriggerValue.Path}
		}
		out.Params = append(out.Params, runtime.Param{
			Name:         p.Name,
			In:           ins[p.In],
			Required:     p.Required,
			Default:      p.Default,
			HasDefault:   p.HasDefault,
			Internal:     p.Internal,
			Collection:   collections[p.Collection],
			DoubleEncode: p.DoubleEncode,
			File:         p.File,
			TriggerValue: tv,
		})
	}
	return out
}

var ins = map[string]runtime.In{
	"path": runtime.InPath, "query": runtime.InQuery, "header": runtime.InHeader,
	"body": runtime.InBody, "formData": runtime.InFormData,
}

var collections = map[string]runtime.Collection{
	"": runtime.CSV, "csv": runtime.CSV, "ssv": runtime.SSV, "tsv": runtime.TSV,
	"pipes": runtime.Pipes, "multi": runtime.Multi,
}

// Authorizer builds the credential attachments of a connection from its
// parameter values, as the generated Connection.authorizer does.
func Authorizer(c *ir.Connection, vals runtime.Values) runtime.Authorizer {
	byGo := map[string]string{}
	for _, p := range c.Params {
		byGo[p.GoName] = vals[p.Name]
	}
	var as []runtime.Authorizer
	for _, a := range c.Auth {
		switch a.Kind {
		case ir.AuthAPIKey:
			in := runtime.InHeader
			if strings.EqualFold(a.In, "query") {
				in = runtime.InQuery
			}
			as = append(as, runtime.APIKey(in, a.Name, runtime.Secret(byGo[a.Value])))
		case ir.AuthBasic:
			as = append(as, runtime.Basic(byGo[a.User], runtime.Secret(byGo[a.Password])))
		case ir.AuthBearer:
			as = append(as, runtime.Bearer(runtime.Secret(byGo[a.Value])))
		}
	}
	switch len(as) {
	case 0:
		return nil
	case 1:
		return as[0]
	}
	return runtime.Chain(as...)
}

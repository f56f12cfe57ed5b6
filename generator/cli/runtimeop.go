package cli

import (
	"encoding/json"
	"fmt"
	"strconv"
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
	for _, pol := range op.Policies {
		out.Policies = append(out.Policies, RuntimePolicy(pol))
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
// parameter values, as the generated Connection.authorizer does: with
// parameter sets, those of the set that vals name; OAuth parameters become
// refreshing tokens (opts say where refreshed tokens are saved).
func Authorizer(c *ir.Connection, vals runtime.Values, opts ...runtime.OAuthOption) runtime.Authorizer {
	params, auth, err := ConnectionSet(c, vals)
	if err != nil {
		return runtime.Unusable(err)
	}
	byGo := map[string]*ir.ConnParam{}
	for _, p := range params {
		if p.Kind == ir.ConnGateway {
			return runtime.Unusable(fmt.Errorf("connection parameter %q: %w", p.Name, runtime.ErrGateway))
		}
		byGo[p.GoName] = p
	}
	vals = vals.WithDefaults(Defaults(params))
	val := func(goName string) string {
		if p := byGo[goName]; p != nil {
			return vals[p.Name]
		}
		return ""
	}
	var as []runtime.Authorizer
	for _, a := range auth {
		switch a.Kind {
		case ir.AuthAPIKey:
			in := runtime.InHeader
			if strings.EqualFold(a.In, "query") {
				in = runtime.InQuery
			}
			as = append(as, runtime.APIKey(in, a.Name, runtime.Secret(val(a.Value))))
		case ir.AuthBasic:
			as = append(as, runtime.Basic(val(a.User), runtime.Secret(val(a.Password))))
		case ir.AuthBearer:
			if p := byGo[a.Value]; p != nil && p.OAuth != nil {
				as = append(as, runtime.NewOAuth(RuntimeOAuth(p.Name, p.OAuth), vals, opts...))
			} else {
				as = append(as, runtime.Bearer(runtime.Secret(val(a.Value))))
			}
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

// ConnectionSet returns the parameters and credential attachments in force
// for a connection: the connector's, or those of the parameter set that
// vals name (runtime.ParameterSetKey).
func ConnectionSet(c *ir.Connection, vals runtime.Values) ([]*ir.ConnParam, []*ir.Auth, error) {
	if len(c.Sets) == 0 {
		return c.Params, c.Auth, nil
	}
	s, err := FindSet(c, vals[runtime.ParameterSetKey])
	if err != nil {
		return nil, nil, err
	}
	return s.Params, s.Auth, nil
}

// FindSet finds a parameter set by name (ignoring case); "" is the only
// set of a connector with one.
func FindSet(c *ir.Connection, name string) (*ir.ConnSet, error) {
	names := make([]string, len(c.Sets))
	for i, s := range c.Sets {
		names[i] = s.Name
	}
	got, err := runtime.Values{runtime.ParameterSetKey: name}.ParameterSet("", names...)
	if err != nil {
		return nil, fmt.Errorf("parameter set %q: choose one of %s", name, strings.Join(names, ", "))
	}
	for _, s := range c.Sets {
		if s.Name == got {
			return s, nil
		}
	}
	return nil, fmt.Errorf("parameter set %q not found", name)
}

// Defaults returns the default values of params (apiProperties.json
// defaultValue), as generated ConnectionFromStore functions apply them.
func Defaults(params []*ir.ConnParam) map[string]string {
	d := map[string]string{}
	for _, p := range params {
		if p.HasDefault && p.Default != "" && p.Kind != ir.ConnOAuthToken {
			d[p.Name] = p.Default
		}
	}
	return d
}

// ConnectionKeys are the store keys of a connection's values: every
// parameter (of every set), the token keys of OAuth parameters, and the
// parameter set key.
func ConnectionKeys(c *ir.Connection) []string {
	var keys []string
	for _, p := range c.Params {
		switch p.Kind {
		case ir.ConnGateway:
		case ir.ConnOAuthToken:
			keys = append(keys, runtime.OAuthKeys(p.Name)...)
		default:
			keys = append(keys, p.Name)
		}
	}
	if len(c.Sets) > 0 {
		keys = append(keys, runtime.ParameterSetKey)
	}
	return keys
}

// RuntimeOAuth converts the IR description of an OAuth parameter's settings
// into the runtime's (generated code holds the same as a literal).
func RuntimeOAuth(param string, o *ir.OAuth) *runtime.OAuthSettings {
	return &runtime.OAuthSettings{
		Param: param, Provider: o.Provider, Kind: runtime.OAuthKind(o.Kind), ClientID: o.ClientID,
		Scopes:  o.Scopes,
		AuthURL: o.AuthURL, TokenURL: o.TokenURL, RefreshURL: o.RefreshURL, DeviceAuthURL: o.DeviceAuthURL,
		AuthQuery: o.AuthQuery, TokenQuery: o.TokenQuery, TokenBody: o.TokenBody,
		RefreshQuery: o.RefreshQuery, RefreshBody: o.RefreshBody, ScopeDelimiter: o.ScopeDelimiter,
		LoginURL: o.LoginURL, TenantID: o.TenantID, ResourceURI: o.ResourceURI, GrantType: o.GrantType,
	}
}

// ---- Policy templates ----

// RuntimePolicy converts an IR policy instance into the runtime's, as the
// generated policyN variables hold it.
func RuntimePolicy(p *ir.Policy) *runtime.Policy {
	t, _ := runtime.LookupPolicyTemplate(p.Template)
	out := &runtime.Policy{
		Template: t, Index: p.Index, Title: p.Title,
		Name: p.Name, Value: p.Value, URL: p.URL, Method: p.Method,
		From: p.From, FromSub: p.FromSub, To: p.To, ToSub: p.ToSub, ValuePath: p.ValuePath,
		KeyName: p.KeyName, ValueName: p.ValueName, Find: p.Find, Replace: p.Replace,
		Retain: p.Retain, SubOnly: p.SubOnly, StatusCode: p.StatusCode,
	}
	switch p.Section {
	case "Response":
		out.Section = runtime.ResponseSection
	case "Failure":
		out.Section = runtime.FailureSection
	}
	switch p.Exists {
	case "skip":
		out.Exists = runtime.ExistsSkip
	case "append":
		out.Exists = runtime.ExistsAppend
	}
	return out
}

// PolicyOptions are the client options for a package's policy templates, as
// the generated New passes them: the connector-wide policies, and the
// connection's parameter values (of its parameter set) for
// @connectionParameters: secrets as runtime.Secret, OAuth tokens left out.
func PolicyOptions(pkg *ir.Package, vals runtime.Values) []runtime.Option {
	if len(pkg.Policies) == 0 {
		return nil
	}
	var global []*runtime.Policy
	for _, p := range pkg.Policies {
		if p.Global {
			global = append(global, RuntimePolicy(p))
		}
	}
	params, _, err := ConnectionSet(pkg.Connection, vals)
	if err != nil {
		params = nil // the Authorizer reports the unusable connection
	}
	vals = vals.WithDefaults(Defaults(params))
	cp := map[string]any{}
	for _, p := range params {
		v := vals[p.Name]
		switch p.Kind {
		case ir.ConnString:
			cp[p.Name] = v
		case ir.ConnSecret:
			cp[p.Name] = runtime.Secret(v)
		case ir.ConnInt:
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil || v == "" {
				cp[p.Name] = n
			} else {
				cp[p.Name] = v
			}
		case ir.ConnBool:
			if b, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil || v == "" {
				cp[p.Name] = b
			} else {
				cp[p.Name] = v
			}
		}
	}
	return []runtime.Option{runtime.WithPolicies(global...), runtime.WithConnectionParameters(cp)}
}

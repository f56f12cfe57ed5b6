package lower

import (
	"slices"
	"strings"

	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/naming"
	"github.com/connectorgen/connectorgen/generator/spec"
)

// connection builds the typed Connection (protocol §5): its fields come from
// apiProperties.json connectionParameters, or from securityDefinitions when
// there is no apiProperties.json; its credential attachments come from
// securityDefinitions and OAuth parameters (§5.4). A connector with two or
// more connectionParameterSets gets one struct per set (§5.3).
func (l *lowerer) connection() *ir.Connection {
	conn := &ir.Connection{}
	props := l.c.Properties
	var top []*spec.ConnectionParameter
	var sets []*spec.ParameterSet
	if props != nil {
		top = props.ConnectionParameters
		if props.ParameterSets != nil {
			sets = props.ParameterSets.Sets
		}
	}
	if len(sets) < 2 {
		params := top
		if len(sets) == 1 {
			params = mergeParams(top, sets[0].Parameters)
		}
		conn.Params, conn.Auth = l.connBody(params, "", true)
		return conn
	}
	// Several sets: a connection uses one of them. Top-level parameters that
	// no set repeats are not offered by the platform either.
	for _, cp := range top {
		if !slices.ContainsFunc(sets, func(s *spec.ParameterSet) bool { return hasParam(s.Parameters, cp.Name) }) {
			l.ds.Warnf(cp.Pos, "connection parameter %q is in no connectionParameterSets entry; it is left out (a connection uses one parameter set)", cp.Name)
		}
	}
	for _, set := range sets {
		cs := &ir.ConnSet{Name: set.Name, DisplayName: set.DisplayName, Description: set.Description, Pos: set.Pos}
		cs.GoName = l.claim(l.types, set.Pos, "connection parameter set type", "Connection"+l.n.Exported(set.Name))
		cs.Params, cs.Auth = l.connBody(set.Parameters, strings.TrimPrefix(cs.GoName, "Connection"), false)
		conn.Sets = append(conn.Sets, cs)
		for _, p := range cs.Params {
			if !slices.ContainsFunc(conn.Params, func(q *ir.ConnParam) bool { return q.Name == p.Name }) {
				conn.Params = append(conn.Params, p)
			}
		}
	}
	return conn
}

func hasParam(ps []*spec.ConnectionParameter, name string) bool {
	return slices.ContainsFunc(ps, func(p *spec.ConnectionParameter) bool { return p.Name == name })
}

// mergeParams appends the parameters of b that a does not have.
func mergeParams(a, b []*spec.ConnectionParameter) []*spec.ConnectionParameter {
	out := slices.Clone(a)
	for _, p := range b {
		if !hasParam(out, p.Name) {
			out = append(out, p)
		}
	}
	return out
}

// connBody lowers one list of connection parameters (the connector's, or one
// set's) into struct fields and credential attachments. prefix names the
// OAuth settings variables of a set. With addMissing, security definitions
// whose parameter is not declared get one (a connector without
// apiProperties.json); a parameter set only authenticates with what it
// declares (§5.4: the credential follows the selected set's parameters).
func (l *lowerer) connBody(params []*spec.ConnectionParameter, prefix string, addMissing bool) ([]*ir.ConnParam, []*ir.Auth) {
	var out []*ir.ConnParam
	var auths []*ir.Auth
	fields := naming.NewScope()
	add := func(name string, kind ir.ConnParamKind, required bool, doc string, pos diag.Pos) *ir.ConnParam {
		if i := slices.IndexFunc(out, func(p *ir.ConnParam) bool { return p.Name == name }); i >= 0 {
			return out[i]
		}
		p := &ir.ConnParam{Name: name, Kind: kind, Required: required, Doc: doc, Pos: pos}
		if kind != ir.ConnGateway {
			p.GoName = l.claim(fields, pos, "connection field", l.n.Exported(strings.ReplaceAll(name, ":", " ")))
		}
		out = append(out, p)
		return p
	}
	for _, cp := range params {
		kind, ok := connKind(cp.Type)
		if !ok {
			l.ds.Warnf(cp.Pos, "connection parameter %q has type %q, which is not supported; it is left out of Connection", cp.Name, cp.Type)
			continue
		}
		if kind == ir.ConnGateway {
			l.ds.Warnf(cp.Pos, "connection parameter %q is a gatewaySetting (on-premises data gateway), which connectorgen does not support; connections that need it fail with an error", cp.Name)
		}
		doc := cp.DisplayName
		if cp.Description != "" && cp.Description != doc {
			doc = strings.TrimSpace(doc + ": " + cp.Description)
		}
		p := add(cp.Name, kind, cp.Required && !cp.Hidden, doc, cp.Pos)
		p.Hidden, p.DisplayName, p.AllowedValues = cp.Hidden, cp.DisplayName, cp.AllowedValues
		p.Default, p.HasDefault = cp.Default, cp.HasDefault
		if kind == ir.ConnOAuthToken && cp.OAuth != nil {
			p.OAuth = l.oauth(cp.OAuth, cp.Pos)
		}
	}
	byName := func(pred func(*ir.ConnParam) bool) *ir.ConnParam {
		if i := slices.IndexFunc(out, pred); i >= 0 {
			return out[i]
		}
		return nil
	}
	named := func(names ...string) *ir.ConnParam {
		return byName(func(p *ir.ConnParam) bool {
			return slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, p.Name) })
		})
	}
	// ofKind finds the first parameter of kind k, sub-parameters of an OAuth
	// parameter ("token:clientSecret") aside.
	ofKind := func(k ir.ConnParamKind) *ir.ConnParam {
		return byName(func(p *ir.ConnParam) bool { return p.Kind == k && !strings.Contains(p.Name, ":") })
	}
	for _, sd := range l.securitySchemes() {
		switch strings.ToLower(sd.Type) {
		case "apikey":
			v := named("api_key", "apiKey", "api-key", "key")
			if v == nil {
				v = ofKind(ir.ConnSecret)
			}
			if v == nil && !addMissing {
				continue
			}
			if v == nil {
				v = add("api_key", ir.ConnSecret, true, "API key sent as "+sd.In+" "+sd.Name, sd.Pos)
			}
			in := strings.ToLower(sd.In)
			if in != "query" {
				in = "header"
			}
			auths = append(auths, &ir.Auth{Kind: ir.AuthAPIKey, In: in, Name: sd.Name, Value: v.GoName})
		case "basic":
			u := named("username", "user", "userName", "login")
			pw := named("password", "pass")
			if pw == nil {
				pw = ofKind(ir.ConnSecret)
			}
			if (u == nil || pw == nil) && !addMissing {
				continue
			}
			if u == nil {
				u = add("username", ir.ConnString, true, "User name for basic authentication", sd.Pos)
			}
			if pw == nil {
				pw = add("password", ir.ConnSecret, true, "Password for basic authentication", sd.Pos)
			}
			auths = append(auths, &ir.Auth{Kind: ir.AuthBasic, User: u.GoName, Password: pw.GoName})
		case "oauth2":
			t := ofKind(ir.ConnOAuthToken)
			if t == nil && !addMissing {
				continue
			}
			if t == nil {
				t = add("token", ir.ConnOAuthToken, true, "OAuth 2.0 access token", sd.Pos)
			}
			if t.OAuth == nil && sd.AuthorizationURL != "" && sd.TokenURL != "" {
				t.OAuth = &ir.OAuth{Provider: "oauth2", Kind: ir.OAuth2, AuthURL: sd.AuthorizationURL, TokenURL: sd.TokenURL, Scopes: splitScopes(sd.Scopes)}
			}
			auths = append(auths, &ir.Auth{Kind: ir.AuthBearer, Value: t.GoName})
		default:
			l.ds.Warnf(sd.Pos, "security definition %q has unsupported type %q; requests carry no credential for it", sd.Key, sd.Type)
		}
	}
	// A connection with an OAuth parameter but no matching security definition
	// still authenticates with the token (protocol §5.4: the credential follows
	// the parameter kind).
	if t := ofKind(ir.ConnOAuthToken); t != nil && !slices.ContainsFunc(auths, func(a *ir.Auth) bool { return a.Kind == ir.AuthBearer }) {
		auths = append(auths, &ir.Auth{Kind: ir.AuthBearer, Value: t.GoName})
	}
	for _, p := range out {
		if p.OAuth != nil {
			p.OAuth.VarName = "oauth" + prefix + p.GoName
		}
	}
	return out, auths
}

// securitySchemes returns the security definitions in force: those named by
// the first alternative of the top-level security requirement, or all of
// them when there is none.
func (l *lowerer) securitySchemes() []*spec.SecurityScheme {
	defs := l.doc.SecurityDefinitions
	if len(l.doc.Security) == 0 {
		return defs
	}
	var out []*spec.SecurityScheme
	for _, name := range l.doc.Security[0] {
		if i := slices.IndexFunc(defs, func(d *spec.SecurityScheme) bool { return d.Key == name }); i >= 0 {
			out = append(out, defs[i])
		}
	}
	return out
}

func connKind(t string) (ir.ConnParamKind, bool) {
	switch strings.ToLower(t) {
	case "securestring":
		return ir.ConnSecret, true
	case "string":
		return ir.ConnString, true
	case "int":
		return ir.ConnInt, true
	case "bool":
		return ir.ConnBool, true
	case "oauthsetting":
		return ir.ConnOAuthToken, true
	case "gatewaysetting":
		return ir.ConnGateway, true
	}
	return 0, false
}

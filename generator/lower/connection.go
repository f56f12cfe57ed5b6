package lower

import (
	"slices"
	"strings"

	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/naming"
	"github.com/connectorgen/connectorgen/generator/spec"
)

// connection builds the typed Connection: its fields come from
// apiProperties.json connectionParameters (all parameter sets' parameters,
// merged by name, when the connector uses connectionParameterSets), or from
// securityDefinitions when there is no apiProperties.json; its credential
// attachments come from securityDefinitions (protocol §5.4).
func (l *lowerer) connection() *ir.Connection {
	conn := &ir.Connection{}
	fields := naming.NewScope()
	add := func(name string, kind ir.ConnParamKind, required bool, doc string, pos diag.Pos) *ir.ConnParam {
		if i := slices.IndexFunc(conn.Params, func(p *ir.ConnParam) bool { return p.Name == name }); i >= 0 {
			return conn.Params[i]
		}
		p := &ir.ConnParam{Name: name, Kind: kind, Required: required, Doc: doc, Pos: pos}
		p.GoName = l.claim(fields, pos, "connection field", l.n.Exported(strings.ReplaceAll(name, ":", " ")))
		conn.Params = append(conn.Params, p)
		return p
	}
	if props := l.c.Properties; props != nil {
		params := props.ConnectionParameters
		if props.ParameterSets != nil {
			for _, set := range props.ParameterSets.Sets {
				params = append(params, set.Parameters...)
			}
		}
		multi := props.ParameterSets != nil && len(props.ParameterSets.Sets) > 1
		for _, cp := range params {
			kind, ok := connKind(cp.Type)
			if !ok {
				l.ds.Warnf(cp.Pos, "connection parameter %q has type %q, which is not supported; it is left out of Connection", cp.Name, cp.Type)
				continue
			}
			doc := cp.DisplayName
			if cp.Description != "" && cp.Description != doc {
				doc = strings.TrimSpace(doc + ": " + cp.Description)
			}
			// With several parameter sets, a parameter is only required by the
			// set that declares it.
			add(cp.Name, kind, cp.Required && !multi && !cp.Hidden, doc, cp.Pos)
		}
	}
	byName := func(pred func(*ir.ConnParam) bool) *ir.ConnParam {
		if i := slices.IndexFunc(conn.Params, pred); i >= 0 {
			return conn.Params[i]
		}
		return nil
	}
	named := func(names ...string) *ir.ConnParam {
		return byName(func(p *ir.ConnParam) bool {
			return slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, p.Name) })
		})
	}
	ofKind := func(k ir.ConnParamKind) *ir.ConnParam {
		return byName(func(p *ir.ConnParam) bool { return p.Kind == k })
	}
	for _, sd := range l.securitySchemes() {
		switch strings.ToLower(sd.Type) {
		case "apikey":
			v := named("api_key", "apiKey", "api-key", "key")
			if v == nil {
				v = ofKind(ir.ConnSecret)
			}
			if v == nil {
				v = add("api_key", ir.ConnSecret, true, "API key sent as "+sd.In+" "+sd.Name, sd.Pos)
			}
			in := strings.ToLower(sd.In)
			if in != "query" {
				in = "header"
			}
			conn.Auth = append(conn.Auth, &ir.Auth{Kind: ir.AuthAPIKey, In: in, Name: sd.Name, Value: v.GoName})
		case "basic":
			u := named("username", "user", "userName", "login")
			if u == nil {
				u = add("username", ir.ConnString, true, "User name for basic authentication", sd.Pos)
			}
			pw := named("password", "pass")
			if pw == nil {
				pw = ofKind(ir.ConnSecret)
			}
			if pw == nil {
				pw = add("password", ir.ConnSecret, true, "Password for basic authentication", sd.Pos)
			}
			conn.Auth = append(conn.Auth, &ir.Auth{Kind: ir.AuthBasic, User: u.GoName, Password: pw.GoName})
		case "oauth2":
			t := ofKind(ir.ConnOAuthToken)
			if t == nil {
				t = add("token", ir.ConnOAuthToken, true, "OAuth 2.0 access token", sd.Pos)
			}
			conn.Auth = append(conn.Auth, &ir.Auth{Kind: ir.AuthBearer, Value: t.GoName})
		default:
			l.ds.Warnf(sd.Pos, "security definition %q has unsupported type %q; requests carry no credential for it", sd.Key, sd.Type)
		}
	}
	// A connection with an OAuth parameter but no matching security definition
	// still authenticates with the token (protocol §5.4: the credential follows
	// the parameter kind).
	if t := ofKind(ir.ConnOAuthToken); t != nil && !slices.ContainsFunc(conn.Auth, func(a *ir.Auth) bool { return a.Kind == ir.AuthBearer }) {
		conn.Auth = append(conn.Auth, &ir.Auth{Kind: ir.AuthBearer, Value: t.GoName})
	}
	return conn
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
	}
	return 0, false
}

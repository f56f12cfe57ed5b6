package emit

import (
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/connectorgen/connectorgen/generator/ir"
)

// connection emits connection_gen.go: the typed Connection (a struct, or an
// interface implemented by one struct per connection parameter set), the
// OAuth settings of its token parameters, ConnectionFromStore, and the
// authorizer that attaches the credentials.
func connection(f *jen.File, p *ir.Package) bool {
	c := p.Connection
	if len(c.Sets) == 0 {
		f.Comment("// Connection holds the values of one connection to the " + title(p) + " connector:")
		f.Comment("// its connection parameters. Secret values are runtime.Secret and never print.")
		connStruct(f, "Connection", c.Params)
		oauthVars(f, c.Params)
		connFromStoreDoc(f)
		f.Func().Id("ConnectionFromStore").Params(
			jen.Id("ctx").Qual("context", "Context"), jen.Id("store").Qual(rt, "Store"), jen.Id("name").String(),
		).Params(jen.Id("Connection"), jen.Error()).BlockFunc(func(g *jen.Group) {
			if len(c.Params) == 0 {
				g.Comment("// The connector has no connection parameters: there is nothing to read.")
				g.Return(jen.Id("Connection").Values(), jen.Nil())
				return
			}
			zero := jen.Id("Connection").Values()
			if gatewayError(g, zero, c.Params) {
				return
			}
			g.List(jen.Id("vals"), jen.Err()).Op(":=").Qual(rt, "LookupConnection").Call(lookupArgs(c.Params, false)...)
			g.If(jen.Err().Op("!=").Nil()).Block(jen.Return(zero, jen.Err()))
			fromValues(g, "Connection", zero, c.Params)
		})
		authorizer(f, "Connection", c.Auth, c.Params)
		connParams(f, "Connection", c.Params)
		return true
	}

	// Parameter sets: a sealed interface, one struct per set.
	d := &docBuilder{}
	d.text("Connection is one connection to the " + title(p) + " connector, in one of its connection parameter sets: " + setList(c.Sets) + ".")
	d.text("ConnectionFromStore picks the set named by the connection's \"connectionParameterSet\" value (runtime.ParameterSetKey). Secret values are runtime.Secret and never print.")
	d.file(f)
	f.Type().Id("Connection").Interface(
		jen.Comment("// ParameterSet returns the name of the connection parameter set."),
		jen.Id("ParameterSet").Params().String(),
		jen.Id("authorizer").Params().Qual(rt, "Authorizer"),
		jen.Id("connectionParameters").Params().Map(jen.String()).Any(),
	)
	for _, s := range c.Sets {
		d := &docBuilder{}
		text := s.GoName + " is a connection in parameter set " + quote(s.Name)
		if s.DisplayName != "" {
			text += " (" + s.DisplayName + ")"
		}
		d.text(text + ".")
		if s.Description != "" && s.Description != s.DisplayName {
			d.text(s.Description)
		}
		d.file(f)
		connStruct(f, s.GoName, s.Params)
		f.Comment("// ParameterSet returns " + quote(s.Name) + ".")
		f.Func().Params(jen.Id(s.GoName)).Id("ParameterSet").Params().String().Block(jen.Return(jen.Lit(s.Name)))
		oauthVars(f, s.Params)
		authorizer(f, s.GoName, s.Auth, s.Params)
		connParams(f, s.GoName, s.Params)
	}
	connFromStoreDoc(f)
	f.Func().Id("ConnectionFromStore").Params(
		jen.Id("ctx").Qual("context", "Context"), jen.Id("store").Qual(rt, "Store"), jen.Id("name").String(),
	).Params(jen.Id("Connection"), jen.Error()).BlockFunc(func(g *jen.Group) {
		g.List(jen.Id("vals"), jen.Err()).Op(":=").Qual(rt, "LookupConnection").Call(lookupArgs(c.Params, true)...)
		g.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err()))
		names := []jen.Code{jen.Id("name")}
		for _, s := range c.Sets {
			names = append(names, jen.Lit(s.Name))
		}
		g.List(jen.Id("set"), jen.Err()).Op(":=").Id("vals").Dot("ParameterSet").Call(names...)
		g.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err()))
		g.Switch(jen.Id("set")).BlockFunc(func(sw *jen.Group) {
			for i, s := range c.Sets {
				body := func(cg *jen.Group) { fromValues(cg, s.GoName, jen.Nil(), s.Params) }
				if i == len(c.Sets)-1 {
					sw.Default().BlockFunc(body) // ParameterSet returned one of the sets
				} else {
					sw.Case(jen.Lit(s.Name)).BlockFunc(body)
				}
			}
		})
	})
	return true
}

// connectionAPILevel is the runtime API level connection_gen.go needs: 3
// when it uses the connection API (OAuth tokens, parameter sets, defaults,
// gateway errors), else 1.
func connectionAPILevel(p *ir.Package) int {
	c := p.Connection
	if len(c.Sets) > 0 {
		return 3
	}
	for _, cp := range c.Params {
		if cp.Kind == ir.ConnOAuthToken || cp.Kind == ir.ConnGateway || (cp.HasDefault && cp.Default != "") {
			return 3
		}
	}
	return 1
}

func setList(sets []*ir.ConnSet) string {
	var names []string
	for _, s := range sets {
		names = append(names, s.GoName+" ("+quote(s.Name)+")")
	}
	return strings.Join(names, ", ")
}

func connFromStoreDoc(f *jen.File) {
	f.Comment("// ConnectionFromStore reads the connection called name from store and checks")
	f.Comment("// that its required parameters are present. OAuth tokens refresh themselves")
	f.Comment("// before they expire and are written back to store when it is a")
	f.Comment("// runtime.StoreWriter (runtime.FileStore; `connectorgen login` creates them).")
}

// connStruct declares the struct of a connection (or of one parameter set).
func connStruct(f *jen.File, typeName string, params []*ir.ConnParam) {
	f.Type().Id(typeName).StructFunc(func(g *jen.Group) {
		for _, cp := range params {
			if cp.Kind == ir.ConnGateway {
				continue
			}
			d := &docBuilder{}
			text := cp.GoName + " is the connection parameter " + quote(cp.Name)
			if cp.Required {
				text += " (required)"
			}
			d.text(text + ".")
			d.text(cp.Doc)
			if cp.Kind == ir.ConnOAuthToken {
				d.text(oauthFieldDoc(cp))
			}
			d.to(g)
			g.Id(cp.GoName).Add(connType(cp.Kind))
		}
	})
}

func oauthFieldDoc(cp *ir.ConnParam) string {
	s := "An OAuth 2.0 token"
	if cp.OAuth != nil {
		s += " (identity provider " + quote(cp.OAuth.Provider) + ")"
	}
	s += ": ConnectionFromStore sets one that "
	if cp.OAuth != nil {
		s += "refreshes itself and saves refreshed tokens to the store"
	} else {
		s += "sends the stored access token"
	}
	return s + "; runtime.StaticToken(accessToken) sends a fixed token."
}

// oauthVars declares the runtime.OAuthSettings of the OAuth parameters.
func oauthVars(f *jen.File, params []*ir.ConnParam) {
	for _, cp := range params {
		o := cp.OAuth
		if o == nil {
			continue
		}
		f.Comment("// " + o.VarName + " describes how the OAuth 2.0 token of connection parameter")
		f.Comment("// " + quote(cp.Name) + " is obtained and refreshed (apiProperties.json oAuthSettings).")
		f.Var().Id(o.VarName).Op("=").Qual(rt, "OAuthSettings").Values(oauthFields(cp.Name, o)...)
	}
}

var oauthKinds = map[ir.OAuthKind]string{ir.OAuth2: "OAuth2", ir.OAuth2Generic: "OAuth2Generic", ir.AAD: "AAD", ir.AADCertificate: "AADCertificate"}

// oauthFields lists the non-empty settings, in the struct's field order.
func oauthFields(param string, o *ir.OAuth) []jen.Code {
	out := []jen.Code{
		jen.Id("Param").Op(":").Lit(param),
		jen.Id("Provider").Op(":").Lit(o.Provider),
		jen.Id("Kind").Op(":").Qual(rt, oauthKinds[o.Kind]),
	}
	str := func(name, v string) {
		if v != "" {
			out = append(out, jen.Id(name).Op(":").Lit(v))
		}
	}
	str("ClientID", o.ClientID)
	if len(o.Scopes) > 0 {
		var ss []jen.Code
		for _, s := range o.Scopes {
			ss = append(ss, jen.Lit(s))
		}
		out = append(out, jen.Id("Scopes").Op(":").Index().String().Values(ss...))
	}
	for _, kv := range [][2]string{
		{"AuthURL", o.AuthURL}, {"TokenURL", o.TokenURL}, {"RefreshURL", o.RefreshURL}, {"DeviceAuthURL", o.DeviceAuthURL},
		{"AuthQuery", o.AuthQuery}, {"TokenQuery", o.TokenQuery}, {"TokenBody", o.TokenBody},
		{"RefreshQuery", o.RefreshQuery}, {"RefreshBody", o.RefreshBody}, {"ScopeDelimiter", o.ScopeDelimiter},
		{"LoginURL", o.LoginURL}, {"TenantID", o.TenantID}, {"ResourceURI", o.ResourceURI},
	} {
		str(kv[0], kv[1])
	}
	if o.GrantType == "client_credentials" {
		out = append(out, jen.Id("GrantType").Op(":").Qual(rt, "GrantClientCredentials"))
	}
	for i := range out {
		out[i] = jen.Line().Add(out[i])
	}
	return append(out, jen.Line())
}

// lookupArgs are the arguments of runtime.LookupConnection: the parameter
// names, an OAuth parameter's token keys, and the parameter set key.
func lookupArgs(params []*ir.ConnParam, sets bool) []jen.Code {
	args := []jen.Code{jen.Id("ctx"), jen.Id("store"), jen.Id("name")}
	var lits, parts []jen.Code
	hasOAuth := false
	flush := func() {
		if len(lits) > 0 {
			parts = append(parts, jen.Index().String().Values(lits...))
			lits = nil
		}
	}
	for _, cp := range params {
		switch cp.Kind {
		case ir.ConnGateway:
		case ir.ConnOAuthToken:
			hasOAuth = true
			flush()
			parts = append(parts, jen.Qual(rt, "OAuthKeys").Call(jen.Lit(cp.Name)))
		default:
			lits = append(lits, jen.Lit(cp.Name))
		}
	}
	if sets {
		lits = append(lits, jen.Qual(rt, "ParameterSetKey"))
	}
	if !hasOAuth {
		return append(args, lits...)
	}
	flush()
	return append(args, jen.Qual("slices", "Concat").Call(parts...).Op("..."))
}

// gatewayError emits the return of a connection that needs an on-premises
// data gateway, and reports whether it did.
func gatewayError(g *jen.Group, zero jen.Code, params []*ir.ConnParam) bool {
	for _, cp := range params {
		if cp.Kind == ir.ConnGateway {
			g.Return(zero, jen.Qual("fmt", "Errorf").Call(jen.Lit("connection %q: parameter %q: %w"), jen.Id("name"), jen.Lit(cp.Name), jen.Qual(rt, "ErrGateway")))
			return true
		}
	}
	return false
}

// fromValues emits the statements that turn vals into a connection of type
// typeName and return it (zero is the value returned with an error).
func fromValues(g *jen.Group, typeName string, zero jen.Code, params []*ir.ConnParam) {
	if gatewayError(g, zero, params) {
		return
	}
	defs := jen.Dict{}
	var required []jen.Code
	for _, cp := range params {
		if cp.HasDefault && cp.Default != "" && cp.Kind != ir.ConnOAuthToken {
			defs[jen.Lit(cp.Name)] = jen.Lit(cp.Default)
		}
		if cp.Required && cp.Kind != ir.ConnOAuthToken {
			required = append(required, jen.Lit(cp.Name))
		}
	}
	if len(defs) > 0 {
		g.Id("vals").Op("=").Id("vals").Dot("WithDefaults").Call(jen.Map(jen.String()).String().Values(defs))
	}
	if len(required) > 0 {
		g.If(jen.Err().Op(":=").Id("vals").Dot("Require").Call(append([]jen.Code{jen.Id("name")}, required...)...), jen.Err().Op("!=").Nil()).
			Block(jen.Return(zero, jen.Err()))
	}
	g.Var().Id("conn").Id(typeName)
	for _, cp := range params {
		field := jen.Id("conn").Dot(cp.GoName)
		switch cp.Kind {
		case ir.ConnString:
			g.Add(field).Op("=").Id("vals").Index(jen.Lit(cp.Name))
		case ir.ConnSecret:
			g.Add(field).Op("=").Qual(rt, "Secret").Call(jen.Id("vals").Index(jen.Lit(cp.Name)))
		case ir.ConnOAuthToken:
			if cp.OAuth == nil {
				g.Add(field).Op("=").Qual(rt, "StaticToken").Call(jen.Qual(rt, "Secret").Call(jen.Id("vals").Index(jen.Lit(cp.Name))))
			} else {
				g.Add(field).Op("=").Qual(rt, "NewOAuth").Call(jen.Op("&").Id(cp.OAuth.VarName), jen.Id("vals"),
					jen.Qual(rt, "OAuthSaveTo").Call(jen.Id("store"), jen.Id("name")))
			}
		case ir.ConnInt, ir.ConnBool:
			fn := "Int"
			if cp.Kind == ir.ConnBool {
				fn = "Bool"
			}
			g.If(
				jen.List(field, jen.Err()).Op("=").Id("vals").Dot(fn).Call(jen.Id("name"), jen.Lit(cp.Name)),
				jen.Err().Op("!=").Nil(),
			).Block(jen.Return(zero, jen.Err()))
		}
	}
	g.Return(jen.Id("conn"), jen.Nil())
}

// authorizer emits the method that attaches the connection's credentials.
func authorizer(f *jen.File, typeName string, auth []*ir.Auth, params []*ir.ConnParam) {
	f.Comment("// authorizer attaches the connection's credentials as the connector's security")
	f.Comment("// definitions and connection parameters say.")
	f.Func().Params(jen.Id("conn").Id(typeName)).Id("authorizer").Params().Qual(rt, "Authorizer").BlockFunc(func(g *jen.Group) {
		for _, cp := range params {
			if cp.Kind == ir.ConnGateway {
				g.Return(jen.Qual(rt, "Unusable").Call(jen.Qual("fmt", "Errorf").Call(jen.Lit("connection parameter %q: %w"), jen.Lit(cp.Name), jen.Qual(rt, "ErrGateway"))))
				return
			}
		}
		oauth := map[string]bool{}
		for _, cp := range params {
			oauth[cp.GoName] = cp.Kind == ir.ConnOAuthToken
		}
		var auths []jen.Code
		for _, a := range auth {
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
				if oauth[a.Value] {
					auths = append(auths, jen.Id("conn").Dot(a.Value))
				} else {
					auths = append(auths, jen.Qual(rt, "Bearer").Call(jen.Qual(rt, "Secret").Call(jen.Id("conn").Dot(a.Value))))
				}
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
}

// connParams emits the method that lists the connection's parameter values
// by name (as runtime.WithConnectionParameters takes them), for policy
// expressions such as @connectionParameters('name'). OAuth tokens are not
// among them.
func connParams(f *jen.File, typeName string, params []*ir.ConnParam) {
	f.Comment("// connectionParameters returns the connection parameter values by name, for")
	f.Comment("// policy expressions (@connectionParameters('name')).")
	f.Func().Params(jen.Id("conn").Id(typeName)).Id("connectionParameters").Params().Map(jen.String()).Any().BlockFunc(func(g *jen.Group) {
		d := jen.Dict{}
		for _, cp := range params {
			switch cp.Kind {
			case ir.ConnString, ir.ConnSecret, ir.ConnInt, ir.ConnBool:
				d[jen.Lit(cp.Name)] = jen.Id("conn").Dot(cp.GoName)
			}
		}
		if len(d) == 0 {
			g.Return(jen.Nil())
			return
		}
		g.Return(jen.Map(jen.String()).Any().Values(d))
	})
}

func connType(k ir.ConnParamKind) *jen.Statement {
	switch k {
	case ir.ConnSecret:
		return jen.Qual(rt, "Secret")
	case ir.ConnOAuthToken:
		return jen.Op("*").Qual(rt, "OAuth")
	case ir.ConnInt:
		return jen.Int64()
	case ir.ConnBool:
		return jen.Bool()
	}
	return jen.String()
}

func quote(s string) string { return "\"" + s + "\"" }

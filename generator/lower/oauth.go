package lower

import (
	"maps"
	"slices"
	"strings"

	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/spec"
)

// wellKnown are the endpoints of identity providers that the platform names
// instead of describing (protocol §5.2 "others"; DocuSign's authority comes
// from its LoginUri custom parameter).
var wellKnown = map[string]struct{ auth, token, device string }{
	"facebook":         {"https://www.facebook.com/v22.0/dialog/oauth", "https://graph.facebook.com/v22.0/oauth/access_token", ""},
	"github":           {"https://github.com/login/oauth/authorize", "https://github.com/login/oauth/access_token", "https://github.com/login/device/code"},
	"google":           {"https://accounts.google.com/o/oauth2/auth", "https://oauth2.googleapis.com/token", "https://oauth2.googleapis.com/device/code"},
	"dropbox":          {"https://www.dropbox.com/oauth2/authorize", "https://api.dropboxapi.com/oauth2/token", ""},
	"salesforce":       {"https://login.salesforce.com/services/oauth2/authorize", "https://login.salesforce.com/services/oauth2/token", ""},
	"microsoftaccount": {"https://login.live.com/oauth20_authorize.srf", "https://login.live.com/oauth20_token.srf", ""},
	"slack":            {"https://slack.com/oauth/v2/authorize", "https://slack.com/api/oauth.v2.access", ""},
	"docusign":         {"{LoginUri}/oauth/auth", "{LoginUri}/oauth/token", ""},
}

// oauth interprets the oAuthSettings of an oauthSetting parameter: the kind
// of flow, its endpoints or templates, the authority and resource for AAD.
// Placeholder client IDs, tenants and resources ("[[DUMMY]]", "<<Please add
// your clientID here>>") become "": the connection supplies them.
func (l *lowerer) oauth(o *spec.OAuthSettings, pos diag.Pos) *ir.OAuth {
	custom := func(names ...string) string {
		for _, n := range names {
			for _, k := range slices.Sorted(maps.Keys(o.CustomParameters)) {
				if strings.EqualFold(k, n) {
					if v := strings.TrimSpace(o.CustomParameters[k]); v != "" {
						return v
					}
				}
			}
		}
		return ""
	}
	out := &ir.OAuth{Provider: o.IdentityProvider, Scopes: splitScopes(o.Scopes)}
	if id := strings.TrimSpace(o.ClientID); !isPlaceholder(id) {
		out.ClientID = id
	}
	provider := strings.ToLower(strings.TrimSpace(o.IdentityProvider))
	if provider == "" {
		switch {
		case custom("resourceUri") != "":
			provider = "aad"
		case custom("authorizationUrlTemplate", "tokenUrlTemplate") != "":
			provider = "oauth2generic"
		case custom("authorizationUrl") != "":
			provider = "oauth2"
		default:
			l.ds.Warnf(pos, "OAuth parameter has no identityProvider; the token is sent as stored and never refreshed")
			return nil
		}
		out.Provider = provider
	}
	switch provider {
	case "oauth2":
		out.Kind = ir.OAuth2
		out.AuthURL, out.TokenURL, out.RefreshURL = custom("authorizationUrl"), custom("tokenUrl"), custom("refreshUrl")
	case "oauth2generic":
		out.Kind = ir.OAuth2Generic
		out.AuthURL, out.AuthQuery = custom("authorizationUrlTemplate"), custom("authorizationUrlQueryStringTemplate")
		out.TokenURL, out.TokenQuery, out.TokenBody = custom("tokenUrlTemplate"), custom("tokenUrlQueryStringTemplate"), custom("tokenBodyTemplate")
		out.RefreshURL, out.RefreshQuery, out.RefreshBody = custom("refreshUrlTemplate"), custom("refreshUrlQueryStringTemplate"), custom("refreshBodyTemplate")
		if d, ok := o.CustomParameters["scopeListDelimiter"]; ok && d != "" {
			out.ScopeDelimiter = d
		}
	case "aad", "aadcertificate":
		out.Kind = ir.AAD
		out.LoginURL = custom("loginUri", "loginUriAAD")
		if provider == "aadcertificate" {
			out.Kind = ir.AADCertificate
			out.LoginURL = custom("loginUriAAD", "loginUri")
		}
		if t := custom("tenantId"); !isPlaceholder(t) {
			out.TenantID = t
		}
		out.ResourceURI = custom("resourceUri")
		if isPlaceholder(out.ResourceURI) && !strings.HasPrefix(out.ResourceURI, "@") {
			if out.ResourceURI != "" {
				l.ds.Warnf(pos, "OAuth resourceUri %q is a placeholder; the connection supplies the resource (token.resource)", out.ResourceURI)
			}
			out.ResourceURI = ""
		}
		if strings.EqualFold(custom("grantType"), "client_credentials") {
			out.GrantType = "client_credentials"
		}
	default:
		wk, ok := wellKnown[provider]
		if !ok {
			if custom("authorizationUrl") == "" || custom("tokenUrl") == "" {
				l.ds.Warnf(pos, "OAuth identity provider %q is not known; the token is sent as stored and never refreshed", o.IdentityProvider)
				return nil
			}
			wk.auth, wk.token = custom("authorizationUrl"), custom("tokenUrl")
		}
		out.Kind = ir.OAuth2
		login := strings.TrimRight(custom("LoginUri"), "/")
		if login == "" && provider == "docusign" {
			login = "https://account.docusign.com"
		}
		out.AuthURL = strings.ReplaceAll(wk.auth, "{LoginUri}", login)
		out.TokenURL = strings.ReplaceAll(wk.token, "{LoginUri}", login)
		out.DeviceAuthURL = wk.device
	}
	if (out.Kind == ir.OAuth2 || out.Kind == ir.OAuth2Generic) && (out.AuthURL == "" || out.TokenURL == "") {
		l.ds.Warnf(pos, "OAuth parameter (%s) lacks an authorization or token URL; `connectorgen login` cannot sign in and tokens are not refreshed", o.IdentityProvider)
	}
	return out
}

// splitScopes flattens scope entries, some of which hold several
// space-separated scopes ("openid profile offline_access").
func splitScopes(in []string) []string {
	var out []string
	for _, s := range in {
		out = append(out, strings.Fields(s)...)
	}
	return out
}

// isPlaceholder reports values the corpus uses instead of a real client ID,
// tenant or resource: "[[DUMMY]]", "<<Please add your clientID here>>",
// "{{ client id }}", "PLACEHOLDER_CLIENTID", "xxxxxxxx", "dummy", "".
func isPlaceholder(s string) bool {
	t := strings.TrimSpace(s)
	if t == "" || strings.ContainsAny(t, "[]<>{}* ") {
		return true
	}
	low := strings.ToLower(t)
	for _, w := range []string{"dummy", "placeholder", "clientid", "client_id", "client id", "xxxx", "your", "enter ", "insert", "app_id", "replace"} {
		if strings.Contains(low, w) {
			return true
		}
	}
	return false
}

package lower_test

import (
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/lower"
	"github.com/connectorgen/connectorgen/generator/spec"
)

const connSwagger = `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "example.com",
  "securityDefinitions": {"k": {"type": "apiKey", "in": "header", "name": "X-Key"}},
  "paths": {"/a": {"get": {"operationId": "A", "responses": {"200": {"description": "ok"}}}}}}`

const plainSwagger = `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "example.com",
  "paths": {"/a": {"get": {"operationId": "A", "responses": {"200": {"description": "ok"}}}}}}`

func lowerConn(t *testing.T, props string) (*ir.Connection, string) {
	return lowerConnWith(t, connSwagger, props)
}

func lowerConnWith(t *testing.T, swagger, props string) (*ir.Connection, string) {
	t.Helper()
	doc, ds := spec.Load("test.json", []byte(swagger))
	if doc == nil {
		t.Fatalf("load: %v", ds)
	}
	p, pds := spec.LoadProperties("apiProperties.json", []byte(props))
	if p == nil {
		t.Fatalf("properties: %v", pds)
	}
	pkg, more := lower.Lower(&spec.Connector{Name: "T", API: doc, Properties: p}, lower.Options{})
	ds.Append(pds)
	ds.Append(more)
	var b strings.Builder
	ds.Sort().Print(&b)
	return pkg.Connection, b.String()
}

func TestConnectionParameterTypes(t *testing.T) {
	c, diags := lowerConn(t, `{"properties": {"connectionParameters": {
	  "api_key": {"type": "securestring", "uiDefinition": {"constraints": {"required": "true"}}},
	  "port": {"type": "int", "defaultValue": 8443},
	  "tls": {"type": "bool"},
	  "host": {"type": "string", "defaultValue": "api.example.com"},
	  "gw": {"type": "gatewaySetting", "gatewaySettings": {"dataSourceType": "CustomConnector"}},
	  "odd": {"type": "blob"}}}}`)
	kinds := map[string]ir.ConnParamKind{}
	for _, p := range c.Params {
		kinds[p.Name] = p.Kind
	}
	want := map[string]ir.ConnParamKind{"api_key": ir.ConnSecret, "port": ir.ConnInt, "tls": ir.ConnBool, "host": ir.ConnString, "gw": ir.ConnGateway}
	for n, k := range want {
		if kinds[n] != k {
			t.Errorf("%s: kind %v, want %v", n, kinds[n], k)
		}
	}
	if _, ok := kinds["odd"]; ok {
		t.Error("an unknown type became a field")
	}
	if !strings.Contains(diags, `"gw" is a gatewaySetting (on-premises data gateway), which connectorgen does not support`) ||
		!strings.Contains(diags, `"odd" has type "blob"`) {
		t.Errorf("diagnostics:\n%s", diags)
	}
	if len(c.Auth) != 1 || c.Auth[0].Kind != ir.AuthAPIKey || c.Auth[0].Name != "X-Key" {
		t.Errorf("auth %+v", c.Auth)
	}
}

func TestConnectionOAuthProviders(t *testing.T) {
	for _, tc := range []struct {
		name, settings string
		check          func(*ir.OAuth) bool
	}{
		{"oauth2", `{"identityProvider": "oauth2", "clientId": "[[DUMMY]]", "scopes": ["a b", "c"], "customParameters": {
		   "authorizationUrl": {"value": "https://x/auth"}, "tokenUrl": {"value": "https://x/token"}, "refreshUrl": {"value": "https://x/refresh"}}}`,
			func(o *ir.OAuth) bool {
				return o.Kind == ir.OAuth2 && o.ClientID == "" && strings.Join(o.Scopes, ",") == "a,b,c" && o.RefreshURL == "https://x/refresh"
			}},
		{"facebook", `{"identityProvider": "facebook", "clientId": "1234567890", "scopes": ["pages_show_list"]}`,
			func(o *ir.OAuth) bool {
				return o.Kind == ir.OAuth2 && o.ClientID == "1234567890" && strings.Contains(o.AuthURL, "facebook.com") && strings.Contains(o.TokenURL, "graph.facebook.com")
			}},
		{"docusign", `{"identityProvider": "DocuSign", "customParameters": {"LoginUri": {"value": "https://account-d.docusign.com"}}}`,
			func(o *ir.OAuth) bool {
				return o.AuthURL == "https://account-d.docusign.com/oauth/auth" && o.TokenURL == "https://account-d.docusign.com/oauth/token"
			}},
		{"aad", `{"identityProvider": "aad", "clientId": "<<Enter your client ID>>", "customParameters": {
		   "LoginUri": {"value": "https://login.windows.net"}, "TenantId": {"value": "common"}, "ResourceUri": {"value": "https://graph.microsoft.com"}}}`,
			func(o *ir.OAuth) bool {
				return o.Kind == ir.AAD && o.ClientID == "" && o.LoginURL == "https://login.windows.net" && o.TenantID == "common" && o.ResourceURI == "https://graph.microsoft.com"
			}},
		{"aad client credentials without identityProvider", `{"customParameters": {"TenantId": null, "ResourceUri": {"value": "https://management.core.windows.net"}, "grantType": {"value": "client_credentials"}}}`,
			func(o *ir.OAuth) bool {
				return o.Kind == ir.AAD && o.GrantType == "client_credentials" && o.TenantID == ""
			}},
		{"aadcertificate", `{"identityProvider": "aadcertificate", "customParameters": {"loginUri": {"value": "https://a"}, "loginUriAAD": {"value": "https://b"}, "resourceUri": {"value": "https://r"}}}`,
			func(o *ir.OAuth) bool { return o.Kind == ir.AADCertificate && o.LoginURL == "https://b" }},
		{"oauth2generic", `{"identityProvider": "oauth2generic", "customParameters": {
		   "authorizationUrlTemplate": {"value": "https://{region}.x/authorize"}, "authorizationUrlQueryStringTemplate": {"value": "?client_id={clientId}"},
		   "tokenUrlTemplate": {"value": "https://{region}.x/token"}, "tokenBodyTemplate": {"value": "code={code}"},
		   "refreshUrlTemplate": {"value": "https://{region}.x/token"}, "refreshBodyTemplate": {"value": "refresh_token={refreshToken}"}, "scopeListDelimiter": {"value": ","}}}`,
			func(o *ir.OAuth) bool {
				return o.Kind == ir.OAuth2Generic && o.AuthQuery == "?client_id={clientId}" && o.TokenBody == "code={code}" && o.RefreshBody == "refresh_token={refreshToken}" && o.ScopeDelimiter == ","
			}},
	} {
		c, diags := lowerConnWith(t, plainSwagger, `{"properties": {"connectionParameters": {"token": {"type": "oauthSetting", "oAuthSettings": `+tc.settings+`}}}}`)
		if len(c.Params) != 1 || c.Params[0].OAuth == nil {
			t.Errorf("%s: no OAuth settings (%s)", tc.name, diags)
			continue
		}
		if o := c.Params[0].OAuth; !tc.check(o) {
			t.Errorf("%s: %+v", tc.name, *o)
		}
		if len(c.Auth) != 1 || c.Auth[0].Kind != ir.AuthBearer {
			t.Errorf("%s: auth %+v", tc.name, c.Auth)
		}
	}
}

func TestConnectionParameterSetsLowering(t *testing.T) {
	c, diags := lowerConn(t, `{"properties": {
	  "connectionParameters": {"stray": {"type": "string"}},
	  "connectionParameterSets": {"values": [
	    {"name": "keyBasedAuth", "uiDefinition": {"displayName": "API key"}, "parameters": {
	      "apiKey": {"type": "securestring", "uiDefinition": {"constraints": {"required": "true"}}},
	      "siteUrl": {"type": "string", "uiDefinition": {"constraints": {"required": "true"}}}}},
	    {"name": "tokenBasedAuth", "parameters": {
	      "token": {"type": "oauthSetting", "oAuthSettings": {"identityProvider": "aad", "customParameters": {"resourceUri": {"value": "https://r"}}}},
	      "siteUrl": {"type": "string"}}}]}}}`)
	if len(c.Sets) != 2 {
		t.Fatalf("sets %v", c.Sets)
	}
	key, tok := c.Sets[0], c.Sets[1]
	if key.GoName != "ConnectionKeyBasedAuth" || tok.GoName != "ConnectionTokenBasedAuth" {
		t.Errorf("set types %s %s", key.GoName, tok.GoName)
	}
	if len(key.Auth) != 1 || key.Auth[0].Kind != ir.AuthAPIKey || key.Auth[0].Value != "APIKey" {
		t.Errorf("key set auth %+v", key.Auth)
	}
	if len(tok.Auth) != 1 || tok.Auth[0].Kind != ir.AuthBearer || len(tok.Params) != 2 {
		t.Errorf("token set: auth %+v params %d (no API key added to a set that has none)", tok.Auth, len(tok.Params))
	}
	if !key.Params[0].Required || tok.Params[1].Required {
		t.Error("required-ness is per set")
	}
	if tok.Params[0].OAuth.VarName != "oauthTokenBasedAuthToken" {
		t.Errorf("var %s", tok.Params[0].OAuth.VarName)
	}
	if len(c.Params) != 3 { // apiKey, siteUrl, token: what `call` looks up
		t.Errorf("merged params %d", len(c.Params))
	}
	if !strings.Contains(diags, `"stray" is in no connectionParameterSets entry`) {
		t.Errorf("diagnostics:\n%s", diags)
	}
}

package spec

import (
	"maps"
	"slices"
	"testing"

	"github.com/connectorgen/connectorgen/generator/diag"
)

func TestProperties(t *testing.T) {
	src := `{"properties":{
  "connectionParameters":{
    "zeta":{"type":"securestring","uiDefinition":{"displayName":"Z","description":"zd","tooltip":"zt","constraints":{"required":"true","hidden":"false","tabIndex":2}}},
    "alpha":{"type":"string","uiDefinition":{"constraints":{"required":true,"hidden":true,"allowedValues":[{"text":"One","value":"1"},{"text":"Two","value":2}]}},"defaultValue":"1"},
    "token":{"type":"oauthSetting","oauthSettings":{"identityProvider":"aad","clientId":"cid","scopes":["s1","s2"],"redirectMode":"Global","redirectUrl":"https://r",
      "customParameters":{"resourceUri":{"value":"https://graph"},"n":{"value":5},"z":{"value":null}},"properties":{"IsFirstParty":"False"}}}
  },
  "connectionParameterSets":{"uiDefinition":{"displayName":"Auth","description":"pick"},"values":[
    {"name":"key","uiDefinition":{"displayName":"Key"},"parameters":{"k2":{"type":"securestring"},"k1":{"type":"string"}}}]},
  "policyTemplateInstances":[{"templateId":"SetHeader","title":"H","type":"t","parameters":{
    "x-ms-apimTemplateParameter.name":"A","x-ms-apimTemplateParameter.value":"@connectionParameters('zeta')",
    "x-ms-apimTemplate-operationName":["Op"]}}],
  "scriptOperations":["A"],
  "script":{"language":"CSharpScript","operationIds":["B","A"]},
  "capabilities":["actions","Triggers"]
}}`
	p, ds := LoadProperties("p.json", []byte(src))
	wantDiags(t, diagStrings(ds))
	if p == nil {
		t.Fatal("nil properties")
	}
	var names []string
	for _, c := range p.ConnectionParameters {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"zeta", "alpha", "token"}) {
		t.Errorf("connection parameters in source order: %q", names)
	}
	z, a, tok := p.ConnectionParameters[0], p.ConnectionParameters[1], p.ConnectionParameters[2]
	if z.Type != "securestring" || z.DisplayName != "Z" || z.Description != "zd" || z.Tooltip != "zt" || !z.Required || z.Hidden || z.HasDefault ||
		z.Pos != (diag.Pos{File: "p.json", Line: 3, Col: 5}) {
		t.Errorf("zeta: %+v", z)
	}
	if !a.Required || !a.Hidden || !slices.Equal(a.AllowedValues, []string{"1", "2"}) || a.Default != "1" || !a.HasDefault {
		t.Errorf("alpha: %+v", a)
	}
	o := tok.OAuth
	if o == nil || o.IdentityProvider != "aad" || o.ClientID != "cid" || !slices.Equal(o.Scopes, []string{"s1", "s2"}) ||
		o.RedirectMode != "Global" || o.RedirectURL != "https://r" || string(o.Properties) != `{"IsFirstParty":"False"}` ||
		!maps.Equal(o.CustomParameters, map[string]string{"resourceUri": "https://graph", "n": "5", "z": ""}) {
		t.Errorf("oauth: %+v", o)
	}
	ps := p.ParameterSets
	if ps == nil || ps.DisplayName != "Auth" || ps.Description != "pick" || len(ps.Sets) != 1 || ps.Pos.Line != 8 {
		t.Fatalf("sets: %+v", ps)
	}
	if s := ps.Sets[0]; s.Name != "key" || s.DisplayName != "Key" || len(s.Parameters) != 2 || s.Parameters[0].Name != "k2" || s.Parameters[1].Name != "k1" {
		t.Errorf("set: %+v", s)
	}
	if len(p.Policies) != 1 {
		t.Fatalf("policies: %+v", p.Policies)
	}
	pol := p.Policies[0]
	if pol.TemplateID != "SetHeader" || pol.Title != "H" || pol.Type != "t" || pol.Pos.Line != 10 || len(pol.Parameters) != 3 {
		t.Fatalf("policy: %+v", pol)
	}
	var pp []string
	for _, x := range pol.Parameters {
		pp = append(pp, x.Name+"="+string(x.Value))
	}
	if !slices.Equal(pp, []string{
		`x-ms-apimTemplateParameter.name="A"`,
		`x-ms-apimTemplateParameter.value="@connectionParameters('zeta')"`,
		`x-ms-apimTemplate-operationName=["Op"]`,
	}) {
		t.Errorf("policy parameters %q", pp)
	}
	if pol.Parameters[2].Pos != (diag.Pos{File: "p.json", Line: 12, Col: 5}) {
		t.Errorf("policy parameter pos %v", pol.Parameters[2].Pos)
	}
	if !p.HasScriptOperations || !slices.Equal(p.ScriptOperations, []string{"A", "B"}) {
		t.Errorf("script operations %v %q", p.HasScriptOperations, p.ScriptOperations)
	}
	if !slices.Equal(p.Capabilities, []string{"actions", "Triggers"}) {
		t.Errorf("capabilities %q", p.Capabilities)
	}
}

func TestPropertiesEmptyScriptOperations(t *testing.T) {
	p, ds := LoadProperties("p.json", []byte(`{"properties":{"connectionParameters":{},"scriptOperations":[]}}`))
	wantDiags(t, diagStrings(ds))
	if !p.HasScriptOperations || len(p.ScriptOperations) != 0 || len(p.ConnectionParameters) != 0 {
		t.Errorf("%+v", p)
	}
}

func TestPropertiesRepairs(t *testing.T) {
	src := "\ufeff{\"properties\":{\n" +
		"  \"capabilities\":[],\n" +
		"  \"connectionParameters\":{\"a\":{\"type\":\"string\"},},\n" +
		"  \"capabilities\":[\"actions\"]}}"
	p, ds := LoadProperties("p.json", []byte(src))
	wantDiags(t, diagStrings(ds),
		"p.json:1:1: warning: UTF-8 byte order mark removed",
		`p.json:2:3: warning: duplicate key "capabilities" (the later value at 4:3 wins)`,
		"p.json:3:48: warning: trailing comma removed (1 comma)",
	)
	if p == nil || !slices.Equal(p.Capabilities, []string{"actions"}) || len(p.ConnectionParameters) != 1 {
		t.Errorf("%+v", p)
	}
}

func TestPropertiesTolerance(t *testing.T) {
	src := `{"properties":{"connectionParameters":{"a":{"type":"string","uiDefinition":"oops"}},"policyTemplateInstances":{}}}`
	p, ds := LoadProperties("p.json", []byte(src))
	wantDiags(t, diagStrings(ds),
		`p.json:1:44: warning: connection parameter "a": uiDefinition is a JSON string, want an object; ignored`,
		"p.json:1:111: warning: policyTemplateInstances is not an array; ignored",
	)
	if p == nil || len(p.ConnectionParameters) != 1 || p.ConnectionParameters[0].Type != "string" {
		t.Errorf("%+v", p)
	}
}

func TestPropertiesErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"{\"properties\":{\n\"a\":1\n\"b\":2}}", `p.json:3:1: error: invalid JSON: invalid character '"' after object key:value pair`},
		{`[]`, `p.json:1:1: error: apiProperties.json: the document is not a JSON object`},
	} {
		p, ds := LoadProperties("p.json", []byte(tc.src))
		if p != nil {
			t.Errorf("%s: properties returned", tc.src)
		}
		wantDiags(t, diagStrings(ds), tc.want)
	}
	p, ds := LoadProperties("p.json", []byte(`{"x":1}`))
	wantDiags(t, diagStrings(ds), `p.json:1:1: warning: apiProperties.json has no "properties" object`)
	if p == nil {
		t.Error("nil properties")
	}
}

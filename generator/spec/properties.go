package spec

// apiProperties.json: the same lenient pre-pass as the swagger, then a walk
// of the parse tree for everything whose order matters (connection
// parameters, policy parameters) and encoding/json into tolerant structs for
// the leaves.

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"

	"github.com/tailscale/hujson"

	"github.com/connectorgen/connectorgen/generator/diag"
)

// LoadProperties parses apiProperties.json bytes. file is used in positions
// only. The result is nil only when an error is reported.
func LoadProperties(file string, data []byte) (props *Properties, ds diag.List) {
	defer func() {
		if bugCheck(file, recover(), &ds) {
			props = nil
		}
		ds = ds.Sort()
	}()
	ld := parseLenient(file, data, &ds)
	if ld == nil {
		return nil, ds
	}
	if ld.rootKind != '{' {
		ds.Errorf(ld.pos(ld.rootStart), "apiProperties.json: the document is not a JSON object")
		return nil, ds
	}
	root, err := hujson.Parse(ld.data) // standard JSON by now
	if err != nil {
		reportSyntax(file, ld.data, err, &ds)
		return nil, ds
	}
	pd := &propsDecoder{ld: ld, ds: &ds}
	p := &Properties{File: file, Pos: ld.valuePos(&root)}
	pv := member(&root, "properties")
	if pv == nil || pv.Value.Kind() != '{' {
		ds.Warnf(p.Pos, "apiProperties.json has no \"properties\" object")
		return p, ds
	}
	for _, m := range members(pv) {
		v := &m.Value
		switch memberName(&m) {
		case "connectionParameters":
			p.ConnectionParameters = pd.connectionParameters(v)
		case "connectionParameterSets":
			p.ParameterSets = pd.parameterSets(&m)
		case "policyTemplateInstances":
			p.Policies = pd.policies(v)
		case "scriptOperations":
			p.HasScriptOperations = true
			p.ScriptOperations = appendNew(p.ScriptOperations, pd.strings(v, "scriptOperations")...)
			p.ScriptOperationsPos = ld.valuePos(v)
		case "script":
			if ids := member(v, "operationIds"); ids != nil {
				p.HasScriptOperations = true
				p.ScriptOperations = appendNew(p.ScriptOperations, pd.strings(ids, "script.operationIds")...)
				p.ScriptOperationsPos = ld.valuePos(ids)
			}
		case "capabilities":
			p.Capabilities = pd.strings(v, "capabilities")
		}
	}
	return p, ds
}

// appendNew appends the strings of add that are not in list yet.
func appendNew(list []string, add ...string) []string {
	for _, s := range add {
		dup := false
		for _, t := range list {
			dup = dup || t == s
		}
		if !dup {
			list = append(list, s)
		}
	}
	return list
}

type propsDecoder struct {
	ld *lenientDoc
	ds *diag.List
}

// decode unmarshals a value into v, warning (and keeping what decoded) on
// a type mismatch.
func (pd *propsDecoder) decode(val *hujson.Value, what string, v any) {
	err := json.Unmarshal(pd.ld.raw(val), v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "value"
		}
		pd.ds.Warnf(pd.ld.valuePos(val), "%s: %s is a JSON %s, want %s; ignored", what, field, te.Value, jsonKind(te.Type))
	default:
		pd.ds.Warnf(pd.ld.valuePos(val), "%s: %v", what, err)
	}
}

// jsonKind names the JSON kind a Go type decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Bool:
		return "a boolean"
	case reflect.String:
		return "a string"
	}
	return "a " + t.Kind().String()
}

// strings reads an array of strings (non-strings are kept as their JSON text).
func (pd *propsDecoder) strings(val *hujson.Value, what string) []string {
	var fs []flexString
	pd.decode(val, what, &fs)
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, string(f))
	}
	return out
}

func (pd *propsDecoder) connectionParameters(val *hujson.Value) []*ConnectionParameter {
	if val.Value.Kind() != '{' {
		pd.ds.Warnf(pd.ld.valuePos(val), "connectionParameters is not an object; ignored")
		return nil
	}
	ms := members(val)
	out := make([]*ConnectionParameter, 0, len(ms))
	for _, m := range ms {
		name := memberName(&m)
		var raw rawConnectionParameter
		pd.decode(&m.Value, "connection parameter "+strconv.Quote(name), &raw)
		out = append(out, raw.toModel(name, pd.ld.valuePos(&m.Name)))
	}
	return out
}

func (pd *propsDecoder) parameterSets(m *hujson.ObjectMember) *ParameterSets {
	val := &m.Value
	ps := &ParameterSets{Pos: pd.ld.valuePos(&m.Name)}
	if val.Value.Kind() != '{' {
		pd.ds.Warnf(pd.ld.valuePos(val), "connectionParameterSets is not an object; ignored")
		return ps
	}
	if ui := member(val, "uiDefinition"); ui != nil {
		var u rawUIDefinition
		pd.decode(ui, "connectionParameterSets.uiDefinition", &u)
		ps.DisplayName, ps.Description = string(u.DisplayName), string(u.Description)
	}
	values := member(val, "values")
	if values == nil {
		return ps
	}
	arr, ok := values.Value.(*hujson.Array)
	if !ok {
		pd.ds.Warnf(pd.ld.valuePos(values), "connectionParameterSets.values is not an array; ignored")
		return ps
	}
	for i := range arr.Elements {
		e := &arr.Elements[i]
		set := &ParameterSet{Pos: pd.ld.valuePos(e)}
		if n, ok := literalString(member(e, "name")); ok {
			set.Name = n
		}
		if ui := member(e, "uiDefinition"); ui != nil {
			var u rawUIDefinition
			pd.decode(ui, "parameter set uiDefinition", &u)
			set.DisplayName, set.Description = string(u.DisplayName), string(u.Description)
		}
		if params := member(e, "parameters"); params != nil {
			set.Parameters = pd.connectionParameters(params)
		}
		ps.Sets = append(ps.Sets, set)
	}
	return ps
}

func (pd *propsDecoder) policies(val *hujson.Value) []*PolicyInstance {
	arr, ok := val.Value.(*hujson.Array)
	if !ok {
		pd.ds.Warnf(pd.ld.valuePos(val), "policyTemplateInstances is not an array; ignored")
		return nil
	}
	out := make([]*PolicyInstance, 0, len(arr.Elements))
	for i := range arr.Elements {
		e := &arr.Elements[i]
		var raw struct {
			TemplateID flexString `json:"templateId"`
			Title      flexString `json:"title"`
			Type       flexString `json:"type"`
		}
		pd.decode(e, "policy template instance", &raw)
		pi := &PolicyInstance{TemplateID: string(raw.TemplateID), Title: string(raw.Title), Type: string(raw.Type), Pos: pd.ld.valuePos(e)}
		if params := member(e, "parameters"); params != nil {
			if params.Value.Kind() != '{' {
				pd.ds.Warnf(pd.ld.valuePos(params), "policy parameters are not an object; ignored")
			}
			for _, m := range members(params) {
				pi.Parameters = append(pi.Parameters, PolicyParameter{
					Name:  memberName(&m),
					Value: json.RawMessage(pd.ld.raw(&m.Value)),
					Pos:   pd.ld.valuePos(&m.Name),
				})
			}
		}
		out = append(out, pi)
	}
	return out
}

// flexString decodes any JSON value: a string as itself, null as "", and
// anything else as its JSON text.
type flexString string

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	*f = flexString(b)
	return nil
}

// flexBool decodes true/false and the strings "true"/"false" (any case);
// anything else is false.
type flexBool bool

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexBool) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	*f = flexBool(strings.EqualFold(strings.TrimSpace(s), "true"))
	return nil
}

type rawUIDefinition struct {
	DisplayName flexString `json:"displayName"`
	Description flexString `json:"description"`
	Tooltip     flexString `json:"tooltip"`
	Constraints struct {
		Required      flexBool `json:"required"`
		Hidden        flexBool `json:"hidden"`
		AllowedValues []struct {
			Text  flexString `json:"text"`
			Value flexString `json:"value"`
		} `json:"allowedValues"`
	} `json:"constraints"`
}

type rawConnectionParameter struct {
	Type          flexString      `json:"type"`
	UIDefinition  rawUIDefinition `json:"uiDefinition"`
	OAuthSettings *rawOAuth       `json:"oAuthSettings"` // encoding/json also matches "oauthSettings"
	DefaultValue  json.RawMessage `json:"defaultValue"`
	Default       json.RawMessage `json:"default"`
}

type rawOAuth struct {
	IdentityProvider flexString                 `json:"identityProvider"`
	ClientID         flexString                 `json:"clientId"`
	Scopes           []flexString               `json:"scopes"`
	RedirectMode     flexString                 `json:"redirectMode"`
	RedirectURL      flexString                 `json:"redirectUrl"`
	CustomParameters map[string]customParameter `json:"customParameters"`
	Properties       json.RawMessage            `json:"properties"`
}

// customParameter is {"value": x}; a bare value is tolerated.
type customParameter struct{ Value flexString }

// UnmarshalJSON implements json.Unmarshaler.
func (c *customParameter) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		var v struct {
			Value flexString `json:"value"`
		}
		err := json.Unmarshal(b, &v)
		c.Value = v.Value
		return err
	}
	return c.Value.UnmarshalJSON(b)
}

func (r *rawConnectionParameter) toModel(name string, pos diag.Pos) *ConnectionParameter {
	ui := &r.UIDefinition
	cp := &ConnectionParameter{
		Name:        name,
		Type:        string(r.Type),
		DisplayName: string(ui.DisplayName),
		Description: string(ui.Description),
		Tooltip:     string(ui.Tooltip),
		Required:    bool(ui.Constraints.Required),
		Hidden:      bool(ui.Constraints.Hidden),
		Pos:         pos,
	}
	for _, av := range ui.Constraints.AllowedValues {
		cp.AllowedValues = append(cp.AllowedValues, string(av.Value))
	}
	def := r.DefaultValue
	if def == nil {
		def = r.Default
	}
	if def != nil {
		var f flexString
		_ = f.UnmarshalJSON(def)
		cp.Default, cp.HasDefault = string(f), true
	}
	if o := r.OAuthSettings; o != nil {
		cp.OAuth = &OAuthSettings{
			IdentityProvider: string(o.IdentityProvider),
			ClientID:         string(o.ClientID),
			RedirectMode:     string(o.RedirectMode),
			RedirectURL:      string(o.RedirectURL),
			Properties:       o.Properties,
		}
		for _, s := range o.Scopes {
			cp.OAuth.Scopes = append(cp.OAuth.Scopes, string(s))
		}
		if o.CustomParameters != nil {
			cp.OAuth.CustomParameters = make(map[string]string, len(o.CustomParameters))
			for k, v := range o.CustomParameters {
				cp.OAuth.CustomParameters[k] = string(v.Value)
			}
		}
	}
	return cp
}

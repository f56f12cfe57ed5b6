package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/connectorgen/connectorgen/generator"
	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/ir"
)

// inspect prints what a connector offers, read from the IR and the
// diagnostics of a generation: a pure renderer, so what it shows is what
// `generate` would emit (inspect_text.go renders the tables).

func runInspect(_ context.Context, args []string, env *Env) int {
	fs := pflag.NewFlagSet("inspect", pflag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print a JSON document instead of tables")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: connectorgen inspect [--json] CONNECTOR\n\n"+
			"Prints what a connector offers as the generated client sees it: the connector,\n"+
			"the connection (parameter sets, parameters, auth), actions, triggers, policies per\n"+
			"operation, custom code and every warning generate would print. Exit 0 (warnings\n"+
			"do not fail), 1 when the connector does not load, 2 on usage errors.\n\nFlags:\n%s", fs.FlagUsages())
	}
	if code, ok := parseFlags(fs, args, env); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(env.Stderr, "connectorgen inspect: want exactly one CONNECTOR")
		fs.Usage()
		return ExitUsage
	}
	conn := fs.Arg(0)
	res, ds := generator.Generate(conn, generator.Options{})
	ds = ds.Sort()
	if res == nil {
		ds.Print(env.Stderr)
		fmt.Fprintf(env.Stderr, "connectorgen inspect: cannot load %s\n", conn)
		return ExitFail
	}
	doc := newInspectDoc(res.Package, ds)
	var err error
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		err = enc.Encode(doc)
	} else {
		err = printInspect(env.Stdout, doc)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "connectorgen inspect: %v\n", err)
		return ExitFail
	}
	return ExitOK
}

// The --json document. Field names are stable; new fields may be added.
// Lists are [] when empty, never null; order is deterministic (the
// generator's: actions and triggers by Go name, connection parameters,
// sets and connector-wide policies in connector order).
type (
	inspectDoc struct {
		Connector  inspectConnector   `json:"connector"`
		Connection inspectConnection  `json:"connection"`
		Actions    []inspectAction    `json:"actions"`
		Pagers     []inspectPager     `json:"pagers"`         // x-ms-pageable iterators
		Dynamic    []inspectLookup    `json:"dynamicHelpers"` // x-ms-dynamic-* helpers
		Triggers   []inspectTrigger   `json:"triggers"`
		Policies   []inspectPolicy    `json:"policies"`
		CustomCode *inspectCustomCode `json:"customCode"` // null when no operation has custom code
		Warnings   []inspectWarning   `json:"warnings"`
	}
	inspectConnector struct {
		Title   string `json:"title"`
		Package string `json:"package"` // Go package name
		BaseURL string `json:"baseURL"` // DefaultBaseURL
		Source  string `json:"source"`  // the connector path as given
	}
	inspectConnection struct {
		// GoType is "Connection": a struct, or an interface over one struct
		// per parameter set.
		GoType string `json:"goType"`
		// ParameterSets has one entry per connection parameter set; a
		// connector without sets has one entry with name "" whose goType
		// is the Connection struct.
		ParameterSets []inspectConnSet `json:"parameterSets"`
	}
	inspectConnSet struct {
		Name        string             `json:"name"`   // as in apiProperties.json
		GoType      string             `json:"goType"` // the struct holding the parameters
		DisplayName string             `json:"displayName"`
		Parameters  []inspectConnParam `json:"parameters"`
		Auth        []inspectAuth      `json:"auth"` // in the order credentials are attached
	}
	inspectConnParam struct {
		Name     string        `json:"name"`    // store key, as in apiProperties.json
		GoField  string        `json:"goField"` // "" for a gateway parameter (no field)
		Type     string        `json:"type"`    // Go type of the field: string, runtime.Secret, *runtime.OAuth, int64, bool; "gateway" (unsupported)
		Required bool          `json:"required"`
		Secret   bool          `json:"secret"`
		Hidden   bool          `json:"hidden"`  // not prompted for by login
		Default  *string       `json:"default"` // null when none
		OAuth    *inspectOAuth `json:"oauth"`   // null unless an OAuth token
	}
	inspectOAuth struct {
		Kind          string   `json:"kind"`     // oauth2, oauth2generic, aad, aadcertificate
		Provider      string   `json:"provider"` // identityProvider as written
		ClientID      string   `json:"clientID"` // "" when the connector has a placeholder
		Scopes        []string `json:"scopes"`
		AuthURL       string   `json:"authURL"`
		TokenURL      string   `json:"tokenURL"`
		RefreshURL    string   `json:"refreshURL"`
		DeviceAuthURL string   `json:"deviceAuthURL"`
		LoginURL      string   `json:"loginURL"`
		TenantID      string   `json:"tenantID"`
		ResourceURI   string   `json:"resourceURI"`
	}
	inspectAuth struct {
		Kind string   `json:"kind"` // apiKey, basic, bearer, oauth
		In   string   `json:"in"`   // header or query
		Name string   `json:"name"` // header or query parameter name
		From []string `json:"from"` // Go fields of the connection the credential comes from
	}
	inspectAction struct {
		GoMethod    string `json:"goMethod"`
		OperationID string `json:"operationId"`
		HTTPMethod  string `json:"httpMethod"`
		Path        string `json:"path"`
		Summary     string `json:"summary"`
		Deprecated  bool   `json:"deprecated"`
		Internal    bool   `json:"internal"`
		NoAuth      bool   `json:"noAuth"`     // sent without credentials
		CustomCode  bool   `json:"customCode"` // covered by the connector's custom code
	}
	inspectPager struct {
		GoMethod string `json:"goMethod"`
		Action   string `json:"action"`   // Go method of the page request
		Item     string `json:"itemType"` // Go type of one item
		Items    string `json:"items"`    // '/'-separated path of the item array ("" = the body)
		NextLink string `json:"nextLink"` // response property holding the next page's URL
	}
	inspectLookup struct {
		GoMethod  string `json:"goMethod"`
		Kind      string `json:"kind"`      // values or schema
		Extension string `json:"extension"` // x-ms-dynamic-values, ...
		For       string `json:"for"`       // Go method whose parameter or schema it serves
		Subject   string `json:"subject"`   // that parameter or schema, in words
		Calls     string `json:"calls"`     // Go method of the operation it calls
	}
	inspectTrigger struct {
		OperationID string   `json:"operationId"`
		GoMethods   []string `json:"goMethods"` // PollX; or SubscribeX, UnsubscribeX, DeliverX
		Kind        string   `json:"kind"`      // polling or webhook
		Delivery    string   `json:"delivery"`  // single or batch
		HTTPMethod  string   `json:"httpMethod"`
		Path        string   `json:"path"`
		EventType   string   `json:"eventType"` // Go type of one event
		// Split is set when a batch body is split into events; SplitPath is
		// the property path of the array ([] = the body is the array).
		Split      bool             `json:"split"`
		SplitPath  []string         `json:"splitPath"`
		State      []inspectTrigCfg `json:"state"` // pollingtrigger query parameters set from the state
		Summary    string           `json:"summary"`
		Deprecated bool             `json:"deprecated"`
		Internal   bool             `json:"internal"`
	}
	inspectTrigCfg struct {
		Param string `json:"param"` // query parameter
		Expr  string `json:"expr"`  // expression it is set from
	}
	inspectPolicy struct {
		// ConnectorWide is set for an instance that applies to every
		// operation (listed once, OperationID ""); else the entry is one
		// operation's use of the instance.
		ConnectorWide bool   `json:"connectorWide"`
		OperationID   string `json:"operationId"`
		GoMethod      string `json:"goMethod"`
		Template      string `json:"template"` // templateId in lower case
		Title         string `json:"title"`
		Section       string `json:"section"` // Request, Response or Failure
		Index         int    `json:"index"`   // position in policyTemplateInstances
		// Parameters are the template parameters the runtime reads, by
		// their x-ms-apimTemplateParameter names (defaults left out).
		Parameters map[string]string `json:"parameters"`
		params     [][2]string       // Parameters in the template's order (text)
	}
	inspectCustomCode struct {
		File       string         `json:"file"`   // "" when the connector does not ship its script
		GoType     string         `json:"goType"` // the generated hook interface
		Option     string         `json:"option"` // the option installing a hook
		All        bool           `json:"all"`    // every operation is covered
		Operations []inspectOpRef `json:"operations"`
	}
	inspectOpRef struct {
		OperationID string `json:"operationId"`
		GoMethod    string `json:"goMethod"`
	}
	inspectWarning struct {
		File     string `json:"file"`
		Line     int    `json:"line"` // 0 when unknown
		Col      int    `json:"col"`
		Severity string `json:"severity"`
		Message  string `json:"message"`
		Text     string `json:"text"` // the line generate prints: path:line:col: warning: message
	}
)

// newInspectDoc builds the document from a package and its diagnostics
// (sorted as generate prints them).
func newInspectDoc(p *ir.Package, ds diag.List) *inspectDoc {
	doc := &inspectDoc{
		Connector: inspectConnector{Title: p.Title, Package: p.Name, BaseURL: p.BaseURL, Source: p.Source},
		Actions:   []inspectAction{},
		Pagers:    []inspectPager{},
		Dynamic:   []inspectLookup{},
		Triggers:  []inspectTrigger{},
		Policies:  []inspectPolicy{},
		Warnings:  []inspectWarning{},
	}
	doc.Connection = inspectConnectionOf(p.Connection)
	covered := func(string) bool { return false }
	if s := p.Script; s != nil {
		covered = func(id string) bool { return s.Operations == nil || slices.Contains(s.Operations, id) }
	}
	for _, a := range p.Actions {
		doc.Actions = append(doc.Actions, inspectAction{
			GoMethod: a.GoName, OperationID: a.Op.ID, HTTPMethod: a.Op.Method, Path: a.Op.Path,
			Summary: oneLine(a.Summary), Deprecated: a.Deprecated, Internal: a.Internal, NoAuth: a.Op.NoAuth,
			CustomCode: covered(a.Op.ID),
		})
	}
	for _, pg := range p.Pagers {
		doc.Pagers = append(doc.Pagers, inspectPager{GoMethod: pg.GoName, Action: pg.Action.GoName, Item: pg.Item.GoString(), Items: pg.Items, NextLink: pg.NextLink})
	}
	for _, lu := range p.Lookups {
		kind := "values"
		if lu.Kind == ir.LookupSchema {
			kind = "schema"
		}
		doc.Dynamic = append(doc.Dynamic, inspectLookup{GoMethod: lu.GoName, Kind: kind, Extension: lu.Extension,
			For: methodOf(p, lu.Host), Subject: lu.Subject, Calls: methodOf(p, lu.Target)})
	}
	for _, t := range p.Triggers {
		doc.Triggers = append(doc.Triggers, inspectTriggerOf(t))
	}
	doc.Policies = inspectPolicies(p)
	if s := p.Script; s != nil {
		cc := &inspectCustomCode{File: s.File, GoType: s.TypeName, Option: s.OptionName, All: s.Operations == nil, Operations: []inspectOpRef{}}
		for _, op := range operations(p) {
			if covered(op.id) {
				cc.Operations = append(cc.Operations, inspectOpRef{OperationID: op.id, GoMethod: op.method})
			}
		}
		doc.CustomCode = cc
	}
	for _, d := range ds {
		doc.Warnings = append(doc.Warnings, inspectWarning{File: d.Pos.File, Line: d.Pos.Line, Col: d.Pos.Col,
			Severity: d.Severity.String(), Message: d.Msg, Text: d.String()})
	}
	return doc
}

func inspectConnectionOf(c *ir.Connection) inspectConnection {
	out := inspectConnection{GoType: "Connection", ParameterSets: []inspectConnSet{}}
	if c == nil {
		c = &ir.Connection{}
	}
	if len(c.Sets) == 0 {
		out.ParameterSets = append(out.ParameterSets, inspectSet("", "Connection", "", c.Params, c.Auth))
		return out
	}
	for _, s := range c.Sets {
		out.ParameterSets = append(out.ParameterSets, inspectSet(s.Name, s.GoName, s.DisplayName, s.Params, s.Auth))
	}
	return out
}

func inspectSet(name, goType, display string, params []*ir.ConnParam, auth []*ir.Auth) inspectConnSet {
	s := inspectConnSet{Name: name, GoType: goType, DisplayName: oneLine(display), Parameters: []inspectConnParam{}, Auth: []inspectAuth{}}
	oauth := map[string]bool{}
	for _, cp := range params {
		ip := inspectConnParam{Name: cp.Name, GoField: cp.GoName, Type: connFieldType(cp.Kind), Required: cp.Required,
			Secret: cp.Kind == ir.ConnSecret || cp.Kind == ir.ConnOAuthToken, Hidden: cp.Hidden}
		if cp.Kind == ir.ConnGateway {
			ip.GoField = ""
		}
		if cp.HasDefault {
			ip.Default = &cp.Default
		}
		if cp.Kind == ir.ConnOAuthToken {
			oauth[cp.GoName] = true
		}
		if o := cp.OAuth; o != nil {
			ip.OAuth = &inspectOAuth{Kind: oauthKind(o.Kind), Provider: o.Provider, ClientID: o.ClientID, Scopes: append([]string{}, o.Scopes...),
				AuthURL: o.AuthURL, TokenURL: o.TokenURL, RefreshURL: o.RefreshURL, DeviceAuthURL: o.DeviceAuthURL,
				LoginURL: o.LoginURL, TenantID: o.TenantID, ResourceURI: o.ResourceURI}
		}
		s.Parameters = append(s.Parameters, ip)
	}
	for _, a := range auth {
		switch a.Kind {
		case ir.AuthAPIKey:
			s.Auth = append(s.Auth, inspectAuth{Kind: "apiKey", In: a.In, Name: a.Name, From: []string{a.Value}})
		case ir.AuthBasic:
			s.Auth = append(s.Auth, inspectAuth{Kind: "basic", In: "header", Name: "Authorization", From: []string{a.User, a.Password}})
		case ir.AuthBearer:
			kind := "bearer"
			if oauth[a.Value] {
				kind = "oauth"
			}
			s.Auth = append(s.Auth, inspectAuth{Kind: kind, In: "header", Name: "Authorization", From: []string{a.Value}})
		}
	}
	return s
}

func inspectTriggerOf(t *ir.Trigger) inspectTrigger {
	it := inspectTrigger{OperationID: t.OperationID, Kind: t.Mode.String(), Delivery: "single",
		EventType: "json.RawMessage", Split: t.Split, SplitPath: append([]string{}, t.SplitPath...),
		State: []inspectTrigCfg{}, Summary: oneLine(t.Summary)}
	if t.Batch {
		it.Delivery = "batch"
	}
	if t.Event != nil {
		it.EventType = t.Event.GoString()
	}
	if t.Mode == ir.Webhook && t.SubscribeName != "" {
		it.GoMethods = append(it.GoMethods, t.SubscribeName, t.UnsubscribeName)
	}
	it.GoMethods = append(it.GoMethods, t.RunName)
	if a := t.Setup; a != nil {
		it.HTTPMethod, it.Path = a.Op.Method, a.Op.Path
		it.Deprecated, it.Internal = a.Deprecated, a.Internal
		if pt := a.Op.PollingTrigger; pt != nil {
			for _, c := range pt.Config {
				it.State = append(it.State, inspectTrigCfg{Param: c.Param, Expr: c.Expr})
			}
		}
	}
	return it
}

// opRef is an operation of the package with the Go method taking its
// parameters.
type opRef struct {
	id, method string
	op         *ir.Op
}

// operations lists the actions and trigger requests by operationId.
func operations(p *ir.Package) []opRef {
	var ops []opRef
	for _, a := range p.Actions {
		ops = append(ops, opRef{a.Op.ID, a.GoName, &a.Op})
	}
	for _, t := range p.Triggers {
		if t.Setup == nil {
			continue
		}
		m := t.RunName
		if t.Mode == ir.Webhook && t.SubscribeName != "" {
			m = t.SubscribeName
		}
		ops = append(ops, opRef{t.Setup.Op.ID, m, &t.Setup.Op})
	}
	slices.SortStableFunc(ops, func(a, b opRef) int { return strings.Compare(a.id, b.id) })
	return ops
}

// methodOf names the Go method of an action or trigger request.
func methodOf(p *ir.Package, a *ir.Action) string {
	if a == nil {
		return ""
	}
	for _, op := range operations(p) {
		if op.op == &a.Op {
			return op.method
		}
	}
	return a.GoName
}

// inspectPolicies lists connector-wide instances once (connector order),
// then each operation's instances (operationId order, then connector order).
func inspectPolicies(p *ir.Package) []inspectPolicy {
	out := []inspectPolicy{}
	for _, pol := range p.Policies {
		if pol.Global {
			out = append(out, inspectPolicyOf(pol, opRef{}))
		}
	}
	for _, op := range operations(p) {
		for _, pol := range op.op.Policies {
			out = append(out, inspectPolicyOf(pol, op))
		}
	}
	return out
}

func inspectPolicyOf(p *ir.Policy, op opRef) inspectPolicy {
	ip := inspectPolicy{ConnectorWide: p.Global, OperationID: op.id, GoMethod: op.method, Template: p.Template,
		Title: oneLine(p.Title), Section: p.Section, Index: p.Index, Parameters: map[string]string{}}
	ip.params = policyParams(p)
	for _, kv := range ip.params {
		ip.Parameters[kv[0]] = kv[1]
	}
	return ip
}

// policyParams returns the parameters of an instance that the runtime
// reads, by their connector names, in the template's order; empty values
// and defaults are left out.
func policyParams(p *ir.Policy) [][2]string {
	var kv [][2]string
	add := func(name, value string) {
		if value != "" {
			kv = append(kv, [2]string{name, value})
		}
	}
	switch p.Template {
	case "setheader", "setqueryparameter":
		add("name", p.Name)
		add("value", p.Value)
		if p.Exists != "override" {
			add("existsAction", p.Exists)
		}
	case "dynamichosturl", "dynamicsubdomain":
		add("urlTemplate", p.URL)
	case "routerequesttoendpoint":
		add("newPath", p.URL)
		add("httpMethod", p.Method)
	case "setproperty":
		add("newPropertyParentPathTemplate", p.From)
		add("newPropertySubPathTemplate", p.FromSub)
		add("propertyValuePathTemplate", p.Value)
	case "convertobjecttoarray", "convertarraytoobject", "stringtoarray", "stringreplace", "encodepropertyvalue":
		add("propertyParentPath", p.From)
		add("propertySubPath", p.FromSub)
		add("newPropertyPath", p.To)
		switch p.Template {
		case "convertobjecttoarray":
			add("keyName", p.KeyName)
			add("valueName", p.ValueName)
		case "convertarraytoobject":
			add("keyWithinCollectionPath", p.KeyName)
			if !p.Retain {
				add("retainKey", "false")
			}
		case "stringtoarray":
			add("delimiterList", p.Find)
			add("childPropertyName", p.KeyName)
		case "stringreplace":
			add("sourceString", p.Find)
			add("replacementString", p.Replace)
		}
	case "moveproperties":
		add("srcParentPath", p.From)
		add("srcSubPath", p.FromSub)
		add("dstParentPath", p.To)
		add("dstSubPath", p.ToSub)
		if p.SubOnly {
			add("copyOnlySubProperties", "true")
		}
	case "setvaluefromurl":
		add("parameterTemplate", p.To)
		add("parameterValueUrl", p.URL)
		add("parameterValuePathTemplate", p.ValuePath)
		add("httpMethod", p.Method)
	case "updatenextlink":
		add("nextLinkPropertyName", p.Name)
		add("nextLinkParentPropertyPath", p.From)
	case "setconnectionstatustounauthenticated":
		if p.StatusCode != 0 {
			add("statusCode", strconv.Itoa(p.StatusCode))
		}
	}
	return kv
}

// connFieldType is the Go type of a connection field.
func connFieldType(k ir.ConnParamKind) string {
	switch k {
	case ir.ConnSecret:
		return "runtime.Secret"
	case ir.ConnOAuthToken:
		return "*runtime.OAuth"
	case ir.ConnInt:
		return "int64"
	case ir.ConnBool:
		return "bool"
	case ir.ConnGateway:
		return "gateway"
	}
	return "string"
}

func oauthKind(k ir.OAuthKind) string {
	switch k {
	case ir.OAuth2:
		return "oauth2"
	case ir.OAuth2Generic:
		return "oauth2generic"
	case ir.AAD:
		return "aad"
	case ir.AADCertificate:
		return "aadcertificate"
	}
	return "unknown"
}

// oneLine collapses runs of white space (newlines included) into one space,
// so that free text cannot break a table row.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

package lower

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/spec"
	"github.com/connectorgen/connectorgen/runtime/expr"
)

// Policy templates (protocol §6): every policyTemplateInstances entry but
// pollingtrigger (triggers.go) is compiled into an ir.Policy that the
// runtime applies on its request path. What the runtime cannot honour is a
// positioned warning (an error with Options.Strict), never ignored:
//
//   - an unknown templateId, a required parameter that is missing or not a
//     string, an expression or property path that does not parse, a
//     destination that is not a single path, a section the template has no
//     meaning in: the instance is left out;
//   - a scope naming an operation the connector does not define: that name
//     is left out (and the instance, when no name is left);
//   - an expression the runtime can evaluate but whose value it cannot have
//     (@triggerBody() outside pollingtrigger, @item() outside the
//     collection templates, a connection parameter the Connection lacks,
//     such as 'token:customHost' or an OAuth token, without a default): the
//     instance is kept, and a call that needs the value fails with an error
//     naming it;
//   - a placeholder in newPath or parameterValueUrl that is not a path
//     parameter of an operation in scope: the instance is left out for that
//     operation (the call would otherwise fail every time).
//
// Parameters a template does not read are warned about too: they would be
// silently ignored otherwise.

const (
	tplPrefix = "x-ms-apimTemplateParameter."
	opNameKey = "x-ms-apimTemplate-operationName"
	sectKey   = "x-ms-apimTemplate-policySection"
)

// policyTemplate describes what lower needs to know about a template.
type policyTemplate struct {
	params   []string // the x-ms-apimTemplateParameter.* keys it reads
	sections []string // the sections it may run in; the first is the default
	body     bool     // a body template (Item is meaningful, body paths)
}

var policyTemplates = map[string]policyTemplate{
	"setheader":                            {params: []string{"name", "value", "existsAction"}, sections: []string{"Request", "Response", "Failure"}},
	"setqueryparameter":                    {params: []string{"name", "value", "existsAction"}, sections: []string{"Request"}},
	"dynamichosturl":                       {params: []string{"urlTemplate"}, sections: []string{"Request"}},
	"dynamicsubdomain":                     {params: []string{"urlTemplate"}, sections: []string{"Request"}},
	"routerequesttoendpoint":               {params: []string{"newPath", "httpMethod"}, sections: []string{"Request"}},
	"setproperty":                          {params: []string{"newPropertyParentPathTemplate", "newPropertySubPathTemplate", "propertyValuePathTemplate"}, sections: []string{"Request", "Response"}, body: true},
	"convertobjecttoarray":                 {params: []string{"propertyParentPath", "propertySubPath", "newPropertyPath", "keyName", "valueName"}, sections: []string{"Request", "Response"}, body: true},
	"convertarraytoobject":                 {params: []string{"propertyParentPath", "propertySubPath", "keyWithinCollectionPath", "newPropertyPath", "retainKey"}, sections: []string{"Request", "Response"}, body: true},
	"stringtoarray":                        {params: []string{"propertyParentPath", "propertySubPath", "delimiterList", "childPropertyName", "newPropertyPath"}, sections: []string{"Request", "Response"}, body: true},
	"stringreplace":                        {params: []string{"propertyParentPath", "propertySubPath", "sourceString", "replacementString", "newPropertyPath"}, sections: []string{"Request", "Response"}, body: true},
	"encodepropertyvalue":                  {params: []string{"propertyParentPath", "propertySubPath", "newPropertyPath"}, sections: []string{"Request", "Response"}, body: true},
	"moveproperties":                       {params: []string{"srcParentPath", "srcSubPath", "dstParentPath", "dstSubPath", "copyOnlySubProperties"}, sections: []string{"Request", "Response"}, body: true},
	"setvaluefromurl":                      {params: []string{"parameterTemplate", "httpMethod", "parameterValueUrl", "parameterValuePathTemplate"}, sections: []string{"Request"}},
	"updatenextlink":                       {params: []string{"nextLinkPropertyName", "nextLinkParentPropertyPath"}, sections: []string{"Response"}},
	"setconnectionstatustounauthenticated": {params: []string{"statusCode"}, sections: []string{"Response"}},
}

// policyWarnf reports what the runtime cannot honour: a warning, or an
// error with Options.Strict.
func (l *lowerer) policyWarnf(pos diag.Pos, format string, args ...any) {
	if l.strict {
		l.ds.Errorf(pos, format, args...)
		return
	}
	l.ds.Warnf(pos, format, args...)
}

// policies compiles the policy template instances into l.pkg.Policies and
// the Policies of the operations they are scoped to.
func (l *lowerer) policies() {
	props := l.c.Properties
	if props == nil {
		return
	}
	var ops []*ir.Op // actions and trigger requests, in operationId order
	for _, a := range l.pkg.Actions {
		ops = append(ops, &a.Op)
	}
	for _, t := range l.pkg.Triggers {
		if t.Setup != nil {
			ops = append(ops, &t.Setup.Op)
		}
	}
	slices.SortStableFunc(ops, func(a, b *ir.Op) int { return strings.Compare(a.ID, b.ID) })
	for i, pi := range props.Policies {
		if strings.EqualFold(pi.TemplateID, "pollingtrigger") {
			continue // triggers.go; unsupported() reports the unused ones
		}
		pc := &policyCompiler{l: l, pi: pi}
		p := pc.compile(i)
		if p == nil {
			continue
		}
		targets, scoped := l.policyTargets(pi, ops)
		if len(targets) == 0 {
			l.policyWarnf(pi.Pos, "policy template %q (%s) applies to no operation of the connector: it is ignored", pi.TemplateID, pc.title())
			continue
		}
		var fitting []*ir.Op
		for _, op := range targets {
			if pc.fits(p, op, scoped) {
				fitting = append(fitting, op)
			}
		}
		if len(fitting) == 0 {
			continue // fits warned for each operation
		}
		// A connector-wide instance that some operations cannot take is
		// scoped to the others.
		p.Global = !scoped && len(fitting) == len(targets)
		if !p.Global {
			for _, op := range fitting {
				op.Policies = append(op.Policies, p)
			}
		}
		l.pkg.Policies = append(l.pkg.Policies, p)
		l.applied[pi] = true
	}
}

// policyTargets returns the operations an instance applies to: those its
// scope names (warning about unknown names), or all when it has no scope.
func (l *lowerer) policyTargets(pi *spec.PolicyInstance, ops []*ir.Op) ([]*ir.Op, bool) {
	prm := policyParam(pi, opNameKey)
	if prm == nil {
		return ops, false
	}
	var names []string
	if err := json.Unmarshal(prm.Value, &names); err != nil {
		var one string
		if json.Unmarshal(prm.Value, &one) != nil {
			l.policyWarnf(prm.Pos, "%s of policy template %q is not a list of operation names: it is read as no scope", opNameKey, pi.TemplateID)
			return ops, false
		}
		if one != "" {
			names = []string{one}
		}
	}
	if len(names) == 0 {
		return ops, false // absent or empty: every operation (§6.1)
	}
	var out []*ir.Op
	for _, n := range names {
		i := slices.IndexFunc(ops, func(op *ir.Op) bool { return op.ID == n })
		if i < 0 {
			l.policyWarnf(prm.Pos, "policy template %q (%s) is scoped to operation %q, which the connector does not define: that name is ignored", pi.TemplateID, strings.TrimSpace(pi.Title), n)
			continue
		}
		if !slices.Contains(out, ops[i]) {
			out = append(out, ops[i])
		}
	}
	return out, true
}

// policyCompiler compiles one instance.
type policyCompiler struct {
	l  *lowerer
	pi *spec.PolicyInstance
	t  policyTemplate
	// refs are the references of the instance's expressions, with where
	// they come from, for the checks that depend on the operation.
	placeholders []placeholder
}

type placeholder struct {
	name, field string
	pos         diag.Pos
}

func (pc *policyCompiler) title() string { return strings.TrimSpace(pc.pi.Title) }

func (pc *policyCompiler) warnf(pos diag.Pos, format string, args ...any) {
	pc.l.policyWarnf(pos, "policy template %q (%s): %s", pc.pi.TemplateID, pc.title(), fmt.Sprintf(format, args...))
}

// compile reads and checks the instance's parameters; nil when it cannot be
// honoured (after a warning).
func (pc *policyCompiler) compile(index int) *ir.Policy {
	pi := pc.pi
	id := strings.ToLower(pi.TemplateID)
	t, ok := policyTemplates[id]
	if !ok {
		pc.l.policyWarnf(pi.Pos, "policy template %q (%s) is not supported by the runtime: it is ignored", pi.TemplateID, pc.title())
		return nil
	}
	pc.t = t
	p := &ir.Policy{Template: id, Index: index, Title: pc.title(), Section: t.sections[0], Exists: "override", Pos: pi.Pos}
	good := true
	for _, prm := range pi.Parameters {
		switch {
		case prm.Name == opNameKey:
		case prm.Name == sectKey:
			s, ok := pc.str(&prm)
			if !ok {
				good = false
				break
			}
			i := slices.IndexFunc(t.sections, func(x string) bool { return strings.EqualFold(x, s) })
			if i < 0 {
				pc.warnf(prm.Pos, "section %q is not supported for this template (only %s): it is ignored", s, strings.Join(t.sections, ", "))
				good = false
				break
			}
			p.Section = t.sections[i]
		case strings.HasPrefix(prm.Name, tplPrefix) && slices.Contains(t.params, strings.TrimPrefix(prm.Name, tplPrefix)):
		default:
			pc.l.policyWarnf(prm.Pos, "policy template %q (%s): parameter %q is not read by this template: it is ignored", pi.TemplateID, pc.title(), prm.Name)
		}
	}
	if !good {
		return nil
	}
	get := func(name string, required bool) (string, *spec.PolicyParameter, bool) {
		prm := policyParam(pi, tplPrefix+name)
		if prm == nil {
			if required {
				pc.warnf(pi.Pos, "required parameter %s%s is missing: it is ignored", tplPrefix, name)
				return "", nil, false
			}
			return "", nil, true
		}
		s, ok := pc.str(prm)
		if ok && required && s == "" && name != "value" { // an empty header or query value is a value
			pc.warnf(prm.Pos, "parameter %s is empty: it is ignored", prm.Name)
			return "", prm, false
		}
		return s, prm, ok
	}
	// Each field: read, then check as an expression template, a single
	// reference or a property path.
	tmpl := func(dst *string, name string, required bool, item bool) {
		s, prm, ok := get(name, required)
		good = good && ok
		if ok && prm != nil {
			good = pc.template(prm, s, item) && good
			*dst = s
		}
	}
	single := func(dst *string, name string, required bool, kinds ...expr.RefKind) {
		s, prm, ok := get(name, required)
		good = good && ok
		if ok && prm != nil && s != "" {
			good = pc.single(prm, s, kinds...) && good
			*dst = s
		}
	}
	path := func(dst *string, name string, required bool) {
		s, prm, ok := get(name, required)
		good = good && ok
		if ok && prm != nil && s != "" && !(name == "dstSubPath" && strings.EqualFold(s, "null")) {
			if _, err := expr.ParsePath(s); err != nil {
				pc.warnf(prm.Pos, "%s %q: %v: it is ignored", prm.Name, s, err)
				good = false
			}
			*dst = s
		}
	}
	text := func(dst *string, name string, required bool) {
		s, _, ok := get(name, required)
		good = good && ok
		*dst = s
	}
	body := []expr.RefKind{expr.Body, expr.Item}
	switch id {
	case "setheader", "setqueryparameter":
		text(&p.Name, "name", true)
		tmpl(&p.Value, "value", true, false)
		var ex string
		text(&ex, "existsAction", false)
		switch strings.ToLower(ex) {
		case "", "override":
		case "skip", "append":
			p.Exists = strings.ToLower(ex)
		default:
			pc.warnf(policyParam(pi, tplPrefix+"existsAction").Pos, "existsAction %q is not override, skip or append: it is ignored", ex)
			good = false
		}
	case "dynamichosturl", "dynamicsubdomain":
		tmpl(&p.URL, "urlTemplate", true, false)
	case "routerequesttoendpoint":
		tmpl(&p.URL, "newPath", true, false)
		pc.method(&p.Method, &good, false)
	case "setproperty":
		single(&p.From, "newPropertyParentPathTemplate", true, body...)
		path(&p.FromSub, "newPropertySubPathTemplate", true)
		tmpl(&p.Value, "propertyValuePathTemplate", false, true)
	case "convertobjecttoarray", "convertarraytoobject", "stringtoarray", "stringreplace", "encodepropertyvalue":
		single(&p.From, "propertyParentPath", true, body...)
		path(&p.FromSub, "propertySubPath", false)
		single(&p.To, "newPropertyPath", true, body...)
		switch id {
		case "convertobjecttoarray":
			text(&p.KeyName, "keyName", false)
			text(&p.ValueName, "valueName", false)
		case "convertarraytoobject":
			path(&p.KeyName, "keyWithinCollectionPath", true)
			p.Retain = pc.boolean("retainKey", true, &good)
		case "stringtoarray":
			text(&p.Find, "delimiterList", true)
			text(&p.KeyName, "childPropertyName", true)
		case "stringreplace":
			text(&p.Find, "sourceString", true)
			text(&p.Replace, "replacementString", false)
		}
	case "moveproperties":
		single(&p.From, "srcParentPath", true, body...)
		path(&p.FromSub, "srcSubPath", true)
		single(&p.To, "dstParentPath", true, body...)
		path(&p.ToSub, "dstSubPath", false)
		if strings.EqualFold(p.ToSub, "null") {
			p.ToSub = "" // the destination parent itself
		}
		p.SubOnly = pc.boolean("copyOnlySubProperties", false, &good)
	case "setvaluefromurl":
		single(&p.To, "parameterTemplate", true, expr.Header, expr.Query)
		tmpl(&p.URL, "parameterValueUrl", true, false)
		single(&p.ValuePath, "parameterValuePathTemplate", true, expr.Body)
		pc.method(&p.Method, &good, true)
	case "updatenextlink":
		text(&p.Name, "nextLinkPropertyName", true)
		single(&p.From, "nextLinkParentPropertyPath", false, expr.Body)
	case "setconnectionstatustounauthenticated":
		prm := policyParam(pi, tplPrefix+"statusCode")
		if prm == nil {
			pc.warnf(pi.Pos, "required parameter %sstatusCode is missing: it is ignored", tplPrefix)
			return nil
		}
		var n int
		var s string
		if json.Unmarshal(prm.Value, &n) != nil {
			if json.Unmarshal(prm.Value, &s) != nil {
				n = 0
			} else if v, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
				n = v
			}
		}
		if n < 300 || n > 599 {
			pc.warnf(prm.Pos, "statusCode %s is not an error status (300-599), which is all the runtime checks: it is ignored", prm.Value)
			return nil
		}
		p.StatusCode = n
	}
	if !good {
		return nil
	}
	if pc.t.body && p.To != "" {
		if t, _, err := expr.Parse(p.To); err == nil {
			if r, ok := t.SingleRef(); ok && r.Kind == expr.Item && len(r.Path) == 0 {
				// The destination is newPropertyPath, or dstParentPath
				// for moveproperties: report at whichever is given.
				name, pos := "newPropertyPath", pi.Pos
				for _, n := range []string{"newPropertyPath", "dstParentPath"} {
					if prm := policyParam(pi, tplPrefix+n); prm != nil {
						name, pos = n, prm.Pos
						break
					}
				}
				pc.warnf(pos, "%s @item() cannot be replaced as a whole: it is ignored", name)
				return nil
			}
		}
	}
	return p
}

// str decodes a parameter that must be a string.
func (pc *policyCompiler) str(prm *spec.PolicyParameter) (string, bool) {
	var s string
	if err := json.Unmarshal(prm.Value, &s); err != nil {
		pc.warnf(prm.Pos, "parameter %s is not a string: it is ignored", prm.Name)
		return "", false
	}
	return s, true
}

// boolean reads a "true"/"false" parameter (a string or a JSON boolean).
func (pc *policyCompiler) boolean(name string, def bool, good *bool) bool {
	prm := policyParam(pc.pi, tplPrefix+name)
	if prm == nil {
		return def
	}
	var b bool
	if json.Unmarshal(prm.Value, &b) == nil {
		return b
	}
	var s string
	if json.Unmarshal(prm.Value, &s) == nil {
		if v, err := strconv.ParseBool(strings.TrimSpace(s)); err == nil {
			return v
		}
	}
	pc.warnf(prm.Pos, "parameter %s is not \"true\" or \"false\": it is ignored", prm.Name)
	*good = false
	return def
}

// method reads httpMethod: a method name or an expression (such as
// @Request.OriginalHTTPMethod).
func (pc *policyCompiler) method(dst *string, good *bool, restricted bool) {
	prm := policyParam(pc.pi, tplPrefix+"httpMethod")
	if prm == nil {
		return
	}
	s, ok := pc.str(prm)
	if !ok {
		*good = false
		return
	}
	if !pc.template(prm, s, false) {
		*good = false
		return
	}
	if t, _, _ := expr.Parse(s); t != nil && t.IsLiteral() {
		m := strings.ToUpper(strings.TrimSpace(s))
		valid := m != "" && strings.Trim(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
		if !valid || restricted && m != "GET" && m != "POST" && m != "PUT" {
			pc.warnf(prm.Pos, "httpMethod %q is not supported here: it is ignored", s)
			*good = false
			return
		}
	}
	*dst = s
}

// template checks an expression template; item says whether @item() has a
// value where it is evaluated.
func (pc *policyCompiler) template(prm *spec.PolicyParameter, s string, item bool) bool {
	t, diags, err := expr.Parse(s)
	for _, d := range diags {
		pc.l.ds.Warnf(prm.Pos, "policy template %q (%s): %s %q: %s", pc.pi.TemplateID, pc.title(), prm.Name, s, d.Msg)
	}
	if err != nil {
		pc.warnf(prm.Pos, "%s %q: %v: it is ignored", prm.Name, s, err)
		return false
	}
	pc.refs(prm, s, t.Refs(), item)
	return true
}

// single checks a parameter that must be exactly one reference of kinds.
func (pc *policyCompiler) single(prm *spec.PolicyParameter, s string, kinds ...expr.RefKind) bool {
	t, diags, err := expr.Parse(s)
	for _, d := range diags {
		pc.l.ds.Warnf(prm.Pos, "policy template %q (%s): %s %q: %s", pc.pi.TemplateID, pc.title(), prm.Name, s, d.Msg)
	}
	if err != nil {
		pc.warnf(prm.Pos, "%s %q: %v: it is ignored", prm.Name, s, err)
		return false
	}
	r, ok := t.SingleRef()
	if !ok || !slices.Contains(kinds, r.Kind) {
		var want []string
		for _, k := range kinds {
			want = append(want, refName(k))
		}
		pc.warnf(prm.Pos, "%s %q is not a single %s path: it is ignored", prm.Name, s, strings.Join(want, " or "))
		return false
	}
	if r.Kind == expr.Item && prm.Name != tplPrefix+"newPropertyPath" {
		pc.warnf(prm.Pos, "%s %q reads @item(), which has no value there: the template never applies", prm.Name, s)
	}
	return true
}

func refName(k expr.RefKind) string {
	switch k {
	case expr.Body:
		return "@body()"
	case expr.Item:
		return "@item()"
	case expr.Header:
		return "@headers('name')"
	case expr.Query:
		return "@queryParameters('name')"
	}
	return k.String()
}

// refs checks what an expression reads against what the runtime can give.
func (pc *policyCompiler) refs(prm *spec.PolicyParameter, s string, refs []expr.Ref, item bool) {
	for _, r := range refs {
		switch r.Kind {
		case expr.TriggerBody:
			pc.warnf(prm.Pos, "%s %q reads @triggerBody(), which only the pollingtrigger template has: calls fail with a null error", prm.Name, s)
		case expr.Item:
			if !item {
				pc.warnf(prm.Pos, "%s %q reads @item(), which has no value outside the collection templates: calls fail with a null error", prm.Name, s)
			}
		case expr.ConnectionParameter:
			if r.HasDefault {
				continue
			}
			switch kind, ok := pc.l.policyConnParam(r.Name); {
			case !ok:
				pc.warnf(prm.Pos, "%s %q reads connection parameter '%s', which the connection does not have: calls fail with a missing-parameter error", prm.Name, s, r.Name)
			case kind == ir.ConnOAuthToken:
				pc.warnf(prm.Pos, "%s %q reads the OAuth token parameter '%s', which the runtime does not give to policies: calls fail with a missing-parameter error", prm.Name, s, r.Name)
			}
		case expr.PathParam:
			pc.placeholders = append(pc.placeholders, placeholder{name: r.Name, field: prm.Name, pos: prm.Pos})
		}
	}
}

// policyConnParam looks up a connection parameter of the connector (any
// parameter set) and the kind the Connection gives it.
func (l *lowerer) policyConnParam(name string) (ir.ConnParamKind, bool) {
	p := l.c.Properties
	if p == nil {
		return 0, false
	}
	params := p.ConnectionParameters
	if p.ParameterSets != nil {
		for _, set := range p.ParameterSets.Sets {
			params = append(params, set.Parameters...)
		}
	}
	for _, cp := range params {
		if cp.Name == name {
			return connKind(cp.Type)
		}
	}
	return 0, false
}

// fits checks the instance against one operation it applies to: the
// placeholders of newPath and parameterValueUrl must be path parameters
// (otherwise the instance is left out for that operation), and a scoped
// body template on an operation without a JSON body or result has no
// effect (warned; connector-wide ones are not, they are meant for the
// operations that have one).
func (pc *policyCompiler) fits(p *ir.Policy, op *ir.Op, scoped bool) bool {
	if !scoped && len(pc.placeholders) == 0 {
		return true
	}
	if p.Template == "routerequesttoendpoint" || p.Template == "setvaluefromurl" {
		for _, ph := range pc.placeholders {
			if ph.field != tplPrefix+"newPath" && ph.field != tplPrefix+"parameterValueUrl" {
				continue
			}
			if !slices.ContainsFunc(op.Params, func(x *ir.Param) bool { return x.In == "path" && strings.EqualFold(x.Name, ph.name) }) {
				pc.warnf(ph.pos, "placeholder {%s} is not a path parameter of %s: the template is ignored for that operation", ph.name, op.ID)
				return false
			}
		}
	}
	if scoped && (pc.t.body || p.Template == "updatenextlink") {
		switch {
		case p.Section == "Request" && (op.Body != ir.BodyNone && op.Body != ir.BodyJSON || !slices.ContainsFunc(op.Params, func(x *ir.Param) bool { return x.In == "body" })):
			pc.warnf(p.Pos, "operation %s has no JSON request body: the template has no effect on it", op.ID)
		case p.Section == "Response" && op.Result != ir.ResultJSON:
			pc.warnf(p.Pos, "operation %s has no JSON response: the template has no effect on it", op.ID)
		}
	}
	return true
}

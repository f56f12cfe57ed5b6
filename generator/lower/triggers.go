package lower

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/spec"
	"github.com/connectorgen/connectorgen/runtime/expr"
)

// event decides the event type of a trigger and, for batch triggers, where
// the array of events is (protocol §3.4, §4.5).
func (l *lowerer) event(t *ir.Trigger, op *spec.Operation, pi *spec.PathItem) {
	ctx := t.GoName + "Event"
	var body *spec.Schema
	if r := bestResponse(op); r != nil {
		body = r.Schema
	}
	if t.Mode == ir.Webhook {
		// The payload the service POSTs to the callback; the subscribe
		// response describes it only when the path item does not.
		if nc := pi.NotificationContent; nc != nil && nc.Schema != nil {
			body = nc.Schema
		}
		if body != nil {
			t.Event = l.typeOf(body, ctx, op.Pos)
		}
		return
	}
	if body == nil {
		return
	}
	if !t.Batch {
		t.Event = l.typeOf(body, ctx, op.Pos)
		return
	}
	// Batch: the pollingtrigger policy's triggerDataPath when there is one;
	// else the whole body when it is an array; else "value" when it is an
	// array property; else the only array-typed property. This is the
	// reading of the UNCONFIRMED splitOn rule that loses no event: with no
	// array to split, each 200 body is delivered whole, with a warning.
	if path, ok := l.triggerDataPath(op); ok {
		t.Split, t.SplitPath = true, path
		arr := body
		for _, name := range path {
			props, _ := flatten(arr)
			i := slices.IndexFunc(props, func(p *spec.Property) bool { return p.Name == name })
			if i < 0 {
				arr = nil
				break
			}
			arr = props[i].Schema
		}
		if arr == nil || arr.Type != "array" {
			l.ds.Warnf(op.Pos, "batch trigger %s: triggerDataPath %s is not an array in the response schema; events stay raw JSON", op.OperationID, strings.Join(path, "."))
			t.Event = tRaw
			return
		}
		t.Event = l.itemType(arr, ctx, op)
		return
	}
	if body.Type == "array" {
		t.Split = true
		t.Event = l.itemType(body, ctx, op)
		return
	}
	props, _ := flatten(body)
	arrays := slices.DeleteFunc(slices.Clone(props), func(p *spec.Property) bool {
		return p.Schema == nil || p.Schema.Type != "array"
	})
	pick := slices.IndexFunc(arrays, func(p *spec.Property) bool { return p.Name == "value" })
	if pick < 0 && len(arrays) == 1 {
		pick = 0
	}
	if pick < 0 {
		l.ds.Warnf(op.Pos, "batch trigger %s: its response has no array to split (no \"value\" and not exactly one array property); each 200 body is one event", op.OperationID)
		t.Event = l.typeOf(body, ctx, op.Pos)
		return
	}
	t.Split = true
	t.SplitPath = []string{arrays[pick].Name}
	t.Event = l.itemType(arrays[pick].Schema, ctx, op)
}

// itemType is the Go type of the items of an array schema.
func (l *lowerer) itemType(arr *spec.Schema, ctx string, op *spec.Operation) *ir.TypeRef {
	if arr.Items == nil {
		return tRaw
	}
	return l.typeOf(arr.Items, ctx, op.Pos)
}

// pollingPolicy returns the pollingtrigger policy instance that applies to
// op (protocol §3.7), nil when there is none.
func (l *lowerer) pollingPolicy(op *spec.Operation) *spec.PolicyInstance {
	if l.c.Properties == nil {
		return nil
	}
	for _, pi := range l.c.Properties.Policies {
		if strings.EqualFold(pi.TemplateID, "pollingtrigger") && policyApplies(pi, op.OperationID) {
			return pi
		}
	}
	return nil
}

// policyParam returns the value of the policy parameter name, nil when
// absent.
func policyParam(pi *spec.PolicyInstance, name string) *spec.PolicyParameter {
	for i := range pi.Parameters {
		if pi.Parameters[i].Name == name {
			return &pi.Parameters[i]
		}
	}
	return nil
}

// triggerDataPath reads the triggerDataPath of the pollingtrigger policy
// that applies to op (protocol §3.7) as property names from the body root.
func (l *lowerer) triggerDataPath(op *spec.Operation) ([]string, bool) {
	pi := l.pollingPolicy(op)
	if pi == nil {
		return nil, false
	}
	prm := policyParam(pi, "x-ms-apimTemplateParameter.triggerDataPath")
	if prm == nil {
		return nil, false
	}
	var text string
	if err := json.Unmarshal(prm.Value, &text); err != nil {
		l.ds.Warnf(prm.Pos, "triggerDataPath is not a string; the batch split rule applies instead")
		return nil, false
	}
	t, _, err := expr.Parse(text)
	if err != nil {
		l.ds.Warnf(prm.Pos, "triggerDataPath %q: %v; the batch split rule applies instead", text, err)
		return nil, false
	}
	ref, ok := t.SingleRef()
	if !ok || ref.Kind != expr.TriggerBody {
		l.ds.Warnf(prm.Pos, "triggerDataPath %q is not a @triggerBody() path; the batch split rule applies instead", text)
		return nil, false
	}
	path := []string{}
	for _, seg := range ref.Path {
		if seg.IsIndex {
			l.ds.Warnf(prm.Pos, "triggerDataPath %q indexes an array; the batch split rule applies instead", text)
			return nil, false
		}
		path = append(path, seg.Key)
	}
	return path, true
}

// pollState compiles what keeps a polling trigger's state on the client:
// the pollingtrigger policy's triggerConfig (protocol §3.7) and
// x-ms-trigger-value parameters (§3.6). The parameters they compute are
// the runtime's to set: optional ones are hidden from the typed method
// (a required one stays an argument: it is the first poll's value).
func (l *lowerer) pollState(a *ir.Action, op *spec.Operation) {
	managed := map[string]bool{}
	if pi := l.pollingPolicy(op); pi != nil {
		l.applied[pi] = true
		a.Op.PollingTrigger = &ir.PollingTrigger{}
		prm := policyParam(pi, "x-ms-apimTemplateParameter.triggerConfig")
		var cfg []spec.PolicyParameter
		if prm != nil {
			cfg = objectMembers(prm.Value, prm.Pos)
		}
		if prm == nil || cfg == nil {
			pos := pi.Pos
			if prm != nil {
				pos = prm.Pos
			}
			l.ds.Warnf(pos, "pollingtrigger policy of %s has no triggerConfig object: no state is kept, so every poll with items fires them again", op.OperationID)
		}
		for _, c := range cfg {
			if c.Name == "" {
				l.ds.Warnf(c.Pos, "triggerConfig of %s has an entry with an empty parameter name: it is ignored", op.OperationID)
				continue
			}
			var src string
			if json.Unmarshal(c.Value, &src) != nil {
				l.ds.Warnf(c.Pos, "triggerConfig %q of %s is not a string: it is ignored", c.Name, op.OperationID)
				continue
			}
			t, _, err := expr.Parse(src)
			if err != nil {
				l.ds.Warnf(c.Pos, "triggerConfig %q of %s: %v: it is ignored", c.Name, op.OperationID, err)
				continue
			}
			if other := slices.IndexFunc(t.Refs(), func(r expr.Ref) bool { return r.Kind != expr.TriggerBody }); other >= 0 {
				l.ds.Warnf(c.Pos, "triggerConfig %q of %s reads %s: only @triggerBody() is known when the state is computed, so the poll will fail", c.Name, op.OperationID, t.Refs()[other])
			} else if len(t.Refs()) == 0 {
				l.ds.Warnf(c.Pos, "triggerConfig %q of %s is the constant %q: the state never moves, so every poll with items fires them again (as on the platform)", c.Name, op.OperationID, src)
			}
			a.Op.PollingTrigger.Config = append(a.Op.PollingTrigger.Config, ir.TriggerConfig{Param: c.Name, Expr: src, BodyPath: rootPath(t)})
			managed[c.Name] = true
		}
	}
	for i, sp := range op.Parameters {
		if sp.TriggerValue == nil || i >= len(a.Op.Params) || a.Op.Params[i].Name != sp.Name {
			continue
		}
		var tv struct {
			Collection *string `json:"value-collection"`
			Path       *string `json:"value-path"`
		}
		switch {
		case json.Unmarshal(sp.TriggerValue, &tv) != nil || tv.Path == nil:
			l.ds.Warnf(sp.Pos, "x-ms-trigger-value of parameter %q is not an object with a \"value-path\" string: it is ignored", sp.Name)
		case sp.In != "query":
			l.ds.Warnf(sp.Pos, "x-ms-trigger-value on %s parameter %q is not supported (only query parameters can carry the state in the poll URL): it is ignored", sp.In, sp.Name)
		default:
			v := &ir.TriggerValue{Path: *tv.Path}
			if tv.Collection != nil {
				v.Collection = *tv.Collection
			}
			a.Op.Params[i].TriggerValue = v
			managed[sp.Name] = true
		}
	}
	for _, p := range a.Op.Params {
		if p.In == "query" && managed[p.Name] && p.Exposure == ir.Optional {
			p.Exposure = ir.Hidden
		}
	}
}

// objectMembers returns the members of a JSON object in source order,
// positioned at pos (nil when raw is not an object).
func objectMembers(raw json.RawMessage, pos diag.Pos) []spec.PolicyParameter {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	out := []spec.PolicyParameter{}
	for dec.More() {
		// The key starts after the blanks and the comma that follow the
		// previous value: position it by counting lines in raw.
		off := int(dec.InputOffset())
		for off < len(raw) && strings.IndexByte(" \t\r\n,", raw[off]) >= 0 {
			off++
		}
		mpos := pos
		if nl := bytes.Count(raw[:off], []byte("\n")); nl > 0 {
			mpos.Line += nl
			mpos.Col = off - bytes.LastIndexByte(raw[:off], '\n')
		}
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return out
		}
		out = append(out, spec.PolicyParameter{Name: tok.(string), Value: v, Pos: mpos})
	}
	return out
}

// policyApplies reports whether a policy instance is scoped to operation
// id: x-ms-apimTemplate-operationName absent or empty means every operation.
func policyApplies(pi *spec.PolicyInstance, id string) bool {
	for _, prm := range pi.Parameters {
		if prm.Name != "x-ms-apimTemplate-operationName" {
			continue
		}
		var names []string
		if err := json.Unmarshal(prm.Value, &names); err != nil {
			var one string
			if json.Unmarshal(prm.Value, &one) == nil && one != "" {
				names = []string{one}
			}
		}
		return len(names) == 0 || slices.Contains(names, id)
	}
	return true
}

// subscriber names the typed subscriber's methods and, for webhooks, finds
// where the callback URL goes in the subscribe body.
func (l *lowerer) subscriber(t *ir.Trigger) {
	t.BodyIndex = slices.IndexFunc(t.Setup.Op.Params, func(p *ir.Param) bool { return p.In == "body" })
	if t.Mode == ir.Polling {
		t.RunName = l.claim(l.meths, t.Pos, "method", "Poll"+t.GoName)
		return
	}
	t.RunName = l.claim(l.meths, t.Pos, "method", "Deliver"+t.GoName)
	if t.BodyIndex < 0 || len(t.NotificationPath) == 0 {
		l.ds.Warnf(t.Pos, "webhook trigger %s has no x-ms-notification-url body property: no Subscribe method is generated (register the callback URL by other means)", t.OperationID)
		return
	}
	t.SubscribeName = l.claim(l.meths, t.Pos, "method", "Subscribe"+t.GoName)
	t.UnsubscribeName = l.claim(l.meths, t.Pos, "method", "Unsubscribe"+t.GoName)
}

// notificationPath is the property path to the x-ms-notification-url
// property of s (depth first, in property order), nil when there is none.
func notificationPath(s *spec.Schema, seen map[*spec.Schema]bool) []string {
	if s == nil || seen[s] {
		return nil
	}
	seen[s] = true
	props, _ := flatten(s)
	for _, p := range props {
		if p.Schema == nil {
			continue
		}
		if p.Schema.NotificationURL {
			return []string{p.Name}
		}
		if rest := notificationPath(p.Schema, seen); rest != nil {
			return append([]string{p.Name}, rest...)
		}
	}
	return nil
}

// rootPath returns the property names of a template that is exactly one
// @triggerBody() path without array indexes, nil otherwise.
func rootPath(t *expr.Template) []string {
	ref, ok := t.SingleRef()
	if !ok || ref.Kind != expr.TriggerBody || len(ref.Path) == 0 {
		return nil
	}
	var path []string
	for _, seg := range ref.Path {
		if seg.IsIndex {
			return nil
		}
		path = append(path, seg.Key)
	}
	return path
}

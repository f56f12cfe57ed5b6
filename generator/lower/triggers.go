package lower

import (
	"encoding/json"
	"slices"
	"strings"

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

// triggerDataPath reads the triggerDataPath of the pollingtrigger policy
// that applies to op (protocol §3.7) as property names from the body root.
func (l *lowerer) triggerDataPath(op *spec.Operation) ([]string, bool) {
	props := l.c.Properties
	if props == nil {
		return nil, false
	}
	for _, pi := range props.Policies {
		if !strings.EqualFold(pi.TemplateID, "pollingtrigger") || !policyApplies(pi, op.OperationID) {
			continue
		}
		for _, prm := range pi.Parameters {
			if prm.Name != "x-ms-apimTemplateParameter.triggerDataPath" {
				continue
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
	}
	return nil, false
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

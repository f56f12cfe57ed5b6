package lower

import (
	"slices"

	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/spec"
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
	// Batch: the whole body when it is an array; else "value" when it is an
	// array property; else the only array-typed property. This is the
	// reading of the UNCONFIRMED splitOn rule that loses no event: with no
	// array to split, each 200 body is delivered whole, with a warning.
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

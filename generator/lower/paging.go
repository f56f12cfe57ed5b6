package lower

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/spec"
)

// pager lowers x-ms-pageable on action a (protocol §2.8) into an iterator
// method named after it. Item array: itemName when given (AutoRest's
// extension has it, the platform's schema does not), else "value" when the
// response declares such an array, else the only array property of the
// response (with a warning: the reference only infers "value"), else
// "value" with items as raw JSON.
func (l *lowerer) pager(a *ir.Action, op *spec.Operation) {
	pg := op.Pageable
	if pg == nil {
		return
	}
	if a.Op.Result != ir.ResultJSON {
		l.ds.Warnf(op.Pos, "x-ms-pageable on %s, whose response is not JSON: no pager is generated", op.OperationID)
		return
	}
	p := &ir.Pager{
		Action:   a,
		NextLink: pgNext(pg),
		Items:    "value",
		Item:     tRaw,
		Pos:      op.Pos,
	}
	var body *spec.Schema
	if r := bestResponse(op); r != nil {
		body = r.Schema
	}
	props, _ := flatten(body)
	arrays := slices.DeleteFunc(slices.Clone(props), func(p *spec.Property) bool {
		return p.Schema == nil || p.Schema.Type != "array"
	})
	find := func(name string) *spec.Property {
		i := slices.IndexFunc(props, func(p *spec.Property) bool { return p.Name == name })
		if i < 0 {
			return nil
		}
		return props[i]
	}
	switch {
	case body == nil:
		// No schema: items are read from "value", undecoded.
	case pg.ItemName != "":
		p.Items = pg.ItemName
		if prop := find(pg.ItemName); prop == nil || prop.Schema == nil || prop.Schema.Type != "array" {
			l.ds.Warnf(op.Pos, "x-ms-pageable of %s: itemName %q is not an array property of the response; items stay raw JSON", op.OperationID, pg.ItemName)
		} else {
			p.Item = l.itemType(prop.Schema, a.GoName+"Item", op)
		}
	case find("value") != nil && find("value").Schema != nil && find("value").Schema.Type == "array":
		p.Item = l.itemType(find("value").Schema, a.GoName+"Item", op)
	case len(arrays) == 1:
		p.Items = arrays[0].Name
		p.Item = l.itemType(arrays[0].Schema, a.GoName+"Item", op)
		l.ds.Warnf(op.Pos, "x-ms-pageable of %s: the response has no \"value\" array; items are read from %q, its only array property", op.OperationID, arrays[0].Name)
	case body.Type == "array":
		p.Item = l.itemType(body, a.GoName+"Item", op)
		l.ds.Warnf(op.Pos, "x-ms-pageable of %s: the response is an array, which has no next link: the pager yields the first page only", op.OperationID)
	default:
		var names []string
		for _, p := range arrays {
			names = append(names, p.Name)
		}
		what := "no array property"
		if len(names) > 0 {
			what = "several array properties (" + strings.Join(names, ", ") + ")"
		}
		l.ds.Warnf(op.Pos, "x-ms-pageable of %s: the response has no \"value\" array and %s; items are read from \"value\" as raw JSON", op.OperationID, what)
	}
	if body != nil && !slices.ContainsFunc(props, func(p *spec.Property) bool { return strings.EqualFold(p.Name, pgNext(pg)) }) {
		var others []string
		for _, p := range props {
			if strings.Contains(strings.ToLower(p.Name), "next") {
				others = append(others, strconv.Quote(p.Name))
			}
		}
		if len(others) > 0 {
			l.ds.Warnf(op.Pos, "x-ms-pageable of %s: the response declares no %q property but %s; the pager follows %q, as the platform does, so it may stop after the first page",
				op.OperationID, pgNext(pg), strings.Join(others, ", "), pgNext(pg))
		}
	}
	p.GoName = l.claim(l.meths, op.Pos, "method", a.GoName+"All", a.GoName+"Items")
	l.pkg.Pagers = append(l.pkg.Pagers, p)
}

// pgNext is the next-link property name, "nextLink" when not given.
func pgNext(pg *spec.Pageable) string { return cmp.Or(pg.NextLinkName, "nextLink") }

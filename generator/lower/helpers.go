package lower

import (
	"cmp"
	"slices"

	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/spec"
)

// helpers lowers the methods generated beside the operation methods:
// pagers (paging.go) and dynamic-metadata lookups (dynamic.go). It runs
// once every operation method is named, so a helper never takes the name
// of an operation; ops are in operationId order.
func (l *lowerer) helpers(ops []*spec.Operation) {
	byID := map[string]*ir.Action{}
	for _, a := range l.pkg.Actions {
		byID[a.Op.ID] = a
	}
	for _, t := range l.pkg.Triggers {
		byID[t.Setup.Op.ID] = t.Setup
	}
	for _, op := range ops {
		if a := byID[op.OperationID]; a != nil && op.Trigger == "" {
			l.pager(a, op)
		}
	}
	l.lookups(byID, ops)
	slices.SortFunc(l.pkg.Pagers, func(a, b *ir.Pager) int { return cmp.Compare(a.GoName, b.GoName) })
	slices.SortFunc(l.pkg.Lookups, func(a, b *ir.Lookup) int { return cmp.Compare(a.GoName, b.GoName) })
}

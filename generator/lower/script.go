package lower

import (
	"slices"
	"strconv"
	"strings"

	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/ir"
)

// customCode lowers the connector's custom code (protocol §7): the
// operations listed in scriptOperations (or script.operationIds), or every
// operation when a script exists without a list (or with an empty one).
// The generated package gets a hook interface with the ScriptBase
// contract in Go terms; without an implementation the client calls the
// backend directly, and a warning names the operations the connector
// customises in C#.
func (l *lowerer) customCode() {
	props, sc := l.c.Properties, l.c.Script
	listed := props != nil && props.HasScriptOperations && len(props.ScriptOperations) > 0
	if !listed && sc == nil {
		return
	}
	s := &ir.Script{}
	if sc != nil {
		s.File = sc.File
	}
	pos := diag.Pos{File: s.File, Line: 1, Col: 1}
	if listed {
		pos = props.ScriptOperationsPos
		known := map[string]bool{}
		for _, pi := range l.doc.Paths {
			for _, op := range pi.Operations {
				known[op.OperationID] = true
			}
		}
		for _, id := range props.ScriptOperations {
			if !known[id] {
				l.ds.Warnf(pos, "script operation %q is not an operation of the connector: it is ignored", id)
				continue
			}
			s.Operations = append(s.Operations, id)
		}
		if len(s.Operations) == 0 {
			return
		}
	}
	s.TypeName = l.claim(l.types, pos, "type", "Script", "CustomCode")
	s.OptionName = l.claim(l.types, pos, "function", "With"+s.TypeName, "WithCustomCode")
	l.pkg.Script = s

	calls := "calls of every operation"
	if s.Operations != nil {
		quoted := make([]string, len(s.Operations))
		for i, id := range s.Operations {
			quoted[i] = strconv.Quote(id)
		}
		slices.Sort(quoted)
		calls = "calls of " + strings.Join(quoted, ", ")
	}
	if sc == nil {
		l.ds.Warnf(pos, "the connector has custom code (C#) that it does not ship: %s go straight to the backend unless a Go %s is installed with %s", calls, s.TypeName, s.OptionName)
		return
	}
	l.ds.Warnf(pos, "custom code in %s (C#) is not run: %s go straight to the backend unless a Go %s is installed with %s", scriptFileName(sc.File), calls, s.TypeName, s.OptionName)
}

func scriptFileName(file string) string {
	if i := strings.LastIndexAny(file, `/\`); i >= 0 {
		return file[i+1:]
	}
	return file
}

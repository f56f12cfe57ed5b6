package lower

// Selection and renames (connectorgen.json, package generator/config): which
// operations a package holds, and Go names chosen by the user.
//
// Names never depend on the selection. Excluded operations are lowered like
// the others, so they claim the same names in the same order: method names,
// Options structs, inline types named after them, and shared inline schemas
// (#/responses/x, #/parameters/x), which are named after the first operation
// in operationId order even when that one is excluded. Only then does prune
// drop the excluded operations, the helpers built on them (pagers, lookups),
// the types that nothing else reaches and the diagnostics of their parts.
// Including an operation again therefore adds declarations and renames
// nothing.
//
// Renames replace the name an operation or a definition would get from its
// operationId or definition name; names derived from it (XxxOptions,
// XxxResponse, PollXxx, ...) follow. A rename that clashes with any other
// name of the same Go namespace is an error rather than a numbered name.

import (
	"cmp"
	"fmt"
	"go/token"
	"reflect"
	"slices"
	"strings"

	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/naming"
	"github.com/connectorgen/connectorgen/generator/spec"
)

// Select names an operation in Options.Include or Options.Exclude.
type Select struct {
	OperationID string
	// Pos is where the name was written (a config file), for diagnostics;
	// zero: the connector's definition file.
	Pos diag.Pos
}

// Rename gives an operation or a definition a Go name of the user's choice.
type Rename struct {
	// From is an operationId, or "#/definitions/Name" for a definition (a
	// JSON pointer: "~1" stands for "/" and "~0" for "~" in Name).
	From string
	// To is an exported Go identifier: the method name of an operation, the
	// type name of a definition.
	To string
	// Pos is where the rename was written, as Select.Pos.
	Pos diag.Pos
}

// DefinitionPrefix starts the Rename.From of a definition.
const DefinitionPrefix = "#/definitions/"

// selection is the checked form of the selection options.
type selection struct {
	drop map[string]bool   // operationIds not generated
	ops  map[string]string // operationId -> method name
	defs map[string]string // definition name -> type name
	// targets records the scope and rename of every renamed name, to turn
	// a clash with it into an error (see renameClash).
	targets map[string]renameTarget
}

type renameTarget struct {
	scope *naming.Scope
	r     Rename
}

// selectOperations checks Include, Exclude and Renames against the
// document. It runs before any name is claimed.
func (l *lowerer) selectOperations(opts Options) {
	s := &l.sel
	if opts.Source != "" {
		l.pkg.Source = opts.Source
	}
	if len(opts.Include) == 0 && len(opts.Exclude) == 0 && len(opts.Renames) == 0 {
		return
	}
	at := func(p diag.Pos) diag.Pos { return cmp.Or(p, l.doc.Pos, diag.Pos{File: l.doc.File}) }
	ops := map[string]*spec.Operation{}
	var ids []string
	for _, pi := range l.doc.Paths {
		for _, op := range pi.Operations {
			ops[op.OperationID] = op
			ids = append(ids, op.OperationID)
		}
	}
	slices.Sort(ids)
	known := func(list, id string, pos diag.Pos) bool {
		if ops[id] != nil {
			return true
		}
		l.ds.Errorf(at(pos), "%s: %s has no operation %q%s", list, l.doc.File, id, l.suggest(id, ids))
		return false
	}
	if len(opts.Include) > 0 && len(opts.Exclude) > 0 {
		l.ds.Errorf(at(opts.Exclude[0].Pos), "include and exclude cannot be used together: list the operations to keep or those to drop")
		return
	}
	s.drop = map[string]bool{}
	switch {
	case len(opts.Include) > 0:
		keep := map[string]bool{}
		for _, sel := range opts.Include {
			if known("include", sel.OperationID, sel.Pos) {
				keep[sel.OperationID] = true
			}
		}
		for _, id := range ids {
			if !keep[id] {
				s.drop[id] = true
			}
		}
	case len(opts.Exclude) > 0:
		for _, sel := range opts.Exclude {
			if known("exclude", sel.OperationID, sel.Pos) {
				s.drop[sel.OperationID] = true
			}
		}
		if len(s.drop) == len(ids) && len(ids) > 0 {
			l.ds.Errorf(at(opts.Exclude[0].Pos), "exclude: every operation of %s is excluded; nothing is left to generate", l.doc.File)
		}
	}

	defs := map[string]*spec.Schema{}
	var defNames []string
	for _, d := range l.doc.Definitions {
		defs[d.Name] = d
		defNames = append(defNames, d.Name)
	}
	slices.Sort(defNames)
	s.ops, s.defs, s.targets = map[string]string{}, map[string]string{}, map[string]renameTarget{}
	from := map[string]bool{}
	for _, r := range opts.Renames {
		pos := at(r.Pos)
		if from[r.From] {
			l.ds.Errorf(pos, "rename: %q is renamed twice", r.From)
			continue
		}
		from[r.From] = true
		if !token.IsIdentifier(r.To) || !token.IsExported(r.To) {
			l.ds.Errorf(pos, "rename: %q is not an exported Go identifier (the new name of %s)", r.To, r.From)
			continue
		}
		scope := l.meths
		if name, ok := strings.CutPrefix(r.From, DefinitionPrefix); ok {
			name = strings.NewReplacer("~1", "/", "~0", "~").Replace(name)
			d := defs[name]
			switch {
			case d == nil:
				l.ds.Errorf(pos, "rename: %s has no definition %q%s", l.doc.File, name, l.suggest(name, defNames))
				continue
			case !declares(d):
				l.ds.Errorf(pos, "rename: definition %q is not a Go type of its own (only object and string-enum definitions are; the others are written inline)", name)
				continue
			}
			s.defs[name] = r.To
			scope = l.types
		} else {
			if !known("rename", r.From, r.Pos) {
				continue
			}
			if s.drop[r.From] {
				l.ds.Errorf(pos, "rename: operation %q is not generated (include/exclude)", r.From)
				continue
			}
			s.ops[r.From] = r.To
		}
		if t, ok := s.targets[r.To]; ok && t.scope == scope {
			l.ds.Errorf(pos, "rename: %s and %s are both renamed to %s", t.r.From, r.From, r.To)
			continue
		}
		s.targets[r.To] = renameTarget{scope: scope, r: r}
	}
}

// suggest returns ` (did you mean "x"?)` when a known name matches name
// but for case, as a Go name, or within two edits; "" otherwise.
func (l *lowerer) suggest(name string, known []string) string {
	best, dist := "", 3
	for _, k := range known {
		if strings.EqualFold(k, name) || l.n.Exported(k) == name {
			return fmt.Sprintf(" (did you mean %q?)", k)
		}
		if d := editDistance(k, name); d < dist {
			best, dist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance of a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// opGoName is the method name an operation asks for.
func (l *lowerer) opGoName(op *spec.Operation) string {
	if to, ok := l.sel.ops[op.OperationID]; ok {
		return to
	}
	return l.n.Exported(op.OperationID)
}

// defGoName is the type name a definition asks for.
func (l *lowerer) defGoName(d *spec.Schema) string {
	if to, ok := l.sel.defs[d.Name]; ok {
		return to
	}
	return l.n.Exported(d.Name)
}

// renameClash reports an error when a claim of name in s failed and name
// is the target of a rename: renamed names are never numbered.
func (l *lowerer) renameClash(s *naming.Scope, pos diag.Pos, what, name string) {
	t, ok := l.sel.targets[name]
	if !ok || t.scope != s {
		return
	}
	l.ds.Errorf(cmp.Or(t.r.Pos, pos), "rename: %s → %s clashes with another %s named %s (at %s); choose another name", t.r.From, name, what, name, pos)
}

// prune drops what only excluded operations need. It runs after
// everything is lowered and before declarations are sorted.
func (l *lowerer) prune() {
	if len(l.sel.drop) == 0 {
		return
	}
	p, drop := l.pkg, l.sel.drop
	r := newReacher(l.decls)
	r.roots(p)
	usedByOps := r.names

	p.Actions = slices.DeleteFunc(p.Actions, func(a *ir.Action) bool { return drop[a.Op.ID] })
	p.Triggers = slices.DeleteFunc(p.Triggers, func(t *ir.Trigger) bool { return drop[t.OperationID] })
	p.Pagers = slices.DeleteFunc(p.Pagers, func(pg *ir.Pager) bool { return drop[pg.Action.Op.ID] })
	// A lookup calls its target through the target's operation variable,
	// which goes with the target.
	p.Lookups = slices.DeleteFunc(p.Lookups, func(lu *ir.Lookup) bool {
		return (lu.Host != nil && drop[lu.Host.Op.ID]) || (lu.Target != nil && drop[lu.Target.Op.ID])
	})
	if sc := p.Script; sc != nil && sc.Operations != nil { // nil: every operation
		sc.Operations = slices.DeleteFunc(sc.Operations, func(id string) bool { return drop[id] })
		if len(sc.Operations) == 0 {
			p.Script = nil
		}
	}

	// Kept: what the remaining operations, helpers and the connection
	// reach, and every type no operation reached (definitions that nothing
	// uses are declared in a full generation too), with what they reach.
	keep := newReacher(l.decls)
	keep.roots(p)
	for _, t := range l.decls {
		if !usedByOps[t.GoName] {
			keep.names[t.GoName] = true
			keep.walk(reflect.ValueOf(t))
		}
	}
	l.decls = slices.DeleteFunc(l.decls, func(t *ir.Type) bool { return !keep.names[t.GoName] })
	l.dropDiagnostics()
}

// reacher collects the names of the declared types a part of the IR
// refers to, directly or through other declared types. It walks the IR by
// reflection so that a TypeRef in a field added later is not missed.
type reacher struct {
	decls map[string]*ir.Type
	names map[string]bool
	seen  map[visit]bool
}

var typeRefType = reflect.TypeFor[ir.TypeRef]()

type visit struct {
	t reflect.Type
	p uintptr
}

func newReacher(decls []*ir.Type) *reacher {
	r := &reacher{decls: map[string]*ir.Type{}, names: map[string]bool{}, seen: map[visit]bool{}}
	for _, t := range decls {
		r.decls[t.GoName] = t
	}
	return r
}

// roots walks the parts of p that are generated for their own sake.
func (r *reacher) roots(p *ir.Package) {
	for _, v := range []any{p.Actions, p.Triggers, p.Pagers, p.Lookups, p.Connection, p.Script} {
		r.walk(reflect.ValueOf(v))
	}
}

func (r *reacher) walk(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		k := visit{v.Type(), v.Pointer()}
		if r.seen[k] {
			return
		}
		r.seen[k] = true
		// Fields are read through reflect, which works in unexported fields too.
		if e := v.Elem(); e.Type() == typeRefType && ir.TypeKind(e.FieldByName("Kind").Uint()) == ir.Named {
			if name := e.FieldByName("Name").String(); !r.names[name] {
				r.names[name] = true
				if d := r.decls[name]; d != nil {
					r.walk(reflect.ValueOf(d))
				}
			}
		}
		r.walk(v.Elem())
	case reflect.Interface:
		r.walk(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			r.walk(v.Field(i))
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			r.walk(v.Index(i))
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			r.walk(it.Value())
		}
	}
}

// dropDiagnostics removes the diagnostics reported at parts of excluded
// operations (the operation, its parameters, responses and inline schemas)
// that no kept operation shares.
func (l *lowerer) dropDiagnostics() {
	dropped, kept := map[diag.Pos]bool{}, map[diag.Pos]bool{}
	for _, pi := range l.doc.Paths {
		for _, op := range pi.Operations {
			m := kept
			if l.sel.drop[op.OperationID] {
				m = dropped
			}
			opPositions(pi, op, m)
		}
	}
	l.ds = slices.DeleteFunc(l.ds, func(d diag.Diagnostic) bool { return dropped[d.Pos] && !kept[d.Pos] })
}

// opPositions records the positions of op and of the parts it holds; the
// definitions it refers to are not its parts.
func opPositions(pi *spec.PathItem, op *spec.Operation, m map[diag.Pos]bool) {
	m[op.Pos] = true
	seen := map[*spec.Schema]bool{}
	var schema func(s *spec.Schema)
	schema = func(s *spec.Schema) {
		if s == nil || s.Name != "" || seen[s] {
			return
		}
		seen[s] = true
		m[s.Pos] = true
		for _, p := range s.Properties {
			m[p.Pos] = true
			schema(p.Schema)
		}
		schema(s.Items)
		schema(s.AdditionalProperties)
		for _, a := range s.AllOf {
			schema(a)
		}
	}
	for _, p := range op.Parameters {
		m[p.Pos] = true
		schema(p.Schema)
		schema(p.Items)
	}
	for _, r := range op.Responses {
		m[r.Pos] = true
		schema(r.Schema)
	}
	if nc := pi.NotificationContent; nc != nil && op.Trigger != "" {
		m[nc.Pos] = true
		schema(nc.Schema)
	}
	delete(m, diag.Pos{})
}

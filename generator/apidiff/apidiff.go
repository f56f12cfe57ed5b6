// Package apidiff compares the Go APIs generated for two versions of a
// connector. It works on the IR (the same facts package emit prints), at the
// level of what user code compiles against: method signatures, Options
// structs, model types, enum constants, the Connection type, pagers, lookup
// helpers and the custom-code hook.
//
// A change is breaking when code that compiled against the old package no
// longer compiles against the new one, or still compiles but a call that
// worked now fails or means something else without any change on the
// user's side (same-typed arguments swapped; a stored connection that no
// longer satisfies ConnectionFromStore). Changes the generated client
// absorbs by itself — paths, parameter locations, JSON names, enum wire
// values, the base URL, how credentials are attached — are reported as not
// breaking.
//
// Rules (kind: breaking? why):
//
//	action removed (a new operationId that renames  action-removed            yes  calls no longer compile
//	  the method is a removal plus an addition)
//	action added                                    action-added              no
//	result type changed, added or dropped           result-changed            yes  the method's results change
//	HTTP method or path template changed            request-changed           no   wire only
//	operation newly deprecated                      action-deprecated         no   documentation only
//	required (positional) parameter added           param-added  Client.M     yes  calls lack an argument
//	optional parameter added to an existing         param-added  MOptions.F   no   a new field; keyed literals compile
//	  Options struct
//	first optional parameter: the method gains      options-added             yes  calls lack an argument
//	  opts *MOptions
//	last optional parameter gone: opts removed      options-removed           yes  calls pass an extra argument
//	Options struct renamed                          options-renamed           yes  code names the struct
//	parameter removed, or now internal (hidden)     param-removed             yes  argument or field gone
//	parameter's Go type changed                     param-retyped             yes  conservative: typed values no
//	                                                                               longer fit (constants might)
//	optional → required                             param-required            yes  field gone, argument added
//	required → optional                             param-optional            yes  argument gone, field added
//	required parameters reordered                   params-reordered          yes  even with equal types: the
//	                                                                               arguments silently swap
//	positional parameter's local name changed       param-renamed  Client.M   no   Go calls are positional
//	Options field renamed                           param-renamed  MOptions.F yes  keyed literals fail
//	parameter moved (query → header, ...)           param-moved               no   wire only
//	trigger removed / added                         trigger-removed/-added    yes / no
//	polling ↔ webhook                               trigger-mode-changed      yes  other methods
//	trigger method renamed                          trigger-renamed           yes
//	event type changed                              event-retyped             yes  the handler's type changes
//	single ↔ batch                                  trigger-batch-changed     no   delivery only (the event type
//	                                                                               is compared on its own)
//	named type removed / added                      type-removed/-added       yes / no
//	struct ↔ enum, or enum's base type changed      type-changed              yes
//	model field removed                             field-removed             yes
//	model field added (also a required one: code    field-added               no   unkeyed struct literals are not
//	  compiles and sends the zero value)                                           protected, as in Go's own
//	                                                                               compatibility promise
//	model field's Go type changed, including        field-retyped             yes
//	  optional ↔ required (runtime.Opt[T] ↔ T)
//	field's JSON name changed                       field-json-renamed        no   wire only
//	enum constant removed (a renamed value is a     enum-value-removed        yes  code names the constant
//	  removal plus an addition)
//	enum constant added                             enum-value-added          no   Go switches are not exhaustive
//	enum constant's wire value changed              enum-value-changed        no   code keeps using the name
//	required connection parameter added             connection-param-added    yes  ConnectionFromStore fails for
//	                                                                               stores without it
//	optional connection parameter added             connection-param-added    no
//	connection parameter removed                    connection-param-removed  yes  Connection field gone
//	connection parameter's Go type changed          connection-param-retyped  yes
//	connection parameter made required              connection-param-required yes  stores may lack it
//	connection parameter made optional              connection-param-optional no
//	store key of a parameter renamed (same field)   connection-param-renamed  yes when required: stores hold
//	                                                                               the old key
//	Connection struct ↔ interface over connection   connection-changed        yes  code builds a Connection
//	  parameter sets
//	parameter set removed / added                   connection-set-removed/   yes / no
//	                                                  -added
//	parameter set's name changed (same struct)      connection-set-renamed    yes  stored connections name the set
//	  (the parameters of a set are compared as those of Connection, under the set's struct)
//	how credentials are attached                    auth-changed              no   wire only
//	DefaultBaseURL changed                          base-url-changed          no   wire only
//	pager or dynamic-values/schema lookup method    method-removed/-added     yes / no
//	  removed / added
//	its argument or result types changed            method-changed            yes  (the parameters of a pager are
//	                                                                               also reported at its action)
//	custom-code hook (Script, WithScript) removed   script-removed/-added     yes / no
//	  / added
//	hook interface or option renamed                script-renamed            yes
//	operations the custom code covers changed       script-operations-changed no   behaviour only
//
// Matching: actions, triggers, types, fields, enum constants, connection
// parameters and sets, pagers and lookups are matched by Go name (a rename is a removal and an
// addition); operation parameters by their spec identity (location and
// name, then name alone), because a positional parameter's Go name is not
// part of the API. Internal (hidden) parameters are not API: one that
// appears or disappears is an addition or a removal.
//
// Not reported: what the generated code does inside a method that keeps
// its signature (defaults of internal parameters, policies, paging links,
// documentation). Decls, the rendering of the API that Compare reasons
// about, is checked against the files emit writes for every testdata and
// corpus connector.
//
// Changes come sorted by Symbol, then Kind; changes with both equal stay in
// spec order. Compare is a pure function of its arguments.
package apidiff

import (
	"cmp"
	"slices"

	"github.com/connectorgen/connectorgen/generator/ir"
)

// Kind classifies a change. The values are stable: they are part of
// `connectorgen diff --json`.
type Kind string

const (
	ActionAdded      Kind = "action-added"
	ActionRemoved    Kind = "action-removed"
	ActionDeprecated Kind = "action-deprecated"
	ResultChanged    Kind = "result-changed"
	RequestChanged   Kind = "request-changed"

	ParamAdded      Kind = "param-added"
	ParamRemoved    Kind = "param-removed"
	ParamRetyped    Kind = "param-retyped"
	ParamRequired   Kind = "param-required"
	ParamOptional   Kind = "param-optional"
	ParamRenamed    Kind = "param-renamed"
	ParamMoved      Kind = "param-moved"
	ParamsReordered Kind = "params-reordered"
	OptionsAdded    Kind = "options-added"
	OptionsRemoved  Kind = "options-removed"
	OptionsRenamed  Kind = "options-renamed"

	TriggerAdded        Kind = "trigger-added"
	TriggerRemoved      Kind = "trigger-removed"
	TriggerModeChanged  Kind = "trigger-mode-changed"
	TriggerRenamed      Kind = "trigger-renamed"
	EventRetyped        Kind = "event-retyped"
	TriggerBatchChanged Kind = "trigger-batch-changed"

	TypeAdded        Kind = "type-added"
	TypeRemoved      Kind = "type-removed"
	TypeChanged      Kind = "type-changed"
	FieldAdded       Kind = "field-added"
	FieldRemoved     Kind = "field-removed"
	FieldRetyped     Kind = "field-retyped"
	FieldJSONRenamed Kind = "field-json-renamed"
	EnumValueAdded   Kind = "enum-value-added"
	EnumValueRemoved Kind = "enum-value-removed"
	EnumValueChanged Kind = "enum-value-changed"

	ConnParamAdded    Kind = "connection-param-added"
	ConnParamRemoved  Kind = "connection-param-removed"
	ConnParamRetyped  Kind = "connection-param-retyped"
	ConnParamRequired Kind = "connection-param-required"
	ConnParamOptional Kind = "connection-param-optional"
	ConnParamRenamed  Kind = "connection-param-renamed"
	ConnChanged       Kind = "connection-changed"
	ConnSetAdded      Kind = "connection-set-added"
	ConnSetRemoved    Kind = "connection-set-removed"
	ConnSetRenamed    Kind = "connection-set-renamed"
	AuthChanged       Kind = "auth-changed"
	BaseURLChanged    Kind = "base-url-changed"

	MethodAdded        Kind = "method-added"
	MethodRemoved      Kind = "method-removed"
	MethodChanged      Kind = "method-changed"
	ScriptAdded        Kind = "script-added"
	ScriptRemoved      Kind = "script-removed"
	ScriptRenamed      Kind = "script-renamed"
	ScriptScopeChanged Kind = "script-operations-changed"
)

// Change is one difference between two generated APIs.
type Change struct {
	Kind     Kind
	Breaking bool
	// Symbol is the Go API path that changed: "Client.GetItem",
	// "GetItemOptions.Top", "Item.Name", "Item", "StatusOpen" (an enum
	// constant), "Connection.APIKey", "DefaultBaseURL".
	Symbol string
	// Old and New are the Go declarations or types before and after ("" when
	// absent): a method declaration, "id string", "runtime.Opt[int64]",
	// `Status = "open"`.
	Old, New string
	// Message says what changed in one line, without the symbol.
	Message string
}

// Breaking reports whether any change is breaking.
func Breaking(cs []Change) bool {
	return slices.ContainsFunc(cs, func(c Change) bool { return c.Breaking })
}

// Compare returns the changes from the API generated for old to the one
// generated for new, sorted by Symbol and Kind.
func Compare(old, new *ir.Package) []Change {
	d := &differ{}
	d.baseURL(old, new)
	d.connection(old.Connection, new.Connection)
	d.actions(old.Actions, new.Actions)
	d.triggers(old.Triggers, new.Triggers)
	d.types(old.Types, new.Types)
	d.helpers(old, new)
	d.script(old.Script, new.Script)
	slices.SortStableFunc(d.out, func(a, b Change) int {
		return cmp.Or(cmp.Compare(a.Symbol, b.Symbol), cmp.Compare(a.Kind, b.Kind))
	})
	return d.out
}

type differ struct{ out []Change }

func (d *differ) add(k Kind, breaking bool, symbol, old, new, msg string) {
	d.out = append(d.out, Change{Kind: k, Breaking: breaking, Symbol: symbol, Old: old, New: new, Message: msg})
}

// byName indexes a slice by a key; the first element wins on duplicates.
func byName[T any](xs []T, key func(T) string) map[string]T {
	m := make(map[string]T, len(xs))
	for _, x := range xs {
		if _, dup := m[key(x)]; !dup {
			m[key(x)] = x
		}
	}
	return m
}

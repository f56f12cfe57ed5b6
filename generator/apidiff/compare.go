package apidiff

import (
	"slices"
	"strconv"
	"strings"

	"github.com/connectorgen/connectorgen/generator/ir"
)

func (d *differ) baseURL(o, n *ir.Package) {
	if o.BaseURL != n.BaseURL {
		d.add(BaseURLChanged, false, "DefaultBaseURL", o.BaseURL, n.BaseURL,
			"base URL changed: "+strconv.Quote(o.BaseURL)+" → "+strconv.Quote(n.BaseURL))
	}
}

// ---- actions ----

func (d *differ) actions(olds, news []*ir.Action) {
	key := func(a *ir.Action) string { return a.GoName }
	om, nm := byName(olds, key), byName(news, key)
	opKey := func(a *ir.Action) string { return a.Op.ID }
	oByOp, nByOp := byName(olds, opKey), byName(news, opKey)
	for _, o := range olds {
		n, ok := nm[o.GoName]
		if !ok {
			msg := "action removed: " + shortDecl(actionDecl(o))
			if o.Options != "" && !slices.ContainsFunc(news, func(a *ir.Action) bool { return a.Options == o.Options }) {
				msg += "; type " + o.Options + " is gone"
			}
			if r, ok := nByOp[o.Op.ID]; ok && om[r.GoName] == nil {
				msg += " (operation " + o.Op.ID + " is now Client." + r.GoName + ")"
			}
			d.add(ActionRemoved, true, "Client."+o.GoName, actionDecl(o), "", msg)
			continue
		}
		d.action(o, n)
	}
	for _, n := range news {
		if om[n.GoName] != nil {
			continue
		}
		msg := "action added: " + shortDecl(actionDecl(n))
		if r, ok := oByOp[n.Op.ID]; ok && nm[r.GoName] == nil {
			msg += " (operation " + n.Op.ID + " was Client." + r.GoName + ")"
		}
		d.add(ActionAdded, false, "Client."+n.GoName, "", actionDecl(n), msg)
	}
}

func (d *differ) action(o, n *ir.Action) {
	sym := "Client." + n.GoName
	d.request(sym, o, n)
	if ro, rn := resultType(o.Result), resultType(n.Result); ro != rn {
		var msg string
		switch {
		case ro == "":
			msg = "now returns " + rn + " (was only error)"
		case rn == "":
			msg = "no longer returns " + ro + " (only error)"
		default:
			msg = "result type changed: " + ro + " → " + rn
		}
		d.add(ResultChanged, true, sym, ro, rn, msg)
	}
	if !o.Deprecated && n.Deprecated {
		d.add(ActionDeprecated, false, sym, "", "", "the connector marks the operation deprecated")
	}
	d.params(sym, o, n)
}

// request reports a changed HTTP method or path template.
func (d *differ) request(sym string, o, n *ir.Action) {
	ro, rn := o.Op.Method+" "+o.Op.Path, n.Op.Method+" "+n.Op.Path
	if ro != rn {
		d.add(RequestChanged, false, sym, ro, rn, "request changed: "+ro+" → "+rn)
	}
}

// ---- parameters ----

// pair is a parameter in both versions, with its indexes.
type pair struct {
	o, n   *ir.Param
	oi, ni int
}

// matchParams pairs parameters by location and name, then by name alone
// when it is unique among the unpaired ones on both sides. Pairs come in
// new order, removed in old order, added in new order.
func matchParams(olds, news []*ir.Param) (pairs []pair, removed, added []*ir.Param) {
	oi := make([]int, len(news)) // index in olds of news[i]'s match, or -1
	used := make([]bool, len(olds))
	for i, n := range news {
		oi[i] = -1
		for j, o := range olds {
			if !used[j] && o.In == n.In && o.Name == n.Name {
				oi[i], used[j] = j, true
				break
			}
		}
	}
	for i, n := range news {
		if oi[i] >= 0 {
			continue
		}
		cands, rivals := -1, 0
		for j, o := range olds {
			if !used[j] && o.Name == n.Name {
				if cands >= 0 {
					cands = -2 // not unique
					break
				}
				cands = j
			}
		}
		for k, m := range news {
			if oi[k] < 0 && m.Name == n.Name {
				rivals++
			}
		}
		if cands >= 0 && rivals == 1 {
			oi[i], used[cands] = cands, true
		}
	}
	for j, o := range olds {
		if !used[j] {
			removed = append(removed, o)
		}
	}
	for i, n := range news {
		if oi[i] < 0 {
			added = append(added, n)
			continue
		}
		pairs = append(pairs, pair{o: olds[oi[i]], n: n, oi: oi[i], ni: i})
	}
	return pairs, removed, added
}

// paramDesc names a parameter as the spec does: `"top" (query)`.
func paramDesc(p *ir.Param) string {
	if p.In == "body" {
		return "body parameter " + strconv.Quote(p.Name)
	}
	return "parameter " + strconv.Quote(p.Name) + " (" + p.In + ")"
}

func arg(p *ir.Param) string { return p.GoName + " " + p.Type.GoString() }

// params compares the parameters of the method sym (an action or a trigger
// method taking the setup request's parameters).
func (d *differ) params(sym string, o, n *ir.Action) {
	pairs, removed, added := matchParams(o.Op.Params, n.Op.Params)
	for _, p := range removed {
		d.paramGone(sym, o, p, "")
	}
	var both []pair // positional in both versions, new order
	for _, pr := range pairs {
		ov, nv := pr.o.Exposure != ir.Hidden, pr.n.Exposure != ir.Hidden
		switch {
		case !ov && !nv:
		case !ov:
			d.paramNew(sym, n, pr.n, " (was internal)")
		case !nv:
			d.paramGone(sym, o, pr.o, " (now internal)")
		default:
			d.paramChanged(sym, o, n, pr.o, pr.n)
			if pr.o.Exposure == ir.Positional && pr.n.Exposure == ir.Positional {
				both = append(both, pr)
			}
		}
	}
	for _, p := range added {
		d.paramNew(sym, n, p, "")
	}
	d.reordered(sym, both)
	switch {
	case o.Options == "" && n.Options != "":
		d.add(OptionsAdded, true, sym, "", "opts *"+n.Options,
			"gains the final argument opts *"+n.Options+" (its first optional parameter)")
	case o.Options != "" && n.Options == "":
		d.add(OptionsRemoved, true, sym, "opts *"+o.Options, "",
			"loses the final argument opts *"+o.Options+" (no optional parameter left); type "+o.Options+" is gone")
	case o.Options != n.Options:
		d.add(OptionsRenamed, true, o.Options, o.Options, n.Options,
			"options type of "+sym+" renamed: "+o.Options+" → "+n.Options)
	}
}

func (d *differ) paramGone(sym string, a *ir.Action, p *ir.Param, note string) {
	switch p.Exposure {
	case ir.Positional:
		d.add(ParamRemoved, true, sym, arg(p), "", "required "+paramDesc(p)+" removed: argument "+arg(p)+note)
	case ir.Optional:
		t := optionType(p.Type)
		d.add(ParamRemoved, true, a.Options+"."+p.GoName, t, "", "optional "+paramDesc(p)+" removed: field "+p.GoName+" "+t+note)
	}
}

func (d *differ) paramNew(sym string, a *ir.Action, p *ir.Param, note string) {
	switch p.Exposure {
	case ir.Positional:
		d.add(ParamAdded, true, sym, "", arg(p), "required "+paramDesc(p)+" added: argument "+arg(p)+note)
	case ir.Optional:
		t := optionType(p.Type)
		d.add(ParamAdded, false, a.Options+"."+p.GoName, "", t, "optional "+paramDesc(p)+" added: field "+p.GoName+" "+t+note)
	}
}

// paramChanged compares a parameter exposed in both versions.
func (d *differ) paramChanged(sym string, o, n *ir.Action, po, pn *ir.Param) {
	oField, nField := o.Options+"."+po.GoName, n.Options+"."+pn.GoName
	if po.In != pn.In {
		at := sym
		if pn.Exposure == ir.Optional {
			at = nField
		}
		d.add(ParamMoved, false, at, po.In, pn.In, paramDesc(po)+" moved to "+pn.In)
	}
	switch {
	case po.Exposure == ir.Positional && pn.Exposure == ir.Positional:
		if ot, nt := po.Type.GoString(), pn.Type.GoString(); ot != nt {
			d.add(ParamRetyped, true, sym, arg(po), arg(pn), paramDesc(pn)+" retyped: argument "+arg(po)+" → "+arg(pn))
		}
		if po.GoName != pn.GoName {
			d.add(ParamRenamed, false, sym, po.GoName, pn.GoName,
				paramDesc(pn)+": argument renamed "+po.GoName+" → "+pn.GoName+" (calls are positional)")
		}
	case po.Exposure == ir.Optional && pn.Exposure == ir.Optional:
		if po.GoName != pn.GoName {
			d.add(ParamRenamed, true, oField, oField, nField, paramDesc(pn)+": field renamed "+oField+" → "+nField)
		}
		if ot, nt := optionType(po.Type), optionType(pn.Type); ot != nt {
			d.add(ParamRetyped, true, nField, ot, nt, paramDesc(pn)+" retyped: field "+pn.GoName+" "+ot+" → "+nt)
		}
	case po.Exposure == ir.Optional:
		ot := oField + " " + optionType(po.Type)
		d.add(ParamRequired, true, sym, ot, arg(pn), paramDesc(pn)+" made required: field "+ot+" → argument "+arg(pn))
	default:
		nt := nField + " " + optionType(pn.Type)
		d.add(ParamOptional, true, sym, arg(po), nt, paramDesc(pn)+" made optional: argument "+arg(po)+" → field "+nt)
	}
}

// reordered reports positional parameters present in both versions whose
// relative order changed (both holds them in new order).
func (d *differ) reordered(sym string, both []pair) {
	inOld := append([]pair(nil), both...)
	for i := 1; i < len(inOld); i++ { // insertion sort by old index
		for j := i; j > 0 && inOld[j].oi < inOld[j-1].oi; j-- {
			inOld[j], inOld[j-1] = inOld[j-1], inOld[j]
		}
	}
	same := true
	for i := range both {
		same = same && both[i].ni == inOld[i].ni
	}
	if same {
		return
	}
	var o, n []string
	for i := range both {
		o = append(o, inOld[i].o.GoName)
		n = append(n, both[i].n.GoName)
	}
	os, ns := "("+strings.Join(o, ", ")+")", "("+strings.Join(n, ", ")+")"
	d.add(ParamsReordered, true, sym, os, ns, "required arguments reordered: "+os+" → "+ns)
}

// ---- triggers ----

// methodList is "method X" or "methods X, Y, Z" for a trigger's methods.
func methodList(t *ir.Trigger) string {
	var names []string
	for _, m := range triggerMethods(t) {
		names = append(names, m.name)
	}
	if len(names) == 1 {
		return "method " + names[0]
	}
	return "methods " + strings.Join(names, ", ")
}

func methodDecls(t *ir.Trigger) string {
	var decls []string
	for _, m := range triggerMethods(t) {
		decls = append(decls, m.decl)
	}
	return strings.Join(decls, "\n")
}

// primary is the method a trigger is reported under.
func primary(t *ir.Trigger) string {
	if m := setupMethod(t); m != "" {
		return "Client." + m
	}
	return "Client." + t.RunName
}

func (d *differ) triggers(olds, news []*ir.Trigger) {
	key := func(t *ir.Trigger) string { return t.GoName }
	om, nm := byName(olds, key), byName(news, key)
	for _, o := range olds {
		if n, ok := nm[o.GoName]; ok {
			d.trigger(o, n)
			continue
		}
		d.add(TriggerRemoved, true, primary(o), methodDecls(o), "",
			o.Mode.String()+" trigger "+o.OperationID+" removed: "+methodList(o))
	}
	for _, n := range news {
		if om[n.GoName] == nil {
			d.add(TriggerAdded, false, primary(n), "", methodDecls(n),
				n.Mode.String()+" trigger "+n.OperationID+" added: "+methodList(n))
		}
	}
}

func (d *differ) trigger(o, n *ir.Trigger) {
	if o.Mode != n.Mode {
		d.add(TriggerModeChanged, true, primary(o), methodDecls(o), methodDecls(n),
			o.Mode.String()+" trigger "+o.OperationID+" is now a "+n.Mode.String()+" trigger: "+methodList(o)+" → "+methodList(n))
		return
	}
	for _, nm := range [][2]string{{o.SubscribeName, n.SubscribeName}, {o.UnsubscribeName, n.UnsubscribeName}, {o.RunName, n.RunName}} {
		switch {
		case nm[0] == nm[1]:
		case nm[0] == "":
			d.add(TriggerAdded, false, "Client."+nm[1], "", nm[1], "trigger "+n.OperationID+" gains method "+nm[1])
		case nm[1] == "":
			d.add(TriggerRemoved, true, "Client."+nm[0], nm[0], "", "trigger "+o.OperationID+" loses method "+nm[0])
		default:
			d.add(TriggerRenamed, true, "Client."+nm[0], nm[0], nm[1], "trigger method renamed: "+nm[0]+" → "+nm[1])
		}
	}
	run := "Client." + n.RunName
	if eo, en := eventType(o), eventType(n); eo != en {
		d.add(EventRetyped, true, run, eo, en, "event type changed: "+eo+" → "+en+" (the handler's type changes)")
	}
	if o.Batch != n.Batch {
		msg := "now a batch trigger"
		if !n.Batch {
			msg = "no longer a batch trigger"
		}
		d.add(TriggerBatchChanged, false, run, strconv.FormatBool(o.Batch), strconv.FormatBool(n.Batch), msg)
	}
	so, sn := setupMethod(o), setupMethod(n)
	if so != "" && sn != "" {
		d.request("Client."+sn, o.Setup, n.Setup)
		d.params("Client."+sn, o.Setup, n.Setup)
	}
}

// ---- types ----

func typeDecl(t *ir.Type) string {
	if t.Kind == ir.EnumType {
		return "type " + t.GoName + " " + t.Base.GoString()
	}
	return "type " + t.GoName + " struct"
}

func (d *differ) types(olds, news []*ir.Type) {
	key := func(t *ir.Type) string { return t.GoName }
	om, nm := byName(olds, key), byName(news, key)
	for _, o := range olds {
		if n, ok := nm[o.GoName]; ok {
			d.typ(o, n)
			continue
		}
		d.add(TypeRemoved, true, o.GoName, typeDecl(o), "", "type removed: "+typeDecl(o))
	}
	for _, n := range news {
		if om[n.GoName] == nil {
			d.add(TypeAdded, false, n.GoName, "", typeDecl(n), "type added: "+typeDecl(n))
		}
	}
}

func (d *differ) typ(o, n *ir.Type) {
	if to, tn := typeDecl(o), typeDecl(n); to != tn {
		d.add(TypeChanged, true, n.GoName, to, tn, "type changed: "+to+" → "+tn)
		return
	}
	if n.Kind == ir.EnumType {
		d.enumValues(n.GoName, o.Values, n.Values)
		return
	}
	key := func(f *ir.Field) string { return f.GoName }
	om, nm := byName(o.Fields, key), byName(n.Fields, key)
	for _, fo := range o.Fields {
		sym := n.GoName + "." + fo.GoName
		fn, ok := nm[fo.GoName]
		if !ok {
			d.add(FieldRemoved, true, sym, fieldType(fo), "", "field removed: "+fo.GoName+" "+fieldType(fo))
			continue
		}
		if to, tn := fieldType(fo), fieldType(fn); to != tn {
			d.add(FieldRetyped, true, sym, to, tn, "field retyped: "+to+" → "+tn)
		}
		if fo.JSONName != fn.JSONName {
			d.add(FieldJSONRenamed, false, sym, fo.JSONName, fn.JSONName,
				"JSON name changed: "+strconv.Quote(fo.JSONName)+" → "+strconv.Quote(fn.JSONName))
		}
	}
	for _, fn := range n.Fields {
		if om[fn.GoName] == nil {
			d.add(FieldAdded, false, n.GoName+"."+fn.GoName, "", fieldType(fn), "field added: "+fn.GoName+" "+fieldType(fn))
		}
	}
}

func (d *differ) enumValues(typ string, olds, news []*ir.EnumValue) {
	key := func(v *ir.EnumValue) string { return v.GoName }
	om, nm := byName(olds, key), byName(news, key)
	decl := func(v *ir.EnumValue) string { return typ + " = " + strconv.Quote(v.Value) }
	for _, vo := range olds {
		vn, ok := nm[vo.GoName]
		switch {
		case !ok:
			d.add(EnumValueRemoved, true, vo.GoName, decl(vo), "", "enum value "+strconv.Quote(vo.Value)+" of "+typ+" removed")
		case vo.Value != vn.Value:
			d.add(EnumValueChanged, false, vo.GoName, decl(vo), decl(vn),
				"enum value of "+typ+" changed on the wire: "+strconv.Quote(vo.Value)+" → "+strconv.Quote(vn.Value))
		}
	}
	for _, vn := range news {
		if om[vn.GoName] == nil {
			d.add(EnumValueAdded, false, vn.GoName, "", decl(vn), "enum value "+strconv.Quote(vn.Value)+" of "+typ+" added")
		}
	}
}

// ---- connection ----

func authText(a *ir.Auth) string {
	switch a.Kind {
	case ir.AuthAPIKey:
		return "API key in " + a.In + " " + strconv.Quote(a.Name) + " from " + a.Value
	case ir.AuthBasic:
		return "basic auth from " + a.User + ", " + a.Password
	case ir.AuthBearer:
		return "bearer token from " + a.Value
	}
	return "unknown"
}

func authTexts(auth []*ir.Auth) string {
	var s []string
	for _, a := range auth {
		s = append(s, authText(a))
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, "; ")
}

func (d *differ) connection(o, n *ir.Connection) {
	if o == nil {
		o = &ir.Connection{}
	}
	if n == nil {
		n = &ir.Connection{}
	}
	setNames := func(c *ir.Connection) string {
		var names []string
		for _, s := range c.Sets {
			names = append(names, s.GoName)
		}
		return strings.Join(names, ", ")
	}
	switch {
	case len(o.Sets) == 0 && len(n.Sets) == 0:
		d.connParams("Connection", o.Params, n.Params)
		d.auth("Connection", o.Auth, n.Auth)
		return
	case len(o.Sets) == 0:
		d.add(ConnChanged, true, "Connection", "type Connection struct", "type Connection interface",
			"Connection becomes an interface over connection parameter sets "+setNames(n))
		return
	case len(n.Sets) == 0:
		d.add(ConnChanged, true, "Connection", "type Connection interface", "type Connection struct",
			"Connection becomes a struct; parameter sets "+setNames(o)+" are gone")
		return
	}
	key := func(s *ir.ConnSet) string { return s.GoName }
	om, nm := byName(o.Sets, key), byName(n.Sets, key)
	for _, so := range o.Sets {
		sn, ok := nm[so.GoName]
		if !ok {
			d.add(ConnSetRemoved, true, so.GoName, "type "+so.GoName+" struct", "",
				"connection parameter set "+strconv.Quote(so.Name)+" removed")
			continue
		}
		if so.Name != sn.Name {
			d.add(ConnSetRenamed, true, sn.GoName, so.Name, sn.Name,
				"connection parameter set renamed: "+strconv.Quote(so.Name)+" → "+strconv.Quote(sn.Name)+" (stored connections name the old set)")
		}
		d.connParams(sn.GoName, so.Params, sn.Params)
		d.auth(sn.GoName, so.Auth, sn.Auth)
	}
	for _, sn := range n.Sets {
		if om[sn.GoName] == nil {
			d.add(ConnSetAdded, false, sn.GoName, "", "type "+sn.GoName+" struct",
				"connection parameter set "+strconv.Quote(sn.Name)+" added")
		}
	}
}

// connParams compares the fields of a connection struct (Connection or
// one parameter set's struct, typ).
func (d *differ) connParams(typ string, olds, news []*ir.ConnParam) {
	olds, news = connFields(olds), connFields(news)
	key := func(p *ir.ConnParam) string { return p.GoName }
	om, nm := byName(olds, key), byName(news, key)
	for _, po := range olds {
		sym := typ + "." + po.GoName
		pn, ok := nm[po.GoName]
		if !ok {
			d.add(ConnParamRemoved, true, sym, connType(po.Kind), "", "connection parameter "+strconv.Quote(po.Name)+" removed")
			continue
		}
		if pn.Name != po.Name {
			d.add(ConnParamRenamed, pn.Required, sym, po.Name, pn.Name,
				"store key renamed: "+strconv.Quote(po.Name)+" → "+strconv.Quote(pn.Name)+required(pn.Required, " (required: stored connections hold the old key)"))
		}
		if to, tn := connType(po.Kind), connType(pn.Kind); to != tn {
			d.add(ConnParamRetyped, true, sym, to, tn, "connection parameter "+strconv.Quote(pn.Name)+" retyped: "+to+" → "+tn)
		}
		switch {
		case !po.Required && pn.Required:
			d.add(ConnParamRequired, true, sym, "optional", "required",
				"connection parameter "+strconv.Quote(pn.Name)+" made required: ConnectionFromStore fails without it")
		case po.Required && !pn.Required:
			d.add(ConnParamOptional, false, sym, "required", "optional", "connection parameter "+strconv.Quote(pn.Name)+" made optional")
		}
	}
	for _, pn := range news {
		if om[pn.GoName] != nil {
			continue
		}
		msg := "optional connection parameter " + strconv.Quote(pn.Name) + " added: field " + pn.GoName + " " + connType(pn.Kind)
		if pn.Required {
			msg = "required connection parameter " + strconv.Quote(pn.Name) + " added: field " + pn.GoName + " " + connType(pn.Kind) +
				"; ConnectionFromStore fails without it"
		}
		d.add(ConnParamAdded, pn.Required, typ+"."+pn.GoName, "", connType(pn.Kind), msg)
	}
}

func (d *differ) auth(sym string, o, n []*ir.Auth) {
	if ao, an := authTexts(o), authTexts(n); ao != an {
		d.add(AuthChanged, false, sym, ao, an, "credentials attached differently: "+ao+" → "+an)
	}
}

// ---- pagers, lookups, custom code ----

// helper is a method that is neither an action nor a trigger method: a
// pager or a dynamic-metadata lookup.
type helper struct {
	name, what, decl string
	sig              string // argument and result types, without names
}

func helpers(p *ir.Package) []helper {
	var hs []helper
	for _, pg := range p.Pagers {
		var ts []string
		for _, p := range pg.Action.Op.Params {
			if p.Exposure == ir.Positional {
				ts = append(ts, p.Type.GoString())
			}
		}
		if pg.Action.Options != "" {
			ts = append(ts, "*"+pg.Action.Options)
		}
		hs = append(hs, helper{pg.GoName, "pager", pagerDecl(pg), strings.Join(ts, ", ") + " → " + pg.Item.GoString()})
	}
	for _, lu := range p.Lookups {
		var ts []string
		for _, a := range lu.Args {
			ts = append(ts, a.Type.GoString())
		}
		hs = append(hs, helper{lu.GoName, "lookup", lookupDecl(lu), strings.Join(ts, ", ") + " → " + lookupResult(lu)})
	}
	return hs
}

func (d *differ) helpers(o, n *ir.Package) {
	olds, news := helpers(o), helpers(n)
	key := func(h helper) string { return h.name }
	om, nm := byName(olds, key), byName(news, key)
	for _, ho := range olds {
		hn, ok := nm[ho.name]
		switch {
		case !ok:
			d.add(MethodRemoved, true, "Client."+ho.name, ho.decl, "", ho.what+" removed: "+shortDecl(ho.decl))
		case ho.sig != hn.sig:
			d.add(MethodChanged, true, "Client."+ho.name, ho.decl, hn.decl,
				ho.what+" signature changed: "+shortDecl(ho.decl)+" → "+shortDecl(hn.decl))
		}
	}
	for _, hn := range news {
		if _, ok := om[hn.name]; !ok {
			d.add(MethodAdded, false, "Client."+hn.name, "", hn.decl, hn.what+" added: "+shortDecl(hn.decl))
		}
	}
}

func scriptScope(s *ir.Script) string {
	if s.Operations == nil {
		return "every operation"
	}
	return strings.Join(s.Operations, ", ")
}

func (d *differ) script(o, n *ir.Script) {
	switch {
	case o == nil && n == nil:
	case o == nil:
		d.add(ScriptAdded, false, n.TypeName, "", "type "+n.TypeName+" interface\n"+scriptOptionDecl(n),
			"custom-code hook added: type "+n.TypeName+", "+n.OptionName+" (for "+scriptScope(n)+")")
	case n == nil:
		d.add(ScriptRemoved, true, o.TypeName, "type "+o.TypeName+" interface\n"+scriptOptionDecl(o), "",
			"custom-code hook removed: type "+o.TypeName+", "+o.OptionName)
	default:
		if o.TypeName != n.TypeName {
			d.add(ScriptRenamed, true, o.TypeName, o.TypeName, n.TypeName, "custom-code interface renamed: "+o.TypeName+" → "+n.TypeName)
		}
		if o.OptionName != n.OptionName {
			d.add(ScriptRenamed, true, o.OptionName, o.OptionName, n.OptionName, "custom-code option renamed: "+o.OptionName+" → "+n.OptionName)
		}
		if so, sn := scriptScope(o), scriptScope(n); so != sn {
			d.add(ScriptScopeChanged, false, n.OptionName, so, sn, "custom code covers other operations: "+so+" → "+sn)
		}
	}
}

func required(ok bool, s string) string {
	if ok {
		return s
	}
	return ""
}

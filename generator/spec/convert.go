package spec

// Conversion of libopenapi's Swagger 2.0 model into the spec structs. Values
// come from the high-level model, positions and extensions from its GoLow()
// side; map order comes from key positions (libopenapi builds some maps
// concurrently). Schemas are decoded from their nodes and shared by
// reference (see converter.schema).

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	highbase "github.com/pb33f/libopenapi/datamodel/high/base"
	v2high "github.com/pb33f/libopenapi/datamodel/high/v2"
	"github.com/pb33f/libopenapi/datamodel/low"
	v2low "github.com/pb33f/libopenapi/datamodel/low/v2"

	"github.com/connectorgen/connectorgen/generator/diag"
)

// converter holds the state of one conversion.
type converter struct {
	file string
	ds   *diag.List
	exts extResolver
	root *ynode // the document node, for local JSON pointers

	// byRef memoizes schemas by $ref ("#/definitions/X"); definitions are
	// seeded before any schema is converted, so cycles become pointer
	// cycles. A nil entry is a reference already reported as unresolved.
	byRef map[string]*Schema
	// params memoizes converted parameters by their low-level object (shared
	// $ref targets are converted once and copied per operation).
	params map[any]*Parameter
	// idNodes remembers where each operation's operationId was written.
	idNodes map[*Operation]*ynode
}

func newConverter(file string, ds *diag.List, root *ynode) *converter {
	return &converter{
		file:    file,
		ds:      ds,
		root:    root,
		byRef:   make(map[string]*Schema),
		params:  make(map[any]*Parameter),
		idNodes: make(map[*Operation]*ynode),
	}
}

// swagger converts a Swagger 2.0 model.
func (c *converter) swagger(sw *v2high.Swagger, pos diag.Pos) *Document {
	d := &Document{
		File:     c.file,
		Version:  sw.Swagger,
		Host:     sw.Host,
		BasePath: sw.BasePath,
		Consumes: sw.Consumes,
		Produces: sw.Produces,
		Pos:      pos,
	}
	for _, s := range sw.Schemes {
		d.Schemes = append(d.Schemes, strings.ToLower(s))
	}
	if lw := sw.GoLow(); lw != nil {
		x := c.resolveExts(lowExtEntries(lw.Extensions))
		d.TestConnection = testConnection(x)
	}
	c.info(d, sw.Info)

	// Seed every definition before converting any schema.
	if sw.Definitions != nil && sw.Definitions.GoLow() != nil {
		d.Definitions = c.seedDefinitions("#/definitions/", sw.Definitions.GoLow().Schemas)
	}

	if sd := sw.SecurityDefinitions; sd != nil && sd.Definitions != nil && sd.GoLow() != nil && sd.GoLow().Definitions != nil {
		for _, e := range sortedEntries(sd.GoLow().Definitions) {
			s, _ := sd.Definitions.Get(e.name)
			if s == nil {
				continue
			}
			ss := &SecurityScheme{
				Key: e.name, Type: s.Type, Name: s.Name, In: s.In,
				Flow: s.Flow, AuthorizationURL: s.AuthorizationUrl, TokenURL: s.TokenUrl,
				Pos: c.posOf(e.key),
			}
			_, scopes := nodeGet(e.value.ValueNode, "scopes")
			ss.Scopes = nodeKeys(scopes)
			d.SecurityDefinitions = append(d.SecurityDefinitions, ss)
		}
	}
	d.Security = securityRequirements(sw.Security)

	if sw.Paths != nil && sw.Paths.PathItems != nil && sw.Paths.GoLow() != nil && sw.Paths.GoLow().PathItems != nil {
		for _, e := range sortedEntries(sw.Paths.GoLow().PathItems) {
			hi, _ := sw.Paths.PathItems.Get(e.name)
			if hi == nil || e.value.Value == nil {
				continue
			}
			d.Paths = append(d.Paths, c.pathItem(d, e.name, e.key, hi, e.value.Value))
		}
	}
	c.fixOperationIDs(d)
	return d
}

// seedDefinitions registers every schema of a definitions map under
// prefix+name (JSON-pointer escaped) before converting any of them.
func (c *converter) seedDefinitions(prefix string, m lowSchemaMap) []*Schema {
	if m == nil {
		return nil
	}
	type def struct {
		s    *Schema
		node *ynode
	}
	var defs []def
	for _, e := range sortedEntries(m) {
		ref := prefix + escapePointer(e.name)
		s := &Schema{Name: e.name, Ref: ref, Pos: c.posOf(e.key)}
		c.byRef[ref] = s
		node := e.value.ValueNode
		if node == nil && e.value.Value != nil {
			node = e.value.Value.GetValueNode()
		}
		defs = append(defs, def{s, node})
	}
	out := make([]*Schema, len(defs))
	for i, d := range defs {
		c.fill(d.s, d.node, 0)
		out[i] = d.s
	}
	return out
}

// escapePointer escapes a JSON-pointer segment.
func escapePointer(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// info fills the info fields of d.
func (c *converter) info(d *Document, info *highbase.Info) {
	if info == nil {
		return
	}
	d.Title, d.Description, d.APIVersion = info.Title, info.Description, info.Version
	if li := info.GoLow(); li != nil {
		x := c.resolveExts(lowExtEntries(li.Extensions))
		if a := x.annotation(); a != nil {
			d.Status = a.Status
		}
	}
}

// testConnection reads x-ms-capabilities.testConnection.operationId.
func testConnection(x extSet) string {
	_, tc := nodeGet(x.get(extCapabilities), "testConnection")
	_, id := nodeGet(tc, "operationId")
	return nodeText(id)
}

// securityRequirements lists the alternatives of a security requirement
// list, each naming its schemes (an empty alternative is an empty list).
func securityRequirements(reqs []*highbase.SecurityRequirement) [][]string {
	if reqs == nil {
		return nil
	}
	out := make([][]string, 0, len(reqs))
	for _, r := range reqs {
		names := []string{}
		if lr := r.GoLow(); lr != nil {
			for _, e := range sortedEntries(lr.Requirements.Value) {
				names = append(names, e.name)
			}
		}
		out = append(out, names)
	}
	return out
}

// operationSecurity reads an operation's own security: libopenapi drops an
// empty list, which means "no auth", so presence is read from the node.
func operationSecurity(opNode *ynode, reqs []*highbase.SecurityRequirement) (bool, [][]string) {
	if _, v := nodeGet(opNode, "security"); v == nil {
		return false, nil
	}
	sec := securityRequirements(reqs)
	if sec == nil {
		sec = [][]string{}
	}
	return true, sec
}

// methodOp is one method of a path item (T is the Swagger 2 or OpenAPI 3
// high-level operation).
type methodOp[T any] struct {
	method    string
	key, node *ynode
	high      *T
}

// lowOp is one method of a Swagger 2 path item.
type lowOp = methodOp[v2high.Operation]

// presentOps drops the methods a path item does not have (warning about
// those that are not objects) and orders the rest as in the source.
func presentOps[T any](c *converter, path string, ops []methodOp[T]) []methodOp[T] {
	ops = slices.DeleteFunc(ops, func(o methodOp[T]) bool {
		if o.high != nil && !nodeIsMap(o.node) {
			c.ds.Warnf(c.posOf(o.node), "operation %s %s is not an object; ignored", o.method, path)
			return true
		}
		return o.high == nil
	})
	slices.SortStableFunc(ops, func(a, b methodOp[T]) int { return sourceOrder(a.key, b.key) })
	return ops
}

// pathItem converts one path item; operations come in source order.
func (c *converter) pathItem(d *Document, path string, key *ynode, hi *v2high.PathItem, li *v2low.PathItem) *PathItem {
	item := &PathItem{Path: path, Pos: c.posOf(key)}
	x := c.resolveExts(lowExtEntries(li.Extensions))
	if e, ok := x.getEntry(extNotificationContent); ok {
		item.NotificationContent = c.notificationContent(e)
	}
	var lps []low.ValueReference[*v2low.Parameter]
	if !li.Parameters.IsEmpty() {
		lps = li.Parameters.Value
	}
	shared := c.parameters(hi.Parameters, lps)

	ops := []lowOp{
		{"GET", li.Get.KeyNode, li.Get.ValueNode, hi.Get},
		{"PUT", li.Put.KeyNode, li.Put.ValueNode, hi.Put},
		{"POST", li.Post.KeyNode, li.Post.ValueNode, hi.Post},
		{"DELETE", li.Delete.KeyNode, li.Delete.ValueNode, hi.Delete},
		{"OPTIONS", li.Options.KeyNode, li.Options.ValueNode, hi.Options},
		{"HEAD", li.Head.KeyNode, li.Head.ValueNode, hi.Head},
		{"PATCH", li.Patch.KeyNode, li.Patch.ValueNode, hi.Patch},
	}
	ops = presentOps(c, path, ops)
	for _, o := range ops {
		item.Operations = append(item.Operations, c.operation(d, path, o, shared))
	}
	return item
}

// operation converts one operation.
func (c *converter) operation(d *Document, path string, o lowOp, shared []*Parameter) *Operation {
	ho := o.high
	op := &Operation{
		Method:      o.method,
		Path:        path,
		OperationID: ho.OperationId,
		Summary:     ho.Summary,
		Description: ho.Description,
		Tags:        ho.Tags,
		Deprecated:  ho.Deprecated,
		Consumes:    ho.Consumes,
		Produces:    ho.Produces,
		Pos:         c.posOf(o.key),
	}
	if op.Consumes == nil {
		op.Consumes = d.Consumes
	}
	if op.Produces == nil {
		op.Produces = d.Produces
	}
	lo := ho.GoLow()
	var lps []low.ValueReference[*v2low.Parameter]
	if lo != nil {
		c.idNodes[op] = lo.OperationId.ValueNode
		if !lo.Parameters.IsEmpty() {
			lps = lo.Parameters.Value
		}
		x := c.resolveExts(lowExtEntries(lo.Extensions))
		c.operationExts(op, x)
	}
	op.HasSecurity, op.Security = operationSecurity(o.node, ho.Security)
	op.Parameters = mergeParameters(shared, c.parameters(ho.Parameters, lps))
	if ho.Responses != nil {
		op.Responses = c.responses(ho.Responses)
	}
	return op
}

// operationExts reads the x-ms-* extensions of an operation (shared by the
// Swagger 2 and OpenAPI 3 converters).
func (c *converter) operationExts(op *Operation, x extSet) {
	op.Visibility = x.lowerText(extVisibility)
	c.warnEnum(x, extVisibility, op.Visibility, "important", "advanced", "internal")
	op.Trigger = x.lowerText(extTrigger)
	c.warnEnum(x, extTrigger, op.Trigger, "single", "batch")
	op.TriggerHint = x.text(extTriggerHint)
	op.TriggerMetadata = x.raw(extTriggerMetadata)
	op.Pageable = x.pageable()
	op.Annotation = x.annotation()
}

// mergeParameters merges path-item parameters with operation parameters:
// path-item parameters keep their order, one overridden by the operation
// (same name and in) is replaced in place; the operation's other parameters
// follow in their order.
func mergeParameters(shared, own []*Parameter) []*Parameter {
	if len(shared) == 0 {
		return own
	}
	out := slices.Clone(shared)
	for _, p := range own {
		i := slices.IndexFunc(out[:len(shared)], func(q *Parameter) bool {
			return q.Name == p.Name && strings.EqualFold(q.In, p.In)
		})
		if i >= 0 {
			out[i] = p
		} else {
			out = append(out, p)
		}
	}
	return out
}

// parameters converts a parameter list; lps is the low-level list (same
// order) that knows each parameter's $ref.
func (c *converter) parameters(hps []*v2high.Parameter, lps []low.ValueReference[*v2low.Parameter]) []*Parameter {
	if len(hps) == 0 {
		return nil
	}
	out := make([]*Parameter, 0, len(hps))
	for i, hp := range hps {
		if hp == nil {
			continue
		}
		var ref string
		var node *ynode
		if i < len(lps) {
			ref, node = lps[i].GetReference(), lps[i].ValueNode
		}
		out = append(out, c.parameter(hp, ref, node))
	}
	return out
}

// parameter converts one parameter. Pos is the parameter object (for a
// $ref, the referenced definition, where its fields are written).
func (c *converter) parameter(hp *v2high.Parameter, ref string, node *ynode) *Parameter {
	lp := hp.GoLow()
	var key any = hp
	if lp != nil {
		key = lp
	}
	if p, ok := c.params[key]; ok {
		cp := *p
		cp.Ref = ref
		return &cp
	}
	p := &Parameter{
		Name:             hp.Name,
		In:               hp.In,
		Ref:              ref,
		Description:      hp.Description,
		Type:             hp.Type,
		Format:           hp.Format,
		CollectionFormat: hp.CollectionFormat,
		Enum:             nodeValues(hp.Enum),
		Pos:              c.posOf(node),
	}
	if hp.Required != nil {
		p.Required = *hp.Required
	}
	if hp.Default != nil {
		p.Default, p.HasDefault = nodeValue(hp.Default), true
	}
	if hp.Items != nil {
		p.Items = c.items(hp.Items)
	}
	if hp.Schema != nil {
		p.Schema = c.schema(hp.Schema)
	}
	if lp != nil {
		if node == nil {
			p.Pos = firstPos(c.file, lp.Name.KeyNode, lp.In.KeyNode)
		}
		c.parameterExts(p, c.resolveExts(lowExtEntries(lp.Extensions)))
	}
	c.params[key] = p
	cp := *p
	return &cp
}

// parameterExts reads the x-ms-* extensions of a parameter.
func (c *converter) parameterExts(p *Parameter, x extSet) {
	p.Summary = x.text(extSummary)
	p.Visibility = x.lowerText(extVisibility)
	c.warnEnum(x, extVisibility, p.Visibility, "important", "advanced", "internal")
	p.URLEncoding = x.lowerText(extURLEncoding)
	c.warnEnum(x, extURLEncoding, p.URLEncoding, "single", "double")
	p.DynamicValues = x.raw(extDynamicValues)
	p.DynamicList = x.raw(extDynamicList)
	p.DynamicSchema = x.raw(extDynamicSchema)
	p.DynamicProperties = x.raw(extDynamicProperties)
	p.DynamicTree = x.raw(extDynamicTree)
	p.TriggerValue = x.raw(extTriggerValue)
}

// items converts the items of a non-body parameter.
func (c *converter) items(it *v2high.Items) *Schema {
	s := &Schema{Type: it.Type, Format: it.Format, Enum: nodeValues(it.Enum)}
	if it.Default != nil {
		s.Default, s.HasDefault = nodeValue(it.Default), true
	}
	if li := it.GoLow(); li != nil {
		s.Pos = firstPos(c.file, li.Type.KeyNode, li.Format.KeyNode)
	}
	if it.Items != nil {
		s.Items = c.items(it.Items)
	}
	return s
}

// responses converts responses in source order ("default" where written).
func (c *converter) responses(hr *v2high.Responses) []*Response {
	lr := hr.GoLow()
	if lr == nil {
		return nil
	}
	type entry struct {
		code      string
		key, node *ynode
		high      *v2high.Response
	}
	var es []entry
	if hr.Codes != nil {
		for _, e := range sortedEntries(lr.Codes) {
			h, _ := hr.Codes.Get(e.name)
			es = append(es, entry{e.name, e.key, e.value.ValueNode, h})
		}
	}
	if hr.Default != nil {
		es = append(es, entry{"default", lr.Default.KeyNode, lr.Default.ValueNode, hr.Default})
		slices.SortStableFunc(es, func(a, b entry) int { return sourceOrder(a.key, b.key) })
	}
	out := make([]*Response, 0, len(es))
	for _, e := range es {
		r := &Response{Code: e.code, Pos: c.posOf(e.key)}
		if e.high != nil {
			r.Description = e.high.Description
			if e.high.Schema != nil {
				r.Schema = c.schema(e.high.Schema)
			}
			_, hs := nodeGet(e.node, "headers")
			r.Headers = nodeKeys(hs)
		}
		out = append(out, r)
	}
	return out
}

// notificationContent decodes x-ms-notification-content. libopenapi does
// not resolve $refs inside extensions: a "#/definitions/X" schema is looked
// up among the seeded definitions, an inline schema is decoded from its node
// like every other schema.
func (c *converter) notificationContent(e extEntry) *NotificationContent {
	nc := &NotificationContent{Pos: c.posOf(e.kn)}
	if !nodeIsMap(e.vn) {
		c.ds.Warnf(c.posOf(e.vn), "%s is not an object; ignored", extNotificationContent)
		return nc
	}
	_, desc := nodeGet(e.vn, "description")
	nc.Description = nodeText(desc)
	if _, sv := nodeGet(e.vn, "schema"); sv != nil {
		nc.Schema = c.schemaNode(sv, 0)
	}
	return nc
}

// Schemas are decoded from their YAML nodes rather than through
// libopenapi's lazily built schema model: one set of rules for schemas in
// the document and in extensions, and several times cheaper. libopenapi
// still indexes the document, so a $ref to a missing definition is an error
// before conversion starts.

// schema converts the schema behind a libopenapi schema proxy.
func (c *converter) schema(p *highbase.SchemaProxy) *Schema {
	if p == nil {
		return nil
	}
	if ref := p.GetReference(); ref != "" {
		return c.schemaRef(ref, p.GetReferenceNode())
	}
	lp := p.GoLow()
	if lp == nil {
		return nil
	}
	return c.schemaNode(lp.GetValueNode(), 0)
}

// schemaRef returns the schema of a $ref. Schemas reached through the same
// $ref are one *Schema, registered before descending, so cycles end here.
// Definitions are seeded before any schema is converted.
func (c *converter) schemaRef(ref string, at *ynode) *Schema {
	if s, ok := c.byRef[ref]; ok {
		return s
	}
	target := c.resolvePointer(ref)
	if target == nil {
		c.ds.Errorf(c.posOf(at), "unresolved reference %q", ref)
		c.byRef[ref] = nil
		return nil
	}
	s := &Schema{Ref: ref, Pos: c.posOf(target)}
	c.byRef[ref] = s
	c.fill(s, target, 0)
	return s
}

// resolvePointer resolves a local JSON pointer ("#/a/b") in the document.
func (c *converter) resolvePointer(ref string) *ynode {
	if !strings.HasPrefix(ref, "#/") || c.root == nil {
		return nil
	}
	n := deref(c.root)
	for seg := range strings.SplitSeq(ref[2:], "/") {
		if strings.Contains(seg, "%") {
			if u, err := url.PathUnescape(seg); err == nil {
				seg = u
			}
		}
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		if n = nodeChild(n, seg); n == nil {
			return nil
		}
	}
	return n
}

// maxSchemaDepth bounds inline schema nesting (the pre-pass bounds JSON
// nesting; this only keeps the recursion honest).
const maxSchemaDepth = maxJSONDepth

// schemaNode converts an inline schema node (or a {"$ref": ...} node).
func (c *converter) schemaNode(n *ynode, depth int) *Schema {
	n = deref(n)
	if n == nil || depth > maxSchemaDepth {
		return nil
	}
	if !nodeIsMap(n) {
		if b, ok := nodeBool(n); ok && b {
			return &Schema{Pos: c.posOf(n)} // JSON Schema "true": anything
		}
		c.ds.Warnf(c.posOf(n), "schema is not an object; ignored")
		return nil
	}
	if _, rv := nodeGet(n, "$ref"); rv != nil {
		return c.schemaRef(nodeText(rv), rv)
	}
	s := &Schema{Pos: c.posOf(n)}
	c.fill(s, n, depth)
	return s
}

// fill decodes schema node n into s.
func (c *converter) fill(s *Schema, n *ynode, depth int) {
	if !nodeIsMap(n) {
		c.ds.Warnf(c.posOf(n), "schema is not an object; ignored")
		return
	}
	if _, rv := nodeGet(n, "$ref"); rv != nil {
		// A definition that is itself a reference: the same as allOf of one.
		if t := c.schemaRef(nodeText(rv), rv); t != nil {
			s.AllOf = append(s.AllOf, t)
		}
		return
	}
	nodeEach(n, func(k, v *ynode) {
		switch k.Value {
		case "type":
			if t, ok := nodeString(v); ok {
				s.Type = t
			} else {
				var nullable bool
				s.Type, nullable = pickType(nodeStrings(v))
				s.Nullable = s.Nullable || nullable
			}
		case "format":
			s.Format = nodeText(v)
		case "title":
			s.Title = nodeText(v)
		case "description":
			s.Description = nodeText(v)
		case "properties":
			nodeEach(v, func(pk, pv *ynode) {
				s.Properties = append(s.Properties, &Property{Name: pk.Value, Schema: c.schemaNode(pv, depth+1), Pos: c.posOf(pk)})
			})
		case "required":
			if !nodeIsScalar(v) {
				s.Required = nodeStrings(v)
			}
		case "items":
			if nodeIsSeq(v) { // tuple form: the first item schema
				v = nodeIndex(v, 0)
			}
			s.Items = c.schemaNode(v, depth+1)
		case "additionalProperties":
			if b, ok := nodeBool(v); ok {
				s.AdditionalPropertiesTrue = b
			} else {
				s.AdditionalProperties = c.schemaNode(v, depth+1)
			}
		case "allOf":
			nodeEachElem(v, func(e *ynode) {
				if a := c.schemaNode(e, depth+1); a != nil {
					s.AllOf = append(s.AllOf, a)
				}
			})
		case "enum":
			s.Enum = nodeValueList(v)
		case "default":
			s.Default, s.HasDefault = nodeValue(v), true
		case "readOnly":
			s.ReadOnly, _ = nodeBool(v)
		case "nullable": // OpenAPI 3.0
			if b, _ := nodeBool(v); b {
				s.Nullable = true
			}
		case "discriminator":
			if name, ok := nodeString(v); ok {
				s.Discriminator = name // Swagger 2: a property name
			} else {
				_, pn := nodeGet(v, "propertyName") // OpenAPI 3
				s.Discriminator = nodeText(pn)
			}
		}
	})
	c.schemaExts(s, c.resolveExts(nodeExtEntries(n)))
}

// schemaExts reads the extensions of a schema.
func (c *converter) schemaExts(s *Schema, x extSet) {
	s.Summary = x.text(extSummary)
	s.Visibility = x.lowerText(extVisibility)
	c.warnEnum(x, extVisibility, s.Visibility, "important", "advanced", "internal")
	s.NotificationURL = x.flag(extNotificationURL)
	if x.flag(extNullable) {
		s.Nullable = true
	}
	s.DynamicSchema = x.raw(extDynamicSchema)
	s.DynamicProperties = x.raw(extDynamicProperties)
	s.DynamicValues = x.raw(extDynamicValues)
	s.DynamicList = x.raw(extDynamicList)
}

// pickType reduces a type list to one type: for ["string","null"] (OpenAPI
// 3.1) it is "string" and nullable.
func pickType(ts []string) (string, bool) {
	switch len(ts) {
	case 0:
		return "", false
	case 1:
		return ts[0], false
	}
	t, nullable := "", false
	for _, x := range ts {
		if x == "null" {
			nullable = true
		} else if t == "" {
			t = x
		}
	}
	if t == "" {
		t = "null"
	}
	return t, nullable
}

// fixOperationIDs derives missing operation ids and renames repeated ones.
// Ids written in the document are reserved first, so a derived or renamed
// id never takes one of them.
func (c *converter) fixOperationIDs(d *Document) {
	taken := map[string]bool{}
	for _, it := range d.Paths {
		for _, op := range it.Operations {
			if op.OperationID != "" {
				taken[op.OperationID] = true
			}
		}
	}
	first := map[string]*Operation{}
	unique := func(base string) string {
		if !taken[base] {
			return base
		}
		for i := 2; ; i++ {
			if n := base + "_" + strconv.Itoa(i); !taken[n] {
				return n
			}
		}
	}
	for _, it := range d.Paths {
		for _, op := range it.Operations {
			switch id := op.OperationID; {
			case id == "":
				op.OperationID = unique(deriveOperationID(op.Method, op.Path))
				op.IDDerived = true
				taken[op.OperationID] = true
				c.ds.Warnf(op.Pos, "operation %s %s has no operationId; using %q", op.Method, op.Path, op.OperationID)
			case first[id] != nil:
				op.OperationID = unique(id)
				op.IDDerived = true
				taken[op.OperationID] = true
				fp := c.idPos(first[id])
				c.ds.Warnf(c.idPos(op), "duplicate operationId %q (first at %d:%d); renamed to %q", id, fp.Line, fp.Col, op.OperationID)
			default:
				first[id] = op
			}
		}
	}
}

// idPos is the position of an operation's operationId value.
func (c *converter) idPos(op *Operation) diag.Pos {
	if n := c.idNodes[op]; n != nil {
		return c.posOf(n)
	}
	return op.Pos
}

// deriveOperationID builds an id from method and path:
// GET /v2/items/{id} -> GetV2ItemsById. Only ASCII letters and digits.
func deriveOperationID(method, path string) string {
	var b strings.Builder
	words := func(s string) {
		for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !isASCIIAlnum(r) }) {
			b.WriteString(strings.ToUpper(w[:1]))
			b.WriteString(w[1:])
		}
	}
	words(strings.ToLower(method))
	n := b.Len()
	for seg := range strings.SplitSeq(path, "/") {
		for seg != "" {
			i := strings.IndexByte(seg, '{')
			if i < 0 {
				words(seg)
				break
			}
			words(seg[:i])
			rest := seg[i+1:]
			j := strings.IndexByte(rest, '}')
			if j < 0 {
				words(rest)
				break
			}
			b.WriteString("By")
			words(rest[:j])
			seg = rest[j+1:]
		}
	}
	if b.Len() == n {
		b.WriteString("Root")
	}
	return b.String()
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

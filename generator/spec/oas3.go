package spec

// Mapping of OpenAPI 3.x onto the Swagger-2-shaped model: servers[0] gives
// scheme, host and basePath; a request body becomes a "body" parameter (or
// formData parameters for form content types); response schemas come from
// application/json content (else the first content with a schema);
// components/schemas are the definitions. Reasonable, not exhaustive.

import (
	"slices"
	"strings"

	v3high "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/datamodel/low"
	v3low "github.com/pb33f/libopenapi/datamodel/low/v3"

	"github.com/connectorgen/connectorgen/generator/diag"
)

// openAPI3 converts an OpenAPI 3.x model.
func (c *converter) openAPI3(m *v3high.Document, pos diag.Pos) *Document {
	d := &Document{File: c.file, Version: m.Version, Pos: pos}
	if lw := m.GoLow(); lw != nil {
		x := c.resolveExts(lowExtEntries(lw.Extensions))
		d.TestConnection = testConnection(x)
	}
	c.info(d, m.Info)
	if len(m.Servers) > 0 && m.Servers[0] != nil {
		scheme, host, base := splitServerURL(m.Servers[0].URL)
		if scheme != "" {
			d.Schemes = []string{scheme}
		}
		d.Host, d.BasePath = host, base
	}

	if comp := m.Components; comp != nil {
		lc := comp.GoLow()
		if lc != nil {
			d.Definitions = c.seedDefinitions("#/components/schemas/", lc.Schemas.Value)
		}
		if comp.SecuritySchemes != nil && lc != nil && lc.SecuritySchemes.Value != nil {
			for _, e := range sortedEntries(lc.SecuritySchemes.Value) {
				if s, _ := comp.SecuritySchemes.Get(e.name); s != nil {
					d.SecurityDefinitions = append(d.SecurityDefinitions, securityScheme3(e.name, s, e.value.ValueNode, c.posOf(e.key)))
				}
			}
		}
	}
	d.Security = securityRequirements(m.Security)

	if m.Paths != nil && m.Paths.PathItems != nil && m.Paths.GoLow() != nil && m.Paths.GoLow().PathItems != nil {
		for _, e := range sortedEntries(m.Paths.GoLow().PathItems) {
			hi, _ := m.Paths.PathItems.Get(e.name)
			if hi == nil || e.value.Value == nil {
				continue
			}
			d.Paths = append(d.Paths, c.pathItem3(d, e.name, e.key, hi, e.value.Value))
		}
	}
	c.fixOperationIDs(d)
	return d
}

// splitServerURL splits "https://host/base" (server variables left as
// written). A relative URL is only a base path.
func splitServerURL(u string) (scheme, host, basePath string) {
	rest := u
	if i := strings.Index(rest, "://"); i >= 0 {
		scheme, rest = strings.ToLower(rest[:i]), rest[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			host, rest = rest[:j], rest[j:]
		} else {
			host, rest = rest, ""
		}
	}
	basePath = strings.TrimRight(rest, "/")
	if basePath == "" && rest == "/" {
		basePath = "/"
	}
	return scheme, host, basePath
}

// securityScheme3 maps an OpenAPI 3 security scheme onto the Swagger 2
// shapes; see SecurityScheme.Scheme for http schemes.
func securityScheme3(name string, s *v3high.SecurityScheme, node *ynode, pos diag.Pos) *SecurityScheme {
	ss := &SecurityScheme{Key: name, Type: s.Type, Name: s.Name, In: s.In, Pos: pos}
	switch strings.ToLower(s.Type) {
	case "http":
		ss.Scheme = strings.ToLower(s.Scheme)
		switch ss.Scheme {
		case "basic":
			ss.Type = "basic"
		case "bearer":
			ss.Type, ss.Name, ss.In = "apiKey", "Authorization", "header"
		}
	case "oauth2":
		ss.Type = "oauth2"
		if f := s.Flows; f != nil {
			_, flows := nodeGet(node, "flows")
			for _, fl := range []struct {
				name, key string
				flow      *v3high.OAuthFlow
			}{
				{"accessCode", "authorizationCode", f.AuthorizationCode},
				{"implicit", "implicit", f.Implicit},
				{"password", "password", f.Password},
				{"application", "clientCredentials", f.ClientCredentials},
			} {
				if fl.flow == nil {
					continue
				}
				ss.Flow, ss.AuthorizationURL, ss.TokenURL = fl.name, fl.flow.AuthorizationUrl, fl.flow.TokenUrl
				_, flow := nodeGet(flows, fl.key)
				_, scopes := nodeGet(flow, "scopes")
				ss.Scopes = nodeKeys(scopes)
				break
			}
		}
	}
	return ss
}

// lowOp3 is one method of an OpenAPI 3 path item.
type lowOp3 = methodOp[v3high.Operation]

func (c *converter) pathItem3(d *Document, path string, key *ynode, hi *v3high.PathItem, li *v3low.PathItem) *PathItem {
	item := &PathItem{Path: path, Pos: c.posOf(key)}
	x := c.resolveExts(lowExtEntries(li.Extensions))
	if e, ok := x.getEntry(extNotificationContent); ok {
		item.NotificationContent = c.notificationContent(e)
	}
	var lps []low.ValueReference[*v3low.Parameter]
	if !li.Parameters.IsEmpty() {
		lps = li.Parameters.Value
	}
	shared := c.parameters3(hi.Parameters, lps)
	ops := []lowOp3{
		{"GET", li.Get.KeyNode, li.Get.ValueNode, hi.Get},
		{"PUT", li.Put.KeyNode, li.Put.ValueNode, hi.Put},
		{"POST", li.Post.KeyNode, li.Post.ValueNode, hi.Post},
		{"DELETE", li.Delete.KeyNode, li.Delete.ValueNode, hi.Delete},
		{"OPTIONS", li.Options.KeyNode, li.Options.ValueNode, hi.Options},
		{"HEAD", li.Head.KeyNode, li.Head.ValueNode, hi.Head},
		{"PATCH", li.Patch.KeyNode, li.Patch.ValueNode, hi.Patch},
		{"TRACE", li.Trace.KeyNode, li.Trace.ValueNode, hi.Trace},
	}
	ops = presentOps(c, path, ops)
	for _, o := range ops {
		item.Operations = append(item.Operations, c.operation3(path, o, shared))
	}
	return item
}

func (c *converter) operation3(path string, o lowOp3, shared []*Parameter) *Operation {
	ho := o.high
	op := &Operation{
		Method:      o.method,
		Path:        path,
		OperationID: ho.OperationId,
		Summary:     ho.Summary,
		Description: ho.Description,
		Tags:        ho.Tags,
		Deprecated:  ho.Deprecated != nil && *ho.Deprecated,
		Pos:         c.posOf(o.key),
	}
	lo := ho.GoLow()
	var lps []low.ValueReference[*v3low.Parameter]
	if lo != nil {
		c.idNodes[op] = lo.OperationId.ValueNode
		if !lo.Parameters.IsEmpty() {
			lps = lo.Parameters.Value
		}
		c.operationExts(op, c.resolveExts(lowExtEntries(lo.Extensions)))
	}
	op.HasSecurity, op.Security = operationSecurity(o.node, ho.Security)
	own := c.parameters3(ho.Parameters, lps)
	if rb := ho.RequestBody; rb != nil {
		var body []*Parameter
		op.Consumes, body = c.requestBody3(rb)
		own = append(own, body...)
	}
	op.Parameters = mergeParameters(shared, own)
	if ho.Responses != nil {
		op.Responses, op.Produces = c.responses3(ho.Responses)
	}
	return op
}

func (c *converter) parameters3(hps []*v3high.Parameter, lps []low.ValueReference[*v3low.Parameter]) []*Parameter {
	var out []*Parameter
	for i, hp := range hps {
		if hp == nil {
			continue
		}
		var ref string
		var node *ynode
		if i < len(lps) {
			ref, node = lps[i].GetReference(), lps[i].ValueNode
		}
		p := &Parameter{
			Name: hp.Name, In: hp.In, Ref: ref, Description: hp.Description,
			Pos: c.posOf(node),
		}
		if hp.Required != nil {
			p.Required = *hp.Required
		}
		if s := c.schema(hp.Schema); s != nil {
			setSimpleType(p, s)
			if s.Type == "array" {
				p.CollectionFormat = collectionFormat3(hp.Style, hp.Explode, hp.In)
			}
		}
		if lp := hp.GoLow(); lp != nil {
			c.parameterExts(p, c.resolveExts(lowExtEntries(lp.Extensions)))
		}
		out = append(out, p)
	}
	return out
}

// setSimpleType copies the type facets of a schema onto a non-body parameter.
func setSimpleType(p *Parameter, s *Schema) {
	p.Type, p.Format, p.Items = s.Type, s.Format, s.Items
	p.Enum = s.Enum
	p.Default, p.HasDefault = s.Default, s.HasDefault
	if p.Type == "string" && p.Format == "binary" && p.In == "formData" {
		p.Type, p.Format = "file", ""
	}
}

// collectionFormat3 maps style/explode onto a Swagger 2 collectionFormat.
func collectionFormat3(style string, explode *bool, in string) string {
	if style == "" {
		style = "simple"
		if in == "query" || in == "cookie" {
			style = "form"
		}
	}
	ex := style == "form"
	if explode != nil {
		ex = *explode
	}
	switch style {
	case "form":
		if ex {
			return "multi"
		}
		return "csv"
	case "spaceDelimited":
		return "ssv"
	case "pipeDelimited":
		return "pipes"
	}
	return "csv"
}

// requestBody3 maps a request body: form content types become formData
// parameters (one per schema property), anything else one "body" parameter.
func (c *converter) requestBody3(rb *v3high.RequestBody) (consumes []string, params []*Parameter) {
	if rb.Content == nil {
		return nil, nil
	}
	var pos diag.Pos
	if lr := rb.GoLow(); lr != nil {
		pos = firstPos(c.file, lr.KeyNode, lr.RootNode)
	}
	var first *v3high.MediaType
	var firstType string
	var contentNode *ynode
	if lr := rb.GoLow(); lr != nil {
		contentNode = lr.Content.ValueNode
	}
	for _, ct := range nodeKeys(contentNode) {
		consumes = append(consumes, ct)
		if mt, _ := rb.Content.Get(ct); first == nil && mt != nil {
			first, firstType = mt, ct
		}
	}
	if mt, ok := rb.Content.Get("application/json"); ok && mt != nil {
		first, firstType = mt, "application/json"
	}
	if first == nil {
		return consumes, nil
	}
	required := rb.Required != nil && *rb.Required
	s := c.schema(first.Schema)
	ct := strings.ToLower(firstType)
	if (strings.HasPrefix(ct, "multipart/form-data") || strings.HasPrefix(ct, "application/x-www-form-urlencoded")) && s != nil {
		for _, prop := range s.Properties {
			p := &Parameter{Name: prop.Name, In: "formData", Pos: prop.Pos, Required: slices.Contains(s.Required, prop.Name)}
			if prop.Schema != nil {
				p.Description, p.Summary, p.Visibility = prop.Schema.Description, prop.Schema.Summary, prop.Schema.Visibility
				setSimpleType(p, prop.Schema)
			}
			params = append(params, p)
		}
		return consumes, params
	}
	p := &Parameter{Name: "body", In: "body", Description: rb.Description, Required: required, Schema: s, Pos: pos}
	if !p.Pos.IsValid() {
		p.Pos = diag.Pos{File: c.file}
	}
	return consumes, []*Parameter{p}
}

// responses3 maps responses (source order) and collects the content types
// they produce.
func (c *converter) responses3(hr *v3high.Responses) ([]*Response, []string) {
	lr := hr.GoLow()
	if lr == nil {
		return nil, nil
	}
	type entry struct {
		code      string
		key, node *ynode
		high      *v3high.Response
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
	var produces []string
	out := make([]*Response, 0, len(es))
	for _, e := range es {
		r := &Response{Code: e.code, Pos: c.posOf(e.key)}
		if h := e.high; h != nil {
			r.Description = h.Description
			_, hs := nodeGet(e.node, "headers")
			r.Headers = nodeKeys(hs)
			if h.Content != nil {
				var mt *v3high.MediaType
				_, content := nodeGet(e.node, "content")
				for _, ct := range nodeKeys(content) {
					if !slices.Contains(produces, ct) {
						produces = append(produces, ct)
					}
					if m, _ := h.Content.Get(ct); mt == nil && m != nil && m.Schema != nil {
						mt = m
					}
				}
				if m, ok := h.Content.Get("application/json"); ok && m != nil && m.Schema != nil {
					mt = m
				}
				if mt != nil {
					r.Schema = c.schema(mt.Schema)
				}
			}
		}
		out = append(out, r)
	}
	return out, produces
}

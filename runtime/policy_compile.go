package runtime

import (
	"errors"
	"fmt"
	"slices"

	"github.com/connectorgen/connectorgen/runtime/expr"
)

// compiledPolicy holds a Policy's parsed expressions and paths.
type compiledPolicy struct {
	value, url, method  *expr.Template
	from, to, valuePath expr.Ref
	hasFrom             bool
	fromSub, toSub      []expr.Segment
	keyPath             []expr.Segment // convertarraytoobject keyWithinCollectionPath
}

// compiled parses the policy's expressions on first use.
func (p *Policy) compiled() (*compiledPolicy, error) {
	p.once.Do(func() {
		p.comp, p.err = p.compile()
		if p.err != nil {
			p.err = fmt.Errorf("%s: %w", p.describe(), p.err)
		}
	})
	return p.comp, p.err
}

func (p *Policy) compile() (*compiledPolicy, error) {
	c := &compiledPolicy{}
	var err error
	tpl := func(field, src string, required bool) *expr.Template {
		if err != nil {
			return nil
		}
		if src == "" {
			if required {
				err = fmt.Errorf("%s is empty", field)
			}
			return nil
		}
		t, _, e := expr.Parse(src)
		if e != nil {
			err = fmt.Errorf("%s: %w", field, e)
		}
		return t
	}
	ref := func(field, src string, kinds ...expr.RefKind) (expr.Ref, bool) {
		if err != nil || src == "" {
			if err == nil && src == "" {
				err = fmt.Errorf("%s is empty", field)
			}
			return expr.Ref{}, false
		}
		t, _, e := expr.Parse(src)
		if e != nil {
			err = fmt.Errorf("%s: %w", field, e)
			return expr.Ref{}, false
		}
		r, ok := t.SingleRef()
		if !ok || !slices.Contains(kinds, r.Kind) {
			err = fmt.Errorf("%s %q is not a single %s expression", field, src, kindList(kinds))
			return expr.Ref{}, false
		}
		return r, true
	}
	path := func(field, src string, required bool) []expr.Segment {
		if err != nil {
			return nil
		}
		if src == "" {
			if required {
				err = fmt.Errorf("%s is empty", field)
			}
			return nil
		}
		segs, e := expr.ParsePath(src)
		if e != nil {
			err = fmt.Errorf("%s: %w", field, e)
		}
		return segs
	}
	switch p.Template {
	case PolicySetHeader, PolicySetQueryParameter:
		if p.Name == "" {
			return nil, errors.New("name is empty")
		}
		c.value = tpl("value", p.Value, false)
		if c.value == nil && err == nil {
			c.value = expr.MustParse("")
		}
	case PolicyDynamicHostURL, PolicyDynamicSubdomain:
		c.url = tpl("urlTemplate", p.URL, true)
	case PolicyRouteRequest:
		c.url = tpl("newPath", p.URL, true)
		c.method = tpl("httpMethod", p.Method, false)
	case PolicySetProperty:
		c.from, c.hasFrom = ref("parent path", p.From, expr.Body, expr.Item)
		c.fromSub = path("property path", p.FromSub, true)
		c.value = tpl("value", p.Value, false)
		if c.value == nil && err == nil {
			c.value = expr.MustParse("")
		}
	case PolicyConvertObjectToArray, PolicyConvertArrayToObject, PolicyStringToArray, PolicyStringReplace, PolicyEncodePropertyValue:
		c.from, c.hasFrom = ref("parent path", p.From, expr.Body, expr.Item)
		c.fromSub = path("property path", p.FromSub, false)
		c.to, _ = ref("new property path", p.To, expr.Body, expr.Item)
		switch p.Template {
		case PolicyConvertArrayToObject:
			c.keyPath = path("key path", p.KeyName, true)
		case PolicyStringToArray:
			if p.KeyName == "" && err == nil {
				err = errors.New("child property name is empty")
			}
			if p.Find == "" && err == nil {
				err = errors.New("delimiter list is empty")
			}
		}
	case PolicyMoveProperties:
		c.from, c.hasFrom = ref("source parent path", p.From, expr.Body, expr.Item)
		c.fromSub = path("source property path", p.FromSub, true)
		c.to, _ = ref("destination parent path", p.To, expr.Body, expr.Item)
		c.toSub = path("destination property path", p.ToSub, false)
	case PolicySetValueFromURL:
		c.url = tpl("parameterValueUrl", p.URL, true)
		c.method = tpl("httpMethod", p.Method, false)
		c.valuePath, _ = ref("value path", p.ValuePath, expr.Body)
		c.to, _ = ref("parameter template", p.To, expr.Header, expr.Query)
	case PolicyUpdateNextLink:
		if p.Name == "" {
			return nil, errors.New("next link property name is empty")
		}
		if p.From != "" {
			c.from, c.hasFrom = ref("next link parent path", p.From, expr.Body)
		}
	case PolicySetConnectionStatusToUnauthenticated:
		if p.StatusCode < 100 || p.StatusCode > 599 {
			return nil, fmt.Errorf("status code %d is not an HTTP status", p.StatusCode)
		}
	default:
		return nil, fmt.Errorf("unknown policy template %d", p.Template)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

func kindList(ks []expr.RefKind) string {
	var s string
	for i, k := range ks {
		if i > 0 {
			s += " or "
		}
		switch k {
		case expr.Body:
			s += "@body()"
		case expr.Item:
			s += "@item()"
		case expr.Header:
			s += "@headers()"
		case expr.Query:
			s += "@queryParameters()"
		default:
			s += k.String()
		}
	}
	return s
}

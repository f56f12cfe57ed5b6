package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/connectorgen/connectorgen/runtime/expr"
)

// Body templates (setproperty, convertobjecttoarray, convertarraytoobject,
// stringtoarray, stringreplace, encodepropertyvalue, moveproperties) work on
// the JSON body decoded with numbers kept as written. A body that is absent
// or not JSON, and a parent or source property that is absent or null, make
// the template do nothing: connectors apply them to optional properties
// (Planner's references, Blackbaud's payments). A value of the wrong kind
// is an error on a request (nothing is sent) and ignored on a response (the
// call succeeded at the backend: failing it now would hide that). A body a
// template changed is re-encoded with its members in their order, those a
// template added after them (policy_json.go).

// lookup evaluates a path reference: absent when a step is null or missing.
func (r *policyRun) lookup(ref expr.Ref) (any, bool, error) {
	v, err := ref.Eval(r)
	var nullErr *expr.NullError
	switch {
	case errors.As(err, &nullErr):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	return v, v != nil, nil
}

// transform applies a body template; lenient on the response side.
func (r *policyRun) transform(p *Policy, comp *compiledPolicy, lenient bool) error {
	parent, ok, err := r.lookup(comp.from)
	if err != nil {
		if lenient {
			return nil
		}
		return err
	}
	if !ok {
		return nil
	}
	if p.Template == PolicyMoveProperties {
		return r.move(p, comp, parent, lenient)
	}
	elems := []any{parent}
	arr, each := parent.([]any)
	if each = each && (p.Template == PolicySetProperty || comp.fromSub != nil); each {
		elems = arr
	}
	// The source's path in the body, for the member order of
	// convertobjecttoarray ("" below @item(): unknown).
	base := ""
	if comp.from.Kind == expr.Body {
		base = segPath(comp.from.Path)
	}
	for i, el := range elems {
		r.item, r.hasItem = el, true
		elPath := base
		if each {
			elPath += "/" + strconv.Itoa(i)
		}
		err := r.transformOne(p, comp, el, elPath)
		if err != nil && !lenient {
			if len(elems) > 1 {
				return fmt.Errorf("element %d of %s: %w", i, comp.from, err)
			}
			return err
		}
	}
	return nil
}

// transformOne applies a body template to one element; elPath is the
// element's path in the body, "" when unknown (policy_json.go: the member
// order of values a template moves goes with them).
func (r *policyRun) transformOne(p *Policy, comp *compiledPolicy, el any, elPath string) error {
	srcPath := elPath + segPath(comp.fromSub)
	dstPath := segPath(comp.to.Path)
	if comp.to.Kind == expr.Item {
		dstPath = elPath + dstPath
	}
	if p.Template == PolicySetProperty {
		obj, ok := el.(map[string]any)
		if !ok {
			return fmt.Errorf("%s is %s, not an object", comp.from, jsonKindOf(el))
		}
		v, ok, err := r.propertyValue(comp.value)
		if err != nil || !ok {
			return err
		}
		r.noteKey(obj, elPath, comp.fromSub)
		if err := setPath(obj, comp.fromSub, v); err != nil {
			return err
		}
		r.dirty = true
		return nil
	}
	src, ok := getPath(el, comp.fromSub)
	if !ok {
		return nil
	}
	var out any
	switch p.Template {
	case PolicyConvertObjectToArray:
		obj, ok := src.(map[string]any)
		if !ok {
			return nil // already an array, or a scalar: nothing to convert
		}
		k, v := p.KeyName, p.ValueName
		if k == "" {
			k = "key"
		}
		if v == "" {
			v = "value"
		}
		arr := make([]any, 0, len(obj))
		for i, key := range orderedKeys(obj, r.order[srcPath]) {
			elem := dstPath + "/" + strconv.Itoa(i)
			r.order.copyTree(srcPath+"/"+pathKey(key), elem+"/"+pathKey(v))
			r.order.set(elem, []string{k, v})
			arr = append(arr, map[string]any{k: key, v: obj[key]})
		}
		out = arr
	case PolicyConvertArrayToObject:
		arr, ok := src.([]any)
		if !ok {
			return nil
		}
		obj := make(map[string]any, len(arr))
		var keys []string
		for i, e := range arr {
			m, ok := e.(map[string]any)
			if !ok {
				return fmt.Errorf("element %d is %s, not an object", i, jsonKindOf(e))
			}
			key, ok := getPath(m, comp.keyPath)
			if !ok {
				return fmt.Errorf("element %d has no %q", i, p.KeyName)
			}
			text, err := expr.Text(key)
			if err != nil {
				return fmt.Errorf("element %d: %q: %w", i, p.KeyName, err)
			}
			if !p.Retain {
				m = cloneObject(m)
				deletePath(m, comp.keyPath)
			}
			if _, dup := obj[text]; !dup {
				keys = append(keys, text)
			}
			obj[text] = m
			r.order.copyTree(srcPath+"/"+strconv.Itoa(i), dstPath+"/"+pathKey(text))
		}
		r.order.set(dstPath, keys)
		out = obj
	case PolicyStringToArray:
		s, ok := src.(string)
		if !ok {
			return nil
		}
		arr := []any{}
		for _, part := range strings.FieldsFunc(s, func(c rune) bool { return strings.ContainsRune(p.Find, c) }) {
			if part = strings.TrimSpace(part); part != "" {
				arr = append(arr, map[string]any{p.KeyName: part})
			}
		}
		out = arr
	case PolicyStringReplace:
		s, ok := src.(string)
		if !ok || p.Find == "" {
			return nil
		}
		out = strings.ReplaceAll(s, p.Find, p.Replace)
	case PolicyEncodePropertyValue:
		s, ok := src.(string)
		if !ok {
			return nil
		}
		out = escapeDataString(s)
	default:
		return nil
	}
	return r.assign(comp.to, el, elPath, out)
}

// noteKey records the order of a member a template adds at segs below root
// (at rootPath): after the members the object has (policy_json.go).
func (r *policyRun) noteKey(root any, rootPath string, segs []expr.Segment) {
	if len(segs) == 0 || segs[len(segs)-1].IsIndex {
		return
	}
	parent, ok := getPath(root, segs[:len(segs)-1])
	if obj, isObj := parent.(map[string]any); ok && isObj {
		r.order.add(rootPath+segPath(segs[:len(segs)-1]), obj, segs[len(segs)-1].Key)
	}
}

// propertyValue evaluates a setproperty value template: one expression keeps
// its JSON value, other templates give text, used as JSON when it starts
// with "[" or "{" and parses. ok is false when the template reads a body
// path that is null here (the property is then left alone).
func (r *policyRun) propertyValue(t *expr.Template) (any, bool, error) {
	v, err := t.EvalValue(r)
	var nullErr *expr.NullError
	if errors.As(err, &nullErr) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if _, single := t.SingleRef(); single {
		return v, true, nil
	}
	s, _ := v.(string)
	if t := strings.TrimSpace(s); strings.HasPrefix(t, "[") || strings.HasPrefix(t, "{") {
		var j any
		dec := json.NewDecoder(strings.NewReader(t))
		dec.UseNumber()
		if dec.Decode(&j) == nil && !dec.More() {
			return j, true, nil
		}
	}
	return s, true, nil
}

// assign writes v at the destination reference (relative to el, at elPath,
// for @item()).
func (r *policyRun) assign(to expr.Ref, el any, elPath string, v any) error {
	if len(to.Path) == 0 {
		if to.Kind != expr.Body {
			return errors.New("the destination @item() itself cannot be replaced")
		}
		r.doc, r.hasDoc, r.dirty = v, true, true
		return nil
	}
	root, rootPath := el, elPath
	if to.Kind == expr.Body {
		root, _ = r.Body()
		rootPath = ""
	}
	r.noteKey(root, rootPath, to.Path)
	if err := setPath(root, to.Path, v); err != nil {
		return fmt.Errorf("%s: %w", to, err)
	}
	r.dirty = true
	return nil
}

// move applies moveproperties.
func (r *policyRun) move(p *Policy, comp *compiledPolicy, parent any, lenient bool) error {
	src, ok := getPath(parent, comp.fromSub)
	if !ok {
		return nil
	}
	dstParent, ok, err := r.lookup(comp.to)
	if err != nil || !ok {
		if lenient {
			return nil
		}
		return err
	}
	srcObj, isObj := src.(map[string]any)
	if p.SubOnly && !isObj {
		if lenient {
			return nil
		}
		return fmt.Errorf("%s is %s, not an object", comp.fromSub[len(comp.fromSub)-1], jsonKindOf(src))
	}
	if err := deletePath(parent, comp.fromSub); err != nil && !lenient {
		return err
	}
	r.dirty = true
	// Paths in the body, to carry the member order along (policy_json.go).
	srcPath, dstParentPath := "", ""
	if comp.from.Kind == expr.Body {
		srcPath = segPath(comp.from.Path) + segPath(comp.fromSub)
	}
	if comp.to.Kind == expr.Body {
		dstParentPath = segPath(comp.to.Path)
	}
	if p.SubOnly {
		dst := dstParent
		if len(comp.toSub) > 0 {
			if d, ok := getPath(dstParent, comp.toSub); ok {
				dst = d
			} else {
				d := map[string]any{}
				if err := setPath(dstParent, comp.toSub, d); err != nil {
					return err
				}
				dst = d
			}
		}
		obj, ok := dst.(map[string]any)
		if !ok {
			return fmt.Errorf("the destination is %s, not an object", jsonKindOf(dst))
		}
		dstPath := dstParentPath + segPath(comp.toSub)
		for _, k := range orderedKeys(srcObj, r.order[srcPath]) {
			r.order.add(dstPath, obj, k)
			r.order.copyTree(srcPath+"/"+pathKey(k), dstPath+"/"+pathKey(k))
			obj[k] = srcObj[k]
		}
		return nil
	}
	toSub := comp.toSub
	if len(toSub) == 0 {
		toSub = comp.fromSub[len(comp.fromSub)-1:]
	}
	r.noteKey(dstParent, dstParentPath, toSub)
	r.order.copyTree(srcPath, dstParentPath+segPath(toSub))
	return setPath(dstParent, toSub, src)
}

// getPath follows segments from v; false when a step is missing or null.
func getPath(v any, segs []expr.Segment) (any, bool) {
	for _, s := range segs {
		switch x := v.(type) {
		case map[string]any:
			if s.IsIndex {
				return nil, false
			}
			v = x[s.Key]
		case []any:
			if !s.IsIndex || s.Index >= len(x) {
				return nil, false
			}
			v = x[s.Index]
		default:
			return nil, false
		}
		if v == nil {
			return nil, false
		}
	}
	return v, v != nil
}

// setPath sets v at segs below root, creating missing objects on the way.
func setPath(root any, segs []expr.Segment, v any) error {
	if len(segs) == 0 {
		return errors.New("empty property path")
	}
	cur := root
	for i, s := range segs {
		last := i == len(segs)-1
		switch x := cur.(type) {
		case map[string]any:
			if s.IsIndex {
				return fmt.Errorf("an index on an object at step %d", i+1)
			}
			if last {
				x[s.Key] = v
				return nil
			}
			next, ok := x[s.Key]
			if !ok || next == nil {
				next = map[string]any{}
				x[s.Key] = next
			}
			cur = next
		case []any:
			if !s.IsIndex || s.Index >= len(x) {
				return fmt.Errorf("no element at step %d", i+1)
			}
			if last {
				x[s.Index] = v
				return nil
			}
			cur = x[s.Index]
		default:
			return fmt.Errorf("%s at step %d, not an object", jsonKindOf(cur), i+1)
		}
	}
	return nil
}

// deletePath removes the property at segs below root (nothing when absent).
func deletePath(root any, segs []expr.Segment) error {
	if len(segs) == 0 {
		return nil
	}
	parent, ok := getPath(root, segs[:len(segs)-1])
	if !ok {
		return nil
	}
	last := segs[len(segs)-1]
	switch x := parent.(type) {
	case map[string]any:
		delete(x, last.Key)
	case []any:
		return errors.New("an array element cannot be removed")
	}
	return nil
}

func cloneObject(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// orderedKeys lists the keys of m: those of order first, in that order,
// then the others sorted.
func orderedKeys(m map[string]any, order []string) []string {
	keys := make([]string, 0, len(m))
	for _, k := range order {
		if _, ok := m[k]; ok && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if len(keys) == len(m) {
		return keys
	}
	var rest []string
	for k := range m {
		if !slices.Contains(keys, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(keys, rest...)
}

// segPath renders property path segments as a keyOrder path.
func segPath(segs []expr.Segment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		if s.IsIndex {
			b.WriteString(strconv.Itoa(s.Index))
		} else {
			b.WriteString(pathKey(s.Key))
		}
	}
	return b.String()
}

// jsonKindOf names the JSON type of a decoded value.
func jsonKindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("a %T", v)
}

// escapeDataString percent-encodes every byte of s except the RFC 3986
// unreserved characters (as .NET's Uri.EscapeDataString).
func escapeDataString(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

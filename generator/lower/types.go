package lower

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/naming"
	"github.com/connectorgen/connectorgen/generator/spec"
)

const runtimePkg = "github.com/connectorgen/connectorgen/runtime"

// Type references of the fixed Go types lower uses.
var (
	tString   = &ir.TypeRef{Kind: ir.Builtin, Name: "string"}
	tInt64    = &ir.TypeRef{Kind: ir.Builtin, Name: "int64"}
	tInt32    = &ir.TypeRef{Kind: ir.Builtin, Name: "int32"}
	tFloat64  = &ir.TypeRef{Kind: ir.Builtin, Name: "float64"}
	tBool     = &ir.TypeRef{Kind: ir.Builtin, Name: "bool"}
	tAny      = &ir.TypeRef{Kind: ir.Builtin, Name: "any"}
	tRaw      = &ir.TypeRef{Kind: ir.Qual, Pkg: "encoding/json", Name: "RawMessage"}
	tReader   = &ir.TypeRef{Kind: ir.Qual, Pkg: "io", Name: "Reader"}
	tRC       = &ir.TypeRef{Kind: ir.Qual, Pkg: "io", Name: "ReadCloser"}
	tDateTime = &ir.TypeRef{Kind: ir.Qual, Pkg: runtimePkg, Name: "DateTime"}
	tDate     = &ir.TypeRef{Kind: ir.Qual, Pkg: runtimePkg, Name: "Date"}
	tFreeForm = &ir.TypeRef{Kind: ir.Map, Elem: tAny}
)

// definitions declares a type for every object or string-enum definition.
// Names are claimed in sorted definition-name order, so that they do not
// depend on where a definition sits in the document.
func (l *lowerer) definitions() {
	defs := slices.Clone(l.doc.Definitions)
	slices.SortStableFunc(defs, func(a, b *spec.Schema) int { return cmp.Compare(a.Name, b.Name) })
	// Claim all names first so that inline types named after a parent never
	// take the name of a later definition.
	for _, d := range defs {
		if declares(d) {
			l.defNames[d] = l.claim(l.types, d.Pos, "type", l.defGoName(d), l.defGoName(d)+"Model")
		}
	}
	for _, d := range defs {
		if _, ok := l.defNames[d]; ok {
			l.typeOf(d, "", d.Pos)
		}
	}
}

// declares reports whether a schema becomes a named Go type of its own.
func declares(s *spec.Schema) bool {
	if isDynamic(s) {
		return false
	}
	if len(s.Properties) > 0 || len(s.AllOf) > 0 {
		return s.Type == "" || s.Type == "object"
	}
	return s.Type == "string" && len(stringEnum(s)) > 0
}

func isDynamic(s *spec.Schema) bool {
	return s.DynamicSchema != nil || s.DynamicProperties != nil
}

// typeOf returns the Go type of schema s, declaring named types for inline
// objects and enums with names derived from ctx (the name of what contains
// the schema).
func (l *lowerer) typeOf(s *spec.Schema, ctx string, pos diag.Pos) *ir.TypeRef {
	if s == nil {
		return tRaw
	}
	if r, ok := l.refs[s]; ok {
		return r
	}
	if declares(s) {
		if name, ok := l.defNames[s]; ok {
			return l.declare(s, name, "#/definitions/"+s.Name)
		}
		name := l.claim(l.types, cmp.Or(s.Pos, pos), "type", ctx, ctx+"Type")
		return l.declare(s, name, "")
	}
	var r *ir.TypeRef
	switch {
	case isDynamic(s):
		r = tRaw // shape known only at run time (x-ms-dynamic-schema/-properties)
	case s.Type == "array":
		r = &ir.TypeRef{Kind: ir.Slice, Elem: l.typeOf(s.Items, ctx+"Item", pos)}
		if s.Items == nil {
			r.Elem = tRaw
		}
	case s.Type == "object" || (s.Type == "" && (s.AdditionalProperties != nil || s.AdditionalPropertiesTrue)):
		if s.AdditionalProperties != nil {
			r = &ir.TypeRef{Kind: ir.Map, Elem: l.typeOf(s.AdditionalProperties, ctx+"Value", pos)}
		} else {
			r = tFreeForm
		}
	default:
		r = scalar(s)
	}
	l.refs[s] = r
	return r
}

// scalar maps a primitive schema. A format never makes decoding fail: dates
// keep the server's text (runtime.DateTime), "byte" stays a string.
func scalar(s *spec.Schema) *ir.TypeRef {
	switch s.Type {
	case "string":
		switch s.Format {
		case "date-time":
			return tDateTime
		case "date":
			return tDate
		}
		return tString
	case "integer":
		if s.Format == "int32" {
			return tInt32
		}
		return tInt64
	case "number":
		return tFloat64
	case "boolean":
		return tBool
	case "file":
		return tString
	}
	return tRaw
}

// declare emits a named struct or enum type for s.
func (l *lowerer) declare(s *spec.Schema, name, source string) *ir.TypeRef {
	t := &ir.Type{GoName: name, Doc: nameless(schemaDoc(s), name), Source: source, Pos: s.Pos}
	ref := &ir.TypeRef{Kind: ir.Named, Name: name}
	l.refs[s] = ref // before descending: reference cycles end here
	l.decls = append(l.decls, t)
	if vals := stringEnum(s); s.Type == "string" && len(vals) > 0 && len(s.Properties) == 0 {
		ref.Enum = true
		t.Kind = ir.EnumType
		t.Base = tString
		for _, v := range vals {
			t.Values = append(t.Values, &ir.EnumValue{Value: v})
		}
		// Constant names: claimed in value order within the enum.
		for _, v := range t.Values {
			v.GoName = l.claim(l.types, s.Pos, "enum constant", name+l.enumSuffix(v.Value))
		}
		return ref
	}
	ref.Struct = true
	t.Kind = ir.StructType
	props, required := flatten(s)
	// Methods a generated struct may get (emit: untaggable JSON names).
	fields := naming.NewScope("MarshalJSON", "UnmarshalJSON")
	// A property marked x-ms-notification-url is the webhook callback URL:
	// the platform fills it, and so does Listener.Subscribe (protocol
	// §4.2). It is not a field, so a caller cannot set a URL that the
	// runtime would overwrite anyway.
	// An object holding nothing but such a URL goes with it.
	props = slices.DeleteFunc(slices.Clone(props), func(p *spec.Property) bool { return callbackOnly(p.Schema, map[*spec.Schema]bool{}) })
	// Field names are claimed in JSON-name order so that a clash (id vs Id)
	// resolves the same way whatever the property order.
	order := slices.Clone(props)
	slices.SortStableFunc(order, func(a, b *spec.Property) int { return cmp.Compare(a.Name, b.Name) })
	goNames := map[*spec.Property]string{}
	for _, p := range order {
		goNames[p] = l.claim(fields, p.Pos, "field", l.n.Exported(p.Name))
	}
	for _, p := range props {
		f := &ir.Field{GoName: goNames[p], JSONName: p.Name}
		ps := p.Schema
		if ps == nil {
			ps = &spec.Schema{}
		}
		f.Type = l.typeOf(ps, name+goNames[p], p.Pos)
		f.Doc = nameless(schemaDoc(ps), p.Name)
		req := slices.Contains(required, p.Name)
		// An internal property with a default is never sent as a zero value:
		// the runtime merges the default under the caller's body.
		if ps.Visibility == "internal" && ps.HasDefault {
			req = false
		}
		switch f.Type.Kind {
		case ir.Named:
			if f.Type.Struct {
				f.Type = &ir.TypeRef{Kind: ir.Pointer, Elem: f.Type}
				f.OmitNil = true
			} else if !req || ps.Nullable {
				f.Opt = true
			}
		case ir.Slice, ir.Map:
			f.OmitNil = true
		case ir.Qual:
			if f.Type == tRaw {
				f.OmitNil = true
			} else if !req || ps.Nullable {
				f.Opt = true
			}
		default:
			if !req || ps.Nullable {
				f.Opt = true
			}
		}
		t.Fields = append(t.Fields, f)
	}
	return ref
}

// flatten merges allOf parts into one property list (later parts and the
// schema's own properties override earlier ones of the same name).
func flatten(s *spec.Schema) ([]*spec.Property, []string) {
	var props []*spec.Property
	var required []string
	seen := map[*spec.Schema]bool{}
	var walk func(*spec.Schema)
	walk = func(s *spec.Schema) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		for _, part := range s.AllOf {
			walk(part)
		}
		for _, p := range s.Properties {
			if i := slices.IndexFunc(props, func(q *spec.Property) bool { return q.Name == p.Name }); i >= 0 {
				props[i] = p
				continue
			}
			props = append(props, p)
		}
		required = append(required, s.Required...)
	}
	walk(s)
	return props, required
}

func stringEnum(s *spec.Schema) []string {
	var out []string
	for _, v := range s.Enum {
		str, ok := v.(string)
		if !ok {
			return nil // mixed or non-string enums keep their base type
		}
		if !slices.Contains(out, str) {
			out = append(out, str)
		}
	}
	return out
}

func schemaDoc(s *spec.Schema) string {
	var parts []string
	for _, t := range []string{s.Summary, s.Title, s.Description} {
		t = strings.TrimSpace(t)
		if t != "" && !slices.Contains(parts, t) {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, "\n\n")
}

// defaultText is the wire text of a non-body default value.
func defaultText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		if v {
			return "true"
		}
		return "false"
	case float64:
		if v == float64(int64(v)) {
			return fmt.Sprintf("%d", int64(v))
		}
		return fmt.Sprint(v)
	case json.Number:
		return v.String()
	case nil:
		return ""
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = defaultText(e)
		}
		return strings.Join(parts, ",")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// symbolWords spells the punctuation that enum values are made of
// ("=", "<=", "-name" for a descending sort), so that such values get
// distinct, readable constant names.
var symbolWords = map[rune]string{
	'=': "Eq", '<': "Lt", '>': "Gt", '!': "Not", '-': "Minus", '+': "Plus", '*': "Star",
	'/': "Slash", '.': "Dot", '%': "Percent", '&': "And", '|': "Or", '~': "Tilde", '^': "Caret",
	'#': "Hash", '@': "At", '$': "Dollar", '?': "Question", ':': "Colon", ',': "Comma", ' ': "Space",
}

// enumSuffix names the constant of one enum value (after the type name).
func (l *lowerer) enumSuffix(v string) string {
	if v == "" {
		return "Empty"
	}
	// A value made only of symbols is spelled out entirely; a leading sign
	// ("-name", "+name") becomes a word, everything else goes through the namer.
	var b strings.Builder
	rest := v
	for _, r := range v {
		w, ok := symbolWords[r]
		if !ok {
			break
		}
		b.WriteString(w)
		rest = rest[len(string(r)):]
	}
	if rest == "" {
		return b.String()
	}
	if b.Len() == 0 {
		return l.n.Exported(v)
	}
	name := l.n.Exported(rest)
	if r, _ := utf8.DecodeRuneInString(rest); !unicode.IsLetter(r) {
		name = strings.TrimPrefix(name, "X") // the symbol words already start the name
	}
	return b.String() + name
}

// nameless drops a doc paragraph that only repeats the name it documents
// ("requested_at" on the property requested_at): it says nothing.
func nameless(doc, name string) string {
	key := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return unicode.ToLower(r)
			}
			return -1
		}, s)
	}
	var keep []string
	for _, para := range strings.Split(doc, "\n\n") {
		// "Status" on TaskStatus says nothing the name does not.
		if k := key(para); k != key(name) && (len(k) < 3 || !strings.HasSuffix(key(name), k)) {
			keep = append(keep, para)
		}
	}
	return strings.Join(keep, "\n\n")
}

// decl returns the declared type named name, nil when there is none.
func (l *lowerer) decl(name string) *ir.Type {
	for _, t := range l.decls {
		if t.GoName == name {
			return t
		}
	}
	return nil
}

// callbackOnly reports whether s is an x-ms-notification-url property or
// an object whose properties are all callbackOnly (at least one).
func callbackOnly(s *spec.Schema, seen map[*spec.Schema]bool) bool {
	if s == nil || seen[s] {
		return false
	}
	if s.NotificationURL {
		return true
	}
	seen[s] = true
	props, _ := flatten(s)
	if len(props) == 0 || s.AdditionalProperties != nil {
		return false
	}
	for _, p := range props {
		if !callbackOnly(p.Schema, seen) {
			return false
		}
	}
	return true
}

package expr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Env is what a template reads at evaluation time. The bool results report
// presence; Body, Item and TriggerBody return decoded JSON
// (map[string]any, []any, string, float64 or json.Number, bool, nil).
type Env interface {
	ConnectionParameter(name string) (string, bool)
	Header(name string) (string, bool)
	Query(name string) (string, bool)
	Body() (any, bool)
	Item() (any, bool)
	TriggerBody() (any, bool)
	Method() string
	PathParam(name string) (string, bool)
}

// MissingParameterError is returned when a template reads a connection
// parameter that is not set and has no default.
type MissingParameterError struct {
	Name string
}

func (e *MissingParameterError) Error() string {
	return fmt.Sprintf("expr: connection parameter '%s' is not set", e.Name)
}

// NullError is returned when a body path meets null: Path is the path up to
// and including the null step, without "@" ("body().a.b").
type NullError struct {
	Path string
}

func (e *NullError) Error() string { return fmt.Sprintf("expr: %s is null", e.Path) }

// TypeError is returned when a path step does not fit the value: a key on
// something that is not an object, an index on something that is not an
// array. Path is the value's path, Got its JSON type.
type TypeError struct {
	Path string
	Got  string // "string", "number", "boolean", "object", "array"
	Want string // "object" or "array"
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("expr: %s is %s %s, not %s %s", e.Path, article(e.Got), e.Got, article(e.Want), e.Want)
}

func article(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an"
	}
	return "a"
}

// Eval renders the template as text. Placeholders are replaced by
// Env.PathParam when it reports a value and kept as "{name}" otherwise. A nil
// env is an empty environment.
func (t *Template) Eval(env Env) (string, error) {
	return t.EvalEscaped(env, nil)
}

// EvalEscaped is like [Template.Eval] but passes the text of every
// expression result and placeholder value through escape (when not nil),
// leaving the template's literal text alone: use url.PathEscape for newPath,
// url.QueryEscape for a query string.
func (t *Template) EvalEscaped(env Env, escape func(string) string) (string, error) {
	if env == nil {
		env = MapEnv{}
	}
	var b strings.Builder
	for _, p := range t.parts {
		var s string
		switch p.Kind {
		case TextPart:
			b.WriteString(p.Text)
			continue
		case PlaceholderPart:
			v, ok := env.PathParam(p.Ref.Name)
			if !ok {
				b.WriteString(p.Text)
				continue
			}
			s = v
		case ExprPart:
			v, err := evalRef(p.Ref, env)
			if err != nil {
				return "", err
			}
			if s, err = Text(v); err != nil {
				return "", err
			}
		}
		if escape != nil {
			s = escape(s)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// EvalValue returns the value of a template that is exactly one "@expr" or
// "{@expr}" (a JSON value for body paths, a string otherwise; nil only
// through a "?" accessor), and the text of [Template.Eval] for any other
// template.
func (t *Template) EvalValue(env Env) (any, error) {
	if len(t.parts) == 1 && t.parts[0].Kind == ExprPart && t.parts[0].Form != FormInterpolated {
		if env == nil {
			env = MapEnv{}
		}
		return evalRef(t.parts[0].Ref, env)
	}
	return t.Eval(env)
}

// Eval evaluates one reference (for callers holding a Ref from
// [Template.SingleRef]); a PathParam that env lacks is an error here.
func (r Ref) Eval(env Env) (any, error) {
	if env == nil {
		env = MapEnv{}
	}
	if r.Kind == PathParam {
		if v, ok := env.PathParam(r.Name); ok {
			return v, nil
		}
		return nil, fmt.Errorf("expr: path parameter '%s' is not set", r.Name)
	}
	return evalRef(r, env)
}

func evalRef(r Ref, env Env) (any, error) {
	switch r.Kind {
	case ConnectionParameter:
		v, ok := env.ConnectionParameter(r.Name)
		if r.HasDefault && (!ok || v == "") {
			return r.Default, nil
		}
		if !ok {
			return nil, &MissingParameterError{Name: r.Name}
		}
		return v, nil
	case Header, Query:
		get := env.Header
		if r.Kind == Query {
			get = env.Query
		}
		v, ok := get(r.Name)
		if r.HasDefault && (!ok || v == "") {
			return r.Default, nil
		}
		return v, nil
	case RequestMethod:
		return env.Method(), nil
	case Body, Item, TriggerBody:
		get := env.Body
		switch r.Kind {
		case Item:
			get = env.Item
		case TriggerBody:
			get = env.TriggerBody
		}
		root, _ := get()
		return walk(r, root)
	}
	return nil, fmt.Errorf("expr: cannot evaluate %s", r.Kind)
}

// walk follows r.Path from root. See the package documentation for the
// null rules.
func walk(r Ref, root any) (any, error) {
	cur, nullOK := root, false
	for i, seg := range r.Path {
		if cur == nil {
			if seg.NullSafe {
				nullOK = true
				continue
			}
			return nil, &NullError{Path: r.expr(i)}
		}
		var next any
		if seg.IsIndex {
			arr, ok := cur.([]any)
			if !ok {
				return nil, &TypeError{Path: r.expr(i), Got: jsonType(cur), Want: "array"}
			}
			if seg.Index < len(arr) {
				next = arr[seg.Index]
			}
		} else {
			obj, ok := cur.(map[string]any)
			if !ok {
				return nil, &TypeError{Path: r.expr(i), Got: jsonType(cur), Want: "object"}
			}
			next = obj[seg.Key]
		}
		cur, nullOK = next, next == nil && seg.NullSafe
	}
	if cur == nil && !nullOK {
		return nil, &NullError{Path: r.expr(len(r.Path))}
	}
	return cur, nil
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64, float32, int, int64, int32, uint, uint64, uint32, json.Number:
		return "number"
	case bool:
		return "boolean"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// Text renders a value as [Template.Eval] does: strings raw, null as "",
// numbers and booleans as JSON, objects and arrays as compact JSON.
func Text(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case json.Number:
		return string(x), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("expr: cannot render a %s as text", jsonType(v)) // no value in the message
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// MapEnv is an [Env] backed by maps, for tests and simple callers. Header
// names match case-insensitively; other names exactly. A nil Body, Item or
// TriggerBody is absent (which evaluates like null).
type MapEnv struct {
	ConnectionParameters map[string]string
	Headers              map[string]string
	QueryParameters      map[string]string
	BodyValue            any
	ItemValue            any
	TriggerBodyValue     any
	HTTPMethod           string
	PathParameters       map[string]string
}

func (e MapEnv) ConnectionParameter(name string) (string, bool) {
	v, ok := e.ConnectionParameters[name]
	return v, ok
}

func (e MapEnv) Header(name string) (string, bool) {
	if v, ok := e.Headers[name]; ok {
		return v, true
	}
	for k, v := range e.Headers {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

func (e MapEnv) Query(name string) (string, bool) {
	v, ok := e.QueryParameters[name]
	return v, ok
}

func (e MapEnv) Body() (any, bool)        { return e.BodyValue, e.BodyValue != nil }
func (e MapEnv) Item() (any, bool)        { return e.ItemValue, e.ItemValue != nil }
func (e MapEnv) TriggerBody() (any, bool) { return e.TriggerBodyValue, e.TriggerBodyValue != nil }
func (e MapEnv) Method() string           { return e.HTTPMethod }

func (e MapEnv) PathParam(name string) (string, bool) {
	v, ok := e.PathParameters[name]
	return v, ok
}

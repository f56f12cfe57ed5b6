package runtime

import (
	"encoding/json"
	"io"
	"math"
	"path/filepath"
	"strconv"
)

type argKind uint8

const (
	argUnset   argKind = iota
	argText            // a scalar with its text form in text
	argList            // an array with the text forms in list
	argJSON            // a value for encoding/json in v
	argRawJSON         // already encoded JSON in raw
	argReader          // a stream in r
	argFile            // a named stream in r (formData file part)
)

// Arg is the value of one parameter for one call. Args are positional: the
// i-th Arg given to [Client.Do] belongs to the i-th [Param] of the
// [Operation]. The zero Arg means "not given": the parameter's default is
// sent when it has one, it is omitted when it is optional, and Do fails
// before any I/O when it is required.
type Arg struct {
	kind argKind
	text string   // argText
	list []string // argList
	v    any      // the Go value (all kinds except readers); JSON-encoded for bodies
	raw  []byte   // argRawJSON
	r    io.Reader
	name string // argFile: file name
}

// IsSet reports whether the Arg carries a value.
func (a Arg) IsSet() bool { return a.kind != argUnset }

// String is the value of a string parameter.
func String(s string) Arg { return Arg{kind: argText, text: s, v: s} }

// Strings is the value of an array-of-strings parameter, serialised per the
// parameter's Collection. A nil slice means "not given".
func Strings(ss []string) Arg {
	if ss == nil {
		return Arg{}
	}
	return Arg{kind: argList, list: ss, v: ss}
}

// Int is the value of an integer parameter.
func Int(v int64) Arg { return Arg{kind: argText, text: strconv.FormatInt(v, 10), v: v} }

// Ints is the value of an array-of-integers parameter. A nil slice means
// "not given".
func Ints(vs []int64) Arg {
	if vs == nil {
		return Arg{}
	}
	l := make([]string, len(vs))
	for i, v := range vs {
		l[i] = strconv.FormatInt(v, 10)
	}
	return Arg{kind: argList, list: l, v: vs}
}

// Float is the value of a number parameter. It is written like
// encoding/json writes numbers: integers and ordinary magnitudes without an
// exponent (1000000, not 1e+06), the shortest text that reads back exactly.
func Float(v float64) Arg { return Arg{kind: argText, text: formatFloat(v), v: v} }

// Floats is the value of an array-of-numbers parameter. A nil slice means
// "not given".
func Floats(vs []float64) Arg {
	if vs == nil {
		return Arg{}
	}
	l := make([]string, len(vs))
	for i, v := range vs {
		l[i] = formatFloat(v)
	}
	return Arg{kind: argList, list: l, v: vs}
}

// Bool is the value of a boolean parameter ("true" or "false").
func Bool(v bool) Arg { return Arg{kind: argText, text: strconv.FormatBool(v), v: v} }

// Bools is the value of an array-of-booleans parameter. A nil slice means
// "not given".
func Bools(vs []bool) Arg {
	if vs == nil {
		return Arg{}
	}
	l := make([]string, len(vs))
	for i, v := range vs {
		l[i] = strconv.FormatBool(v)
	}
	return Arg{kind: argList, list: l, v: vs}
}

// JSON is the value of a JSON body parameter; v is marshalled with
// encoding/json when the request is sent. Used in a path, query, header or
// formData parameter, the JSON text is sent as the value.
func JSON(v any) Arg { return Arg{kind: argJSON, v: v} }

// RawJSON is the value of a JSON body parameter that is already encoded
// (used by `connectorgen call`). It must be valid JSON.
func RawJSON(b []byte) Arg { return Arg{kind: argRawJSON, raw: b, v: json.RawMessage(b)} }

// Reader is the value of a raw (BodyRaw) body parameter, streamed from r.
// The request is retried only when r is also an io.Seeker (it is then
// rewound to its current offset). Do does not close r. A nil r means "not
// given".
func Reader(r io.Reader) Arg {
	if r == nil {
		return Arg{}
	}
	return Arg{kind: argReader, r: r}
}

// File is the value of a formData file parameter: a multipart part with
// Content-Type application/octet-stream, streamed from r. Its filename is
// the base name of the reader's Name() when it has one (an *os.File, or a
// reader wrapped with Named), else name (generated code passes the
// parameter name). Retries and rewinding follow the rules of [Reader]. Do
// does not close r. A nil r means "not given".
func File(name string, r io.Reader) Arg {
	if r == nil {
		return Arg{}
	}
	if n, ok := r.(interface{ Name() string }); ok && n.Name() != "" {
		name = filepath.Base(n.Name())
	}
	return Arg{kind: argFile, r: r, name: name}
}

// Named gives r a file name, used as the filename of a multipart file part.
func Named(r io.Reader, name string) io.Reader { return namedReader{Reader: r, name: name} }

type namedReader struct {
	io.Reader
	name string
}

func (n namedReader) Name() string { return n.name }

// formatFloat writes v the way encoding/json does: 'f' format unless the
// magnitude is below 1e-6 or at least 1e21.
func formatFloat(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	abs := math.Abs(v)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// textsBuf is texts, with a single text value appended to buf: callers
// pass a stack array (var one [1]string; a.textsBuf(one[:0])) so that the
// common case allocates nothing.
func (a Arg) textsBuf(buf []string) (vals []string, list bool, err error) {
	if a.kind == argText {
		return append(buf, a.text), false, nil
	}
	return a.texts()
}

// texts returns the text form(s) of a for a path, query, header or form
// value, and whether it is a list.
func (a Arg) texts() (vals []string, list bool, err error) {
	switch a.kind {
	case argText:
		return []string{a.text}, false, nil
	case argList:
		return a.list, true, nil
	case argJSON:
		b, err := json.Marshal(a.v)
		if err != nil {
			return nil, false, err
		}
		return []string{string(b)}, false, nil
	case argRawJSON:
		return []string{string(a.raw)}, false, nil
	case argReader, argFile:
		return nil, false, errStreamValue
	}
	return nil, false, nil
}

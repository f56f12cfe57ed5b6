package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// A body a policy template changes is decoded into plain Go values (what
// runtime/expr reads) and encoded again. JSON objects are unordered (RFC
// 8259 §4), but a caller reading the raw body, or a backend comparing it,
// is better served when what no policy touched keeps its order: decoding
// records the member order of every object by its path, templates that
// move values move their records and note the members they add, and
// encoding writes members in the recorded order (any member without a
// record follows, sorted). Numbers keep their text (json.Number) and HTML
// characters are not escaped.

// keyOrder maps an object's path ("" for the root, "/a/0/b" below it; "~"
// and "/" in keys escaped as ~0 and ~1) to its member names in order.
type keyOrder map[string][]string

var errTrailingJSON = errors.New("trailing data after the JSON value")

// decodeOrdered decodes one JSON value and the member order of its objects.
func decodeOrdered(raw []byte) (any, keyOrder, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	order := keyOrder{}
	v, err := decodeValue(dec, "", order)
	if err != nil {
		return nil, nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errTrailingJSON
	}
	return v, order, nil
}

func decodeValue(dec *json.Decoder, path string, order keyOrder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	switch d {
	case '{':
		m := map[string]any{}
		var keys []string
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, _ := kt.(string)
			v, err := decodeValue(dec, path+"/"+pathKey(k), order)
			if err != nil {
				return nil, err
			}
			if _, dup := m[k]; !dup {
				keys = append(keys, k)
			}
			m[k] = v
		}
		order[path] = keys
		_, err := dec.Token() // '}'
		return m, err
	case '[':
		arr := []any{}
		for i := 0; dec.More(); i++ {
			v, err := decodeValue(dec, path+"/"+strconv.Itoa(i), order)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token() // ']'
		return arr, err
	}
	return nil, errors.New("unexpected JSON delimiter")
}

func pathKey(k string) string {
	if strings.ContainsAny(k, "~/") {
		k = strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
	}
	return k
}

// encodeOrdered encodes v, objects in their recorded order (see above).
func encodeOrdered(v any, order keyOrder) ([]byte, error) {
	var b bytes.Buffer
	if err := encodeValue(&b, v, "", order); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func encodeValue(b *bytes.Buffer, v any, path string, order keyOrder) error {
	switch x := v.(type) {
	case map[string]any:
		keys := orderedKeys(x, order[path])
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := encodeScalar(b, k); err != nil {
				return err
			}
			b.WriteByte(':')
			if err := encodeValue(b, x[k], path+"/"+pathKey(k), order); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := encodeValue(b, e, path+"/"+strconv.Itoa(i), order); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		return encodeScalar(b, x)
	}
	return nil
}

func encodeScalar(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // the newline Encode adds
	return nil
}

// copyTree records under path to the member order recorded under path from:
// a template moved the value there.
func (o keyOrder) copyTree(from, to string) {
	if o == nil || from == to {
		return
	}
	type entry struct {
		path string
		keys []string
	}
	var moved []entry
	for p, keys := range o {
		if p == from || strings.HasPrefix(p, from+"/") {
			moved = append(moved, entry{to + p[len(from):], keys})
		}
	}
	for _, e := range moved {
		o[e.path] = e.keys
	}
}

// set records the member order of an object a template built.
func (o keyOrder) set(path string, keys []string) {
	if o != nil {
		o[path] = keys
	}
}

// add records key as the last member of obj (at path) when obj lacks it: a
// template is adding it.
func (o keyOrder) add(path string, obj map[string]any, key string) {
	if o == nil {
		return
	}
	if _, ok := obj[key]; !ok {
		o[path] = append(orderedKeys(obj, o[path]), key)
	}
}

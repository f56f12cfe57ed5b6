package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
)

// ExtraField is a struct field whose JSON name cannot be written as a Go
// struct tag (it contains a comma, quote, backslash or backtick). Generated
// MarshalJSON methods pass such fields here so that no property is lost.
type ExtraField struct {
	Name  string
	Value any
	// Omit leaves the field out (an unset optional value).
	Omit bool
}

// MarshalExtra marshals base, which must encode as a JSON object, and adds
// the extra fields to it. For generated code.
func MarshalExtra(base any, extra []ExtraField) ([]byte, error) {
	b, err := json.Marshal(base)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, errors.New("runtime: MarshalExtra: base does not encode as an object")
	}
	var buf bytes.Buffer
	buf.Write(b[:len(b)-1])
	first := len(bytes.TrimSpace(b[1:len(b)-1])) == 0
	for _, f := range extra {
		if f.Omit {
			continue
		}
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		k, _ := json.Marshal(f.Name)
		if !first {
			buf.WriteByte(',')
		}
		first = false
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalExtra decodes the members of the JSON object data named by the
// keys of fields into the pointers they map to. Absent members are left
// alone. For generated UnmarshalJSON methods.
func UnmarshalExtra(data []byte, fields map[string]any) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	for name, ptr := range fields {
		if raw, ok := m[name]; ok {
			if err := json.Unmarshal(raw, ptr); err != nil {
				return err
			}
		}
	}
	return nil
}

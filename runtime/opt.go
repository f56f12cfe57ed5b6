package runtime

import (
	"bytes"
	"encoding/json"
)

// Opt is an optional value. Generated code uses it for optional scalar
// parameters and optional scalar model fields, so that "absent" and "zero"
// stay distinct. The zero Opt is unset.
//
// Model fields are declared with the omitzero option, e.g.
//
//	Top runtime.Opt[int64] `json:"top,omitzero"`
//
// so that encoding/json drops unset values (IsZero) and a JSON null or a
// missing key decodes as unset.
type Opt[T any] struct {
	V   T    // the value; meaningful only when Set
	Set bool // whether a value is present
}

// Some returns a set Opt holding v.
func Some[T any](v T) Opt[T] { return Opt[T]{V: v, Set: true} }

// Get returns the value and whether it is set.
func (o Opt[T]) Get() (T, bool) { return o.V, o.Set }

// Or returns the value when it is set and def otherwise.
func (o Opt[T]) Or(def T) T {
	if o.Set {
		return o.V
	}
	return def
}

// IsZero reports whether the value is unset; encoding/json's omitzero
// option uses it to drop unset fields.
func (o Opt[T]) IsZero() bool { return !o.Set }

// MarshalJSON encodes the value, or null when unset (not reached for fields
// tagged omitzero).
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if !o.Set {
		return []byte("null"), nil
	}
	return json.Marshal(o.V)
}

// UnmarshalJSON decodes null as unset and anything else into V, setting Set.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*o = Opt[T]{}
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*o = Opt[T]{V: v, Set: true}
	return nil
}

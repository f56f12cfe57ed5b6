package runtime_test

import (
	"encoding/json"
	"testing"

	"github.com/connectorgen/connectorgen/runtime"
)

// withComma mirrors what the generator emits for a property whose name
// cannot be a struct tag (URLBae's "Direct, email and other").
type withComma struct {
	ID    string             `json:"id"`
	Multi runtime.Opt[int64] `json:"-"`
}

func (v withComma) MarshalJSON() ([]byte, error) {
	type plain withComma
	return runtime.MarshalExtra(plain(v), []runtime.ExtraField{{Name: "a, b", Value: v.Multi, Omit: v.Multi.IsZero()}})
}

func (v *withComma) UnmarshalJSON(b []byte) error {
	type plain withComma
	if err := json.Unmarshal(b, (*plain)(v)); err != nil {
		return err
	}
	return runtime.UnmarshalExtra(b, map[string]any{"a, b": &v.Multi})
}

func TestExtraFieldsRoundTrip(t *testing.T) {
	in := withComma{ID: "x", Multi: runtime.Some[int64](3)}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"id":"x","a, b":3}`; got != want {
		t.Fatalf("marshal = %s, want %s", got, want)
	}
	var out withComma
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Fatalf("round trip = %+v, want %+v", out, in)
	}
	b, _ = json.Marshal(withComma{ID: "y"})
	if got, want := string(b), `{"id":"y"}`; got != want {
		t.Fatalf("unset field: marshal = %s, want %s", got, want)
	}
	if _, err := runtime.MarshalExtra([]int{1}, nil); err == nil {
		t.Fatal("MarshalExtra of a non-object: want an error")
	}
}

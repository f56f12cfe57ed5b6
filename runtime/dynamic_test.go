package runtime

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
)

var opLookup = &Operation{ID: "GetTables", Method: "GET", Path: "/types/{type}/tables", Params: []Param{{Name: "type", In: InPath, Required: true}}, Result: ResultJSON}

type kind string

func TestDynamicValues(t *testing.T) {
	cases := []struct {
		name, body string
		list       ValueList
		want       string
	}{
		{"collection", `{"value":[{"Name":"a","DisplayName":"A"},{"Name":"b","DisplayName":"B"}]}`,
			ValueList{Collection: "value", Value: "Name", Title: "DisplayName"}, "[{a A} {b B}]"},
		{"body is the array, nested paths", `[{"x":{"id":"1"},"meta":{"t":"One"}},{"x":{"id":"2"}}]`,
			ValueList{Value: "x/id", Title: "meta/t"}, "[{1 One} {2 }]"},
		{"no title: the value's text", `{"d":{"items":[{"k":"p"},{"k":null},{"q":1}]}}`,
			ValueList{Collection: "d/items", Value: "k"}, "[{p p}]"},
		{"item itself", `["x","y"]`, ValueList{}, "[{x x} {y y}]"},
		{"number title", `[{"v":"a","t":7}]`, ValueList{Value: "v", Title: "t"}, "[{a 7}]"},
		{"missing collection", `{}`, ValueList{Collection: "value"}, "[]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) { fmt.Fprint(w, tc.body) })
			got, err := DynamicValues[kind](context.Background(), newTestClient(t, srv), opLookup, []Arg{String("a/b")}, tc.list)
			if err != nil {
				t.Fatal(err)
			}
			if s := fmt.Sprint(got); s != tc.want && !(tc.want == "[]" && len(got) == 0) {
				t.Errorf("got %s, want %s", s, tc.want)
			}
			if p := srv.requests()[0].Path; p != "/base/types/a%2Fb/tables" {
				t.Errorf("path %s", p)
			}
		})
	}
}

func TestDynamicValuesLooseTypes(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		fmt.Fprint(w, `[{"id":"12","n":"twelve"},{"id":13,"n":"thirteen"}]`)
	})
	c := newTestClient(t, srv)
	ints, err := DynamicValues[int32](context.Background(), c, opLookup, []Arg{String("t")}, ValueList{Value: "id", Title: "n"})
	if err != nil || fmt.Sprint(ints) != "[{12 twelve} {13 thirteen}]" {
		t.Errorf("int32: %v, %v", ints, err)
	}
	strs, err := DynamicValues[string](context.Background(), c, opLookup, []Arg{String("t")}, ValueList{Value: "id", Title: "n"})
	if err != nil || fmt.Sprint(strs) != "[{12 twelve} {13 thirteen}]" {
		t.Errorf("string: %v, %v", strs, err)
	}
	_, err = DynamicValues[bool](context.Background(), c, opLookup, []Arg{String("t")}, ValueList{Value: "n"})
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Errorf("bool from text: err %v, want a DecodeError", err)
	}
}

func TestDynamicValuesErrors(t *testing.T) {
	for body, status := range map[string]int{`{"value":{}}`: 200, `nope`: 200, `{"error":1}`: 500} {
		srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		})
		_, err := DynamicValues[string](context.Background(), newTestClient(t, srv), opLookup, []Arg{String("t")}, ValueList{Collection: "value"})
		var de *DecodeError
		var ae *Error
		if !errors.As(err, &de) && !errors.As(err, &ae) {
			t.Errorf("%s: err %v", body, err)
		}
	}
	srv := newTestServer(t, nil)
	if _, err := DynamicValues[string](context.Background(), newTestClient(t, srv), opLookup, nil, ValueList{}); !errors.Is(err, ErrMissingParameter) {
		t.Errorf("unbound required parameter: %v", err)
	}
}

func TestDynamicSchema(t *testing.T) {
	cases := []struct {
		body, path, want string
		err              bool
	}{
		{`{"schema":{"type":"object","properties":{"a":{"type":"string"}}}}`, "schema", `{"type":"object","properties":{"a":{"type":"string"}}}`, false},
		{`{"type":"object"}`, "", `{"type":"object"}`, false},
		{`{"schema":null}`, "schema", ``, false},
		{``, "schema", ``, false},
		{`{"other":{}}`, "schema", ``, true},
		{`{"post":{"schema":{"type":"string"}}}`, "post/schema", `{"type":"string"}`, false},
	}
	for _, tc := range cases {
		srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) { fmt.Fprint(w, tc.body) })
		got, err := DynamicSchema(context.Background(), newTestClient(t, srv), opLookup, []Arg{String("t")}, tc.path)
		if (err != nil) != tc.err || string(got) != tc.want {
			t.Errorf("%s at %q: %s, %v", tc.body, tc.path, got, err)
		}
	}
}

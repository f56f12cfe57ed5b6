package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"reflect"
	"strings"
	"testing"
)

func TestDoRequest(t *testing.T) {
	type item struct {
		Name  string           `json:"name"`
		Count Opt[int]         `json:"count,omitzero"`
		Tags  []string         `json:"tags,omitempty"`
		Meta  *struct{ X int } `json:"meta,omitempty"`
	}
	tests := []struct {
		name       string
		op         Operation
		args       []Arg
		wantMethod string
		wantPath   string
		wantQuery  string
		wantHeader map[string]string // "" value: header must be absent
		wantBody   string
	}{
		{
			name:       "path escaping once",
			op:         Operation{ID: "Get", Method: "GET", Path: "/items/{id}/children", Params: []Param{{Name: "id", In: InPath, Required: true}}},
			args:       []Arg{String("a/b c%")},
			wantMethod: "GET",
			wantPath:   "/base/items/a%2Fb%20c%25/children",
		},
		{
			name:       "double-encoded path param escaped once",
			op:         Operation{ID: "Get", Method: "GET", Path: "/datasets/{dataset}/tables", Params: []Param{{Name: "dataset", In: InPath, Required: true, DoubleEncode: true}}},
			args:       []Arg{String("https://x.sharepoint.com/sites/a b")},
			wantMethod: "GET",
			wantPath:   "/base/datasets/https:%2F%2Fx.sharepoint.com%2Fsites%2Fa%20b/tables",
		},
		{
			name: "several path params, literal characters kept",
			op: Operation{ID: "Get", Method: "GET", Path: "/v1.0/$metadata/{a}:{b}", Params: []Param{
				{Name: "b", In: InPath, Required: true}, {Name: "a", In: InPath, Required: true}}},
			args:       []Arg{Int(42), String("é")},
			wantMethod: "GET",
			wantPath:   "/base/v1.0/$metadata/%C3%A9:42",
		},
		{
			name: "query order, omitted optional, defaults, scalar formats",
			op: Operation{ID: "List", Method: "GET", Path: "/items", Params: []Param{
				{Name: "z", In: InQuery},
				{Name: "missing", In: InQuery},
				{Name: "a b", In: InQuery},
				{Name: "api-version", In: InQuery, Required: true, Internal: true, Default: "2020-01-01", HasDefault: true},
				{Name: "top", In: InQuery, Default: "10", HasDefault: true},
				{Name: "f", In: InQuery},
				{Name: "g", In: InQuery},
				{Name: "ok", In: InQuery},
			}},
			args:       []Arg{String("x&y=z"), {}, String("ü+"), {}, {}, Float(1e6), Float(0.25), Bool(true)},
			wantMethod: "GET",
			wantPath:   "/base/items",
			wantQuery:  "z=x%26y%3Dz&a+b=%C3%BC%2B&api-version=2020-01-01&top=10&f=1000000&g=0.25&ok=true",
		},
		{
			name: "fixed query in the path template comes first",
			op: Operation{ID: "List", Method: "GET", Path: "/items?kind=all", Params: []Param{
				{Name: "q", In: InQuery}}},
			args:       []Arg{String("1")},
			wantMethod: "GET",
			wantPath:   "/base/items",
			wantQuery:  "kind=all&q=1",
		},
		{
			name: "collection formats",
			op: Operation{ID: "List", Method: "GET", Path: "/c", Params: []Param{
				{Name: "csv", In: InQuery, Collection: CSV},
				{Name: "ssv", In: InQuery, Collection: SSV},
				{Name: "tsv", In: InQuery, Collection: TSV},
				{Name: "pipes", In: InQuery, Collection: Pipes},
				{Name: "multi", In: InQuery, Collection: Multi},
				{Name: "ints", In: InQuery},
				{Name: "empty", In: InQuery, Collection: Multi},
				{Name: "nil", In: InQuery},
				{Name: "X-Ids", In: InHeader},
				{Name: "p", In: InPath, Required: true, Collection: Pipes},
			}},
			args: []Arg{
				Strings([]string{"a", "b"}), Strings([]string{"a", "b"}), Strings([]string{"a", "b"}),
				Strings([]string{"a", "b"}), Strings([]string{"a", "b c"}), Ints([]int64{1, -2}),
				Strings([]string{}), Strings(nil), Bools([]bool{true, false}), Floats([]float64{1.5, 2}),
			},
			wantMethod: "GET",
			wantPath:   "/base/c",
			wantQuery:  "csv=a%2Cb&ssv=a+b&tsv=a%09b&pipes=a%7Cb&multi=a&multi=b+c&ints=1%2C-2",
			wantHeader: map[string]string{"X-Ids": "true,false"},
		},
		{
			name: "header params, Accept, user agent, content type override",
			op: Operation{ID: "Post", Method: "POST", Path: "/h", Accept: "application/json", Body: BodyJSON, Params: []Param{
				{Name: "x-trace", In: InHeader},
				{Name: "Content-Type", In: InHeader, Internal: true, Default: "application/vnd.api+json", HasDefault: true},
				{Name: "X-Absent", In: InHeader},
				{Name: "body", In: InBody, Required: true},
			}},
			args:       []Arg{Int(7), {}, {}, JSON(map[string]int{"a": 1})},
			wantMethod: "POST",
			wantPath:   "/base/h",
			wantHeader: map[string]string{"X-Trace": "7", "Content-Type": "application/vnd.api+json", "Accept": "application/json", "User-Agent": "connectorgen", "X-Absent": ""},
			wantBody:   `{"a":1}`,
		},
		{
			name: "JSON body with omitzero Opt",
			op: Operation{ID: "Create", Method: "POST", Path: "/items", Body: BodyJSON, Params: []Param{
				{Name: "body", In: InBody, Required: true}}},
			args:       []Arg{JSON(item{Name: "n"})},
			wantMethod: "POST",
			wantPath:   "/base/items",
			wantHeader: map[string]string{"Content-Type": "application/json", "Accept": ""},
			wantBody:   `{"name":"n"}`,
		},
		{
			name: "raw JSON body kept verbatim, custom content type",
			op: Operation{ID: "Create", Method: "PUT", Path: "/items", Body: BodyJSON, ContentType: "text/json", Params: []Param{
				{Name: "body", In: InBody, Required: true}}},
			args:       []Arg{RawJSON([]byte(`{"b": 2,  "a": [1]}`))},
			wantMethod: "PUT",
			wantPath:   "/base/items",
			wantHeader: map[string]string{"Content-Type": "text/json"},
			wantBody:   `{"b": 2,  "a": [1]}`,
		},
		{
			name: "body default merged under caller fields",
			op: Operation{ID: "Subscribe", Method: "POST", Path: "/hooks", Body: BodyJSON,
				BodyDefault: json.RawMessage(`{"kind":"webhook","config":{"format":"json","secret":"d"},"events":["push"],"active":true}`),
				Params:      []Param{{Name: "body", In: InBody, Required: true, Internal: true}}},
			args:       []Arg{JSON(map[string]any{"config": map[string]any{"url": "https://cb", "secret": "mine"}, "active": false})},
			wantMethod: "POST",
			wantPath:   "/base/hooks",
			wantBody:   `{"active":false,"config":{"format":"json","secret":"mine","url":"https://cb"},"events":["push"],"kind":"webhook"}`,
		},
		{
			name: "body default sent when no body given",
			op: Operation{ID: "Subscribe", Method: "POST", Path: "/hooks", Body: BodyJSON,
				BodyDefault: json.RawMessage(`{"kind":"webhook"}`),
				Params:      []Param{{Name: "body", In: InBody, Required: true, Internal: true}}},
			args:       nil,
			wantMethod: "POST",
			wantPath:   "/base/hooks",
			wantBody:   `{"kind":"webhook"}`,
		},
		{
			name: "null body means defaults only",
			op: Operation{ID: "Subscribe", Method: "post", Path: "/hooks", Body: BodyJSON,
				BodyDefault: json.RawMessage(`{"kind":"webhook"}`),
				Params:      []Param{{Name: "body", In: InBody, Required: true, Internal: true}}},
			args:       []Arg{JSON(nil)},
			wantMethod: "POST",
			wantPath:   "/base/hooks",
			wantBody:   `{"kind":"webhook"}`,
		},
		{
			name: "body param default",
			op: Operation{ID: "Post", Method: "POST", Path: "/p", Body: BodyJSON,
				Params: []Param{{Name: "body", In: InBody, Required: true, Internal: true, Default: `{"x":1}`, HasDefault: true}}},
			wantMethod: "POST",
			wantPath:   "/base/p",
			wantBody:   `{"x":1}`,
		},
		{
			name: "non-object body is not merged",
			op: Operation{ID: "Post", Method: "POST", Path: "/p", Body: BodyJSON, BodyDefault: json.RawMessage(`{"x":1}`),
				Params: []Param{{Name: "body", In: InBody}}},
			args:       []Arg{JSON([]int{1, 2})},
			wantMethod: "POST",
			wantPath:   "/base/p",
			wantBody:   `[1,2]`,
		},
		{
			name: "url-encoded form",
			op: Operation{ID: "Form", Method: "POST", Path: "/f", Body: BodyForm, Params: []Param{
				{Name: "a", In: InFormData, Required: true},
				{Name: "skip", In: InFormData},
				{Name: "m", In: InFormData, Collection: Multi},
				{Name: "grant_type", In: InFormData, Internal: true, Default: "client credentials", HasDefault: true},
			}},
			args:       []Arg{String("x y&z"), {}, Strings([]string{"1", "2"})},
			wantMethod: "POST",
			wantPath:   "/base/f",
			wantHeader: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			wantBody:   "a=x+y%26z&m=1&m=2&grant_type=client+credentials",
		},
		{
			name: "raw body from reader",
			op: Operation{ID: "Upload", Method: "PUT", Path: "/blob", Body: BodyRaw, Params: []Param{
				{Name: "body", In: InBody, Required: true}}},
			args:       []Arg{Reader(strings.NewReader("\x00\x01binary"))},
			wantMethod: "PUT",
			wantPath:   "/base/blob",
			wantHeader: map[string]string{"Content-Type": "application/octet-stream", "Content-Length": "8"},
			wantBody:   "\x00\x01binary",
		},
		{
			name: "raw body from string with content type",
			op: Operation{ID: "Upload", Method: "POST", Path: "/text", Body: BodyRaw, ContentType: "text/plain", Params: []Param{
				{Name: "body", In: InBody, Required: true}}},
			args:       []Arg{String("hello")},
			wantMethod: "POST",
			wantPath:   "/base/text",
			wantHeader: map[string]string{"Content-Type": "text/plain"},
			wantBody:   "hello",
		},
		{
			name: "raw body from non-seeker reader (unknown length)",
			op: Operation{ID: "Upload", Method: "POST", Path: "/blob", Body: BodyRaw, Params: []Param{
				{Name: "body", In: InBody, Required: true}}},
			args:       []Arg{Reader(io.MultiReader(strings.NewReader("ab"), strings.NewReader("cd")))},
			wantMethod: "POST",
			wantPath:   "/base/blob",
			wantBody:   "abcd",
		},
		{
			name: "raw body from []byte via JSON and from RawJSON",
			op: Operation{ID: "Upload", Method: "POST", Path: "/r", Body: BodyRaw, ContentType: "application/xml", Params: []Param{
				{Name: "body", In: InBody, Required: true}}},
			args:       []Arg{JSON([]byte("<a/>"))},
			wantMethod: "POST",
			wantPath:   "/base/r",
			wantHeader: map[string]string{"Content-Type": "application/xml"},
			wantBody:   "<a/>",
		},
		{
			name: "JSON body read from a reader",
			op: Operation{ID: "Post", Method: "POST", Path: "/p", Body: BodyJSON, BodyDefault: json.RawMessage(`{"d":1}`), Params: []Param{
				{Name: "body", In: InBody}}},
			args:       []Arg{Reader(strings.NewReader(`{"c":2}`))},
			wantMethod: "POST",
			wantPath:   "/base/p",
			wantBody:   `{"c":2,"d":1}`,
		},
		{
			name: "JSON value in a query, scalar as JSON body",
			op: Operation{ID: "Post", Method: "POST", Path: "/p", Body: BodyJSON, Params: []Param{
				{Name: "filter", In: InQuery}, {Name: "body", In: InBody}}},
			args:       []Arg{JSON(map[string]int{"x": 1}), Int(5)},
			wantMethod: "POST",
			wantPath:   "/base/p",
			wantQuery:  "filter=%7B%22x%22%3A1%7D",
			wantBody:   `5`,
		},
		{
			name: "body kind inferred from a body param",
			op: Operation{ID: "Post", Method: "POST", Path: "/p", Params: []Param{
				{Name: "body", In: InBody}}},
			args:       []Arg{JSON("s")},
			wantMethod: "POST",
			wantPath:   "/base/p",
			wantBody:   `"s"`,
		},
		{
			name:       "empty template and default method",
			op:         Operation{ID: "Root"},
			wantMethod: "GET",
			wantPath:   "/base",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, nil)
			c := newTestClient(t, s)
			if _, err := c.Do(context.Background(), &tt.op, tt.args, nil); err != nil {
				t.Fatalf("Do: %v", err)
			}
			reqs := s.requests()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tt.wantMethod {
				t.Errorf("method = %q, want %q", r.Method, tt.wantMethod)
			}
			if r.Path != tt.wantPath {
				t.Errorf("path = %q, want %q", r.Path, tt.wantPath)
			}
			if r.RawQuery != tt.wantQuery {
				t.Errorf("query = %q, want %q", r.RawQuery, tt.wantQuery)
			}
			for k, want := range tt.wantHeader {
				if got := r.Header.Get(k); got != want {
					t.Errorf("header %s = %q, want %q", k, got, want)
				}
			}
			if string(r.Body) != tt.wantBody {
				t.Errorf("body = %q, want %q", r.Body, tt.wantBody)
			}
		})
	}
}

func TestDoMultipart(t *testing.T) {
	s := newTestServer(t, nil)
	c := newTestClient(t, s)
	op := &Operation{ID: "Upload", Method: "POST", Path: "/upload", Body: BodyMultipart, Params: []Param{
		{Name: "Content-Type", In: InHeader, Internal: true, Default: "multipart/form-data", HasDefault: true},
		{Name: "title", In: InFormData, Required: true},
		{Name: "file", In: InFormData, Required: true, File: true},
		{Name: "tags", In: InFormData, Collection: Multi},
		{Name: "size", In: InFormData},
		{Name: "other", In: InFormData, File: true},
		{Name: "absent", In: InFormData},
	}}
	args := []Arg{{}, String("My \"doc\""), File("report 1.pdf", bytes.NewReader([]byte("%PDF-1.4\x00"))),
		Strings([]string{"a", "b"}), Int(3), Reader(strings.NewReader("x"))}
	if _, err := c.Do(context.Background(), op, args, nil); err != nil {
		t.Fatal(err)
	}
	r := s.requests()[0]
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		t.Fatalf("Content-Type = %q (%v)", r.Header.Get("Content-Type"), err)
	}
	if got, want := r.Header.Get("Content-Length"), "0"; got == "" || got == want {
		t.Errorf("Content-Length = %q, want the body size", got)
	}
	type part struct{ Name, File, Type, Body string }
	var got []part
	mr := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		got = append(got, part{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), string(b)})
	}
	want := []part{
		{"title", "", "", `My "doc"`},
		{"file", "report 1.pdf", "application/octet-stream", "%PDF-1.4\x00"},
		{"tags", "", "", "a"},
		{"tags", "", "", "b"},
		{"size", "", "", "3"},
		{"other", "other", "application/octet-stream", "x"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parts:\n got %q\nwant %q", got, want)
	}
}

func TestDoArgumentErrors(t *testing.T) {
	tests := []struct {
		name    string
		op      Operation
		args    []Arg
		wantIs  error
		wantSub []string
	}{
		{
			name:    "missing required query",
			op:      Operation{ID: "GetItem", Method: "GET", Path: "/i", Params: []Param{{Name: "filter", In: InQuery, Required: true}}},
			wantIs:  ErrMissingParameter,
			wantSub: []string{"GetItem", `"filter"`},
		},
		{
			name:    "missing path param",
			op:      Operation{ID: "GetItem", Method: "GET", Path: "/i/{id}", Params: []Param{{Name: "id", In: InPath}}},
			args:    []Arg{{}},
			wantIs:  ErrMissingParameter,
			wantSub: []string{"GetItem", `"id"`},
		},
		{
			name:    "missing required body",
			op:      Operation{ID: "Create", Method: "POST", Path: "/i", Body: BodyJSON, Params: []Param{{Name: "body", In: InBody, Required: true}}},
			wantIs:  ErrMissingParameter,
			wantSub: []string{"Create", `"body"`},
		},
		{
			name:    "too many args",
			op:      Operation{ID: "Op", Method: "GET", Path: "/i"},
			args:    []Arg{String("x")},
			wantSub: []string{"Op", "1 arguments for 0 parameters"},
		},
		{
			name:    "placeholder without parameter",
			op:      Operation{ID: "Op", Method: "GET", Path: "/i/{id}"},
			wantSub: []string{"Op", `"id"`},
		},
		{
			name:    "invalid raw JSON",
			op:      Operation{ID: "Op", Method: "POST", Path: "/i", Body: BodyJSON, Params: []Param{{Name: "body", In: InBody}}},
			args:    []Arg{RawJSON([]byte("{"))},
			wantSub: []string{"Op", "invalid JSON"},
		},
		{
			name:    "reader in query",
			op:      Operation{ID: "Op", Method: "GET", Path: "/i", Params: []Param{{Name: "q", In: InQuery}}},
			args:    []Arg{Reader(strings.NewReader("x"))},
			wantSub: []string{"Op", `"q"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, nil)
			c := newTestClient(t, s)
			_, err := c.Do(context.Background(), &tt.op, tt.args, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
			for _, sub := range tt.wantSub {
				if !strings.Contains(err.Error(), sub) {
					t.Errorf("error %q does not contain %q", err, sub)
				}
			}
			if n := s.count(); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
}

func TestNewClientBaseURL(t *testing.T) {
	tests := []struct {
		in, want string
		opts     []Option
		wantErr  bool
	}{
		{in: "https://api.example.com", want: "https://api.example.com"},
		{in: "https://api.example.com/", want: "https://api.example.com"},
		{in: "HTTPS://api.example.com/v2/", want: "https://api.example.com/v2"},
		{in: "http://localhost:8080/a%20b", want: "http://localhost:8080/a%20b"},
		{in: "", opts: []Option{WithBaseURL("http://h/x")}, want: "http://h/x"},
		{in: "ftp://h/", wantErr: true},
		{in: "/relative", wantErr: true},
		{in: "https://user:pw@h/", wantErr: true},
		{in: "https://h/?q=1", wantErr: true},
		{in: "https://h/#f", wantErr: true},
		{in: "://bad", wantErr: true},
	}
	for _, tt := range tests {
		c, err := NewClient(tt.in, tt.opts...)
		if tt.wantErr {
			if err == nil {
				t.Errorf("NewClient(%q): no error", tt.in)
			}
			if err != nil && strings.Contains(err.Error(), "pw") {
				t.Errorf("NewClient(%q): error %q reveals the password", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("NewClient(%q): %v", tt.in, err)
			continue
		}
		if got := c.BaseURL(); got != tt.want {
			t.Errorf("NewClient(%q).BaseURL() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRootBasePath(t *testing.T) {
	s := newTestServer(t, nil)
	c, err := NewClient(s.URL+"/", WithRetry(RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	op := &Operation{ID: "Op", Method: "DELETE", Path: "/x/{id}", Params: []Param{{Name: "id", In: InPath, Required: true}}}
	if _, err := c.Do(context.Background(), op, []Arg{String("1")}, nil); err != nil {
		t.Fatal(err)
	}
	if got := s.requests()[0].Path; got != "/x/1" {
		t.Errorf("path = %q, want /x/1", got)
	}
}

func TestUserAgentAndHeaderOverride(t *testing.T) {
	s := newTestServer(t, nil)
	c := newTestClient(t, s, WithUserAgent("myapp/1.0"))
	op := &Operation{ID: "Op", Method: "GET", Path: "/", Accept: "application/json", Params: []Param{
		{Name: "Accept", In: InHeader, Internal: true, Default: "text/csv", HasDefault: true}}}
	if _, err := c.Do(context.Background(), op, nil, nil); err != nil {
		t.Fatal(err)
	}
	h := s.requests()[0].Header
	if h.Get("User-Agent") != "myapp/1.0" || h.Get("Accept") != "text/csv" {
		t.Errorf("User-Agent %q, Accept %q", h.Get("User-Agent"), h.Get("Accept"))
	}
}

func TestFormatFloat(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", 1: "1", -3: "-3", 1e6: "1000000", 1.5: "1.5", 123456789012: "123456789012",
		1e21: "1e+21", 1e-7: "1e-07", 0.000001: "0.000001",
	} {
		if got := formatFloat(v); got != want {
			t.Errorf("formatFloat(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestEscapePath(t *testing.T) {
	if got, want := EscapePath("a/b c%?#"), "a%2Fb%20c%25%3F%23"; got != want {
		t.Errorf("EscapePath = %q, want %q", got, want)
	}
}

package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestErrorResponse(t *testing.T) {
	big := bytes.Repeat([]byte("e"), 100<<10)
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("X-Request-Id", "rid-1")
		w.WriteHeader(http.StatusNotFound)
		w.Write(big)
	})
	c := newTestClient(t, s)
	resp, err := c.Do(context.Background(), &Operation{ID: "GetItem", Method: "GET", Path: "/"}, nil, nil)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not *Error", err)
	}
	if e.OperationID != "GetItem" || e.StatusCode != 404 || e.Status != "404 Not Found" || e.Header.Get("X-Request-Id") != "rid-1" {
		t.Errorf("Error = %+v", e)
	}
	if len(e.Body) != MaxErrorBody || MaxErrorBody != 64<<10 || !e.Truncated {
		t.Errorf("Body %d bytes, Truncated %v; want 64 KiB, true", len(e.Body), e.Truncated)
	}
	if resp == nil || resp.StatusCode != 404 {
		t.Errorf("Response = %+v", resp)
	}
	msg := e.Error()
	if !strings.HasPrefix(msg, "GetItem: 404 Not Found: eeee") || len(msg) > 300 {
		t.Errorf("Error() = %q", msg)
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{OperationID: "Op", StatusCode: 500, Status: "500 Internal Server Error"}, "Op: 500 Internal Server Error"},
		{Error{OperationID: "Op", StatusCode: 400}, "Op: 400 Bad Request"},
		{Error{OperationID: "Op", StatusCode: 400, Status: "400 Bad Request", Body: []byte("{\n  \"error\":\t\"bad\"\r\n}\n")},
			`Op: 400 Bad Request: { "error": "bad" }`},
		{Error{OperationID: "Op", StatusCode: 409, Status: "409 Conflict", Body: []byte(strings.Repeat("ü", 200))},
			"Op: 409 Conflict: " + strings.Repeat("ü", 128) + " …"},
		{Error{OperationID: "Op", StatusCode: 401, Status: "401 Unauthorized", Body: []byte("bad token abcd1234"), secrets: []string{"abcd1234"}},
			"Op: 401 Unauthorized: bad token REDACTED"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestDecode(t *testing.T) {
	type thing struct {
		A int    `json:"a"`
		B string `json:"b"`
	}
	tests := []struct {
		name    string
		status  int
		body    string
		out     func() any
		want    any
		wantErr bool
	}{
		{"json", 200, `{"a":1,"b":"x"}`, func() any { return &thing{} }, &thing{1, "x"}, false},
		{"json map", 201, `{"k":[1]}`, func() any { return &map[string]any{} }, &map[string]any{"k": []any{1.0}}, false},
		{"bytes", 200, "\x00raw", func() any { return new([]byte) }, ptr([]byte("\x00raw")), false},
		{"string", 200, "text", func() any { return new(string) }, ptr("text"), false},
		{"204 leaves out untouched", 204, "", func() any { return &thing{A: 7} }, &thing{A: 7}, false},
		{"empty 200 leaves out untouched", 200, " \n", func() any { return &thing{A: 7} }, &thing{A: 7}, false},
		{"type mismatch filled as far as possible", 200, `{"a":"nope","b":"kept"}`, func() any { return &thing{} }, &thing{B: "kept"}, true},
		{"syntax error", 200, `{"a":`, func() any { return &thing{} }, &thing{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			c := newTestClient(t, s)
			out := tt.out()
			resp, err := c.Do(context.Background(), &Operation{ID: "Get", Method: "GET", Path: "/"}, nil, out)
			if resp == nil || resp.StatusCode != tt.status {
				t.Errorf("Response = %+v", resp)
			}
			if tt.wantErr {
				var de *DecodeError
				if !errors.As(err, &de) || de.OperationID != "Get" || de.StatusCode != tt.status || string(de.Body) != tt.body || de.Unwrap() == nil {
					t.Fatalf("error = %#v, want *DecodeError", err)
				}
				if !strings.HasPrefix(de.Error(), "Get: decoding 200 response: ") {
					t.Errorf("DecodeError.Error() = %q", de.Error())
				}
			} else if err != nil {
				t.Fatal(err)
			}
			gotJSON, _ := json.Marshal(out)
			wantJSON, _ := json.Marshal(tt.want)
			if !bytes.Equal(gotJSON, wantJSON) {
				t.Errorf("out = %s, want %s", gotJSON, wantJSON)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestBinaryStreaming(t *testing.T) {
	release := make(chan struct{})
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write([]byte("first chunk"))
		w.(http.Flusher).Flush()
		<-release
		w.Write([]byte(" second chunk"))
	})
	c := newTestClient(t, s)
	var rc io.ReadCloser
	resp, err := c.Do(context.Background(), &Operation{ID: "Download", Method: "GET", Path: "/f", Result: ResultBinary}, nil, &rc)
	if err != nil {
		close(release)
		t.Fatal(err)
	}
	if resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("Content-Type = %q", resp.Header.Get("Content-Type"))
	}
	// Do returned while the server is still blocked: the body is streamed.
	buf := make([]byte, len("first chunk"))
	if _, err := io.ReadFull(rc, buf); err != nil || string(buf) != "first chunk" {
		t.Fatalf("read %q, %v", buf, err)
	}
	close(release)
	rest, err := io.ReadAll(rc)
	if err != nil || string(rest) != " second chunk" {
		t.Errorf("rest = %q, %v", rest, err)
	}
	if err := rc.Close(); err != nil {
		t.Error(err)
	}
}

func TestBinaryErrorClosesBody(t *testing.T) {
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte("no"))
	})
	c := newTestClient(t, s)
	var rc io.ReadCloser
	_, err := c.Do(context.Background(), &Operation{ID: "Download", Method: "GET", Path: "/f"}, nil, &rc)
	var e *Error
	if !errors.As(err, &e) || string(e.Body) != "no" || rc != nil {
		t.Errorf("err = %v, rc = %v", err, rc)
	}
}

func TestTransportErrorNoResponse(t *testing.T) {
	s := newTestServer(t, nil)
	c := newTestClient(t, s, WithHTTPClient(&http.Client{Timeout: 50 * time.Millisecond}))
	s.Close()
	resp, err := c.Do(context.Background(), &Operation{ID: "Get", Method: "GET", Path: "/"}, nil, nil)
	if err == nil || resp != nil || !strings.HasPrefix(err.Error(), "Get: ") {
		t.Errorf("Do = %v, %v", resp, err)
	}
}

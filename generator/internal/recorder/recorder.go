// Package recorder is a test helper: an httptest server that records every
// request it receives and answers with a canned response, plus a way to run
// `connectorgen call` against it, so behaviour tests can assert that a
// generated client and the CLI send the very same request.
package recorder

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/connectorgen/connectorgen/generator/cli"
)

// Request is what the server received.
type Request struct {
	Method string
	// Path is the escaped path as sent on the wire (r.URL.EscapedPath()).
	Path   string
	Query  string // raw query
	Header http.Header
	Body   []byte
}

// Response is what the server answers.
type Response struct {
	Status int
	Header map[string]string
	Body   string
}

// Server records requests.
type Server struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []Request
	respond func(Request) Response
}

// New starts a recording server answering resp to every request; it is
// closed when the test ends.
func New(t testing.TB, resp Response) *Server {
	t.Helper()
	return NewFunc(t, func(Request) Response { return resp })
}

// NewFunc starts a recording server whose answer to each request is
// respond(request); it is closed when the test ends. respond may be called
// concurrently.
func NewFunc(t testing.TB, respond func(Request) Response) *Server {
	t.Helper()
	s := &Server{respond: respond}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
		s.mu.Lock()
		s.reqs = append(s.reqs, req)
		s.mu.Unlock()
		resp := s.respond(req)
		for k, v := range resp.Header {
			w.Header().Set(k, v)
		}
		status := resp.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		io.WriteString(w, resp.Body)
	}))
	t.Cleanup(s.Close)
	return s
}

// Requests returns the recorded requests and forgets them.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.reqs
	s.reqs = nil
	return out
}

// Only returns the single recorded request, failing the test otherwise.
func (s *Server) Only(t testing.TB) Request {
	t.Helper()
	reqs := s.Requests()
	if len(reqs) != 1 {
		t.Fatalf("server got %d requests, want 1", len(reqs))
	}
	return reqs[0]
}

// Call runs `connectorgen call` for connector (a connector folder) with the
// connection values in a 0600 file, pointed at the server; args are the
// remaining flags and the operation ID, e.g.
//
//	srv.Call(t, dir, vals, "--param", "id=7", "GetItem")
//
// It returns stdout, stderr and the exit code.
func (s *Server) Call(t testing.TB, connector string, values map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "conn.json")
	data, err := json.Marshal(map[string]any{"connections": map[string]any{"test": values}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	argv := append([]string{"call", "--connection", file, "--base-url", s.URL, connector}, args...)
	code = cli.Run(context.Background(), argv, &cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
	return out.String(), errb.String(), code
}

// RepoPath returns path (relative to the repository root) from a test
// running in dir levels below the root.
func RepoPath(levels int, path string) string {
	return filepath.Join(append(repeat("..", levels), path)...)
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// Diff describes how got differs from want in method, escaped path, raw
// query, headers (every name and value) and body; it is "" when the two
// requests are identical.
func Diff(want, got Request) string {
	return diff(want, got, true)
}

func diff(want, got Request, body bool) string {
	var b strings.Builder
	if want.Method != got.Method {
		fmt.Fprintf(&b, "method: got %q, want %q\n", got.Method, want.Method)
	}
	if want.Path != got.Path {
		fmt.Fprintf(&b, "path: got %q, want %q\n", got.Path, want.Path)
	}
	if want.Query != got.Query {
		fmt.Fprintf(&b, "query: got %q, want %q\n", got.Query, want.Query)
	}
	names := slices.Sorted(maps.Keys(want.Header))
	for k := range got.Header {
		if _, ok := want.Header[k]; !ok {
			names = append(names, k)
		}
	}
	for _, k := range names {
		if !slices.Equal(want.Header[k], got.Header[k]) {
			fmt.Fprintf(&b, "header %s: got %q, want %q\n", k, got.Header[k], want.Header[k])
		}
	}
	if body && !bytes.Equal(want.Body, got.Body) {
		fmt.Fprintf(&b, "body: got %q, want %q\n", got.Body, want.Body)
	}
	return b.String()
}

// Same fails the test unless got is identical to want (see [Diff]).
func Same(t testing.TB, want, got Request) {
	t.Helper()
	if d := Diff(want, got); d != "" {
		t.Errorf("requests differ:\n%s", d)
	}
}

// Part is one part of a multipart/form-data body.
type Part struct {
	Name        string // form field name
	FileName    string // file name, "" for a plain field
	ContentType string // the part's Content-Type header
	Body        string
}

// String shows the part with quoted values.
func (p Part) String() string {
	return fmt.Sprintf("{Name:%q FileName:%q ContentType:%q Body:%q}", p.Name, p.FileName, p.ContentType, p.Body)
}

// Parts parses a multipart/form-data request body, failing the test when
// the request is not one.
func (r Request) Parts(t testing.TB) []Part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		t.Fatalf("Content-Type %q is not multipart/form-data with a boundary (%v)", r.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"])
	var parts []Part
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return parts
		}
		if err != nil {
			t.Fatalf("reading multipart body: %v", err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			t.Fatalf("reading part %q: %v", p.FormName(), err)
		}
		parts = append(parts, Part{Name: p.FormName(), FileName: p.FileName(), ContentType: p.Header.Get("Content-Type"), Body: string(b)})
	}
}

// SameMultipart is [Same] for multipart/form-data requests, whose bodies
// differ by their random boundary: it compares method, path, query, the
// headers other than Content-Type, the media type, and the parsed parts.
func SameMultipart(t testing.TB, want, got Request) {
	t.Helper()
	w, g := want, got
	w.Header, g.Header = want.Header.Clone(), got.Header.Clone()
	w.Header.Del("Content-Type")
	g.Header.Del("Content-Type")
	d := diff(w, g, false)
	wm, _, _ := mime.ParseMediaType(want.Header.Get("Content-Type"))
	gm, _, _ := mime.ParseMediaType(got.Header.Get("Content-Type"))
	if wm != gm {
		d += fmt.Sprintf("media type: got %q, want %q\n", gm, wm)
	}
	wp, gp := want.Parts(t), got.Parts(t)
	if !slices.Equal(wp, gp) {
		d += fmt.Sprintf("parts: got %v, want %v\n", gp, wp)
	}
	if d != "" {
		t.Errorf("requests differ:\n%s", d)
	}
}

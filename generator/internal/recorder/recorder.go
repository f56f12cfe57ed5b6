// Package recorder is a test helper: an httptest server that records every
// request it receives and answers with a canned response, plus a way to run
// `connectorgen call` against it, so behaviour tests can assert that a
// generated client and the CLI send the very same request.
package recorder

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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
	mu   sync.Mutex
	reqs []Request
	resp Response
}

// New starts a recording server answering resp to every request; it is
// closed when the test ends.
func New(t testing.TB, resp Response) *Server {
	t.Helper()
	s := &Server{resp: resp}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
		s.mu.Unlock()
		for k, v := range s.resp.Header {
			w.Header().Set(k, v)
		}
		status := s.resp.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		io.WriteString(w, s.resp.Body)
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

// Call runs `connectorgen call` with the connection values in a 0600 file,
// pointed at the server. It returns stdout, stderr and the exit code.
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
	argv := append([]string{"call", "--connection", file, "--base-url", s.URL}, args...)
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

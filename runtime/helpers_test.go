package runtime

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// recorded is one request as the server received it off the wire.
type recorded struct {
	Method   string
	Path     string // escaped path exactly as sent
	RawQuery string
	Header   http.Header
	Body     []byte
}

// testServer records every request and answers with handle (n counts
// requests from 1). A nil handle answers 200 with an empty body.
type testServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

func newTestServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *testServer {
	t.Helper()
	s := &testServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		path, query, _ := strings.Cut(r.RequestURI, "?")
		s.mu.Lock()
		s.reqs = append(s.reqs, recorded{Method: r.Method, Path: path, RawQuery: query, Header: r.Header.Clone(), Body: body})
		n := len(s.reqs)
		s.mu.Unlock()
		if handle != nil {
			handle(w, r, n)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *testServer) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recorded(nil), s.reqs...)
}

func (s *testServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.reqs)
}

// newTestClient returns a client for s with base path /base and no retries
// unless opts say otherwise.
func newTestClient(t *testing.T, s *testServer, opts ...Option) *Client {
	t.Helper()
	all := append([]Option{WithRetry(RetryPolicy{})}, opts...)
	c, err := NewClient("https://example.invalid/ignored", append(all, WithBaseURL(s.URL+"/base/"))...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

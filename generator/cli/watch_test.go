package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/generator/cli"
	"github.com/connectorgen/connectorgen/runtime"
	"github.com/connectorgen/connectorgen/runtime/sqlitestore"
)

const pollSwagger = `{
  "swagger": "2.0",
  "info": {"title": "Watchy", "version": "1.0"},
  "host": "example.invalid",
  "basePath": "/",
  "schemes": ["https"],
  "paths": {
    "/trigger/items": {
      "get": {
        "operationId": "OnNewItems",
        "x-ms-trigger": "batch",
        "responses": {
          "200": {"description": "ok", "schema": {"type": "object", "properties": {
            "value": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}}}}}}},
          "202": {"description": "nothing yet"}
        }
      }
    },
    "/items": {
      "get": {"operationId": "ListItems", "responses": {"200": {"description": "ok"}}}
    }
  }
}`

const hookSwagger = `{
  "swagger": "2.0",
  "info": {"title": "Hooky", "version": "1.0"},
  "host": "example.invalid",
  "basePath": "/",
  "schemes": ["https"],
  "paths": {
    "/hooks": {
      "post": {
        "operationId": "OnEvent",
        "x-ms-trigger": "single",
        "parameters": [{"name": "body", "in": "body", "required": true, "schema": {"type": "object",
          "properties": {"url": {"type": "string", "x-ms-notification-url": true, "x-ms-visibility": "internal"}},
          "required": ["url"]}}],
        "responses": {"201": {"description": "created"}}
      }
    }
  }
}`

// syncBuffer is a goroutine-safe bytes.Buffer.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func writeConnector(t *testing.T, swagger string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "conn")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "apiDefinition.swagger.json"), []byte(swagger), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runWatch(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errb syncBuffer
	code = cli.Run(ctx, append([]string{"watch"}, args...), &cli.Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
	if ctx.Err() != nil {
		t.Fatalf("watch did not stop: stderr:\n%s", errb.String())
	}
	return out.String(), errb.String(), code
}

func TestWatchPolling(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []string
		n    int
	)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r.URL.RequestURI())
		n++
		switch {
		case r.URL.Query().Get("cursor") == "b":
			w.Header().Set("Location", srv.URL+"/trigger/items?cursor=c")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			io.WriteString(w, `{"value":[{"id":3}]}`)
		case n == 1:
			w.Header().Set("Location", srv.URL+"/trigger/items?cursor=a")
			w.WriteHeader(202)
		default:
			w.Header().Set("Location", srv.URL+"/trigger/items?cursor=b")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			io.WriteString(w, `{"value":[ {"id": 1}, {"id": 2} ]}`)
		}
	}))
	defer srv.Close()
	conn := writeConnector(t, pollSwagger)
	state := filepath.Join(t.TempDir(), "state.db")

	stdout, stderr, code := runWatch(t, "--base-url", srv.URL, "--state", state, "--interval", "10ms", "--max-events", "2", conn, "onnewitems")
	if code != cli.ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	if stdout != "{\"id\":1}\n{\"id\":2}\n" {
		t.Fatalf("stdout = %q; stderr:\n%s", stdout, stderr)
	}

	stdout, stderr, code = runWatch(t, "--base-url", srv.URL, "--state", state, "--interval", "10ms", "--max-events", "1", conn, "OnNewItems")
	if code != cli.ExitOK {
		t.Fatalf("restart: exit %d; stderr:\n%s", code, stderr)
	}
	if stdout != "{\"id\":3}\n" {
		t.Fatalf("restart: stdout = %q; stderr:\n%s", stdout, stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(strings.Join(seen, " "), "/trigger/items?cursor=b") {
		t.Errorf("the restarted watch did not resume from the stored Location; requests: %v", seen)
	}
}

func TestWatchNotATrigger(t *testing.T) {
	conn := writeConnector(t, pollSwagger)
	_, stderr, code := runWatch(t, "--state", filepath.Join(t.TempDir(), "s.db"), conn, "ListItems")
	if code != cli.ExitUsage || !strings.Contains(stderr, "OnNewItems") {
		t.Fatalf("exit %d, want %d listing the triggers; stderr:\n%s", code, cli.ExitUsage, stderr)
	}
}

func TestWatchWebhook(t *testing.T) {
	var (
		mu      sync.Mutex
		deleted bool
		posted  = make(chan error, 1)
	)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/hooks":
			var body struct {
				URL string `json:"url"`
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.URL == "" {
				http.Error(w, "bad body", 400)
				return
			}
			w.Header().Set("Location", srv.URL+"/hooks/42")
			w.WriteHeader(201)
			go func() {
				time.Sleep(20 * time.Millisecond)
				resp, err := http.Post(body.URL, "application/json", strings.NewReader(`{ "n": 1 }`))
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode/100 != 2 {
						err = &httpStatusError{resp.Status}
					}
				}
				posted <- err
			}()
		case r.Method == http.MethodDelete && r.URL.Path == "/hooks/42":
			mu.Lock()
			deleted = true
			mu.Unlock()
			w.WriteHeader(204)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	conn := writeConnector(t, hookSwagger)

	stdout, stderr, code := runWatch(t, "--base-url", srv.URL, "--state", filepath.Join(t.TempDir(), "s.db"),
		"--listen", "127.0.0.1:0", "--max-events", "1", conn, "OnEvent")
	if code != cli.ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	if stdout != "{\"n\":1}\n" {
		t.Fatalf("stdout = %q; stderr:\n%s", stdout, stderr)
	}
	if err := <-posted; err != nil {
		t.Errorf("callback POST: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !deleted {
		t.Errorf("the subscription was not deleted; stderr:\n%s", stderr)
	}
}

type httpStatusError struct{ status string }

func (e *httpStatusError) Error() string { return e.status }

// Dead letters are never silent: watch --dead-letters lists them as JSON
// lines, and a normal start says how many there are.
func TestWatchDeadLetters(t *testing.T) {
	conn := writeConnector(t, pollSwagger)
	state := filepath.Join(t.TempDir(), "state.db")
	db, err := sqlitestore.Open(state)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const id = "conn/OnNewItems" // package name (from the folder) / operation
	if _, err := db.SaveSubscription(ctx, runtime.Subscription{ID: id, Operation: "OnNewItems", Kind: "polling"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Commit(ctx, id, runtime.AnyVersion, nil, [][]byte{[]byte(`{"id":7}`)}); err != nil {
		t.Fatal(err)
	}
	if err := db.Retry(ctx, id, 1, "handler: boom", time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := db.Bury(ctx, id, 1, "10 attempts failed"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	stdout, stderr, code := runWatch(t, "--state", state, "--dead-letters", conn, "OnNewItems")
	if code != cli.ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	var line struct {
		Seq       int64           `json:"seq"`
		Payload   json.RawMessage `json:"payload"`
		Attempts  int             `json:"attempts"`
		LastError string          `json:"lastError"`
		Reason    string          `json:"reason"`
	}
	if err := json.Unmarshal([]byte(stdout), &line); err != nil || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("stdout = %q (%v), want one JSON line", stdout, err)
	}
	if line.Seq != 1 || string(line.Payload) != `{"id":7}` || line.Attempts != 1 || line.LastError != "handler: boom" || line.Reason != "10 attempts failed" {
		t.Errorf("dead letter = %+v", line)
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"value":[{"id":8}]}`)
	}))
	defer srv.Close()
	stdout, stderr, code = runWatch(t, "--base-url", srv.URL, "--state", state, "--interval", "10ms", "--max-events", "1", conn, "OnNewItems")
	if code != cli.ExitOK || stdout != "{\"id\":8}\n" {
		t.Fatalf("exit %d stdout %q; stderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "1 dead letter(s) from earlier runs") {
		t.Errorf("stderr does not mention the dead letter:\n%s", stderr)
	}
}

// A watch killed while holding its lease does not block the next one: the
// lease owner is the same for every watch on the host.
func TestWatchResumesAfterCrashLease(t *testing.T) {
	conn := writeConnector(t, pollSwagger)
	state := filepath.Join(t.TempDir(), "state.db")
	db, err := sqlitestore.Open(state)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const id = "conn/OnNewItems"
	if _, err := db.SaveSubscription(ctx, runtime.Subscription{ID: id, Operation: "OnNewItems", Kind: "polling"}); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	// The lease of a crashed watch, valid for an hour.
	if ok, err := db.Lease(ctx, id, "connectorgen-watch@"+host, time.Hour); err != nil || !ok {
		t.Fatalf("lease: %v %v", ok, err)
	}
	db.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"value":[{"id":1}]}`)
	}))
	defer srv.Close()
	// runWatch fails the test if watch does not stop within its deadline.
	stdout, stderr, code := runWatch(t, "--base-url", srv.URL, "--state", state, "--interval", "10ms", "--max-events", "1", conn, "OnNewItems")
	if code != cli.ExitOK || stdout != "{\"id\":1}\n" {
		t.Fatalf("exit %d stdout %q; stderr:\n%s", code, stdout, stderr)
	}
}

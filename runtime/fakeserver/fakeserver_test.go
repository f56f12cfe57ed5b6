package fakeserver_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/runtime/fakeserver"
)

func do(t *testing.T, method, u, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// The wire behaviour the generated fakes rely on: routing with path
// parameters, 501 without a handler, 404 off the routes, *Error statuses.
func TestActions(t *testing.T) {
	s := fakeserver.New()
	s.Action(fakeserver.Route{Operation: "GetItem", Method: "GET", Path: "/items/{id}", Register: "HandleGetItem"})
	s.Action(fakeserver.Route{Operation: "DeleteItem", Method: "DELETE", Path: "/items/{id}", Register: "HandleDeleteItem"})
	srv := httptest.NewServer(s)
	defer srv.Close()

	if code, _, body := do(t, "GET", srv.URL+"/items/7", ""); code != http.StatusNotImplemented || !strings.Contains(body, "HandleGetItem") {
		t.Errorf("no handler: %d %s, want 501 naming HandleGetItem", code, body)
	}
	s.Handle("GetItem", func(ctx context.Context, c *fakeserver.Call) (any, error) {
		var id string
		fakeserver.Param(c, &id, "path", "id")
		if err := c.Err(); err != nil {
			return nil, err
		}
		if id == "404" {
			return nil, &fakeserver.Error{Status: http.StatusNotFound, Body: map[string]string{"error": "no item"}}
		}
		return map[string]string{"id": id}, nil
	})
	if code, _, body := do(t, "GET", srv.URL+"/items/a%20b", ""); code != http.StatusOK || strings.TrimSpace(body) != `{"id":"a b"}` {
		t.Errorf("handled: %d %q", code, body)
	}
	if code, _, body := do(t, "GET", srv.URL+"/items/404", ""); code != http.StatusNotFound || !strings.Contains(body, "no item") {
		t.Errorf("*Error: %d %s", code, body)
	}
	if code, _, _ := do(t, "GET", srv.URL+"/elsewhere", ""); code != http.StatusNotFound {
		t.Errorf("unrouted path: %d, want 404", code)
	}
	reqs := s.Requests()
	if len(reqs) != 4 || reqs[1].Operation != "GetItem" || reqs[3].Operation != "" {
		t.Errorf("requests = %+v", reqs)
	}
}

// A batch polling trigger: 202 with a Location while nothing is queued,
// then 200 with the queued events at the split path and a Location that
// moves on, then 202 again.
func TestPolling(t *testing.T) {
	s := fakeserver.New()
	s.Polling(fakeserver.PollTrigger{Operation: "OnNew", Method: "GET", Path: "/new", Batch: true, Split: []string{"value"}})
	srv := httptest.NewServer(s)
	defer srv.Close()

	code, h, _ := do(t, "GET", srv.URL+"/new?folder=a", "")
	loc1 := h.Get("Location")
	if code != http.StatusAccepted || !strings.Contains(loc1, "folder=a") {
		t.Fatalf("empty queue: %d Location %q, want 202 keeping the query", code, loc1)
	}
	s.Queue("OnNew", map[string]int{"n": 1}, map[string]int{"n": 2})
	if s.Queued("OnNew") != 2 {
		t.Fatalf("Queued = %d", s.Queued("OnNew"))
	}
	u, _ := url.Parse(loc1)
	code, h, body := do(t, "GET", srv.URL+u.RequestURI(), "")
	var got struct{ Value []map[string]int }
	if err := json.Unmarshal([]byte(body), &got); err != nil || code != http.StatusOK || len(got.Value) != 2 || got.Value[1]["n"] != 2 {
		t.Fatalf("queued: %d %s (%v)", code, body, err)
	}
	loc2 := h.Get("Location")
	if loc2 == "" || loc2 == loc1 {
		t.Fatalf("200 Location %q must move on from %q", loc2, loc1)
	}
	u, _ = url.Parse(loc2)
	if code, _, _ := do(t, "GET", srv.URL+u.RequestURI(), ""); code != http.StatusAccepted || s.Queued("OnNew") != 0 {
		t.Fatalf("after delivery: %d, queued %d", code, s.Queued("OnNew"))
	}
	if s.Polls("OnNew") != 3 {
		t.Errorf("Polls = %d, want 3", s.Polls("OnNew"))
	}
}

// A webhook: subscribe stores the callback from the notification path and
// answers 201 with a Location; Emit posts to it; DELETE removes it.
func TestWebhook(t *testing.T) {
	s := fakeserver.New()
	s.Webhook(fakeserver.Webhook{Operation: "OnEvent", Method: "POST", Path: "/hooks", Notification: []string{"config", "url"}})
	srv := httptest.NewServer(s)
	defer srv.Close()

	var mu sync.Mutex
	var received []string
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		received = append(received, string(b))
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer cb.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Emit(ctx, "OnEvent", map[string]int{"n": 0}); err == nil {
		t.Error("Emit without subscriptions must fail")
	}
	code, h, _ := do(t, "POST", srv.URL+"/hooks", `{"config":{"url":"`+cb.URL+`/x"},"events":["a"]}`)
	loc := h.Get("Location")
	if code != http.StatusCreated || loc == "" {
		t.Fatalf("subscribe: %d Location %q", code, loc)
	}
	subs := s.Subscriptions("OnEvent")
	if len(subs) != 1 || subs[0].Callback != cb.URL+"/x" {
		t.Fatalf("subscriptions = %+v", subs)
	}
	if err := s.Emit(ctx, "OnEvent", map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(received) != 1 || received[0] != `{"n":1}` {
		t.Errorf("callback received %q", received)
	}
	mu.Unlock()
	u, _ := url.Parse(loc)
	target := loc
	if !u.IsAbs() {
		target = srv.URL + loc
	}
	if code, _, _ := do(t, "DELETE", target, ""); code/100 != 2 {
		t.Fatalf("DELETE: %d", code)
	}
	if n := len(s.Subscriptions("OnEvent")); n != 0 {
		t.Errorf("%d subscriptions after DELETE", n)
	}
	if code, _, _ := do(t, "DELETE", target, ""); code != http.StatusNotFound {
		t.Errorf("second DELETE: %d, want 404", code)
	}
}

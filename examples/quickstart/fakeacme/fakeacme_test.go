package fakeacme_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/examples/quickstart/fakeacme"
)

const key = "k"

// do sends one request with the API key and returns the response and its body.
func do(t *testing.T, method, url, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestAPIKey: a request without the key is refused.
func TestAPIKey(t *testing.T) {
	srv := httptest.NewServer(fakeacme.New(key, nil))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/v1/tasks")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", resp.StatusCode)
	}
}

// TestPollProtocol checks the wire protocol of the polling trigger: the
// first poll sets the baseline (202, pre-existing tasks never fire), later
// polls of the Location answer 202 when nothing is new and 200 with the new
// tasks and a moved Location otherwise.
func TestPollProtocol(t *testing.T) {
	svc := fakeacme.New(key, nil)
	srv := httptest.NewServer(svc)
	defer srv.Close()
	do(t, "POST", srv.URL+"/v1/tasks", `{"title":"old"}`)
	select {
	case <-svc.Polled():
		t.Fatal("Polled closed before any poll")
	default:
	}

	resp, _ := do(t, "GET", srv.URL+"/v1/trigger/tasks/new?assignee=ann", "")
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusAccepted || loc != srv.URL+"/v1/trigger/tasks/new?assignee=ann&triggerState=1" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("first poll: %d, Location %q, Retry-After %q", resp.StatusCode, loc, resp.Header.Get("Retry-After"))
	}
	if resp, _ := do(t, "GET", loc, ""); resp.StatusCode != http.StatusAccepted || resp.Header.Get("Location") != loc {
		t.Fatalf("poll without news: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	do(t, "POST", srv.URL+"/v1/tasks", `{"title":"for bob","assignee":"bob"}`)
	do(t, "POST", srv.URL+"/v1/tasks", `{"title":"for ann","assignee":"ann"}`)
	resp, body := do(t, "GET", loc, "")
	var got struct{ Value []struct{ ID int64 } }
	json.Unmarshal([]byte(body), &got)
	if resp.StatusCode != http.StatusOK || len(got.Value) != 1 || got.Value[0].ID != 3 {
		t.Fatalf("poll with news: %d %s", resp.StatusCode, body)
	}
	if l := resp.Header.Get("Location"); l != srv.URL+"/v1/trigger/tasks/new?assignee=ann&triggerState=3" {
		t.Errorf("Location after 200: %q", l)
	}
	select {
	case <-svc.Polled():
	default:
		t.Error("Polled not closed after the first poll")
	}
}

// TestWebhook: subscribe (201 + Location), an event per completion for
// the subscribed assignee, DELETE on the Location ends the events.
func TestWebhook(t *testing.T) {
	events := make(chan string, 10)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		events <- string(b)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer cb.Close()
	srv := httptest.NewServer(fakeacme.New(key, nil))
	defer srv.Close()

	resp, _ := do(t, "POST", srv.URL+"/v1/hooks", `{"callbackUrl":"`+cb.URL+`/x","event":"task.completed","assignee":"ann"}`)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || loc != srv.URL+"/v1/hooks/1" {
		t.Fatalf("subscribe: %d, Location %q", resp.StatusCode, loc)
	}
	do(t, "POST", srv.URL+"/v1/tasks", `{"title":"a","assignee":"ann"}`)
	do(t, "POST", srv.URL+"/v1/tasks", `{"title":"b","assignee":"bob"}`)
	do(t, "POST", srv.URL+"/v1/tasks/1/complete", "")
	do(t, "POST", srv.URL+"/v1/tasks/2/complete", "")
	if len(events) != 1 || !strings.Contains(<-events, `"event":"task.completed","task":{"id":1,`) {
		t.Fatal("want exactly one event, for task 1")
	}

	if resp, _ := do(t, "DELETE", loc, ""); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("unsubscribe: %d", resp.StatusCode)
	}
	do(t, "POST", srv.URL+"/v1/tasks", `{"title":"c","assignee":"ann"}`)
	do(t, "POST", srv.URL+"/v1/tasks/3/complete", "")
	if len(events) != 0 {
		t.Error("event after unsubscribing")
	}
}

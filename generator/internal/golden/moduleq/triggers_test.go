package moduleq_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/generator/internal/golden/moduleq"
	"github.com/connectorgen/connectorgen/runtime"
)

// ModuleQ declares OAuth 2 (AAD): the connection's token goes out as a
// bearer token.
const mqToken = "aad-graph-token-mq"

// mqRequest is one request the fake ModuleQ received.
type mqRequest struct{ Method, Path, RawQuery, Auth string }

// TestPollNewRecTrigger runs NewRecTrigger (GET /trigger, no parameters,
// "x-ms-trigger": "batch" but a 200 schema that is an object without any
// array: the generator warns and every 200 body is one event) against a
// fake: baseline 202 with a relative Location, then two 200s, each one
// recommendation object delivered whole and typed, with absolute and
// relative Locations; every poll after the first goes to the previous
// Location, with the bearer token. A subscriber restarted on the same
// store resumes at the stored Location.
func TestPollNewRecTrigger(t *testing.T) {
	var (
		mu   sync.Mutex
		reqs []mqRequest
		once sync.Once
		idle = make(chan struct{})
		hits = make(chan struct{}, 100) // one per request
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		reqs = append(reqs, mqRequest{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Authorization")})
		mu.Unlock()
		select {
		case hits <- struct{}{}:
		default:
		}
		switch {
		case r.Header.Get("Authorization") != "Bearer "+mqToken:
			http.Error(w, "invalid token", http.StatusUnauthorized)
			return
		case r.Method != http.MethodGet || r.URL.Path != "/trigger":
			http.Error(w, "no operation "+r.Method+" "+r.URL.Path, http.StatusNotFound)
			return
		}
		ok := func(loc, body string) {
			w.Header().Set("Location", loc)
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(body))
		}
		switch state := r.URL.Query().Get("since"); state {
		case "":
			w.Header().Set("Location", "/trigger?since=1714550400")
			w.WriteHeader(http.StatusAccepted)
		case "1714550400":
			ok("http://"+r.Host+"/trigger?since=1714550460",
				`{"conversationLink":"https://teams.microsoft.com/l/chat/19:abc","hasRecommendations":true,"username":"ada@contoso.com"}`)
		case "1714550460":
			ok("/trigger?since=1714550520", `{"hasRecommendations":false,"username":"bob@contoso.com"}`)
		case "1714550520":
			w.Header().Set("Location", "/trigger?since=1714550520")
			w.WriteHeader(http.StatusAccepted)
			once.Do(func() { close(idle) })
		default:
			http.Error(w, "unknown state "+state, http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	requests := func() []mqRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]mqRequest(nil), reqs...)
	}

	c, err := moduleq.New(moduleq.Connection{Host: "q.moduleq.com", Token: runtime.StaticToken(mqToken)}, runtime.WithBaseURL(srv.URL), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	store := runtime.NewMemoryStore()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	events := make(chan moduleq.NewRecTriggerResponse, 10)
	errc := make(chan error, 1)
	cfg := runtime.PollConfig{Subscription: "moduleq/recs", Interval: 5 * time.Millisecond, Jitter: -1}
	go func() {
		errc <- c.PollNewRecTrigger(ctx, store, cfg, func(_ context.Context, ev moduleq.NewRecTriggerResponse) error {
			events <- ev
			return nil
		})
	}()

	var got []moduleq.NewRecTriggerResponse
	for len(got) < 2 {
		select {
		case ev := <-events:
			got = append(got, ev)
		case err := <-errc:
			t.Fatalf("PollNewRecTrigger ended early: %v (events %+v)", err, got)
		case <-ctx.Done():
			t.Fatalf("got %d events before the deadline, want 2; requests %+v", len(got), requests())
		}
	}
	select {
	case <-idle:
	case <-ctx.Done():
		t.Fatalf("no poll of the last Location before the deadline; requests %+v", requests())
	}
	cancel()
	if err := <-errc; err != context.Canceled {
		t.Fatalf("PollNewRecTrigger = %v, want context.Canceled", err)
	}
	select {
	case ev := <-events:
		t.Fatalf("unexpected extra event %+v", ev)
	default:
	}

	want := []moduleq.NewRecTriggerResponse{
		{ConversationLink: runtime.Some("https://teams.microsoft.com/l/chat/19:abc"), HasRecommendations: runtime.Some(true), Username: runtime.Some("ada@contoso.com")},
		{HasRecommendations: runtime.Some(false), Username: runtime.Some("bob@contoso.com")},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i+1, got[i], want[i])
		}
	}
	wantQ := []string{"", "since=1714550400", "since=1714550460", "since=1714550520"}
	all := requests()
	if len(all) < len(wantQ) {
		t.Fatalf("fake got %d requests, want at least %d: %+v", len(all), len(wantQ), all)
	}
	for i, r := range all {
		q := wantQ[min(i, len(wantQ)-1)]
		if r.Method != http.MethodGet || r.Path != "/trigger" || r.RawQuery != q || r.Auth != "Bearer "+mqToken {
			t.Errorf("poll %d = %+v, want GET /trigger?%s with the bearer token", i+1, r, q)
		}
	}
	s, err := store.Subscription(context.Background(), "moduleq/recs")
	if err != nil {
		t.Fatal(err)
	}
	var cur runtime.PollCursor
	if err := json.Unmarshal(s.Cursor, &cur); err != nil {
		t.Fatal(err)
	}
	if want := srv.URL + "/trigger?since=1714550520"; cur.Next != want {
		t.Errorf("stored next poll %q, want %q", cur.Next, want)
	}

	// A restarted subscriber on the same store resumes at the stored
	// Location: its first poll carries the state, it is not a new baseline.
	mu.Lock()
	reqs = nil
	mu.Unlock()
	for len(hits) > 0 {
		<-hits
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel2()
	go func() {
		errc <- c.PollNewRecTrigger(ctx2, store, cfg, func(_ context.Context, ev moduleq.NewRecTriggerResponse) error {
			events <- ev
			return nil
		})
	}()
	select {
	case <-hits:
	case <-ctx2.Done():
		t.Fatal("no poll after the restart before the deadline")
	}
	cancel2()
	if err := <-errc; err != context.Canceled {
		t.Fatalf("restarted PollNewRecTrigger = %v, want context.Canceled", err)
	}
	if r := requests(); len(r) == 0 || r[0] != (mqRequest{http.MethodGet, "/trigger", "since=1714550520", "Bearer " + mqToken}) {
		t.Errorf("polls after the restart = %+v, want GET /trigger?since=1714550520 first", r)
	}
	if len(events) != 0 {
		t.Errorf("restart delivered %d events again", len(events))
	}
}

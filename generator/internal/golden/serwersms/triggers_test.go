package serwersms_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/generator/internal/golden/serwersms"
	"github.com/connectorgen/connectorgen/runtime"
)

// SerwerSMS declares OAuth 2 (oauth2_auth): the connection's token goes
// out as a bearer token.
const smsToken = "serwersms-oauth-token"

// smsRequest is one request the fake SerwerSMS received.
type smsRequest struct {
	Method, Path, RawQuery, Auth, ContentType string
	Body                                      map[string]any
}

// TestPollNewAnswer runs the POST batch polling trigger new_answer
// (POST /trigger/get_answer, JSON body {"type": ...}, 200 schema an
// object whose only array property is "items") against a fake written from
// the swagger. The fake implements the polling protocol with the state in
// a triggerState query parameter of the Location: baseline 202 with an
// absolute Location; a 200 with two items and a relative Location; a 202
// without Location (the same URL is polled again); a 200 with one item;
// then 202s. Every poll is a POST with the bearer token and the trigger's
// body (the runtime re-sends it on Location polls); the handler receives
// the three items in order as typed NewAnswerResponseItemsItem values.
func TestPollNewAnswer(t *testing.T) {
	const path = "/trigger/get_answer"
	var (
		mu   sync.Mutex
		reqs []smsRequest
		once sync.Once
		idle = make(chan struct{})
		// polls of state "102" (a 202 without Location, then a 200)
		seen102 int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		json.Unmarshal(b, &body)
		mu.Lock()
		reqs = append(reqs, smsRequest{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body})
		mu.Unlock()
		switch {
		case r.Header.Get("Authorization") != "Bearer "+smsToken:
			http.Error(w, "invalid token", http.StatusUnauthorized)
			return
		case r.Method != http.MethodPost || r.URL.Path != path:
			http.Error(w, "no operation "+r.Method+" "+r.URL.Path, http.StatusNotFound)
			return
		case body["type"] != "2WAY" || len(body) != 1:
			http.Error(w, "body "+string(b)+` is not {"type": "2WAY"}`, http.StatusBadRequest)
			return
		}
		answer := func(loc string, items ...map[string]any) {
			if loc != "" {
				w.Header().Set("Location", loc)
			}
			if items == nil {
				w.WriteHeader(http.StatusAccepted)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"items": items})
		}
		switch state := r.URL.Query().Get("triggerState"); state {
		case "":
			answer("http://" + r.Host + path + "?triggerState=100")
		case "100":
			answer(path+"?triggerState=102",
				map[string]any{"id": 101, "message_id": "m-101", "phone": "+48500100200", "recived": "2024-05-01 10:00:01", "text": "TAK", "type": "2WAY", "blacklist": false},
				map[string]any{"id": 102, "message_id": "m-102", "phone": "+48500100201", "recived": "2024-05-01 10:00:07", "text": "NIE", "type": "2WAY", "blacklist": true})
		case "102":
			mu.Lock()
			seen102++
			n := seen102
			mu.Unlock()
			if n == 1 {
				answer("") // nothing new, no Location: the same URL is polled again
				return
			}
			answer("http://"+r.Host+path+"?triggerState=103",
				map[string]any{"id": 103, "phone": "+48500100202", "text": "STOP"})
		case "103":
			answer("")
			once.Do(func() { close(idle) })
		default:
			http.Error(w, "unknown triggerState "+state, http.StatusBadRequest)
		}
	}))
	defer srv.Close()

	c, err := serwersms.New(serwersms.Connection{Token: runtime.StaticToken(smsToken)}, runtime.WithBaseURL(srv.URL), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	store := runtime.NewMemoryStore()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	events := make(chan serwersms.NewAnswerResponseItemsItem, 10)
	errc := make(chan error, 1)
	cfg := runtime.PollConfig{Subscription: "sms/2way", Interval: 5 * time.Millisecond, Jitter: -1}
	go func() {
		errc <- c.PollNewAnswer(ctx, store, cfg, serwersms.NewAnswerRequest{Type: serwersms.NewAnswerRequestTypeX2Way},
			func(_ context.Context, ev serwersms.NewAnswerResponseItemsItem) error {
				events <- ev
				return nil
			})
	}()
	requests := func() []smsRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]smsRequest(nil), reqs...)
	}

	var got []serwersms.NewAnswerResponseItemsItem
	for len(got) < 3 {
		select {
		case ev := <-events:
			got = append(got, ev)
		case err := <-errc:
			t.Fatalf("PollNewAnswer ended early: %v (events %+v)", err, got)
		case <-ctx.Done():
			t.Fatalf("got %d events before the deadline, want 3; requests %+v", len(got), requests())
		}
	}
	select {
	case <-idle:
	case <-ctx.Done():
		t.Fatalf("no poll of the last Location before the deadline; requests %+v", requests())
	}
	cancel()
	if err := <-errc; err != context.Canceled {
		t.Fatalf("PollNewAnswer = %v, want context.Canceled", err)
	}
	select {
	case ev := <-events:
		t.Fatalf("unexpected extra event %+v", ev)
	default:
	}

	want := []serwersms.NewAnswerResponseItemsItem{
		{ID: runtime.Some[int32](101), MessageID: runtime.Some("m-101"), Phone: runtime.Some("+48500100200"), Recived: runtime.Some("2024-05-01 10:00:01"), Text: runtime.Some("TAK"), Type: runtime.Some("2WAY"), Blacklist: runtime.Some(false)},
		{ID: runtime.Some[int32](102), MessageID: runtime.Some("m-102"), Phone: runtime.Some("+48500100201"), Recived: runtime.Some("2024-05-01 10:00:07"), Text: runtime.Some("NIE"), Type: runtime.Some("2WAY"), Blacklist: runtime.Some(true)},
		{ID: runtime.Some[int32](103), Phone: runtime.Some("+48500100202"), Text: runtime.Some("STOP")},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i+1, got[i], want[i])
		}
	}

	wantQ := []string{"", "triggerState=100", "triggerState=102", "triggerState=102", "triggerState=103"}
	all := requests()
	if len(all) < len(wantQ) {
		t.Fatalf("fake got %d requests, want at least %d: %+v", len(all), len(wantQ), all)
	}
	for i, r := range all {
		q := wantQ[min(i, len(wantQ)-1)]
		if r.Method != http.MethodPost || r.Path != path || r.RawQuery != q || r.Auth != "Bearer "+smsToken ||
			r.ContentType != "application/json" || r.Body["type"] != "2WAY" || len(r.Body) != 1 {
			t.Errorf("poll %d = %+v, want POST %s?%s, bearer token, JSON body {\"type\":\"2WAY\"}", i+1, r, path, q)
		}
	}
	s, err := store.Subscription(context.Background(), "sms/2way")
	if err != nil {
		t.Fatal(err)
	}
	var cur runtime.PollCursor
	if err := json.Unmarshal(s.Cursor, &cur); err != nil {
		t.Fatal(err)
	}
	if want := srv.URL + path + "?triggerState=103"; cur.Next != want {
		t.Errorf("stored next poll %q, want %q", cur.Next, want)
	}
}

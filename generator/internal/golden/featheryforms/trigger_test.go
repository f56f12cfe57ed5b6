package featheryforms_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/generator/internal/golden/featheryforms"
	"github.com/connectorgen/connectorgen/runtime"
)

// TestPollingSubscriber drives the generated polling subscriber of a
// pollingtrigger-policy trigger (Feathery Forms' FormCompletion): the
// backend is a plain API without the 202 protocol, at the operation's path
// without the /trigger segment; the client plays the gateway. The first
// poll is the baseline (the pre-existing submission does not fire), the
// state last_requested_at comes from the previous response's requested_at,
// and the "results" array (triggerDataPath) is split into typed events.
func TestPollingSubscriber(t *testing.T) {
	const key = "feathery-key"
	var (
		mu    sync.Mutex
		polls []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		polls = append(polls, r.URL.RequestURI())
		mu.Unlock()
		if r.Header.Get("Authorization") != key {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		if r.URL.Path != "/power-automate/poll/form_completion/" || r.URL.Query().Get("form_key") != "f1" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Query().Get("last_requested_at") {
		case "": // first poll: everything so far
			w.Write([]byte(`{"requested_at": "t1", "results": [{"id": "s0"}]}`))
		case "t1":
			w.Write([]byte(`{"requested_at": "t2", "results": [{"id": "s1", "Submission Completed At": "2024-05-01"}, {"id": "s2"}]}`))
		default:
			w.Write([]byte(`{"requested_at": "t3", "results": []}`))
		}
	}))
	defer srv.Close()

	c, err := featheryforms.New(featheryforms.Connection{APIKey: key}, runtime.WithBaseURL(srv.URL), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []featheryforms.FormCompletionResponseResultsItem
	store := runtime.NewMemoryStore()
	cfg := runtime.PollConfig{Subscription: "forms/f1", Interval: 5 * time.Millisecond, Jitter: -1}
	err = c.PollFormCompletion(ctx, store, cfg, "f1", func(_ context.Context, ev featheryforms.FormCompletionResponseResultsItem) error {
		got = append(got, ev)
		if len(got) == 2 {
			cancel()
		}
		return nil
	})
	if err != context.Canceled {
		t.Fatalf("PollFormCompletion = %v, want context.Canceled after two events", err)
	}
	if len(got) != 2 || got[0].ID.V != "s1" || got[0].SubmissionCompletedAt.V != "2024-05-01" || got[1].ID.V != "s2" || got[1].SubmissionCompletedAt.Set {
		t.Fatalf("events = %+v, want s1 and s2 only (s0 predates the baseline)", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(polls) < 2 || polls[0] != "/power-automate/poll/form_completion/?form_key=f1" ||
		polls[1] != "/power-automate/poll/form_completion/?form_key=f1&last_requested_at=t1" {
		t.Errorf("polls = %q", polls)
	}
	sub, err := store.Subscription(context.Background(), "forms/f1")
	if err != nil {
		t.Fatal(err)
	}
	var cur runtime.PollCursor
	if err := json.Unmarshal(sub.Cursor, &cur); err != nil || !strings.HasSuffix(cur.Next, "last_requested_at=t2") {
		t.Errorf("stored cursor %s: want the state of the fired poll (t2)", sub.Cursor)
	}
}

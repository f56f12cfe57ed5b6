package featheryforms_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/generator/internal/golden/featheryforms"
	"github.com/connectorgen/connectorgen/runtime"
)

// TestPollingSubscriber drives the generated polling subscriber: 202 (no
// news), then a 200 whose "results" array (the pollingtrigger
// triggerDataPath) holds two submissions, delivered in order as typed
// events; the poll after it goes to the Location of the 200.
func TestPollingSubscriber(t *testing.T) {
	const key = "feathery-key"
	var (
		mu    sync.Mutex
		polls []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		polls = append(polls, r.URL.RequestURI())
		n := len(polls)
		mu.Unlock()
		if r.Header.Get("Authorization") != key {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		switch n {
		case 1:
			w.Header().Set("Location", "/trigger/power-automate/poll/form_completion/?form_key=f1&last_requested_at=t1")
			w.WriteHeader(http.StatusAccepted)
		case 2:
			w.Header().Set("Location", "/trigger/power-automate/poll/form_completion/?form_key=f1&last_requested_at=t2")
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"results": [{"id": "s1", "Submission Completed At": "2024-05-01"}, {"id": "s2"}]}`))
		default:
			w.WriteHeader(http.StatusAccepted)
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
	cfg := runtime.PollConfig{Subscription: "forms/f1", Interval: 5 * time.Millisecond, Jitter: -1}
	err = c.PollFormCompletion(ctx, runtime.NewMemoryStore(), cfg, "f1", nil, func(_ context.Context, ev featheryforms.FormCompletionResponseResultsItem) error {
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
		t.Fatalf("events = %+v", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if polls[0] != "/trigger/power-automate/poll/form_completion/?form_key=f1" ||
		polls[1] != "/trigger/power-automate/poll/form_completion/?form_key=f1&last_requested_at=t1" {
		t.Errorf("polls = %q", polls)
	}
}

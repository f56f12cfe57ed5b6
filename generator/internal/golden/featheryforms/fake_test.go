package featheryforms_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/generator/internal/golden/featheryforms"
	"github.com/connectorgen/connectorgen/generator/internal/golden/featheryforms/fake"
	"github.com/connectorgen/connectorgen/runtime"
)

// TestFake runs the pollingtrigger-policy trigger FormCompletion against
// the generated fake, which answers as the backend (the client plays the
// gateway): always 200 with {"results": [...], "requested_at": cursor}.
// Events queued before the first poll are not lost to the client's
// baseline, and the state parameter last_requested_at the client computes
// from requested_at is the fake's cursor.
func TestFake(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f := fake.New()
	srv := httptest.NewServer(f)
	defer srv.Close()
	c, err := featheryforms.New(featheryforms.Connection{APIKey: "k"}, runtime.WithBaseURL(srv.URL), runtime.WithRetry(runtime.RetryPolicy{}))
	if err != nil {
		t.Fatal(err)
	}
	f.QueueFormCompletion(featheryforms.FormCompletionResponseResultsItem{ID: runtime.Some("s1")})

	events := make(chan featheryforms.FormCompletionResponseResultsItem, 10)
	errc := make(chan error, 1)
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	cfg := runtime.PollConfig{Subscription: "forms/f1", Interval: 5 * time.Millisecond, Jitter: -1}
	go func() {
		errc <- c.PollFormCompletion(pctx, runtime.NewMemoryStore(), cfg, "f1", func(_ context.Context, ev featheryforms.FormCompletionResponseResultsItem) error {
			events <- ev
			return nil
		})
	}()
	next := func(want string) {
		t.Helper()
		select {
		case ev := <-events:
			if ev.ID.V != want {
				t.Errorf("event %+v, want id %s", ev, want)
			}
		case err := <-errc:
			t.Fatalf("PollFormCompletion ended: %v", err)
		case <-ctx.Done():
			t.Fatalf("no event %s before the deadline", want)
		}
	}
	next("s1")
	f.QueueFormCompletion(featheryforms.FormCompletionResponseResultsItem{ID: runtime.Some("s2")}, featheryforms.FormCompletionResponseResultsItem{ID: runtime.Some("s3")})
	next("s2")
	next("s3")
	stop()
	<-errc
	var queries []string
	for _, r := range f.Requests() {
		if r.Operation == "FormCompletion" {
			queries = append(queries, r.RawQuery)
		}
	}
	if len(queries) < 3 || queries[0] != "form_key=f1" || queries[1] != "form_key=f1&last_requested_at=0" {
		t.Errorf("poll queries = %q, want the baseline then last_requested_at from the fake's cursor", queries)
	}
	if !slices.Contains(queries, "form_key=f1&last_requested_at=1") {
		t.Errorf("poll queries = %q, want last_requested_at=1 after the first event", queries)
	}
}

package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// runnerOp is a simple GET polling trigger.
var runnerOp = &Operation{ID: "OnItems", Method: "GET", Path: "/trigger/items"}

func runnerConfig(sub string) PollConfig {
	return PollConfig{
		Subscription: sub,
		Operation:    runnerOp,
		Split:        batchValue,
		Interval:     2 * time.Millisecond,
		Jitter:       0.1,
		MaxAttempts:  10,
		Backoff:      RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 3 * time.Millisecond},
		Owner:        "runner-a",
		LeaseTTL:     time.Second,
	}
}

// batchServer answers 202 (Location /s1), then a 200 batch of n items
// with Location /s2, then 202 forever.
func batchServer(t *testing.T, n int) *testServer {
	return newTestServer(t, func(w http.ResponseWriter, r *http.Request, k int) {
		switch k {
		case 1:
			w.Header().Set("Location", "/s1")
			w.WriteHeader(http.StatusAccepted)
		case 2:
			w.Header().Set("Location", "/s2")
			w.Header().Set("Content-Type", "application/json")
			items := make([]string, n)
			for i := range items {
				items[i] = fmt.Sprintf(`{"id":%d}`, i+1)
			}
			fmt.Fprintf(w, `{"value":[%s]}`, strings.Join(items, ","))
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	})
}

// delivery is one handler call.
type delivery struct {
	ID      int
	Attempt int
	Seq     int64
}

type recorder struct {
	mu  sync.Mutex
	got []delivery
}

func (r *recorder) add(ev Event) int {
	var v struct{ ID int }
	json.Unmarshal(ev.Payload, &v)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, delivery{ID: v.ID, Attempt: ev.Attempt, Seq: ev.Seq})
	return v.ID
}

func (r *recorder) list() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// startRunner runs RunPolling in the background; stop cancels it and
// returns its error.
func startRunner(t *testing.T, c *Client, store TriggerStore, cfg PollConfig, h Handler) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.RunPolling(ctx, store, cfg, h) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("RunPolling did not return after cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func storedNext(t *testing.T, store TriggerStore, id string) string {
	t.Helper()
	s, err := store.Subscription(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var cur PollCursor
	if len(s.Cursor) > 0 {
		if err := json.Unmarshal(s.Cursor, &cur); err != nil {
			t.Fatalf("cursor %q: %v", s.Cursor, err)
		}
	}
	return cur.Next
}

func TestRunPollingDeliversBatchOnce(t *testing.T) {
	srv := batchServer(t, 3)
	c := newTestClient(t, srv)
	store := NewMemoryStore()
	var rec recorder
	stop := startRunner(t, c, store, runnerConfig("sub"), func(ctx context.Context, ev Event) error {
		rec.add(ev)
		return nil
	})
	waitFor(t, "3 deliveries and more polls", func() bool { return len(rec.list()) >= 3 && srv.count() >= 5 })
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("RunPolling = %v, want context.Canceled", err)
	}
	got := rec.list()
	if len(got) != 3 {
		t.Fatalf("deliveries = %+v, want 3", got)
	}
	for i, d := range got {
		if d.ID != i+1 || d.Attempt != 1 {
			t.Fatalf("delivery %d = %+v", i, d)
		}
		if i > 0 && d.Seq <= got[i-1].Seq {
			t.Fatalf("seq not increasing: %+v", got)
		}
	}
	if next, want := storedNext(t, store, "sub"), srv.URL+"/s2"; next != want {
		t.Fatalf("cursor next = %q, want %q", next, want)
	}
	s, _ := store.Subscription(context.Background(), "sub")
	if s.Kind != "polling" || s.Operation != runnerOp.ID {
		t.Fatalf("subscription = %+v", s)
	}
	reqs := srv.requests()
	if reqs[0].Path != "/base/trigger/items" || reqs[1].Path != "/s1" || reqs[2].Path != "/s2" {
		t.Fatalf("poll paths = %q %q %q", reqs[0].Path, reqs[1].Path, reqs[2].Path)
	}
	if p, _ := store.Pending(context.Background(), "sub", 0); len(p) != 0 {
		t.Fatalf("inbox not empty: %+v", p)
	}
}

func TestRunPollingRetryKeepsOrder(t *testing.T) {
	srv := batchServer(t, 3)
	c := newTestClient(t, srv)
	store := NewMemoryStore()
	var rec recorder
	fails := 0
	stop := startRunner(t, c, store, runnerConfig("sub"), func(ctx context.Context, ev Event) error {
		if rec.add(ev) == 2 && fails < 2 {
			fails++
			return fmt.Errorf("fail %d", fails)
		}
		return nil
	})
	waitFor(t, "event 3", func() bool {
		got := rec.list()
		return len(got) > 0 && got[len(got)-1].ID == 3
	})
	stop()
	want := []delivery{{ID: 1, Attempt: 1}, {ID: 2, Attempt: 1}, {ID: 2, Attempt: 2}, {ID: 2, Attempt: 3}, {ID: 3, Attempt: 1}}
	got := rec.list()
	if len(got) != len(want) {
		t.Fatalf("deliveries = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Attempt != want[i].Attempt {
			t.Fatalf("deliveries = %+v, want %+v", got, want)
		}
	}
	if d, _ := store.DeadLetters(context.Background(), "sub"); len(d) != 0 {
		t.Fatalf("dead letters = %+v", d)
	}
}

func TestRunPollingBuriesAfterMaxAttempts(t *testing.T) {
	srv := batchServer(t, 3)
	c := newTestClient(t, srv)
	store := NewMemoryStore()
	cfg := runnerConfig("sub")
	cfg.MaxAttempts = 3
	var rec recorder
	stop := startRunner(t, c, store, cfg, func(ctx context.Context, ev Event) error {
		if rec.add(ev) == 2 {
			return fmt.Errorf("boom %d", ev.Attempt)
		}
		return nil
	})
	waitFor(t, "event 3", func() bool {
		got := rec.list()
		return len(got) > 0 && got[len(got)-1].ID == 3
	})
	stop()
	got := rec.list()
	if len(got) != 5 || got[3].ID != 2 || got[3].Attempt != 3 || got[4].ID != 3 {
		t.Fatalf("deliveries = %+v", got)
	}
	dead, err := store.DeadLetters(context.Background(), "sub")
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].Seq != got[1].Seq || dead[0].Attempts != 3 || dead[0].LastError != "boom 3" ||
		string(dead[0].Payload) != `{"id":2}` {
		t.Fatalf("dead letters = %+v", dead)
	}
	if p, _ := store.Pending(context.Background(), "sub", 0); len(p) != 0 {
		t.Fatalf("inbox not empty: %+v", p)
	}
}

func TestRunPollingRestartRedelivers(t *testing.T) {
	srv := batchServer(t, 3)
	c := newTestClient(t, srv)
	store := NewMemoryStore()
	var rec1 recorder
	entered := make(chan struct{}, 1)
	stop := startRunner(t, c, store, runnerConfig("sub"), func(ctx context.Context, ev Event) error {
		rec1.add(ev)
		entered <- struct{}{}
		<-ctx.Done() // blocked until the "crash"
		return ctx.Err()
	})
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("handler not called")
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("RunPolling = %v", err)
	}
	if p, _ := store.Pending(context.Background(), "sub", 0); len(p) != 3 || p[0].Attempts != 0 {
		t.Fatalf("inbox after cancel = %+v", p)
	}
	before := srv.count()

	// Restart with a different owner: the old lease was released.
	cfg := runnerConfig("sub")
	cfg.Owner = "runner-b"
	var rec2 recorder
	stop = startRunner(t, c, store, cfg, func(ctx context.Context, ev Event) error {
		rec2.add(ev)
		return nil
	})
	waitFor(t, "redelivery and a poll", func() bool { return len(rec2.list()) == 3 && srv.count() > before })
	stop()
	for i, d := range rec2.list() {
		if d.ID != i+1 || d.Attempt != 1 {
			t.Fatalf("redeliveries = %+v", rec2.list())
		}
	}
	for _, r := range srv.requests()[before:] {
		if r.Path != "/s2" {
			t.Fatalf("after restart polled %q, want /s2", r.Path)
		}
	}
}

func TestRunPollingServerErrorKeepsCursor(t *testing.T) {
	store := NewMemoryStore()
	type seen struct {
		next    string
		version int64
	}
	var mu sync.Mutex
	var states []seen
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, k int) {
		s, _ := store.Subscription(context.Background(), "sub")
		var cur PollCursor
		json.Unmarshal(s.Cursor, &cur)
		mu.Lock()
		states = append(states, seen{cur.Next, s.Version})
		mu.Unlock()
		switch k {
		case 1:
			w.Header().Set("Location", "/s1")
			w.WriteHeader(http.StatusAccepted)
		case 2:
			w.Header().Set("Location", "/bogus")
			w.WriteHeader(http.StatusInternalServerError)
		case 3:
			w.Header().Set("Location", "/s2")
			w.Write([]byte(`{"value":[{"id":1}]}`))
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	})
	c := newTestClient(t, srv)
	var rec recorder
	startRunner(t, c, store, runnerConfig("sub"), func(ctx context.Context, ev Event) error {
		rec.add(ev)
		return nil
	})
	waitFor(t, "delivery", func() bool { return len(rec.list()) == 1 && srv.count() >= 4 })
	reqs := srv.requests()
	if reqs[1].Path != "/s1" || reqs[2].Path != "/s1" || reqs[3].Path != "/s2" {
		t.Fatalf("paths = %q %q %q", reqs[1].Path, reqs[2].Path, reqs[3].Path)
	}
	mu.Lock()
	defer mu.Unlock()
	// The 500 (request 2) committed nothing: request 3 saw the same state.
	if states[1] != states[2] || states[1].next != srv.URL+"/s1" {
		t.Fatalf("states = %+v", states)
	}
}

func TestRunPollingWaitsForLease(t *testing.T) {
	srv := batchServer(t, 1)
	store := NewMemoryStore()
	ctx := context.Background()
	if _, err := store.SaveSubscription(ctx, Subscription{ID: "sub", Kind: "polling"}); err != nil {
		t.Fatal(err)
	}
	const held = 150 * time.Millisecond
	taken := time.Now()
	if ok, err := store.Lease(ctx, "sub", "other", held); !ok || err != nil {
		t.Fatalf("Lease = %v, %v", ok, err)
	}
	cfg := runnerConfig("sub")
	cfg.LeaseTTL = 60 * time.Millisecond
	var first time.Time
	var mu sync.Mutex
	c2 := newTestClient(t, srv, WithMiddleware(func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			mu.Lock()
			if first.IsZero() {
				first = time.Now()
			}
			mu.Unlock()
			return next.RoundTrip(r)
		})
	}))
	var rec recorder
	startRunner(t, c2, store, cfg, func(ctx context.Context, ev Event) error {
		rec.add(ev)
		return nil
	})
	time.Sleep(held / 2)
	if n := srv.count(); n != 0 {
		t.Fatalf("%d polls while the lease was held by another owner", n)
	}
	waitFor(t, "delivery after the lease expired", func() bool { return len(rec.list()) == 1 })
	mu.Lock()
	defer mu.Unlock()
	if first.Sub(taken) < held {
		t.Fatalf("first poll %v after the lease was taken, want >= %v", first.Sub(taken), held)
	}
	// Now the runner holds the lease.
	if ok, _ := store.Lease(ctx, "sub", "other", time.Second); ok {
		t.Fatal("other owner got the lease while the runner works")
	}
}

package runtime

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func webhookConfig(sub string) DeliveryConfig {
	return DeliveryConfig{
		Subscription: sub,
		MaxAttempts:  10,
		Backoff:      RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 3 * time.Millisecond},
		Owner:        "hook-a",
		LeaseTTL:     time.Second,
		Interval:     time.Minute, // only wake-ups deliver promptly
	}
}

// hookSetup stores webhook subscription id and serves l over HTTP; post
// sends one callback body and checks the 202.
func hookSetup(t *testing.T, store TriggerStore, id string) (l *Listener, post func(body string)) {
	t.Helper()
	ctx := context.Background()
	l = newHookListener(t, store)
	if _, err := store.SaveSubscription(ctx, Subscription{ID: id, Operation: hookOp.ID, Kind: "webhook"}); err != nil {
		t.Fatal(err)
	}
	cb, err := l.CallbackURL(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(cb)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(l)
	t.Cleanup(srv.Close)
	target := srv.URL + u.EscapedPath()
	return l, func(body string) {
		t.Helper()
		resp, err := http.Post(target, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("callback: status %d", resp.StatusCode)
		}
	}
}

func startWebhook(t *testing.T, store TriggerStore, l *Listener, cfg DeliveryConfig, h Handler) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- RunWebhook(ctx, store, l, cfg, h) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("RunWebhook did not return after cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

func TestRunWebhookDeliversInOrderOnce(t *testing.T) {
	store := NewMemoryStore()
	l, post := hookSetup(t, store, "h1")
	var rec recorder
	stop := startWebhook(t, store, l, webhookConfig("h1"), func(ctx context.Context, ev Event) error {
		rec.add(ev)
		return nil
	})
	for i := 1; i <= 20; i++ {
		post(fmt.Sprintf(`{"ID":%d}`, i))
	}
	waitFor(t, "20 deliveries", func() bool { return len(rec.list()) >= 20 })
	time.Sleep(20 * time.Millisecond) // no duplicates afterwards
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("RunWebhook = %v", err)
	}
	got := rec.list()
	if len(got) != 20 {
		t.Fatalf("%d deliveries: %+v", len(got), got)
	}
	for i, d := range got {
		if d.ID != i+1 || d.Attempt != 1 {
			t.Fatalf("delivery %d = %+v", i, d)
		}
		if i > 0 && d.Seq <= got[i-1].Seq {
			t.Fatalf("seq not increasing: %+v", got)
		}
	}
	if evs, _ := store.Pending(context.Background(), "h1", 0); len(evs) != 0 {
		t.Fatalf("inbox not empty: %+v", evs)
	}
}

func TestRunWebhookPromptWakeUp(t *testing.T) {
	store := NewMemoryStore()
	l, post := hookSetup(t, store, "h1")
	got := make(chan time.Time, 1)
	startWebhook(t, store, l, webhookConfig("h1"), func(ctx context.Context, ev Event) error {
		got <- time.Now()
		return nil
	})
	time.Sleep(50 * time.Millisecond) // let the runner go idle (Interval is 1 minute)
	start := time.Now()
	post(`{"ID":1}`)
	select {
	case at := <-got:
		if d := at.Sub(start); d > 2*time.Second {
			t.Fatalf("delivered after %v", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("event not delivered promptly")
	}
}

func TestRunWebhookRetriesThenBuries(t *testing.T) {
	store := NewMemoryStore()
	l, post := hookSetup(t, store, "h1")
	cfg := webhookConfig("h1")
	cfg.MaxAttempts = 3
	var rec recorder
	startWebhook(t, store, l, cfg, func(ctx context.Context, ev Event) error {
		if rec.add(ev) == 1 {
			if ev.Attempt == 2 {
				panic("boom") // a panic counts as a failed attempt
			}
			return errors.New("nope")
		}
		return nil
	})
	post(`{"ID":1}`)
	post(`{"ID":2}`)
	waitFor(t, "event 2", func() bool {
		got := rec.list()
		return len(got) > 0 && got[len(got)-1].ID == 2
	})
	got := rec.list()
	want := []delivery{{ID: 1, Attempt: 1}, {ID: 1, Attempt: 2}, {ID: 1, Attempt: 3}, {ID: 2, Attempt: 1}}
	if len(got) != len(want) {
		t.Fatalf("deliveries = %+v", got)
	}
	for i := range want {
		if got[i].ID != want[i].ID || got[i].Attempt != want[i].Attempt {
			t.Fatalf("deliveries = %+v", got)
		}
	}
	dl, err := store.DeadLetters(context.Background(), "h1")
	if err != nil {
		t.Fatal(err)
	}
	if len(dl) != 1 || dl[0].Seq != got[0].Seq || dl[0].Attempts != 3 || dl[0].LastError != "nope" {
		t.Fatalf("dead letters = %+v", dl)
	}
}

func TestRunWebhookRestartDelivers(t *testing.T) {
	store := NewMemoryStore()
	l, post := hookSetup(t, store, "h1")
	// Events arrive while no runner is running.
	post(`{"ID":1}`)
	post(`{"ID":2}`)
	var rec recorder
	cfg := webhookConfig("h1")
	stop := startWebhook(t, store, l, cfg, func(ctx context.Context, ev Event) error {
		rec.add(ev)
		<-ctx.Done() // stuck until the runner is stopped
		return ctx.Err()
	})
	waitFor(t, "first attempt", func() bool { return len(rec.list()) == 1 })
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("RunWebhook = %v", err)
	}
	post(`{"ID":3}`)

	var rec2 recorder
	cfg.Owner = "hook-b" // the lease was released on return
	startWebhook(t, store, l, cfg, func(ctx context.Context, ev Event) error {
		rec2.add(ev)
		return nil
	})
	waitFor(t, "3 deliveries", func() bool { return len(rec2.list()) == 3 })
	for i, d := range rec2.list() {
		if d.ID != i+1 || d.Attempt != 1 {
			t.Fatalf("after restart: %+v", rec2.list())
		}
	}
}

func TestRunWebhookOtherProcessCommit(t *testing.T) {
	store := NewMemoryStore()
	hookSetup(t, store, "h1")
	cfg := webhookConfig("h1")
	cfg.Interval = 5 * time.Millisecond
	var rec recorder
	// No listener: only the store is polled.
	startWebhook(t, store, nil, cfg, func(ctx context.Context, ev Event) error {
		rec.add(ev)
		return nil
	})
	if _, err := store.Commit(context.Background(), "h1", AnyVersion, nil, [][]byte{[]byte(`{"ID":7}`)}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "delivery", func() bool { return len(rec.list()) == 1 })
}

func TestRunWebhookErrors(t *testing.T) {
	store := NewMemoryStore()
	ctx := context.Background()
	h := func(context.Context, Event) error { return nil }
	if err := RunWebhook(ctx, store, nil, DeliveryConfig{Subscription: "none"}, h); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing subscription: %v", err)
	}
	store.SaveSubscription(ctx, Subscription{ID: "p", Kind: "polling"})
	if err := RunWebhook(ctx, store, nil, DeliveryConfig{Subscription: "p"}, h); err == nil || !strings.Contains(err.Error(), "not webhook") {
		t.Fatalf("polling subscription: %v", err)
	}
	if err := RunWebhook(ctx, store, nil, DeliveryConfig{}, h); err == nil {
		t.Fatal("empty id accepted")
	}
}

// A handler that succeeds while the run is being stopped still has its
// event acknowledged: a graceful stop causes no duplicate (polling and
// webhook share the deliverer).
func TestGracefulStopAcks(t *testing.T) {
	store := NewMemoryStore()
	l, post := hookSetup(t, store, "h1")
	post(`{"ID":1}`)
	ctx, cancel := context.WithCancel(context.Background())
	err := RunWebhook(ctx, store, l, webhookConfig("h1"), func(ctx context.Context, ev Event) error {
		cancel() // e.g. SIGINT arrives while the handler finishes
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("RunWebhook = %v", err)
	}
	if evs, err := store.Pending(context.Background(), "h1", 0); err != nil || len(evs) != 0 {
		t.Fatalf("inbox after a graceful stop: %d events (%v), want the handled one acknowledged", len(evs), err)
	}
}

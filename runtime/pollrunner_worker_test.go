package runtime

import (
	"context"
	"net/http"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// panickingStore panics in Lease, outside any handler.
type panickingStore struct{ *MemoryStore }

func (panickingStore) Lease(context.Context, string, string, time.Duration) (bool, error) {
	panic("lease exploded")
}

// TestRunPollingPanicReachesCaller checks that a panic in a round (here in
// the store) is raised again in the goroutine that called RunPolling, as
// when rounds ran on it.
func TestRunPollingPanicReachesCaller(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(http.StatusAccepted) })
	c := newTestClient(t, srv)
	store := panickingStore{NewMemoryStore()}
	got := make(chan any, 1)
	go func() {
		defer func() { got <- recover() }()
		c.RunPolling(context.Background(), store, runnerConfig("sub"), func(context.Context, Event) error { return nil })
		got <- "RunPolling returned"
	}()
	select {
	case p := <-got:
		wp, ok := p.(*WorkerPanic)
		if !ok || wp.Value != "lease exploded" || !strings.Contains(string(wp.Stack), "Lease") {
			t.Fatalf("recovered %v, want the store's panic with the stack where it happened", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RunPolling neither panicked nor returned")
	}
}

// TestOnWorkerGoexit checks that runtime.Goexit in f ends the calling
// goroutine too, running its deferred calls.
func TestOnWorkerGoexit(t *testing.T) {
	var wg sync.WaitGroup
	returned, deferred := false, false
	wg.Go(func() {
		defer func() { deferred = true }()
		onWorker(func() {
			var inner sync.WaitGroup
			inner.Go(func() {}) // any work, then
			inner.Wait()
			goruntime.Goexit()
		})
		returned = true
	})
	wg.Wait()
	if returned || !deferred {
		t.Fatalf("after Goexit in f: returned %v, deferred %v; want false, true", returned, deferred)
	}
}

// TestOnWorkerPanicNil checks that panic(nil) in f is a panic, not a
// Goexit, in the calling goroutine.
func TestOnWorkerPanicNil(t *testing.T) {
	defer func() {
		p := recover()
		if wp, ok := p.(*WorkerPanic); ok {
			p = wp.Value
		}
		if _, ok := p.(*goruntime.PanicNilError); !ok {
			t.Fatalf("recovered %v (%T), want a *runtime.PanicNilError", p, p)
		}
	}()
	onWorker(func() { panic(nil) })
	t.Fatal("onWorker returned")
}

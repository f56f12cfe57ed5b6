//go:build unix

package sqlitestore

// Benchmarks of the trigger runtime at scale, each with a baseline in the
// same family so that the ratio can be read off one run:
//
//	go test -run '^$' -bench IdlePolling -benchtime 1x -count 3 ./runtime/sqlitestore/
//	go test -run '^$' -bench WebhookDelivery -benchtime 20000x -count 3 ./runtime/sqlitestore/
//
// BenchmarkIdlePolling starts 10,000 polling subscriptions (RunPolling
// loops) against a loopback server answering 202 and reports the memory
// per idle subscription; BenchmarkWebhookDelivery pushes b.N webhook
// events through a Listener into the durable SQLite inbox and out to a
// handler and reports events per second. (Unix only: the CPU time per
// event comes from getrusage.)

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/runtime"
)

// idleSubs is the number of polling subscriptions of BenchmarkIdlePolling.
const idleSubs = 10_000

// idleInterval is long enough that every loop is idle after its first poll.
const idleInterval = time.Hour

// memStats is what BenchmarkIdlePolling measures.
type memStats struct {
	heap, stack uint64 // runtime.MemStats HeapInuse, StackInuse
	rss         uint64 // resident set size (Linux; 0 elsewhere)
}

// measure takes memStats after several forced collections. Several,
// because a collection halves at most once the stack of a goroutine that
// uses less than a quarter of it: an idle loop's stack settles after a
// few cycles (the Go runtime forces a collection at least every two
// minutes, so an hour-long wait sees ~30). The RSS is read after freed
// memory was returned to the OS (debug.FreeOSMemory), so that it counts
// what is in use, including SQLite's memory outside the Go heap.
func measure() memStats {
	for range 5 {
		goruntime.GC()
	}
	debug.FreeOSMemory()
	var m goruntime.MemStats
	goruntime.ReadMemStats(&m)
	st := memStats{heap: m.HeapInuse, stack: m.StackInuse}
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		var size, resident uint64
		if _, err := fmt.Sscan(string(b), &size, &resident); err == nil {
			st.rss = resident * uint64(os.Getpagesize())
		}
	}
	return st
}

// reportPerSub reports the growth from before to after divided by n:
// B/sub (HeapInuse+StackInuse), its parts heap-B/sub and stack-B/sub, and
// rss-B/sub when the RSS is known.
func reportPerSub(b *testing.B, n int, before, after memStats) {
	per := func(a, b uint64) float64 { return (float64(b) - float64(a)) / float64(n) }
	b.ReportMetric(per(before.heap+before.stack, after.heap+after.stack), "B/sub")
	b.ReportMetric(per(before.heap, after.heap), "heap-B/sub")
	b.ReportMetric(per(before.stack, after.stack), "stack-B/sub")
	if before.rss > 0 && after.rss > 0 {
		b.ReportMetric(per(before.rss, after.rss), "rss-B/sub")
	}
}

// warmGoroutines makes the Go runtime allocate the g structures of
// 2·idleSubs goroutines before the first measurement. The runtime keeps
// the g of an exited goroutine for reuse and never frees it, so without
// this only the first measurement of a process would count a new g per
// goroutine (about 450 B) and the others would reuse the g's of earlier
// runs. With it, no figure counts the g's of up to 2·idleSubs goroutines
// alive at once (a runner has one goroutine while it waits and a second
// one while a round runs).
var warmGoroutines sync.Once

// BenchmarkIdlePolling measures the memory of 10,000 idle polling
// subscriptions in one process.
//
//   - goroutines: the baseline, 10,000 bare goroutines each blocked in a
//     select on a one-hour timer and the context: what any polling loop
//     minimally costs.
//   - memory, sqlite: 10,000 Client.RunPolling loops (one subscription id
//     each, one shared Client) against a loopback server answering 202 to
//     every poll, with a one-hour interval. Once every subscription has
//     made its first poll and committed its cursor, the loops are idle
//     and the memory is taken. The figure includes the store's share
//     (the MemoryStore keeps the subscriptions in the Go heap; SQLite
//     keeps its page cache outside the Go heap, counted by rss-B/sub
//     only).
//   - sqlite-typed: the same through pollTyped, a wrapper shaped like a
//     generated PollX method, whose frame lies below the waiting loop.
//
// B/sub is the growth of HeapInuse+StackInuse per subscription from
// before the loops were started (store, server and client already set
// up) to when all are idle; heap-B/sub and stack-B/sub are its parts;
// rss-B/sub is the growth of the resident set size (Linux), which also
// counts memory outside the Go heap (SQLite's page caches).
// Idle keep-alive connections are closed before measuring (a one-hour
// interval outlives any idle-connection timeout, 90s in
// http.DefaultTransport).
func BenchmarkIdlePolling(b *testing.B) {
	warmGoroutines.Do(func() {
		var wg sync.WaitGroup
		release := make(chan struct{})
		for range 2 * idleSubs { // all alive at once: 2·idleSubs g's
			wg.Go(func() { <-release })
		}
		close(release)
		wg.Wait()
	})
	b.Run("goroutines", func(b *testing.B) {
		for b.Loop() {
			ctx, cancel := context.WithCancel(context.Background())
			before := measure()
			var started, wg sync.WaitGroup
			started.Add(idleSubs)
			for range idleSubs {
				wg.Go(func() {
					t := time.NewTimer(idleInterval)
					defer t.Stop()
					started.Done()
					select {
					case <-t.C:
					case <-ctx.Done():
					}
				})
			}
			started.Wait()
			after := measure()
			cancel()
			wg.Wait()
			reportPerSub(b, idleSubs, before, after)
		}
	})
	memory := func(b *testing.B) runtime.TriggerStore { return runtime.NewMemoryStore() }
	sqlite := func(b *testing.B) runtime.TriggerStore {
		s, err := Open(filepath.Join(b.TempDir(), "triggers.db"))
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	b.Run("memory", func(b *testing.B) { benchIdlePolling(b, memory, false) })
	b.Run("sqlite", func(b *testing.B) { benchIdlePolling(b, sqlite, false) })
	b.Run("sqlite-typed", func(b *testing.B) { benchIdlePolling(b, sqlite, true) })
}

// pollTyped has the shape of a generated PollX method (triggers_gen.go):
// it takes the PollConfig by value, fills in the operation and arguments
// and wraps the handler in one that decodes the event. Its frame lies
// below the idle loop's, like that of a generated subscriber.
//
//go:noinline
func pollTyped(c *runtime.Client, ctx context.Context, store runtime.TriggerStore, cfg runtime.PollConfig,
	op *runtime.Operation, key string, h func(context.Context, map[string]any) error) error {
	var args [1]runtime.Arg
	args[0] = runtime.StringOf(key)
	cfg.Operation = op
	cfg.Args = args[:0] // the operation has no parameter
	cfg.Split = runtime.SplitRule{Batch: true}
	return c.RunPolling(ctx, store, cfg, func(ctx context.Context, ev runtime.Event) error {
		var v map[string]any
		if err := json.Unmarshal(ev.Payload, &v); err != nil {
			return err
		}
		return h(ctx, v)
	})
}

// benchIdlePolling runs the loops directly, or through pollTyped when
// typed is set.
func benchIdlePolling(b *testing.B, newStore func(b *testing.B) runtime.TriggerStore, typed bool) {
	for b.Loop() {
		var polls atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			polls.Add(1)
			w.WriteHeader(http.StatusAccepted)
		}))
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxConnsPerHost = 64
		tr.MaxIdleConnsPerHost = 64
		c, err := runtime.NewClient(srv.URL, runtime.WithHTTPClient(&http.Client{Transport: tr}),
			runtime.WithRetry(runtime.RetryPolicy{}))
		if err != nil {
			b.Fatal(err)
		}
		store := newStore(b)
		op := &runtime.Operation{ID: "OnNewItems", Method: http.MethodGet, Path: "/items"}
		h := func(context.Context, runtime.Event) error { return nil }
		ctx, cancel := context.WithCancel(context.Background())

		before := measure()
		base := goruntime.NumGoroutine()
		var wg sync.WaitGroup
		errs := make(chan error, idleSubs)
		for i := range idleSubs {
			cfg := runtime.PollConfig{
				Subscription: fmt.Sprintf("sub-%05d", i),
				Operation:    op,
				Interval:     idleInterval,
				Owner:        "bench",
			}
			wg.Go(func() {
				var err error
				if typed {
					err = pollTyped(c, ctx, store, cfg, op, "key", func(context.Context, map[string]any) error { return nil })
				} else {
					err = c.RunPolling(ctx, store, cfg, h)
				}
				if !errors.Is(err, context.Canceled) {
					errs <- err
				}
			})
		}
		// Idle once every subscription has made its first poll and
		// committed its cursor; the loops then only have to reach their
		// wait.
		for {
			if len(errs) > 0 {
				b.Fatal(<-errs)
			}
			if polls.Load() < idleSubs {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			subs, err := store.Subscriptions(ctx)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for _, s := range subs {
				if len(s.Cursor) > 0 {
					n++
				}
			}
			if n == idleSubs {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		// Then every round's goroutine has to end (and the connections
		// closed here): one goroutine per subscription is left.
		tr.CloseIdleConnections()
		for deadline := time.Now().Add(time.Minute); goruntime.NumGoroutine() > base+idleSubs; {
			if time.Now().After(deadline) {
				b.Fatalf("%d goroutines, want at most %d", goruntime.NumGoroutine(), base+idleSubs)
			}
			time.Sleep(10 * time.Millisecond)
		}
		after := measure()
		if n := polls.Load(); n != idleSubs {
			b.Fatalf("%d polls, want %d", n, idleSubs)
		}

		cancel()
		wg.Wait()
		srv.Close()
		if err := store.Close(); err != nil {
			b.Fatal(err)
		}
		reportPerSub(b, idleSubs, before, after)
	}
}

// Webhook delivery benchmark.

// webhookSenders is the number of concurrent HTTP senders (each with its
// own keep-alive connection).
const webhookSenders = 64

// BenchmarkWebhookDelivery measures webhook events per second over
// loopback HTTP with webhookSenders concurrent keep-alive senders POSTing
// small JSON events.
//
//   - bare: the baseline, a net/http handler that only decodes the JSON
//     body and answers 202.
//   - durable: a Listener backed by a Store on a temporary file (default
//     synchronous=NORMAL); each 202 is sent only once the event is
//     committed to the SQLite inbox, and RunWebhook delivers the inbox to
//     a counting handler.
//   - durable-fullsync: the same with WithFullSync (an fsync per
//     transaction).
//
// The clock runs from the first request until all b.N events have been
// answered 2xx and (durable) delivered to the handler; events/s is b.N
// divided by that time. Also reported: answered/s (b.N divided by the
// time until the last 2xx), cpu-µs/event (user+system CPU time of the
// whole process, senders included, per event: unlike the rates it does
// not depend on what else the machine runs) and writes/txn (store writes
// per SQLite transaction: the group commit's batching).
func BenchmarkWebhookDelivery(b *testing.B) {
	b.Run("bare", func(b *testing.B) {
		var decoded atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var v any
			if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			decoded.Add(1)
			w.WriteHeader(http.StatusAccepted)
		}))
		defer srv.Close()
		elapsed := sendEvents(b, srv.URL+"/hook", func() {})
		if n := decoded.Load(); n != int64(b.N) {
			b.Fatalf("%d events decoded, want %d", n, b.N)
		}
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	})
	b.Run("durable", func(b *testing.B) { benchWebhookDurable(b) })
	b.Run("durable-fullsync", func(b *testing.B) { benchWebhookDurable(b, WithFullSync()) })
}

func benchWebhookDurable(b *testing.B, opts ...Option) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store, err := Open(filepath.Join(b.TempDir(), "triggers.db"), opts...)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	srv := httptest.NewUnstartedServer(nil)
	l, err := runtime.NewListener(store, "http://"+srv.Listener.Addr().String()+"/hooks")
	if err != nil {
		b.Fatal(err)
	}
	srv.Config.Handler = l
	srv.Start()
	defer srv.Close()
	const id = "bench"
	if _, err := store.SaveSubscription(ctx, runtime.Subscription{ID: id, Operation: "OnEvent", Kind: "webhook"}); err != nil {
		b.Fatal(err)
	}
	cb, err := l.CallbackURL(ctx, id)
	if err != nil {
		b.Fatal(err)
	}

	var delivered atomic.Int64
	all := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- runtime.RunWebhook(ctx, store, l, runtime.DeliveryConfig{Subscription: id, Owner: "bench"},
			func(_ context.Context, ev runtime.Event) error {
				if delivered.Add(1) == int64(b.N) {
					close(all)
				}
				return nil
			})
	}()
	elapsed := sendEvents(b, cb, func() {
		select {
		case <-all:
		case err := <-done:
			b.Fatalf("RunWebhook returned early: %v", err)
		}
	})
	// The handler has seen every event; the Ack of the last one may still
	// be on its way: let the inbox drain before stopping RunWebhook.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		p, err := store.Pending(ctx, id, 0)
		if err != nil {
			b.Fatal(err)
		}
		if len(p) == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("inbox after the run: %d events", len(p))
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		b.Fatalf("RunWebhook: %v", err)
	}
	if n := delivered.Load(); n != int64(b.N) {
		b.Fatalf("%d events delivered, want %d", n, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(store.grouped.Load())/float64(store.groups.Load()), "writes/txn")
}

// cpuTime returns the user+system CPU time of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// sendEvents POSTs b.N small JSON events to target from webhookSenders
// goroutines, checks every answer is 2xx, then waits for wait() and
// returns the time from the first request until then. It reports
// answered/s: b.N divided by the time until the last answer.
func sendEvents(b *testing.B, target string, wait func()) time.Duration {
	b.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = webhookSenders
	tr.MaxConnsPerHost = webhookSenders
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, webhookSenders)
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	for range webhookSenders {
		wg.Go(func() {
			var buf bytes.Buffer
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				buf.Reset()
				fmt.Fprintf(&buf, `{"id":%d,"type":"item.created","data":{"name":"item %d","size":%d}}`, i, i, i*7)
				resp, err := hc.Post(target, "application/json", bytes.NewReader(buf.Bytes()))
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					errs <- fmt.Errorf("event %d: status %d", i, resp.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
	answered := time.Since(start)
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	b.ReportMetric(float64(b.N)/answered.Seconds(), "answered/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/event")
	return elapsed
}

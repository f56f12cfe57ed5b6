package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	goruntime "runtime"
	"runtime/debug"
	"time"
)

// Durable polling runner.
//
// [Client.RunPolling] drives a polling trigger with [Client.Poll] and
// keeps its state in a [TriggerStore] so that no event is skipped across
// restarts or when several replicas share the store.
//
// State. The subscription's Cursor is the JSON object {"next": "<url>"}
// holding the URL of the next poll (an empty cursor or empty "next" means
// the first poll, built from PollConfig.Operation and Args). The
// subscription is created with Kind "polling" when it does not exist.
//
// Loop. Each round:
//
//  1. takes or renews the subscription's lease (PollConfig.Owner,
//     LeaseTTL); while another owner holds it the runner neither polls
//     nor delivers, and tries again after min(Interval, LeaseTTL/2);
//  2. delivers the inbox (see Delivery);
//  3. when the next poll is due, polls the stored "next" URL. On success it
//     commits the events together with the new cursor {"next":
//     outcome.Next} in one [TriggerStore.Commit], with the version read in
//     this round as the expected version. On [ErrConflict] another owner
//     moved the subscription: the outcome is dropped and the round starts
//     over from the reloaded subscription. A 202 whose Next equals the
//     stored URL commits nothing (there is nothing to store). After the
//     commit the inbox is delivered again;
//  4. waits until the next poll is due or the inbox head becomes due,
//     whichever is first. The next poll is due after
//     NextPollDelay(outcome, Interval); only when that is the interval
//     itself (no Retry-After won) a random jitter of up to
//     Jitter·Interval is added, so a server "Retry-After: 0" after a 200
//     polls again at once.
//
// Poll errors never touch the cursor: the stored URL is polled again.
// The wait is NextPollDelay (so a Retry-After on a 408/429/5xx is
// honoured) plus jitter, raised to the Backoff delay for the number of
// consecutive failed polls. Retryable failures (408, 429, 5xx, transport
// errors) are logged at Warn, every other error (4xx, undecodable body,
// bad Location) at Error; the runner keeps polling in both cases.
//
// Delivery. Inbox events are delivered in Seq order, one at a time. An
// event whose NextAttempt is in the future blocks the ones behind it, so
// order is preserved. Success acknowledges the event ([TriggerStore.Ack]).
// A handler error records the failure ([TriggerStore.Retry]) with the next
// attempt after Backoff's delay for that attempt number; the same event is
// retried, nothing behind it is delivered meanwhile. When the handler has
// failed MaxAttempts times the event is moved to the dead letters
// ([TriggerStore.Bury]) with the last error as LastError, and delivery
// goes on with the next event. A handler panic counts as a failed attempt.
// A handler error while ctx is being cancelled is not counted as an
// attempt. The lease is renewed before a handler call unless the same
// delivery pass renewed it less than LeaseTTL/4 before (at least three
// quarters of it are then left; this saves a store write per event in a
// burst); when it is lost, delivery stops.
//
// Goroutines. Each round (store calls, the poll, handler calls) runs on a
// goroutine that RunPolling starts for it, not on the caller's goroutine,
// which only waits between rounds (see run). A panic outside the handler,
// or a runtime.Goexit, is raised again in the caller's goroutine.
//
// Guarantees. Events are committed with the cursor before any delivery:
// a crash between the poll and the delivery leaves them in the inbox and
// they are delivered after the restart, never skipped. A crash after a
// handler succeeded but before its Ack delivers that one event again
// (at-least-once; duplicates are at most the event in flight).
//
// Store errors (other than a missing subscription) are logged and the
// round is retried after a Backoff delay; a subscription deleted while the
// runner works on it ends RunPolling with an error wrapping [ErrNotFound].

// Handler receives one event. Returning an error retries the same event
// later (never skipping it) until PollConfig.MaxAttempts (or
// DeliveryConfig.MaxAttempts) is reached. ctx is cancelled when the
// context of RunPolling or RunWebhook ends. Both use the same inbox
// delivery (deliver.go) with the semantics described under "Delivery".
type Handler func(ctx context.Context, ev Event) error

// Event is one polled event handed to a [Handler].
type Event struct {
	Subscription string          // subscription ID
	Seq          int64           // inbox sequence number (unique, increasing)
	Payload      json.RawMessage // the event as split from the poll response
	Attempt      int             // 1 for the first delivery, 2 for the first retry, ...
}

// PollConfig configures [Client.RunPolling]. Zero values take the
// documented defaults.
type PollConfig struct {
	Subscription string // TriggerStore subscription id (created with Kind "polling" if absent)
	Operation    *Operation
	Args         []Arg
	Split        SplitRule
	Interval     time.Duration // default 1 minute
	// Jitter is the fraction (0..1) of Interval added at random to a wait
	// of one interval (default 0.1; negative: no jitter; above 1: 1).
	Jitter      float64
	MaxAttempts int           // handler attempts before the event is buried as a dead letter (default 10)
	Backoff     RetryPolicy   // handler retry delays (zero value: 1s base, 1m max); only BaseDelay and MaxDelay are used
	Owner       string        // lease owner (default: hostname+pid)
	LeaseTTL    time.Duration // how long a lease lasts without renewal (default 30s)
}

// delivery returns the delivery part of cfg.
func (cfg PollConfig) delivery() DeliveryConfig {
	return DeliveryConfig{
		Subscription: cfg.Subscription,
		MaxAttempts:  cfg.MaxAttempts,
		Backoff:      cfg.Backoff,
		Owner:        cfg.Owner,
		LeaseTTL:     cfg.LeaseTTL,
		Interval:     cfg.Interval,
	}
}

// PollCursor is the JSON form of a polling subscription's cursor.
type PollCursor struct {
	Next string `json:"next"`
}

// setupError is a problem with the stored subscription that retrying
// cannot fix.
type setupError struct{ error }

func (e setupError) Unwrap() error { return e.error }

// RunPolling polls and delivers until ctx ends (returns ctx.Err()) or a
// non-retryable setup error occurs (invalid config, a subscription of
// another kind or with an unreadable cursor, a subscription deleted while
// running). See the notes above Handler for the exact semantics. On return
// the lease is released.
func (c *Client) RunPolling(ctx context.Context, store TriggerStore, cfg PollConfig, h Handler) error {
	r, err := newPollRunner(c, store, &cfg, h)
	if err != nil {
		return err
	}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = store.Unlease(uctx, r.cfg.Subscription, r.cfg.Owner)
	}()
	return r.run(ctx)
}

type pollRunner struct {
	c     *Client
	store TriggerStore
	cfg   PollConfig
	h     Handler
	log   *slog.Logger
	d     *deliverer
}

// newPollRunner takes cfg by pointer (and copies it) so that RunPolling's
// stack frame, which stays below the idle loop, does not hold a second
// PollConfig.
func newPollRunner(c *Client, store TriggerStore, pcfg *PollConfig, h Handler) (*pollRunner, error) {
	cfg := *pcfg
	switch {
	case store == nil:
		return nil, errors.New("runtime: RunPolling: nil store")
	case h == nil:
		return nil, errors.New("runtime: RunPolling: nil handler")
	case cfg.Operation == nil:
		return nil, errors.New("runtime: RunPolling: nil operation")
	case cfg.Subscription == "":
		return nil, errors.New("runtime: RunPolling: empty subscription id")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = time.Minute
	}
	switch {
	case cfg.Jitter == 0:
		cfg.Jitter = 0.1
	case cfg.Jitter < 0:
		cfg.Jitter = 0
	case cfg.Jitter > 1:
		cfg.Jitter = 1
	}
	dc := cfg.delivery().withDefaults()
	cfg.MaxAttempts, cfg.Backoff, cfg.Owner, cfg.LeaseTTL = dc.MaxAttempts, dc.Backoff, dc.Owner, dc.LeaseTTL
	lg := c.log.With("subscription", cfg.Subscription, "operation", cfg.Operation.ID)
	d := &deliverer{store: store, cfg: dc, h: h, log: lg, kind: "polling"}
	return &pollRunner{c: c, store: store, cfg: cfg, h: h, log: lg, d: d}, nil
}

// load returns the subscription and its next poll URL, creating the
// subscription when absent.
func (r *pollRunner) load(ctx context.Context) (Subscription, string, error) {
	for {
		s, err := r.store.Subscription(ctx, r.cfg.Subscription)
		if errors.Is(err, ErrNotFound) {
			s = Subscription{ID: r.cfg.Subscription, Operation: r.cfg.Operation.ID, Kind: "polling"}
			if _, err = r.store.SaveSubscription(ctx, s); err == nil || errors.Is(err, ErrConflict) {
				continue // created (by us or a concurrent owner): read it back
			}
		}
		if err != nil {
			return s, "", err
		}
		if s.Kind != "" && s.Kind != "polling" {
			return s, "", setupError{fmt.Errorf("runtime: RunPolling: subscription %q is of kind %q, not polling", s.ID, s.Kind)}
		}
		var cur PollCursor
		if len(s.Cursor) > 0 {
			if err := json.Unmarshal(s.Cursor, &cur); err != nil {
				return s, "", setupError{fmt.Errorf("runtime: RunPolling: subscription %q: cursor: %w", s.ID, err)}
			}
		}
		return s, cur.Next, nil
	}
}

// pollState is what the polling loop carries from one round to the next.
type pollState struct {
	nextPoll   time.Time // zero: poll now
	pollFails  int       // consecutive failed polls
	storeFails int       // consecutive store errors
}

// run repeats rounds until ctx ends or a round fails for good.
//
// Memory while idle: every round (store calls, the poll, handler calls)
// runs on a goroutine of its own that ends with the round (onWorker), and
// only the wait between rounds happens on the goroutine that called
// RunPolling. That goroutine never makes the deep calls of a round, so
// its stack keeps the size its caller's frames need (4 KB in
// BenchmarkIdlePolling in runtime/sqlitestore, called directly or through
// a generated PollX method). Rounds on the calling goroutine grew its
// stack to 32 KB, and the Go runtime shrinks a stack only while less than
// a quarter of it is in use: under the frames of a generated subscriber
// it stayed at 8 KB per idle subscription.
func (r *pollRunner) run(ctx context.Context) error {
	var st pollState
	for {
		var wait time.Duration
		var err error
		onWorker(func() { wait, err = r.round(ctx, &st) })
		if err != nil {
			return err
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// onWorker runs f on a new goroutine and waits until it returns, so that
// the stack f needs is not kept by the calling goroutine (see run). A
// panic or runtime.Goexit in f (e.g. t.FailNow in a handler) is raised
// again in the calling goroutine; a panic as a [*WorkerPanic] carrying the
// original value and the stack where it happened (lost otherwise).
func onWorker(f func()) {
	type exit struct {
		returned bool
		panic    any // nil after runtime.Goexit (panic(nil) panics with a *runtime.PanicNilError)
	}
	done := make(chan exit, 1)
	go func() {
		returned := false
		defer func() {
			if returned {
				done <- exit{returned: true}
			} else {
				if p := recover(); p != nil {
					done <- exit{panic: &WorkerPanic{Value: p, Stack: debug.Stack()}}
				} else {
					done <- exit{}
				}
			}
		}()
		f()
		returned = true
	}()
	switch e := <-done; {
	case e.returned:
	case e.panic != nil:
		panic(e.panic)
	default:
		goruntime.Goexit()
	}
}

// storeErr logs a store error and returns the Backoff delay to wait
// before the next round, or a non-nil error to end.
func (r *pollRunner) storeErr(ctx context.Context, st *pollState, what string, err error) (time.Duration, error) {
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	if errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("runtime: RunPolling: %s: %w", what, err)
	}
	st.storeFails++
	r.log.WarnContext(ctx, "polling: store error", "op", what, "error", err)
	return r.cfg.Backoff.backoff(st.storeFails), nil
}

// round is one round of the loop (see the notes at the top of this file):
// lease, deliver, poll when due, commit, deliver. It returns how long to
// wait before the next round (0: start it at once), or a non-nil error to
// end RunPolling.
func (r *pollRunner) round(ctx context.Context, st *pollState) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	sub, next, err := r.load(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		var se setupError
		if errors.Is(err, ErrNotFound) || errors.As(err, &se) {
			return 0, err // deleted, wrong kind or bad cursor
		}
		return r.storeErr(ctx, st, "load subscription", err)
	}
	ok, err := r.store.Lease(ctx, sub.ID, r.cfg.Owner, r.cfg.LeaseTTL)
	if err != nil {
		return r.storeErr(ctx, st, "lease", err)
	}
	if !ok {
		return r.jittered(min(r.cfg.Interval, r.cfg.LeaseTTL/2)), nil
	}

	headDue, err := r.d.deliver(ctx)
	if err != nil {
		if errors.Is(err, errLeaseLost) {
			return 0, nil
		}
		return r.storeErr(ctx, st, "deliver", err)
	}

	if !time.Now().Before(st.nextPoll) {
		o, perr := r.c.Poll(ctx, r.cfg.Operation, r.cfg.Args, next, r.cfg.Split)
		if perr != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			st.pollFails++
			d := max(r.pollDelay(o), r.cfg.Backoff.backoff(st.pollFails))
			r.logPollError(ctx, perr, d)
			st.nextPoll = time.Now().Add(d)
		} else {
			st.pollFails = 0
			if o.Fired || o.Next != next {
				cur, _ := json.Marshal(PollCursor{Next: o.Next})
				evs := make([][]byte, len(o.Events))
				for i, e := range o.Events {
					evs[i] = e
				}
				if _, err := r.store.Commit(ctx, sub.ID, sub.Version, cur, evs); err != nil {
					if errors.Is(err, ErrConflict) {
						r.log.InfoContext(ctx, "polling: subscription moved by another owner; reloading")
						return 0, nil
					}
					return r.storeErr(ctx, st, "commit", err)
				}
			}
			st.nextPoll = time.Now().Add(r.pollDelay(o))
			if len(o.Events) > 0 {
				headDue, err = r.d.deliver(ctx)
				if err != nil {
					if errors.Is(err, errLeaseLost) {
						return 0, nil
					}
					return r.storeErr(ctx, st, "deliver", err)
				}
			}
		}
	}
	st.storeFails = 0

	wake := st.nextPoll
	if !headDue.IsZero() && headDue.Before(wake) {
		wake = headDue
	}
	return time.Until(wake), nil
}

// pollDelay is NextPollDelay plus jitter when the interval applies.
func (r *pollRunner) pollDelay(o PollOutcome) time.Duration {
	d := NextPollDelay(o, r.cfg.Interval)
	if d == r.cfg.Interval {
		d = r.jittered(d)
	}
	return d
}

// jittered adds up to Jitter·d to d.
func (r *pollRunner) jittered(d time.Duration) time.Duration {
	j := time.Duration(float64(d) * r.cfg.Jitter)
	if j <= 0 {
		return d
	}
	return d + rand.N(j+1)
}

func (r *pollRunner) logPollError(ctx context.Context, err error, wait time.Duration) {
	retryable := false
	var e *Error
	var ne net.Error
	switch {
	case errors.As(err, &e):
		retryable = retryableStatus(e.StatusCode)
	case errors.As(err, &ne):
		retryable = true
	}
	lvl := slog.LevelError
	if retryable {
		lvl = slog.LevelWarn
	}
	r.log.Log(ctx, lvl, "polling: poll failed; keeping cursor", "error", err, "retry_in", wait)
}

// gone maps ErrNotFound from an event operation (the event was handled by
// another owner meanwhile, or the subscription was deleted) to
// errLeaseLost, so the round starts over from the reloaded subscription.
func gone(err error) error {
	if errors.Is(err, ErrNotFound) {
		return errLeaseLost
	}
	return err
}

// WorkerPanic is the panic value a polling round's panic (a store or
// runtime bug; handler panics are failed attempts) is raised again with
// in the goroutine that called RunPolling.
type WorkerPanic struct {
	Value any    // what was passed to panic
	Stack []byte // the stack of the goroutine that panicked
}

func (p *WorkerPanic) Error() string {
	return fmt.Sprintf("%v\n\npanicked in a polling round, on goroutine:\n%s", p.Value, p.Stack)
}

// Unwrap returns the panic value when it is an error.
func (p *WorkerPanic) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

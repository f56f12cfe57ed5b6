package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// Inbox delivery shared by polling ([Client.RunPolling]) and webhook
// ([RunWebhook]) triggers: both commit received events to a
// subscription's inbox in a [TriggerStore] and hand them to a [Handler]
// through a deliverer, so the two trigger kinds have one delivery model
// (see "Delivery" in the notes above [Handler]).

// DeliveryConfig configures inbox delivery for [RunWebhook]. Zero values
// take the documented defaults.
//
// [PollConfig] has the same delivery fields (Subscription, MaxAttempts,
// Backoff, Owner, LeaseTTL, Interval) but does not embed DeliveryConfig:
// embedding would break composite literals naming those fields directly,
// and its Interval (poll period, default 1 minute) has another meaning.
type DeliveryConfig struct {
	Subscription string        // TriggerStore subscription id (must exist, Kind "webhook")
	MaxAttempts  int           // handler attempts before the event is buried as a dead letter (default 10)
	Backoff      RetryPolicy   // handler retry delays (zero value: 1s base, 1m max); only BaseDelay and MaxDelay are used
	Owner        string        // lease owner (default: hostname+pid)
	LeaseTTL     time.Duration // how long a lease lasts without renewal (default 30s)
	Interval     time.Duration // how often the store is checked without a wake-up (default 1s)
	Logger       *slog.Logger  // RunWebhook's log (default: discard, as a Client without WithLogger)
}

// withDefaults fills in the defaults common to both trigger kinds
// (everything but Interval).
func (cfg DeliveryConfig) withDefaults() DeliveryConfig {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 10
	}
	if cfg.Backoff.BaseDelay <= 0 {
		cfg.Backoff.BaseDelay = time.Second
		if cfg.Backoff.MaxDelay <= 0 {
			cfg.Backoff.MaxDelay = time.Minute
		}
	}
	if cfg.Owner == "" {
		host, _ := os.Hostname()
		cfg.Owner = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 30 * time.Second
	}
	return cfg
}

// errLeaseLost stops delivery when another owner took the lease.
var errLeaseLost = errors.New("lease lost")

// pendingBatch is how many inbox events are read at a time.
const pendingBatch = 64

// deliverer delivers one subscription's inbox. cfg must have its
// defaults filled in.
type deliverer struct {
	store TriggerStore
	cfg   DeliveryConfig
	h     Handler
	log   *slog.Logger
	kind  string // log message prefix: "polling" or "webhook"
}

// deliver hands due inbox events to the handler in Seq order. It returns
// the NextAttempt of a blocking head event (zero when the inbox was
// emptied).
func (d *deliverer) deliver(ctx context.Context) (time.Time, error) {
	id := d.cfg.Subscription
	var leased time.Time // when the last lease granted in this call was asked for
	for {
		evs, err := d.store.Pending(ctx, id, pendingBatch)
		if err != nil {
			return time.Time{}, err
		}
		if len(evs) == 0 {
			return time.Time{}, nil
		}
		for _, ev := range evs {
			if time.Now().Before(ev.NextAttempt) {
				return ev.NextAttempt, nil
			}
			if ev.Attempts >= d.cfg.MaxAttempts {
				// Failed attempts recorded but not buried (crash in between).
				if err := d.bury(ctx, ev); err != nil {
					return time.Time{}, err
				}
				continue
			}
			// Renew the lease unless this call renewed it less than
			// LeaseTTL/4 ago (at least 3/4 of it is then left): in a burst
			// that saves a store write per event.
			if leased.IsZero() || time.Since(leased) >= d.cfg.LeaseTTL/4 {
				asked := time.Now()
				ok, err := d.store.Lease(ctx, id, d.cfg.Owner, d.cfg.LeaseTTL)
				if err != nil {
					return time.Time{}, err
				}
				if !ok {
					return time.Time{}, errLeaseLost
				}
				leased = asked
			}
			herr := d.call(ctx, ev)
			if herr == nil {
				// The handler is done with the event: record that even when
				// ctx ended meanwhile (a graceful stop), or the event would be
				// delivered again at the next start.
				actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				err := d.store.Ack(actx, id, ev.Seq)
				cancel()
				if err != nil {
					return time.Time{}, gone(err)
				}
				if ctx.Err() != nil {
					return time.Time{}, ctx.Err()
				}
				continue
			}
			if ctx.Err() != nil {
				return time.Time{}, ctx.Err() // cancelled: not a failed attempt
			}
			attempts := ev.Attempts + 1
			at := time.Time{}
			if attempts < d.cfg.MaxAttempts {
				at = time.Now().Add(d.cfg.Backoff.backoff(attempts))
			}
			if err := d.store.Retry(ctx, id, ev.Seq, herr.Error(), at); err != nil {
				return time.Time{}, gone(err)
			}
			if attempts < d.cfg.MaxAttempts {
				d.log.WarnContext(ctx, d.kind+": handler failed; will retry", "seq", ev.Seq, "attempt", attempts, "error", herr)
				return at, nil
			}
			ev.Attempts = attempts
			if err := d.bury(ctx, ev); err != nil {
				return time.Time{}, gone(err)
			}
		}
	}
}

// call runs the handler, turning a panic into an error.
func (d *deliverer) call(ctx context.Context, ev InboxEvent) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panic: %v", p)
		}
	}()
	return d.h(ctx, Event{Subscription: ev.Subscription, Seq: ev.Seq, Payload: json.RawMessage(ev.Payload), Attempt: ev.Attempts + 1})
}

func (d *deliverer) bury(ctx context.Context, ev InboxEvent) error {
	reason := fmt.Sprintf("handler failed %d times", ev.Attempts)
	d.log.ErrorContext(ctx, d.kind+": event buried", "seq", ev.Seq, "attempts", ev.Attempts)
	return d.store.Bury(ctx, d.cfg.Subscription, ev.Seq, reason)
}

// RunWebhook delivers the inbox of webhook subscription cfg.Subscription
// to h until ctx ends (it then returns ctx.Err()), with exactly the
// delivery semantics of [Client.RunPolling] (see "Delivery" in the notes
// above [Handler]): Seq order, retries after Backoff delays via
// [TriggerStore.Retry], [TriggerStore.Bury] after MaxAttempts failures,
// [TriggerStore.Ack] on success, the lease (Owner, LeaseTTL) renewed
// before a handler call unless the same delivery pass renewed it less
// than LeaseTTL/4 before, panics counted as failed attempts.
//
// It is a function rather than a Listener method because the Listener is
// optional: l receives the callbacks (its ServeHTTP commits them to the
// inbox) and, when not nil, wakes RunWebhook as soon as it has stored a
// callback for cfg.Subscription. Independently of wake-ups the store is
// checked every cfg.Interval (default 1s), so events committed by another
// process (another Listener replica sharing the store) are delivered too;
// with a nil l only this polling of the store happens. A retry that
// becomes due wakes the loop at that time.
//
// While another owner holds the lease nothing is delivered; the lease is
// tried again after min(Interval, LeaseTTL/2) or at the next wake-up.
// The subscription must exist with Kind "webhook" (see
// [Listener.Subscribe]); a missing subscription, one deleted while running
// (an error wrapping [ErrNotFound]) or one of another kind ends RunWebhook
// with an error. Other store errors are logged and retried after a Backoff
// delay. On return the lease is released. Log records go to cfg.Logger
// (nothing is logged without one) with prefix "webhook:".
func RunWebhook(ctx context.Context, store TriggerStore, l *Listener, cfg DeliveryConfig, h Handler) error {
	switch {
	case store == nil:
		return errors.New("runtime: RunWebhook: nil store")
	case h == nil:
		return errors.New("runtime: RunWebhook: nil handler")
	case cfg.Subscription == "":
		return errors.New("runtime: RunWebhook: empty subscription id")
	}
	cfg = cfg.withDefaults()
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	var wake <-chan struct{} // nil without a listener: never ready
	if l != nil {
		ch, cancel := l.watch(cfg.Subscription)
		defer cancel()
		wake = ch
	}
	d := &deliverer{store: store, cfg: cfg, h: h, kind: "webhook",
		log: webhookLogger(cfg.Logger).With("subscription", cfg.Subscription)}
	defer func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = store.Unlease(uctx, cfg.Subscription, cfg.Owner)
	}()

	// wait sleeps for dur, returning early on a wake-up.
	wait := func(dur time.Duration) error {
		if dur <= 0 {
			return ctx.Err()
		}
		t := time.NewTimer(dur)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-wake:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	storeFails := 0
	storeErr := func(what string, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("runtime: RunWebhook: %s: %w", what, err)
		}
		storeFails++
		d.log.WarnContext(ctx, "webhook: store error", "op", what, "error", err)
		return sleep(ctx, cfg.Backoff.backoff(storeFails))
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		s, err := store.Subscription(ctx, cfg.Subscription)
		if err != nil {
			if err := storeErr("load subscription", err); err != nil {
				return err
			}
			continue
		}
		if s.Kind != "webhook" {
			return fmt.Errorf("runtime: RunWebhook: subscription %q is of kind %q, not webhook", s.ID, s.Kind)
		}
		ok, err := store.Lease(ctx, s.ID, cfg.Owner, cfg.LeaseTTL)
		if err != nil {
			if err := storeErr("lease", err); err != nil {
				return err
			}
			continue
		}
		if !ok {
			if err := wait(min(cfg.Interval, cfg.LeaseTTL/2)); err != nil {
				return err
			}
			continue
		}
		headDue, err := d.deliver(ctx)
		if err != nil {
			if errors.Is(err, errLeaseLost) {
				continue
			}
			if err := storeErr("deliver", err); err != nil {
				return err
			}
			continue
		}
		storeFails = 0
		next := cfg.Interval
		if !headDue.IsZero() {
			next = min(next, time.Until(headDue))
		}
		if err := wait(next); err != nil {
			return err
		}
	}
}

func webhookLogger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

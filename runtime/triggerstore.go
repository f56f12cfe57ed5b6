package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// ErrNotFound is returned, possibly wrapped, by a [TriggerStore] when the
// subscription or inbox event named in a call does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned, possibly wrapped, by a [TriggerStore] when a
// compare-and-set lost: the stored version of a subscription is not the
// version the caller expected. Nothing was written; the caller should
// reload the subscription and decide again.
var ErrConflict = errors.New("version conflict")

// AnyVersion passed as the expected version to
// [TriggerStore.SaveSubscription] or [TriggerStore.Commit] disables the
// version check.
const AnyVersion int64 = -1

// Subscription is the durable state of one trigger instance: what to call
// to rebuild it after a restart, and where it stands.
type Subscription struct {
	// ID names the subscription; it is chosen by the caller and must not
	// be empty.
	ID string
	// Operation is the trigger's operationId.
	Operation string
	// Kind is "polling" or "webhook".
	Kind string
	// Params are the trigger's parameters, to rebuild the request on
	// restart.
	Params json.RawMessage
	// Cursor is opaque to the store. Polling triggers keep the next poll
	// URL and the poll policy state in it; webhook triggers the
	// unsubscribe Location and the callback URL.
	Cursor []byte
	// Version is bumped by every successful [TriggerStore.Commit] and
	// [TriggerStore.SaveSubscription]; 0 means never stored.
	Version int64
	// Created is when the subscription was first stored. A zero value
	// passed to SaveSubscription is replaced by the store's current time
	// on insert and by the stored value on replacement.
	Created time.Time
}

// InboxEvent is an event received by a trigger and not yet delivered to
// its handler.
type InboxEvent struct {
	// Subscription is the ID of the subscription the event belongs to.
	Subscription string
	// Seq is assigned by the store. It is strictly increasing in commit
	// order within a subscription and never reused: not after the event
	// was acknowledged or buried, and not after the subscription was
	// deleted and created again under the same ID.
	Seq int64
	// Payload is the event body as received.
	Payload []byte
	// Attempts counts failed deliveries ([TriggerStore.Retry] calls).
	Attempts int
	// NextAttempt is when the event may be delivered again; zero means
	// deliverable now.
	NextAttempt time.Time
	// LastError is the error text of the last failed delivery.
	LastError string
	// Received is when the event was committed to the inbox.
	Received time.Time
}

// DeadLetter is an event that was given up on, kept visible for an
// operator to inspect.
type DeadLetter struct {
	// Subscription is the ID of the subscription the event belonged to.
	Subscription string
	// Seq is the event's inbox sequence number.
	Seq int64
	// Payload is the event body as received.
	Payload []byte
	// Attempts and LastError are copied from the inbox event.
	Attempts  int
	LastError string
	// Reason says why the event was buried.
	Reason string
	// Buried is when the event was moved out of the inbox.
	Buried time.Time
}

// TriggerStore keeps trigger subscriptions, their inboxes, dead letters,
// ownership leases and callback secrets durably, so that polling and
// webhook triggers deliver every event at least once across restarts.
//
// Received events are committed to the inbox together with the new cursor
// in one transaction ([TriggerStore.Commit]) and delivered from the inbox
// in Seq order per subscription. A handler error is recorded with
// [TriggerStore.Retry] and never advances past the event; after the last
// allowed attempt the event is moved to the dead letters with
// [TriggerStore.Bury]. When several replicas share a store, only the
// holder of a subscription's [TriggerStore.Lease] works on it.
//
// All methods are safe for concurrent use. Byte slices are copied in and
// out: callers may modify what they passed or got back. Operations on a
// subscription that does not exist return [ErrNotFound]; a lost
// compare-and-set returns [ErrConflict]. Both may be wrapped; test with
// errors.Is. The conformance tests in package storetest check all of this
// for an implementation.
type TriggerStore interface {
	// SaveSubscription inserts or replaces s when s.Version matches the
	// stored version (0 for a new one, AnyVersion to force) and returns
	// the new version. Replacing keeps the subscription's inbox, dead
	// letters and lease.
	SaveSubscription(ctx context.Context, s Subscription) (int64, error)
	// Subscription returns the stored subscription with the given ID.
	Subscription(ctx context.Context, id string) (Subscription, error)
	// Subscriptions returns all stored subscriptions, sorted by ID.
	Subscriptions(ctx context.Context) ([]Subscription, error)
	// DeleteSubscription removes the subscription, its inbox, its dead
	// letters and its lease.
	DeleteSubscription(ctx context.Context, id string) error
	// Commit appends events to the inbox and, when cursor != nil,
	// replaces the cursor, atomically, if the stored version is prev
	// (AnyVersion: no check; used by webhook callbacks). It returns the
	// new version, which is bumped even when there are no events. Nothing
	// is written on error.
	Commit(ctx context.Context, id string, prev int64, cursor []byte, events [][]byte) (int64, error)
	// Pending returns up to limit inbox events (all when limit <= 0) in
	// Seq order, including ones not yet due: callers check NextAttempt,
	// and since order must be kept, a not-yet-due head blocks the rest.
	Pending(ctx context.Context, id string, limit int) ([]InboxEvent, error)
	// Ack removes a delivered event from the inbox.
	Ack(ctx context.Context, id string, seq int64) error
	// Retry records a failed delivery: it increments the event's
	// Attempts, sets LastError and schedules the next attempt at at
	// (zero: now).
	Retry(ctx context.Context, id string, seq int64, lastErr string, at time.Time) error
	// Bury moves an event from the inbox to the dead letters.
	Bury(ctx context.Context, id string, seq int64, reason string) error
	// DeadLetters returns the subscription's dead letters in Seq order.
	DeadLetters(ctx context.Context, id string) ([]DeadLetter, error)
	// Lease makes owner the holder of id's work until now+ttl. It
	// reports true when granted: the lease was free, expired, or already
	// owner's (then it is renewed). It reports false, with a nil error,
	// while another owner holds an unexpired lease.
	Lease(ctx context.Context, id, owner string, ttl time.Duration) (bool, error)
	// Unlease releases owner's lease on id. It does nothing when owner
	// does not hold the lease.
	Unlease(ctx context.Context, id, owner string) error
	// Key returns a secret of n random bytes stored under name, creating
	// it with crypto/rand on first use and returning the same bytes
	// thereafter (webhook callback tokens). Asking for an existing name
	// with a different n is an error.
	Key(ctx context.Context, name string, n int) ([]byte, error)
	// Close releases the store's resources.
	Close() error
}

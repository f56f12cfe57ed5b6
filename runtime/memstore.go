package runtime

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// MemoryStore is a [TriggerStore] that keeps everything in memory, for
// tests. It is safe for concurrent use and copies all byte slices in and
// out. Its contents are lost when the process ends.
type MemoryStore struct {
	mu   sync.Mutex
	now  func() time.Time
	seq  int64 // last Seq handed out, store-wide so it is never reused
	subs map[string]*memSub
	keys map[string][]byte
}

// memSub is a subscription with its inbox, dead letters and lease.
type memSub struct {
	s     Subscription
	inbox []InboxEvent // Seq order
	dead  []DeadLetter // Seq order
	owner string
	until time.Time
}

var _ TriggerStore = (*MemoryStore)(nil)

// NewMemoryStore returns an empty in-memory store using the system clock.
func NewMemoryStore() *MemoryStore {
	return NewMemoryStoreWithClock(time.Now)
}

// NewMemoryStoreWithClock returns an empty in-memory store that reads the
// current time from now, so tests control lease expiry and timestamps. A
// nil now means time.Now.
func NewMemoryStoreWithClock(now func() time.Time) *MemoryStore {
	if now == nil {
		now = time.Now
	}
	return &MemoryStore{now: now, subs: map[string]*memSub{}, keys: map[string][]byte{}}
}

// lock takes the store's mutex after checking ctx.
func (m *MemoryStore) lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	return nil
}

// sub returns the subscription id; callers hold m.mu.
func (m *MemoryStore) sub(id string) (*memSub, error) {
	ms, ok := m.subs[id]
	if !ok {
		return nil, fmt.Errorf("subscription %q: %w", id, ErrNotFound)
	}
	return ms, nil
}

// SaveSubscription implements [TriggerStore].
func (m *MemoryStore) SaveSubscription(ctx context.Context, s Subscription) (int64, error) {
	if s.ID == "" {
		return 0, errors.New("runtime: subscription with empty ID")
	}
	if err := m.lock(ctx); err != nil {
		return 0, err
	}
	defer m.mu.Unlock()
	ms, ok := m.subs[s.ID]
	var stored int64
	if ok {
		stored = ms.s.Version
	}
	if s.Version != AnyVersion && s.Version != stored {
		return 0, fmt.Errorf("subscription %q: version %d, expected %d: %w", s.ID, stored, s.Version, ErrConflict)
	}
	s = copySubscription(s)
	s.Version = stored + 1
	if !ok {
		if s.Created.IsZero() {
			s.Created = m.now()
		}
		m.subs[s.ID] = &memSub{s: s}
		return s.Version, nil
	}
	if s.Created.IsZero() {
		s.Created = ms.s.Created
	}
	ms.s = s
	return s.Version, nil
}

// Subscription implements [TriggerStore].
func (m *MemoryStore) Subscription(ctx context.Context, id string) (Subscription, error) {
	if err := m.lock(ctx); err != nil {
		return Subscription{}, err
	}
	defer m.mu.Unlock()
	ms, err := m.sub(id)
	if err != nil {
		return Subscription{}, err
	}
	return copySubscription(ms.s), nil
}

// Subscriptions implements [TriggerStore].
func (m *MemoryStore) Subscriptions(ctx context.Context) ([]Subscription, error) {
	if err := m.lock(ctx); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	out := make([]Subscription, 0, len(m.subs))
	for _, ms := range m.subs {
		out = append(out, copySubscription(ms.s))
	}
	slices.SortFunc(out, func(a, b Subscription) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// DeleteSubscription implements [TriggerStore].
func (m *MemoryStore) DeleteSubscription(ctx context.Context, id string) error {
	if err := m.lock(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if _, err := m.sub(id); err != nil {
		return err
	}
	delete(m.subs, id)
	return nil
}

// Commit implements [TriggerStore].
func (m *MemoryStore) Commit(ctx context.Context, id string, prev int64, cursor []byte, events [][]byte) (int64, error) {
	if err := m.lock(ctx); err != nil {
		return 0, err
	}
	defer m.mu.Unlock()
	ms, err := m.sub(id)
	if err != nil {
		return 0, err
	}
	if prev != AnyVersion && prev != ms.s.Version {
		return 0, fmt.Errorf("subscription %q: version %d, expected %d: %w", id, ms.s.Version, prev, ErrConflict)
	}
	now := m.now()
	for _, p := range events {
		m.seq++
		ms.inbox = append(ms.inbox, InboxEvent{Subscription: id, Seq: m.seq, Payload: bytes.Clone(p), Received: now})
	}
	if cursor != nil {
		ms.s.Cursor = bytes.Clone(cursor)
	}
	ms.s.Version++
	return ms.s.Version, nil
}

// Pending implements [TriggerStore].
func (m *MemoryStore) Pending(ctx context.Context, id string, limit int) ([]InboxEvent, error) {
	if err := m.lock(ctx); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	ms, err := m.sub(id)
	if err != nil {
		return nil, err
	}
	n := len(ms.inbox)
	if limit > 0 && limit < n {
		n = limit
	}
	out := make([]InboxEvent, n)
	for i, e := range ms.inbox[:n] {
		e.Payload = bytes.Clone(e.Payload)
		out[i] = e
	}
	return out, nil
}

// event returns the index of event seq in ms's inbox; callers hold m.mu.
func (ms *memSub) event(seq int64) (int, error) {
	i, ok := slices.BinarySearchFunc(ms.inbox, seq, func(e InboxEvent, seq int64) int { return cmp.Compare(e.Seq, seq) })
	if !ok {
		return 0, fmt.Errorf("subscription %q: event %d: %w", ms.s.ID, seq, ErrNotFound)
	}
	return i, nil
}

// Ack implements [TriggerStore].
func (m *MemoryStore) Ack(ctx context.Context, id string, seq int64) error {
	return m.withEvent(ctx, id, seq, func(ms *memSub, i int) {
		ms.inbox = slices.Delete(ms.inbox, i, i+1)
	})
}

// withEvent runs fn with the store locked on event seq of subscription id
// (its index in the inbox), or returns the lookup error.
func (m *MemoryStore) withEvent(ctx context.Context, id string, seq int64, fn func(ms *memSub, i int)) error {
	if err := m.lock(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	ms, err := m.sub(id)
	if err != nil {
		return err
	}
	i, err := ms.event(seq)
	if err != nil {
		return err
	}
	fn(ms, i)
	return nil
}

// Retry implements [TriggerStore].
func (m *MemoryStore) Retry(ctx context.Context, id string, seq int64, lastErr string, at time.Time) error {
	return m.withEvent(ctx, id, seq, func(ms *memSub, i int) {
		e := &ms.inbox[i]
		e.Attempts++
		e.LastError = lastErr
		e.NextAttempt = at
	})
}

// Bury implements [TriggerStore].
func (m *MemoryStore) Bury(ctx context.Context, id string, seq int64, reason string) error {
	return m.withEvent(ctx, id, seq, func(ms *memSub, i int) {
		e := ms.inbox[i]
		ms.inbox = slices.Delete(ms.inbox, i, i+1)
		d := DeadLetter{Subscription: id, Seq: e.Seq, Payload: e.Payload, Attempts: e.Attempts,
			LastError: e.LastError, Reason: reason, Buried: m.now()}
		j, _ := slices.BinarySearchFunc(ms.dead, seq, func(d DeadLetter, seq int64) int { return cmp.Compare(d.Seq, seq) })
		ms.dead = slices.Insert(ms.dead, j, d)
	})
}

// DeadLetters implements [TriggerStore].
func (m *MemoryStore) DeadLetters(ctx context.Context, id string) ([]DeadLetter, error) {
	if err := m.lock(ctx); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	ms, err := m.sub(id)
	if err != nil {
		return nil, err
	}
	out := make([]DeadLetter, len(ms.dead))
	for i, d := range ms.dead {
		d.Payload = bytes.Clone(d.Payload)
		out[i] = d
	}
	return out, nil
}

// Lease implements [TriggerStore].
func (m *MemoryStore) Lease(ctx context.Context, id, owner string, ttl time.Duration) (bool, error) {
	if owner == "" {
		return false, errors.New("runtime: lease with empty owner")
	}
	if err := m.lock(ctx); err != nil {
		return false, err
	}
	defer m.mu.Unlock()
	ms, err := m.sub(id)
	if err != nil {
		return false, err
	}
	now := m.now()
	if ms.owner != "" && ms.owner != owner && now.Before(ms.until) {
		return false, nil
	}
	ms.owner, ms.until = owner, now.Add(ttl)
	return true, nil
}

// Unlease implements [TriggerStore].
func (m *MemoryStore) Unlease(ctx context.Context, id, owner string) error {
	if err := m.lock(ctx); err != nil {
		return err
	}
	defer m.mu.Unlock()
	ms, err := m.sub(id)
	if err != nil {
		return err
	}
	if ms.owner == owner {
		ms.owner, ms.until = "", time.Time{}
	}
	return nil
}

// Key implements [TriggerStore].
func (m *MemoryStore) Key(ctx context.Context, name string, n int) ([]byte, error) {
	if name == "" || n <= 0 {
		return nil, fmt.Errorf("runtime: key %q of %d bytes", name, n)
	}
	if err := m.lock(ctx); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	k, ok := m.keys[name]
	if !ok {
		k = make([]byte, n)
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
		m.keys[name] = k
	}
	if len(k) != n {
		return nil, fmt.Errorf("runtime: key %q has %d bytes, not %d", name, len(k), n)
	}
	return bytes.Clone(k), nil
}

// Close implements [TriggerStore]; for a MemoryStore it does nothing and
// the store stays usable.
func (m *MemoryStore) Close() error { return nil }

// copySubscription returns s with its byte slices copied.
func copySubscription(s Subscription) Subscription {
	s.Params = bytes.Clone(s.Params)
	s.Cursor = bytes.Clone(s.Cursor)
	return s
}

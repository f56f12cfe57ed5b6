// Package storetest is a conformance test suite for implementations of
// [runtime.TriggerStore]. Every store (in memory, SQLite, PostgreSQL)
// runs the same tests by calling [Run] from its own test file:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, now func() time.Time) runtime.TriggerStore {
//			return runtime.NewMemoryStoreWithClock(now)
//		})
//	}
//
// The suite controls time through the now function it passes, so stores
// must read the current time (timestamps, lease expiry) only from it. All
// times the suite uses are whole seconds in UTC, so stores with
// microsecond precision or another time zone compare equal.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/runtime"
)

// NewStore returns a new, empty store that reads the current time from
// now. The suite closes the store at the end of each subtest.
type NewStore func(t *testing.T, now func() time.Time) runtime.TriggerStore

// Clock is a manually advanced clock, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock standing at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// start is where every subtest's clock starts.
var start = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// env is one subtest's store and clock.
type env struct {
	t     *testing.T
	ctx   context.Context
	s     runtime.TriggerStore
	clock *Clock
}

// Run runs the conformance suite, one subtest per property, each against
// a fresh store from newStore.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		f    func(e *env)
	}{
		{"SaveSubscriptionVersions", testSaveVersions},
		{"SaveSubscriptionFields", testSaveFields},
		{"SubscriptionsSorted", testSubscriptionsSorted},
		{"CommitVersions", testCommitVersions},
		{"CommitAtomic", testCommitAtomic},
		{"SeqNeverReused", testSeqNeverReused},
		{"PendingOrderAndLimit", testPending},
		{"Retry", testRetry},
		{"Bury", testBury},
		{"NotFound", testNotFound},
		{"Delete", testDelete},
		{"Lease", testLease},
		{"Key", testKey},
		{"Copies", testCopies},
		{"ConcurrentCommit", testConcurrentCommit},
		{"ConcurrentCompareAndSet", testConcurrentCAS},
		{"ConcurrentLease", testConcurrentLease},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := NewClock(start)
			s := newStore(t, clock.Now)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.f(&env{t: t, ctx: t.Context(), s: s, clock: clock})
		})
	}
}

// save stores a new subscription id and returns its version.
func (e *env) save(id string) int64 {
	e.t.Helper()
	v, err := e.s.SaveSubscription(e.ctx, runtime.Subscription{ID: id, Operation: "OnNewItem", Kind: "polling",
		Params: json.RawMessage(`{"folder":"x"}`), Cursor: []byte("c0")})
	if err != nil {
		e.t.Fatalf("SaveSubscription(%q): %v", id, err)
	}
	return v
}

// get returns subscription id.
func (e *env) get(id string) runtime.Subscription {
	e.t.Helper()
	s, err := e.s.Subscription(e.ctx, id)
	if err != nil {
		e.t.Fatalf("Subscription(%q): %v", id, err)
	}
	return s
}

// commit commits events with AnyVersion and a nil cursor.
func (e *env) commit(id string, events ...string) int64 {
	e.t.Helper()
	v, err := e.s.Commit(e.ctx, id, runtime.AnyVersion, nil, payloads(events...))
	if err != nil {
		e.t.Fatalf("Commit(%q): %v", id, err)
	}
	return v
}

// pending returns all of id's inbox.
func (e *env) pending(id string) []runtime.InboxEvent {
	e.t.Helper()
	p, err := e.s.Pending(e.ctx, id, 0)
	if err != nil {
		e.t.Fatalf("Pending(%q): %v", id, err)
	}
	return p
}

// dead returns id's dead letters.
func (e *env) dead(id string) []runtime.DeadLetter {
	e.t.Helper()
	d, err := e.s.DeadLetters(e.ctx, id)
	if err != nil {
		e.t.Fatalf("DeadLetters(%q): %v", id, err)
	}
	return d
}

// ok fails the test when err is not nil.
func (e *env) ok(what string, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

// is fails the test when err is not target.
func (e *env) is(what string, err, target error) {
	e.t.Helper()
	if !errors.Is(err, target) {
		e.t.Fatalf("%s: error %v, want %v", what, err, target)
	}
}

// payloads converts strings to byte slices.
func payloads(events ...string) [][]byte {
	out := make([][]byte, len(events))
	for i, s := range events {
		out[i] = []byte(s)
	}
	return out
}

// texts returns the payloads of events as strings.
func texts(events []runtime.InboxEvent) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = string(ev.Payload)
	}
	return out
}

// seqs returns the sequence numbers of events.
func seqs(events []runtime.InboxEvent) []int64 {
	out := make([]int64, len(events))
	for i, ev := range events {
		out[i] = ev.Seq
	}
	return out
}

// increasing fails the test unless s is strictly increasing.
func (e *env) increasing(what string, s []int64) {
	e.t.Helper()
	for i := 1; i < len(s); i++ {
		if s[i] <= s[i-1] {
			e.t.Fatalf("%s: Seq not strictly increasing: %v", what, s)
		}
	}
}

func testSaveVersions(e *env) {
	sub := runtime.Subscription{ID: "s", Operation: "op", Kind: "polling", Cursor: []byte("a")}
	v, err := e.s.SaveSubscription(e.ctx, sub)
	e.ok("insert", err)
	if v != 1 {
		e.t.Fatalf("insert version %d, want 1", v)
	}
	for _, stale := range []int64{0, 2, 7} {
		sub.Version, sub.Cursor = stale, []byte("lost")
		_, err = e.s.SaveSubscription(e.ctx, sub)
		e.is(fmt.Sprintf("save with version %d", stale), err, runtime.ErrConflict)
	}
	if got := e.get("s"); got.Version != 1 || string(got.Cursor) != "a" {
		e.t.Fatalf("after conflicts: version %d cursor %q, want 1 %q", got.Version, got.Cursor, "a")
	}
	sub.Version, sub.Cursor = 1, []byte("b")
	v, err = e.s.SaveSubscription(e.ctx, sub)
	e.ok("replace", err)
	if v != 2 {
		e.t.Fatalf("replace version %d, want 2", v)
	}
	sub.Version, sub.Cursor = runtime.AnyVersion, []byte("c")
	v, err = e.s.SaveSubscription(e.ctx, sub)
	e.ok("force", err)
	if got := e.get("s"); v != 3 || got.Version != 3 || string(got.Cursor) != "c" {
		e.t.Fatalf("force: returned %d, stored version %d cursor %q; want 3, 3, %q", v, got.Version, got.Cursor, "c")
	}

	// A new subscription must be saved with version 0 or AnyVersion.
	_, err = e.s.SaveSubscription(e.ctx, runtime.Subscription{ID: "new", Version: 3})
	e.is("insert with version 3", err, runtime.ErrConflict)
	_, err = e.s.Subscription(e.ctx, "new")
	e.is("after failed insert", err, runtime.ErrNotFound)
	v, err = e.s.SaveSubscription(e.ctx, runtime.Subscription{ID: "new", Version: runtime.AnyVersion})
	e.ok("insert with AnyVersion", err)
	if v != 1 {
		e.t.Fatalf("insert with AnyVersion: version %d, want 1", v)
	}

	// Replacing keeps the inbox.
	e.commit("s", "ev")
	sub.Version = runtime.AnyVersion
	_, err = e.s.SaveSubscription(e.ctx, sub)
	e.ok("replace with inbox", err)
	if got := texts(e.pending("s")); !slices.Equal(got, []string{"ev"}) {
		e.t.Fatalf("inbox after replace: %q", got)
	}
}

func testSaveFields(e *env) {
	created := start.Add(-time.Hour)
	in := runtime.Subscription{ID: "s", Operation: "OnNewEmail", Kind: "webhook",
		Params: json.RawMessage(`{"a":1}`), Cursor: []byte{0, 1, 2, 255}, Created: created}
	_, err := e.s.SaveSubscription(e.ctx, in)
	e.ok("save", err)
	got := e.get("s")
	if got.ID != in.ID || got.Operation != in.Operation || got.Kind != in.Kind ||
		!bytes.Equal(got.Params, in.Params) || !bytes.Equal(got.Cursor, in.Cursor) ||
		got.Version != 1 || !got.Created.Equal(created) {
		e.t.Fatalf("got %+v, want %+v with version 1", got, in)
	}

	// A zero Created becomes the store's now on insert and is kept on
	// replacement.
	_, err = e.s.SaveSubscription(e.ctx, runtime.Subscription{ID: "z", Kind: "polling"})
	e.ok("save z", err)
	if got := e.get("z"); !got.Created.Equal(start) {
		e.t.Fatalf("Created %v, want clock time %v", got.Created, start)
	}
	e.clock.Advance(time.Minute)
	_, err = e.s.SaveSubscription(e.ctx, runtime.Subscription{ID: "z", Kind: "polling", Version: 1})
	e.ok("replace z", err)
	if got := e.get("z"); !got.Created.Equal(start) {
		e.t.Fatalf("Created after replace %v, want %v", got.Created, start)
	}
}

func testSubscriptionsSorted(e *env) {
	all, err := e.s.Subscriptions(e.ctx)
	e.ok("Subscriptions", err)
	if len(all) != 0 {
		e.t.Fatalf("empty store has %d subscriptions", len(all))
	}
	for _, id := range []string{"c", "a", "d", "b"} {
		e.save(id)
	}
	all, err = e.s.Subscriptions(e.ctx)
	e.ok("Subscriptions", err)
	var ids []string
	for _, s := range all {
		ids = append(ids, s.ID)
		if s.Kind != "polling" || string(s.Cursor) != "c0" || s.Version != 1 {
			e.t.Errorf("subscription %+v not as saved", s)
		}
	}
	if !slices.Equal(ids, []string{"a", "b", "c", "d"}) {
		e.t.Fatalf("IDs %q, want sorted", ids)
	}
}

func testCommitVersions(e *env) {
	v := e.save("s")
	for _, stale := range []int64{0, v + 1, 99} {
		_, err := e.s.Commit(e.ctx, "s", stale, []byte("lost"), payloads("lost"))
		e.is(fmt.Sprintf("commit with prev %d", stale), err, runtime.ErrConflict)
	}
	if got := e.get("s"); got.Version != v || string(got.Cursor) != "c0" {
		e.t.Fatalf("after conflicts: version %d cursor %q", got.Version, got.Cursor)
	}
	if p := e.pending("s"); len(p) != 0 {
		e.t.Fatalf("conflicting commits wrote events: %q", texts(p))
	}

	v2, err := e.s.Commit(e.ctx, "s", v, []byte("c1"), payloads("e1"))
	e.ok("commit", err)
	if v2 != v+1 {
		e.t.Fatalf("version %d, want %d", v2, v+1)
	}
	// nil cursor keeps the cursor; no events still bumps the version.
	v3, err := e.s.Commit(e.ctx, "s", v2, nil, nil)
	e.ok("empty commit", err)
	if got := e.get("s"); v3 != v2+1 || got.Version != v3 || string(got.Cursor) != "c1" {
		e.t.Fatalf("empty commit: returned %d, stored %d cursor %q; want %d, %d, %q", v3, got.Version, got.Cursor, v2+1, v2+1, "c1")
	}
	// An empty non-nil cursor replaces the cursor.
	v4, err := e.s.Commit(e.ctx, "s", runtime.AnyVersion, []byte{}, payloads("e2"))
	e.ok("commit with AnyVersion", err)
	if got := e.get("s"); v4 != v3+1 || len(got.Cursor) != 0 {
		e.t.Fatalf("AnyVersion commit: version %d cursor %q", v4, got.Cursor)
	}
	// SaveSubscription and Commit share one version.
	_, err = e.s.SaveSubscription(e.ctx, runtime.Subscription{ID: "s", Kind: "polling", Version: v3})
	e.is("save with version before commit", err, runtime.ErrConflict)
	v5, err := e.s.SaveSubscription(e.ctx, runtime.Subscription{ID: "s", Kind: "polling", Version: v4})
	e.ok("save after commit", err)
	_, err = e.s.Commit(e.ctx, "s", v4, nil, payloads("lost"))
	e.is("commit with version before save", err, runtime.ErrConflict)
	if _, err := e.s.Commit(e.ctx, "s", v5, nil, nil); err != nil {
		e.t.Fatalf("commit after save: %v", err)
	}
	if got := texts(e.pending("s")); !slices.Equal(got, []string{"e1", "e2"}) {
		e.t.Fatalf("inbox %q, want [e1 e2]", got)
	}
}

func testCommitAtomic(e *env) {
	v := e.save("s")
	v, err := e.s.Commit(e.ctx, "s", v, []byte("c1"), payloads("a", "b", "c"))
	e.ok("commit", err)
	got := e.get("s")
	if string(got.Cursor) != "c1" || got.Version != v {
		e.t.Fatalf("cursor %q version %d", got.Cursor, got.Version)
	}
	p := e.pending("s")
	if !slices.Equal(texts(p), []string{"a", "b", "c"}) {
		e.t.Fatalf("inbox %q", texts(p))
	}
	for _, ev := range p {
		if ev.Subscription != "s" || !ev.Received.Equal(start) || ev.Attempts != 0 || !ev.NextAttempt.IsZero() || ev.LastError != "" {
			e.t.Errorf("new event %+v", ev)
		}
	}
	// A failed commit writes neither events nor cursor.
	_, err = e.s.Commit(e.ctx, "s", v-1, []byte("c2"), payloads("d", "e"))
	e.is("stale commit", err, runtime.ErrConflict)
	if got := e.get("s"); string(got.Cursor) != "c1" || got.Version != v {
		e.t.Fatalf("after failed commit: cursor %q version %d", got.Cursor, got.Version)
	}
	if got := texts(e.pending("s")); len(got) != 3 {
		e.t.Fatalf("after failed commit: inbox %q", got)
	}
	// A cancelled context must not write either.
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	if _, err := e.s.Commit(ctx, "s", v, []byte("c3"), payloads("f")); err == nil {
		e.t.Fatalf("commit with cancelled context succeeded")
	}
	if got := e.get("s"); string(got.Cursor) != "c1" || len(e.pending("s")) != 3 {
		e.t.Fatalf("cancelled commit wrote: cursor %q", got.Cursor)
	}
}

func testSeqNeverReused(e *env) {
	e.save("s")
	e.save("other")
	e.commit("s", "a", "b", "c")
	e.commit("other", "x")
	p := e.pending("s")
	e.increasing("first commit", seqs(p))
	maxSeq := p[2].Seq
	e.ok("Ack", e.s.Ack(e.ctx, "s", p[2].Seq))
	e.ok("Bury", e.s.Bury(e.ctx, "s", p[1].Seq, "poison"))
	e.commit("s", "d")
	p = e.pending("s")
	e.increasing("after ack and bury", seqs(p))
	if p[len(p)-1].Seq <= maxSeq {
		e.t.Fatalf("Seq %d after Ack of %d reused", p[len(p)-1].Seq, maxSeq)
	}
	maxSeq = p[len(p)-1].Seq

	// Deleting and recreating the subscription does not restart Seq.
	e.ok("Delete", e.s.DeleteSubscription(e.ctx, "s"))
	e.save("s")
	e.commit("s", "e", "f")
	p = e.pending("s")
	e.increasing("after recreate", seqs(p))
	if p[0].Seq <= maxSeq {
		e.t.Fatalf("Seq %d after recreate not above %d", p[0].Seq, maxSeq)
	}
}

func testPending(e *env) {
	e.save("s")
	e.save("other")
	e.commit("s", "1", "2")
	e.commit("other", "x")
	e.commit("s", "3", "4", "5")
	for _, tc := range []struct {
		limit int
		want  []string
	}{
		{0, []string{"1", "2", "3", "4", "5"}},
		{-1, []string{"1", "2", "3", "4", "5"}},
		{1, []string{"1"}},
		{3, []string{"1", "2", "3"}},
		{5, []string{"1", "2", "3", "4", "5"}},
		{10, []string{"1", "2", "3", "4", "5"}},
	} {
		p, err := e.s.Pending(e.ctx, "s", tc.limit)
		e.ok("Pending", err)
		if !slices.Equal(texts(p), tc.want) {
			e.t.Errorf("Pending(limit %d) = %q, want %q", tc.limit, texts(p), tc.want)
		}
		e.increasing("Pending", seqs(p))
	}
	// Events not yet due are still returned, in order.
	p := e.pending("s")
	e.ok("Retry", e.s.Retry(e.ctx, "s", p[0].Seq, "later", start.Add(time.Hour)))
	if got := texts(e.pending("s")); got[0] != "1" || len(got) != 5 {
		e.t.Fatalf("with not-yet-due head: %q", got)
	}
	if got := texts(e.pending("other")); !slices.Equal(got, []string{"x"}) {
		e.t.Fatalf("other inbox %q", got)
	}
	e.save("empty")
	if got := e.pending("empty"); len(got) != 0 {
		e.t.Fatalf("empty inbox %q", texts(got))
	}
}

func testRetry(e *env) {
	e.save("s")
	e.commit("s", "a", "b")
	p := e.pending("s")
	at1, at2 := start.Add(time.Minute), start.Add(3*time.Minute)
	e.ok("Retry 1", e.s.Retry(e.ctx, "s", p[0].Seq, "boom 1", at1))
	got := e.pending("s")
	if h := got[0]; h.Seq != p[0].Seq || h.Attempts != 1 || h.LastError != "boom 1" || !h.NextAttempt.Equal(at1) {
		e.t.Fatalf("after first retry: %+v", h)
	}
	e.ok("Retry 2", e.s.Retry(e.ctx, "s", p[0].Seq, "boom 2", at2))
	got = e.pending("s")
	if h := got[0]; h.Attempts != 2 || h.LastError != "boom 2" || !h.NextAttempt.Equal(at2) || string(h.Payload) != "a" || !h.Received.Equal(start) {
		e.t.Fatalf("after second retry: %+v", h)
	}
	if n := got[1]; n.Attempts != 0 || n.LastError != "" || !n.NextAttempt.IsZero() {
		e.t.Fatalf("retry touched the next event: %+v", n)
	}
	// A zero time makes the event due now.
	e.ok("Retry 3", e.s.Retry(e.ctx, "s", p[0].Seq, "boom 3", time.Time{}))
	if h := e.pending("s")[0]; h.Attempts != 3 || !h.NextAttempt.IsZero() {
		e.t.Fatalf("after retry at zero time: %+v", h)
	}
	e.ok("Ack", e.s.Ack(e.ctx, "s", p[0].Seq))
	if got := texts(e.pending("s")); !slices.Equal(got, []string{"b"}) {
		e.t.Fatalf("after Ack: %q", got)
	}
}

func testBury(e *env) {
	e.save("s")
	e.commit("s", "a", "b", "c")
	p := e.pending("s")
	e.ok("Retry", e.s.Retry(e.ctx, "s", p[2].Seq, "bad", start.Add(time.Minute)))
	e.clock.Advance(time.Hour)
	e.ok("Bury c", e.s.Bury(e.ctx, "s", p[2].Seq, "too many attempts"))
	e.ok("Bury a", e.s.Bury(e.ctx, "s", p[0].Seq, "undecodable"))
	if got := texts(e.pending("s")); !slices.Equal(got, []string{"b"}) {
		e.t.Fatalf("inbox after Bury: %q", got)
	}
	d := e.dead("s")
	if len(d) != 2 {
		e.t.Fatalf("%d dead letters, want 2", len(d))
	}
	want := []runtime.DeadLetter{
		{Subscription: "s", Seq: p[0].Seq, Payload: []byte("a"), Reason: "undecodable", Buried: start.Add(time.Hour)},
		{Subscription: "s", Seq: p[2].Seq, Payload: []byte("c"), Attempts: 1, LastError: "bad", Reason: "too many attempts", Buried: start.Add(time.Hour)},
	}
	for i, w := range want {
		g := d[i]
		if g.Subscription != w.Subscription || g.Seq != w.Seq || !bytes.Equal(g.Payload, w.Payload) || g.Attempts != w.Attempts ||
			g.LastError != w.LastError || g.Reason != w.Reason || !g.Buried.Equal(w.Buried) {
			e.t.Errorf("dead letter %d: %+v, want %+v", i, g, w)
		}
	}
	e.is("Bury twice", e.s.Bury(e.ctx, "s", p[0].Seq, "again"), runtime.ErrNotFound)
	e.is("Ack buried", e.s.Ack(e.ctx, "s", p[0].Seq), runtime.ErrNotFound)
	e.save("other")
	if d := e.dead("other"); len(d) != 0 {
		e.t.Fatalf("other has %d dead letters", len(d))
	}
}

func testNotFound(e *env) {
	ctx, s := e.ctx, e.s
	_, err := s.Subscription(ctx, "nope")
	e.is("Subscription", err, runtime.ErrNotFound)
	e.is("DeleteSubscription", s.DeleteSubscription(ctx, "nope"), runtime.ErrNotFound)
	_, err = s.Commit(ctx, "nope", runtime.AnyVersion, []byte("c"), payloads("a"))
	e.is("Commit", err, runtime.ErrNotFound)
	_, err = s.Pending(ctx, "nope", 0)
	e.is("Pending", err, runtime.ErrNotFound)
	e.is("Ack", s.Ack(ctx, "nope", 1), runtime.ErrNotFound)
	e.is("Retry", s.Retry(ctx, "nope", 1, "x", time.Time{}), runtime.ErrNotFound)
	e.is("Bury", s.Bury(ctx, "nope", 1, "x"), runtime.ErrNotFound)
	_, err = s.DeadLetters(ctx, "nope")
	e.is("DeadLetters", err, runtime.ErrNotFound)
	_, err = s.Lease(ctx, "nope", "me", time.Minute)
	e.is("Lease", err, runtime.ErrNotFound)
	e.is("Unlease", s.Unlease(ctx, "nope", "me"), runtime.ErrNotFound)
	if all, err := s.Subscriptions(ctx); err != nil || len(all) != 0 {
		e.t.Fatalf("Commit on unknown id created something: %v %v", all, err)
	}

	// Unknown events of a known subscription.
	e.save("s")
	e.commit("s", "a")
	seq := e.pending("s")[0].Seq
	e.is("Ack unknown seq", s.Ack(ctx, "s", seq+1000), runtime.ErrNotFound)
	e.is("Retry unknown seq", s.Retry(ctx, "s", seq+1000, "x", time.Time{}), runtime.ErrNotFound)
	e.is("Bury unknown seq", s.Bury(ctx, "s", seq+1000, "x"), runtime.ErrNotFound)
	e.ok("Ack", s.Ack(ctx, "s", seq))
	e.is("Ack twice", s.Ack(ctx, "s", seq), runtime.ErrNotFound)
	e.is("Retry acked", s.Retry(ctx, "s", seq, "x", time.Time{}), runtime.ErrNotFound)
	// An event of one subscription is unknown to another.
	e.save("t")
	e.commit("t", "b")
	tseq := e.pending("t")[0].Seq
	e.is("Ack other's event", s.Ack(ctx, "s", tseq), runtime.ErrNotFound)
	if len(e.pending("t")) != 1 {
		e.t.Fatalf("Ack through another subscription removed the event")
	}
}

func testDelete(e *env) {
	e.save("s")
	e.save("keep")
	e.commit("s", "a", "b")
	e.commit("keep", "k")
	e.ok("Bury", e.s.Bury(e.ctx, "s", e.pending("s")[0].Seq, "x"))
	granted, err := e.s.Lease(e.ctx, "s", "owner1", time.Hour)
	e.ok("Lease", err)
	if !granted {
		e.t.Fatalf("lease refused")
	}
	e.ok("Delete", e.s.DeleteSubscription(e.ctx, "s"))
	_, err = e.s.Subscription(e.ctx, "s")
	e.is("Subscription after delete", err, runtime.ErrNotFound)
	e.is("Delete twice", e.s.DeleteSubscription(e.ctx, "s"), runtime.ErrNotFound)

	e.save("s")
	if got := e.get("s"); got.Version != 1 {
		e.t.Fatalf("recreated version %d, want 1", got.Version)
	}
	if p := e.pending("s"); len(p) != 0 {
		e.t.Fatalf("recreated inbox %q", texts(p))
	}
	if d := e.dead("s"); len(d) != 0 {
		e.t.Fatalf("recreated has %d dead letters", len(d))
	}
	granted, err = e.s.Lease(e.ctx, "s", "owner2", time.Hour)
	e.ok("Lease after recreate", err)
	if !granted {
		e.t.Fatalf("lease survived delete")
	}
	if got := texts(e.pending("keep")); !slices.Equal(got, []string{"k"}) {
		e.t.Fatalf("delete touched another inbox: %q", got)
	}
}

func testLease(e *env) {
	e.save("s")
	e.save("t")
	lease := func(id, owner string, want bool) {
		e.t.Helper()
		got, err := e.s.Lease(e.ctx, id, owner, time.Minute)
		e.ok("Lease", err)
		if got != want {
			e.t.Fatalf("Lease(%q, %q) = %v at %v, want %v", id, owner, got, e.clock.Now().Sub(start), want)
		}
	}
	lease("s", "A", true)
	lease("s", "B", false)
	lease("t", "B", true) // leases are per subscription
	e.clock.Advance(50 * time.Second)
	lease("s", "A", true) // renewed until 110s
	e.clock.Advance(50 * time.Second)
	lease("s", "B", false) // would have expired at 60s without renewal
	e.clock.Advance(10 * time.Second)
	lease("s", "B", true) // expired at 110s
	lease("s", "A", false)

	e.ok("Unlease by non-owner", e.s.Unlease(e.ctx, "s", "A"))
	lease("s", "A", false)
	e.ok("Unlease", e.s.Unlease(e.ctx, "s", "B"))
	lease("s", "A", true)
	e.ok("Unlease twice", e.s.Unlease(e.ctx, "s", "A"))
	e.ok("Unlease twice", e.s.Unlease(e.ctx, "s", "A"))
	lease("s", "C", true)
}

func testKey(e *env) {
	k1, err := e.s.Key(e.ctx, "callback", 32)
	e.ok("Key", err)
	if len(k1) != 32 {
		e.t.Fatalf("key has %d bytes, want 32", len(k1))
	}
	if bytes.Equal(k1, make([]byte, 32)) {
		e.t.Fatalf("key is all zeros")
	}
	k1[0] ^= 0xff // must not change the stored key
	k2, err := e.s.Key(e.ctx, "callback", 32)
	e.ok("Key again", err)
	k1[0] ^= 0xff
	if !bytes.Equal(k1, k2) {
		e.t.Fatalf("key changed between calls")
	}
	other, err := e.s.Key(e.ctx, "other", 32)
	e.ok("other Key", err)
	if bytes.Equal(other, k1) {
		e.t.Fatalf("different names gave the same key")
	}
	if _, err := e.s.Key(e.ctx, "callback", 16); err == nil {
		e.t.Fatalf("Key with a different length succeeded")
	}
	if k3, err := e.s.Key(e.ctx, "callback", 32); err != nil || !bytes.Equal(k3, k2) {
		e.t.Fatalf("key changed after a length mismatch: %v", err)
	}
}

func testCopies(e *env) {
	params, cursor := []byte(`{"a":1}`), []byte("cur")
	sub := runtime.Subscription{ID: "s", Kind: "polling", Params: params, Cursor: cursor}
	v, err := e.s.SaveSubscription(e.ctx, sub)
	e.ok("save", err)
	params[2], cursor[0] = 'X', 'X'
	got := e.get("s")
	if string(got.Params) != `{"a":1}` || string(got.Cursor) != "cur" {
		e.t.Fatalf("store kept caller's slices: %q %q", got.Params, got.Cursor)
	}
	got.Params[2], got.Cursor[0] = 'Y', 'Y'
	all, err := e.s.Subscriptions(e.ctx)
	e.ok("Subscriptions", err)
	all[0].Cursor[0] = 'Z'
	if got := e.get("s"); string(got.Params) != `{"a":1}` || string(got.Cursor) != "cur" {
		e.t.Fatalf("store returned its own slices: %q %q", got.Params, got.Cursor)
	}

	next, events := []byte("next"), payloads("p1", "p2")
	_, err = e.s.Commit(e.ctx, "s", v, next, events)
	e.ok("Commit", err)
	next[0], events[0][0], events[1][0] = 'X', 'X', 'X'
	p := e.pending("s")
	if string(e.get("s").Cursor) != "next" || !slices.Equal(texts(p), []string{"p1", "p2"}) {
		e.t.Fatalf("Commit kept caller's slices")
	}
	p[0].Payload[0] = 'Y'
	if got := texts(e.pending("s")); !slices.Equal(got, []string{"p1", "p2"}) {
		e.t.Fatalf("Pending returned the store's slices: %q", got)
	}
	e.ok("Bury", e.s.Bury(e.ctx, "s", p[0].Seq, "x"))
	d := e.dead("s")
	d[0].Payload[0] = 'Y'
	if got := e.dead("s"); string(got[0].Payload) != "p1" {
		e.t.Fatalf("DeadLetters returned the store's slices: %q", got[0].Payload)
	}
}

func testConcurrentCommit(e *env) {
	const workers, commits = 16, 25
	v0 := e.save("s")
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for c := range commits {
				_, err := e.s.Commit(e.ctx, "s", runtime.AnyVersion, nil,
					payloads(fmt.Sprintf("%d/%d/0", w, c), fmt.Sprintf("%d/%d/1", w, c)))
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatalf("Commit: %v", err)
	}
	p := e.pending("s")
	if len(p) != workers*commits*2 {
		e.t.Fatalf("%d events, want %d", len(p), workers*commits*2)
	}
	e.increasing("concurrent commits", seqs(p))
	seen := map[string]bool{}
	last := make([]int, workers) // next expected event per worker, as c*2+i
	for _, ev := range p {
		var w, c, i int
		if _, err := fmt.Sscanf(string(ev.Payload), "%d/%d/%d", &w, &c, &i); err != nil {
			e.t.Fatalf("payload %q: %v", ev.Payload, err)
		}
		if seen[string(ev.Payload)] {
			e.t.Fatalf("event %q twice", ev.Payload)
		}
		seen[string(ev.Payload)] = true
		if c*2+i != last[w] {
			e.t.Fatalf("event %q out of order for its worker", ev.Payload)
		}
		last[w]++
	}
	if got := e.get("s").Version; got != v0+workers*commits {
		e.t.Fatalf("version %d, want %d", got, v0+workers*commits)
	}
}

func testConcurrentCAS(e *env) {
	const workers = 16
	v := e.save("s")
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, lost := 0, 0
	for w := range workers {
		wg.Go(func() {
			_, err := e.s.Commit(e.ctx, "s", v, fmt.Appendf(nil, "cursor %d", w), payloads(fmt.Sprint(w)))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case errors.Is(err, runtime.ErrConflict):
				lost++
			default:
				e.t.Errorf("Commit: %v", err)
			}
		})
	}
	wg.Wait()
	if won != 1 || lost != workers-1 {
		e.t.Fatalf("%d commits won, %d lost; want 1 and %d", won, lost, workers-1)
	}
	p := e.pending("s")
	if len(p) != 1 {
		e.t.Fatalf("%d events, want 1", len(p))
	}
	if got := e.get("s"); string(got.Cursor) != "cursor "+string(p[0].Payload) || got.Version != v+1 {
		e.t.Fatalf("cursor %q and event %q from different commits (version %d)", got.Cursor, p[0].Payload, got.Version)
	}
}

func testConcurrentLease(e *env) {
	const workers = 16
	e.save("s")
	var wg sync.WaitGroup
	var mu sync.Mutex
	var owners []string
	for w := range workers {
		wg.Go(func() {
			owner := fmt.Sprintf("replica-%d", w)
			ok, err := e.s.Lease(e.ctx, "s", owner, time.Minute)
			if err != nil {
				e.t.Errorf("Lease: %v", err)
				return
			}
			if ok {
				mu.Lock()
				owners = append(owners, owner)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(owners) != 1 {
		e.t.Fatalf("lease granted to %q, want exactly one owner", owners)
	}
}

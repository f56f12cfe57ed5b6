package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/runtime"
)

// waitTaken waits until the writer has taken a group of writes since
// s.groups was at groups (it is then blocked by blockWriter).
func waitTaken(t *testing.T, s *Store, groups int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.groups.Load() == groups {
		if time.Now().After(deadline) {
			t.Fatal("the writer did not take the first write")
		}
		time.Sleep(time.Millisecond)
	}
}

// blockWriter takes the database's write lock through a connection of its
// own, so that the Store's writer waits in BEGIN IMMEDIATE; release gives
// the lock back.
func blockWriter(t *testing.T, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
				t.Error(err)
			}
			conn.Close()
			db.Close()
		})
	}
	t.Cleanup(release)
	return release
}

// waitQueued waits until n writes wait for the writer.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		got := len(s.queue)
		s.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGroupCommitOutcomes queues writes that succeed and writes that fail
// behind a blocked writer, so that they run in one transaction, and
// checks that each gets its own outcome and only the successful ones are
// written.
func TestGroupCommitOutcomes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "triggers.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, err := s.SaveSubscription(ctx, runtime.Subscription{ID: "s", Kind: "webhook"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, "s", runtime.AnyVersion, nil, [][]byte{[]byte(`"old"`)}); err != nil {
		t.Fatal(err)
	}
	v++
	p, err := s.Pending(ctx, "s", 0)
	if err != nil || len(p) != 1 {
		t.Fatalf("Pending: %v %v", p, err)
	}
	old := p[0].Seq

	release := blockWriter(t, path)
	// The first write occupies the blocked writer; the others queue and
	// then run as one group.
	groups := s.groups.Load()
	first := make(chan error, 1)
	go func() {
		_, err := s.Lease(ctx, "s", "owner", time.Minute)
		first <- err
	}()
	waitTaken(t, s, groups)

	type result struct {
		name string
		err  error
	}
	results := make(chan result, 16)
	var wg sync.WaitGroup
	run := func(name string, f func() error) {
		wg.Go(func() { results <- result{name, f()} })
	}
	// Queued first, so that it runs before the other writes of the group
	// bump the version.
	run("commit-cas-ok", func() error {
		_, err := s.Commit(ctx, "s", v, []byte("cursor-a"), [][]byte{[]byte(`"a"`)})
		return err
	})
	waitQueued(t, s, 1)
	run("commit-any-1", func() error {
		_, err := s.Commit(ctx, "s", runtime.AnyVersion, nil, [][]byte{[]byte(`1`)})
		return err
	})
	run("commit-cas-stale", func() error {
		_, err := s.Commit(ctx, "s", v-1, []byte("lost"), [][]byte{[]byte(`"lost"`)})
		return err
	})
	run("commit-missing", func() error {
		_, err := s.Commit(ctx, "nope", runtime.AnyVersion, nil, [][]byte{[]byte(`"lost"`)})
		return err
	})
	run("ack-missing", func() error { return s.Ack(ctx, "s", old+1000) })
	run("bury-missing", func() error { return s.Bury(ctx, "s", old+1000, "x") })
	run("ack-old", func() error { return s.Ack(ctx, "s", old) })
	run("commit-any-2", func() error {
		_, err := s.Commit(ctx, "s", runtime.AnyVersion, nil, [][]byte{[]byte(`2`), []byte(`3`)})
		return err
	})
	waitQueued(t, s, 8)
	release()
	wg.Wait()
	close(results)
	if err := <-first; err != nil {
		t.Fatalf("Lease: %v", err)
	}
	want := map[string]error{
		"commit-any-1": nil, "commit-cas-ok": nil, "commit-cas-stale": runtime.ErrConflict,
		"commit-missing": runtime.ErrNotFound, "ack-missing": runtime.ErrNotFound,
		"bury-missing": runtime.ErrNotFound, "ack-old": nil, "commit-any-2": nil,
	}
	for r := range results {
		w := want[r.name]
		if (w == nil) != (r.err == nil) || (w != nil && !errors.Is(r.err, w)) {
			t.Errorf("%s: error %v, want %v", r.name, r.err, w)
		}
	}
	if n := s.groups.Load() - groups; n != 2 { // the Lease, then the 8 queued writes
		t.Errorf("%d transactions, want 2", n)
	}
	p, err = s.Pending(ctx, "s", 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range p {
		got = append(got, string(e.Payload))
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{`"a"`, `1`, `2`, `3`}) {
		t.Errorf("inbox %q, want the events of the successful commits", got)
	}
	sub, err := s.Subscription(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if sub.Version != v+3 || string(sub.Cursor) != "cursor-a" {
		t.Errorf("version %d cursor %q, want %d %q", sub.Version, sub.Cursor, v+3, "cursor-a")
	}
}

// TestGroupCommitCancel checks that a write whose context ends while it
// waits for the writer returns the context's error and writes nothing.
func TestGroupCommitCancel(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "triggers.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.SaveSubscription(ctx, runtime.Subscription{ID: "s", Kind: "webhook"}); err != nil {
		t.Fatal(err)
	}
	release := blockWriter(t, path)
	groups := s.groups.Load()
	first := make(chan error, 1)
	go func() {
		_, err := s.Commit(ctx, "s", runtime.AnyVersion, nil, [][]byte{[]byte(`"kept"`)})
		first <- err
	}()
	waitTaken(t, s, groups)

	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := s.Commit(cctx, "s", runtime.AnyVersion, nil, [][]byte{[]byte(`"cancelled"`)})
		done <- err
	}()
	waitQueued(t, s, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Commit: %v", err)
	}
	release()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	p, err := s.Pending(ctx, "s", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 1 || string(p[0].Payload) != `"kept"` {
		t.Fatalf("inbox %+v, want only the kept event", p)
	}
}

// TestCloseDrainsWrites checks that Close lets waiting writes finish,
// makes later writes fail, and stops the writer goroutine.
func TestCloseDrainsWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "triggers.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveSubscription(ctx, runtime.Subscription{ID: "s", Kind: "webhook"}); err != nil {
		t.Fatal(err)
	}
	release := blockWriter(t, path)
	const n = 10
	errs := make(chan error, n)
	commit := func(i int) {
		_, err := s.Commit(ctx, "s", runtime.AnyVersion, nil, [][]byte{fmt.Appendf(nil, "%d", i)})
		errs <- err
	}
	groups := s.groups.Load()
	go commit(0)
	waitTaken(t, s, groups)
	for i := 1; i < n; i++ {
		go commit(i)
	}
	waitQueued(t, s, n-1)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		c := s.closed
		s.mu.Unlock()
		if c {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Close did not start")
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := s.Commit(ctx, "s", runtime.AnyVersion, nil, nil); !errors.Is(err, errClosed) {
		t.Errorf("Commit after Close: %v, want %v", err, errClosed)
	}
	release()
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("Commit queued before Close: %v", err)
		}
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case <-s.done:
	default:
		t.Fatal("writer goroutine still running after Close")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if p, err := s.Pending(ctx, "s", 0); err != nil || len(p) != n {
		t.Fatalf("after reopen: %d events, %v; want %d", len(p), err, n)
	}
}

// TestGroupCommitBrokenTransaction checks that a write that breaks the
// group's transaction (here by rolling it back) fails alone: the other
// writes of its group are run again on their own and succeed.
func TestGroupCommitBrokenTransaction(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "triggers.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.SaveSubscription(ctx, runtime.Subscription{ID: "s", Kind: "webhook"}); err != nil {
		t.Fatal(err)
	}
	release := blockWriter(t, path)
	groups := s.groups.Load()
	first := make(chan error, 1)
	go func() {
		_, err := s.Lease(ctx, "s", "owner", time.Minute)
		first <- err
	}()
	waitTaken(t, s, groups)

	errBroken := errors.New("broke the transaction")
	results := make(chan error, 3)
	commit := func(p string) {
		_, err := s.Commit(ctx, "s", runtime.AnyVersion, nil, [][]byte{[]byte(p)})
		results <- err
	}
	go commit(`"before"`)
	waitQueued(t, s, 1)
	broken := make(chan error, 1)
	go func() {
		broken <- s.write(ctx, func(w *wtx) error {
			if _, err := w.exec("ROLLBACK"); err != nil {
				return err
			}
			return errBroken
		})
	}()
	waitQueued(t, s, 2)
	go commit(`"after"`)
	waitQueued(t, s, 3)
	release()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-broken; !errors.Is(err, errBroken) {
		t.Errorf("breaking write: %v, want %v", err, errBroken)
	}
	for range 2 {
		if err := <-results; err != nil {
			t.Errorf("Commit in the broken group: %v", err)
		}
	}
	p, err := s.Pending(ctx, "s", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 2 || string(p[0].Payload) != `"before"` || string(p[1].Payload) != `"after"` {
		t.Fatalf("inbox %+v, want the two commits", p)
	}
}

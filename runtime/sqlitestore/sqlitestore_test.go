package sqlitestore

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/runtime"
	"github.com/connectorgen/connectorgen/runtime/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) runtime.TriggerStore {
		s, err := Open(filepath.Join(t.TempDir(), "triggers.db"), WithClock(now))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

func TestConformanceFullSync(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	storetest.Run(t, func(t *testing.T, now func() time.Time) runtime.TriggerStore {
		s, err := Open(filepath.Join(t.TempDir(), "triggers.db"), WithClock(now), WithFullSync())
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		return s
	})
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "triggers.db")
	clock := storetest.NewClock(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
	s, err := Open(path, WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveSubscription(ctx, runtime.Subscription{ID: "s", Operation: "op", Kind: "polling",
		Params: []byte(`{"a":1}`), Cursor: []byte("c0")}); err != nil {
		t.Fatal(err)
	}
	v, err := s.Commit(ctx, "s", 1, []byte("c1"), [][]byte{[]byte("a"), []byte("b"), []byte("c")})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Pending(ctx, "s", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Retry(ctx, "s", p[1].Seq, "boom", clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Bury(ctx, "s", p[0].Seq, "poison"); err != nil {
		t.Fatal(err)
	}
	key, err := s.Key(ctx, "callback", 32)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Lease(ctx, "s", "A", time.Hour); err != nil || !ok {
		t.Fatalf("Lease: %v %v", ok, err)
	}
	maxSeq := p[2].Seq
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(path, WithClock(clock.Now))
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	sub, err := s.Subscription(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if sub.Version != v || string(sub.Cursor) != "c1" || string(sub.Params) != `{"a":1}` || sub.Operation != "op" ||
		!sub.Created.Equal(clock.Now()) {
		t.Fatalf("subscription after reopen: %+v", sub)
	}
	got, err := s.Pending(ctx, "s", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || string(got[0].Payload) != "b" || got[0].Attempts != 1 || got[0].LastError != "boom" ||
		!got[0].NextAttempt.Equal(clock.Now().Add(time.Minute)) || string(got[1].Payload) != "c" || !got[1].Received.Equal(clock.Now()) {
		t.Fatalf("inbox after reopen: %+v", got)
	}
	d, err := s.DeadLetters(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(d) != 1 || string(d[0].Payload) != "a" || d[0].Reason != "poison" || d[0].Seq != p[0].Seq {
		t.Fatalf("dead letters after reopen: %+v", d)
	}
	k, err := s.Key(ctx, "callback", 32)
	if err != nil || !bytes.Equal(k, key) {
		t.Fatalf("key after reopen: %x %v, want %x", k, err, key)
	}
	if ok, err := s.Lease(ctx, "s", "B", time.Hour); err != nil || ok {
		t.Fatalf("lease lost on reopen: %v %v", ok, err)
	}
	// Seq keeps increasing across reopen, even after delete and recreate.
	if err := s.DeleteSubscription(ctx, "s"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveSubscription(ctx, runtime.Subscription{ID: "s", Kind: "polling"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, "s", runtime.AnyVersion, nil, [][]byte{[]byte("d")}); err != nil {
		t.Fatal(err)
	}
	got, err = s.Pending(ctx, "s", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Seq <= maxSeq {
		t.Fatalf("Seq after reopen and recreate: %+v, want above %d", got, maxSeq)
	}
}

func TestFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "triggers.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Key(context.Background(), "k", 16); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path, path + "-wal"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s has mode %v, want 0600", name, m)
		}
	}
}

func TestCorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "not-a-db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("this is not an SQLite database\n"), 200), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err == nil {
		s.Close()
		t.Fatalf("Open of a non-SQLite file succeeded")
	}
	if !strings.Contains(err.Error(), path) {
		t.Fatalf("error %q does not name the path %s", err, path)
	}
	t.Logf("error: %v", err)
}

func TestUnrelatedDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(path); err == nil {
		s.Close()
		t.Fatalf("Open of a newer schema succeeded")
	} else if !strings.Contains(err.Error(), path) {
		t.Fatalf("error %q does not name the path", err)
	}
}

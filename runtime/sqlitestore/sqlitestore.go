// Package sqlitestore is a [runtime.TriggerStore] kept in an embedded
// SQLite database file, using the pure-Go driver modernc.org/sqlite (no
// cgo).
//
// # Durability
//
// The database runs in WAL mode with synchronous=NORMAL by default. Once
// [Store.Commit] (or any other write) has returned, the transaction is in
// the write-ahead log in the operating system's page cache, so it survives
// a crash or SIGKILL of the process. It does not necessarily survive a
// power loss or kernel crash: the last transactions before such an event
// may be rolled back (the database stays consistent). [WithFullSync]
// selects synchronous=FULL, which fsyncs the WAL on every commit and makes
// committed transactions survive power loss too, at the cost of an fsync
// per write.
//
// # Concurrency
//
// A Store uses one *sql.DB limited to a single open connection, so all
// operations of one Store are serialized in the process and never see
// SQLITE_BUSY from each other. Every operation that reads and writes runs
// in one transaction started with BEGIN IMMEDIATE, which takes the write
// lock up front, so several processes (or several Stores) sharing the file
// cannot deadlock on a read-to-write lock upgrade; they wait for each other
// up to the busy timeout.
//
// Times are stored as Unix nanoseconds (UTC); a zero time is stored as
// NULL. Seq numbers come from a table-wide AUTOINCREMENT key, so they are
// never reused, even after a subscription is deleted and created again.
package sqlitestore

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/connectorgen/connectorgen/runtime"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// schemaVersion is stored in PRAGMA user_version.
const schemaVersion = 1

// busyTimeout is how long a transaction waits for a lock held by another
// connection (another process or Store on the same file).
const busyTimeout = 10 * time.Second

const schema = `
CREATE TABLE IF NOT EXISTS subscriptions (
	id          TEXT PRIMARY KEY,
	operation   TEXT NOT NULL,
	kind        TEXT NOT NULL,
	params      BLOB,
	cursor      BLOB,
	version     INTEGER NOT NULL,
	created     INTEGER,
	lease_owner TEXT NOT NULL DEFAULT '',
	lease_until INTEGER
);
CREATE TABLE IF NOT EXISTS inbox (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	sub          TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
	payload      BLOB,
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER,
	last_error   TEXT NOT NULL DEFAULT '',
	received     INTEGER
);
CREATE INDEX IF NOT EXISTS inbox_sub_seq ON inbox(sub, seq);
CREATE TABLE IF NOT EXISTS dead_letters (
	sub        TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
	seq        INTEGER NOT NULL,
	payload    BLOB,
	attempts   INTEGER NOT NULL,
	last_error TEXT NOT NULL,
	reason     TEXT NOT NULL,
	buried     INTEGER,
	PRIMARY KEY (sub, seq)
);
CREATE TABLE IF NOT EXISTS keys (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
);
`

// Store is a [runtime.TriggerStore] in an SQLite database file. It is safe
// for concurrent use.
type Store struct {
	db   *sql.DB
	now  func() time.Time
	path string
}

var _ runtime.TriggerStore = (*Store)(nil)

// Option configures [Open].
type Option func(*config)

type config struct {
	now      func() time.Time
	fullSync bool
}

// WithClock makes the store read the current time (timestamps, lease
// expiry) from now instead of time.Now. A nil now means time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithFullSync selects synchronous=FULL: committed transactions survive
// power loss, not only process crashes, at the cost of an fsync per write.
func WithFullSync() Option {
	return func(c *config) { c.fullSync = true }
}

// Open opens the SQLite database at path, creating the file (mode 0600)
// and the schema when missing.
func Open(path string, opts ...Option) (*Store, error) {
	cfg := config{now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if path == "" {
		return nil, errors.New("sqlitestore: empty path")
	}
	// Create the file ourselves so it gets mode 0600; SQLite gives its WAL
	// and shared-memory files the same mode as the database file.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("sqlitestore: create %s: %w", path, err)
		}
	case errors.Is(err, fs.ErrExist):
	default:
		return nil, fmt.Errorf("sqlitestore: create %s: %w", path, err)
	}
	sync := "NORMAL"
	if cfg.fullSync {
		sync = "FULL"
	}
	dsn := path + "?_txlock=immediate" +
		fmt.Sprintf("&_pragma=busy_timeout(%d)", busyTimeout.Milliseconds()) +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(" + sync + ")" +
		"&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s := &Store{db: db, now: cfg.now, path: path}
	if err := s.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	return s, nil
}

// init checks the file is an SQLite database of a known schema version and
// creates the schema.
func (s *Store) init() error {
	ctx := context.Background()
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("not a usable SQLite database: %w", err)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var v int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			return fmt.Errorf("not a usable SQLite database: %w", err)
		}
		if v > schemaVersion {
			return fmt.Errorf("schema version %d is newer than supported version %d", v, schemaVersion)
		}
		if v == 0 {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				var has int
				if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'subscriptions'").Scan(&has); err != nil {
					return err
				}
				if has == 0 {
					return errors.New("database holds other tables and no trigger store schema")
				}
			}
		}
		if _, err := tx.ExecContext(ctx, schema); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion))
		return err
	})
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Close implements [runtime.TriggerStore].
func (s *Store) Close() error { return s.db.Close() }

// tx runs f in one transaction (BEGIN IMMEDIATE) and commits it when f
// returns nil.
func (s *Store) tx(ctx context.Context, f func(tx *sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := ctx.Err(); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// toNanos converts t to Unix nanoseconds; a zero time becomes NULL.
func toNanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// fromNanos is the inverse of toNanos.
func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// blob returns b for binding: nil stays NULL, an empty slice an empty blob.
func blob(b []byte) any {
	if b == nil {
		return nil
	}
	return bytes.Clone(b)
}

func notFound(id string) error {
	return fmt.Errorf("subscription %q: %w", id, runtime.ErrNotFound)
}

func eventNotFound(id string, seq int64) error {
	return fmt.Errorf("subscription %q: event %d: %w", id, seq, runtime.ErrNotFound)
}

// version returns subscription id's version, or ErrNotFound.
func version(ctx context.Context, tx *sql.Tx, id string) (int64, error) {
	var v int64
	err := tx.QueryRowContext(ctx, "SELECT version FROM subscriptions WHERE id = ?", id).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound(id)
	}
	return v, err
}

// SaveSubscription implements [runtime.TriggerStore].
func (s *Store) SaveSubscription(ctx context.Context, sub runtime.Subscription) (int64, error) {
	if sub.ID == "" {
		return 0, errors.New("sqlitestore: subscription with empty ID")
	}
	var nv int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var stored int64
		var created sql.NullInt64
		err := tx.QueryRowContext(ctx, "SELECT version, created FROM subscriptions WHERE id = ?", sub.ID).Scan(&stored, &created)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if sub.Version != runtime.AnyVersion && sub.Version != stored {
			return fmt.Errorf("subscription %q: version %d, expected %d: %w", sub.ID, stored, sub.Version, runtime.ErrConflict)
		}
		nv = stored + 1
		if !exists {
			c := sub.Created
			if c.IsZero() {
				c = s.now()
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO subscriptions (id, operation, kind, params, cursor, version, created)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, sub.ID, sub.Operation, sub.Kind, blob(sub.Params), blob(sub.Cursor), nv, toNanos(c))
			return err
		}
		c := toNanos(sub.Created)
		if sub.Created.IsZero() {
			c = created
		}
		_, err = tx.ExecContext(ctx, `UPDATE subscriptions SET operation = ?, kind = ?, params = ?, cursor = ?, version = ?, created = ?
			WHERE id = ?`, sub.Operation, sub.Kind, blob(sub.Params), blob(sub.Cursor), nv, c, sub.ID)
		return err
	})
	if err != nil {
		return 0, err
	}
	return nv, nil
}

const subColumns = "id, operation, kind, params, cursor, version, created"

type scanner interface{ Scan(dest ...any) error }

func scanSub(r scanner) (runtime.Subscription, error) {
	var sub runtime.Subscription
	var params []byte
	var created sql.NullInt64
	if err := r.Scan(&sub.ID, &sub.Operation, &sub.Kind, &params, &sub.Cursor, &sub.Version, &created); err != nil {
		return runtime.Subscription{}, err
	}
	if params != nil {
		sub.Params = params
	}
	sub.Created = fromNanos(created)
	return sub, nil
}

// Subscription implements [runtime.TriggerStore].
func (s *Store) Subscription(ctx context.Context, id string) (runtime.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return runtime.Subscription{}, err
	}
	sub, err := scanSub(s.db.QueryRowContext(ctx, "SELECT "+subColumns+" FROM subscriptions WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return runtime.Subscription{}, notFound(id)
	}
	return sub, err
}

// Subscriptions implements [runtime.TriggerStore].
func (s *Store) Subscriptions(ctx context.Context) ([]runtime.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+subColumns+" FROM subscriptions ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []runtime.Subscription{}
	for rows.Next() {
		sub, err := scanSub(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// DeleteSubscription implements [runtime.TriggerStore]. The inbox, dead
// letters and lease go with the subscription (ON DELETE CASCADE).
func (s *Store) DeleteSubscription(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM subscriptions WHERE id = ?", id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound(id)
		}
		return nil
	})
}

// Commit implements [runtime.TriggerStore].
func (s *Store) Commit(ctx context.Context, id string, prev int64, cursor []byte, events [][]byte) (int64, error) {
	var nv int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		v, err := version(ctx, tx, id)
		if err != nil {
			return err
		}
		if prev != runtime.AnyVersion && prev != v {
			return fmt.Errorf("subscription %q: version %d, expected %d: %w", id, v, prev, runtime.ErrConflict)
		}
		now := s.now().UnixNano()
		if len(events) > 0 {
			stmt, err := tx.PrepareContext(ctx, "INSERT INTO inbox (sub, payload, received) VALUES (?, ?, ?)")
			if err != nil {
				return err
			}
			defer stmt.Close()
			for _, p := range events {
				if _, err := stmt.ExecContext(ctx, id, blob(p), now); err != nil {
					return err
				}
			}
		}
		nv = v + 1
		if cursor != nil {
			_, err = tx.ExecContext(ctx, "UPDATE subscriptions SET cursor = ?, version = ? WHERE id = ?", blob(cursor), nv, id)
		} else {
			_, err = tx.ExecContext(ctx, "UPDATE subscriptions SET version = ? WHERE id = ?", nv, id)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	return nv, nil
}

// Pending implements [runtime.TriggerStore].
func (s *Store) Pending(ctx context.Context, id string, limit int) ([]runtime.InboxEvent, error) {
	var out []runtime.InboxEvent
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := version(ctx, tx, id); err != nil {
			return err
		}
		if limit <= 0 {
			limit = -1 // no limit
		}
		rows, err := tx.QueryContext(ctx, `SELECT seq, payload, attempts, next_attempt, last_error, received
			FROM inbox WHERE sub = ? ORDER BY seq LIMIT ?`, id, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []runtime.InboxEvent{}
		for rows.Next() {
			e := runtime.InboxEvent{Subscription: id}
			var next, recv sql.NullInt64
			if err := rows.Scan(&e.Seq, &e.Payload, &e.Attempts, &next, &e.LastError, &recv); err != nil {
				return err
			}
			e.NextAttempt, e.Received = fromNanos(next), fromNanos(recv)
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Ack implements [runtime.TriggerStore].
func (s *Store) Ack(ctx context.Context, id string, seq int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := version(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM inbox WHERE sub = ? AND seq = ?", id, seq)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return eventNotFound(id, seq)
		}
		return nil
	})
}

// Retry implements [runtime.TriggerStore].
func (s *Store) Retry(ctx context.Context, id string, seq int64, lastErr string, at time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := version(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE inbox SET attempts = attempts + 1, last_error = ?, next_attempt = ?
			WHERE sub = ? AND seq = ?`, lastErr, toNanos(at), id, seq)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return eventNotFound(id, seq)
		}
		return nil
	})
}

// Bury implements [runtime.TriggerStore].
func (s *Store) Bury(ctx context.Context, id string, seq int64, reason string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := version(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO dead_letters (sub, seq, payload, attempts, last_error, reason, buried)
			SELECT sub, seq, payload, attempts, last_error, ?, ? FROM inbox WHERE sub = ? AND seq = ?`,
			reason, s.now().UnixNano(), id, seq)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return eventNotFound(id, seq)
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM inbox WHERE sub = ? AND seq = ?", id, seq)
		return err
	})
}

// DeadLetters implements [runtime.TriggerStore].
func (s *Store) DeadLetters(ctx context.Context, id string) ([]runtime.DeadLetter, error) {
	var out []runtime.DeadLetter
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := version(ctx, tx, id); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT seq, payload, attempts, last_error, reason, buried
			FROM dead_letters WHERE sub = ? ORDER BY seq`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []runtime.DeadLetter{}
		for rows.Next() {
			d := runtime.DeadLetter{Subscription: id}
			var buried sql.NullInt64
			if err := rows.Scan(&d.Seq, &d.Payload, &d.Attempts, &d.LastError, &d.Reason, &buried); err != nil {
				return err
			}
			d.Buried = fromNanos(buried)
			out = append(out, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Lease implements [runtime.TriggerStore]. Expiry is judged with the
// store's clock.
func (s *Store) Lease(ctx context.Context, id, owner string, ttl time.Duration) (bool, error) {
	if owner == "" {
		return false, errors.New("sqlitestore: lease with empty owner")
	}
	var granted bool
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var cur string
		var until sql.NullInt64
		err := tx.QueryRowContext(ctx, "SELECT lease_owner, lease_until FROM subscriptions WHERE id = ?", id).Scan(&cur, &until)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(id)
		}
		if err != nil {
			return err
		}
		now := s.now()
		if cur != "" && cur != owner && now.Before(fromNanos(until)) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, "UPDATE subscriptions SET lease_owner = ?, lease_until = ? WHERE id = ?",
			owner, now.Add(ttl).UnixNano(), id); err != nil {
			return err
		}
		granted = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return granted, nil
}

// Unlease implements [runtime.TriggerStore].
func (s *Store) Unlease(ctx context.Context, id, owner string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := version(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE subscriptions SET lease_owner = '', lease_until = NULL WHERE id = ? AND lease_owner = ?", id, owner)
		return err
	})
}

// Key implements [runtime.TriggerStore].
func (s *Store) Key(ctx context.Context, name string, n int) ([]byte, error) {
	if name == "" || n <= 0 {
		return nil, fmt.Errorf("sqlitestore: key %q of %d bytes", name, n)
	}
	var k []byte
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT value FROM keys WHERE name = ?", name).Scan(&k)
		if errors.Is(err, sql.ErrNoRows) {
			k = make([]byte, n)
			if _, err := rand.Read(k); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, "INSERT INTO keys (name, value) VALUES (?, ?)", name, k)
			return err
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(k) != n {
		return nil, fmt.Errorf("sqlitestore: key %q has %d bytes, not %d", name, len(k), n)
	}
	return k, nil
}

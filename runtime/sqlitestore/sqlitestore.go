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
// per transaction (shared by the writes of a group commit, see below).
//
// # Concurrency and group commit
//
// All writes of one Store ([Store.Commit], [Store.Ack], [Store.Lease],
// ...) go through one writer goroutine and one database connection, so
// they are serialized in the process and never see SQLITE_BUSY from each
// other. The writer takes every write waiting when it becomes free and
// runs them in one transaction (BEGIN IMMEDIATE, which takes the write
// lock up front, so several processes or Stores sharing the file cannot
// deadlock on a read-to-write lock upgrade; they wait for each other up to
// the busy timeout), each inside its own SAVEPOINT: a write that fails (a
// lost compare-and-set, a missing subscription) is rolled back to its
// savepoint and fails alone, the others are committed together with one
// COMMIT, i.e. one WAL append (and one fsync under WithFullSync) for the
// whole group. A write returns only once its group is committed, so what
// it returns is as durable as with one transaction per write. A write
// whose context is done before the writer has finished running it writes
// nothing and returns the context's error; once run, it returns the
// outcome of its group's COMMIT. A group is at most 256 writes.
//
// Reads ([Store.Subscription], [Store.Pending], ...) use a small pool of
// other connections. In WAL mode they read a committed snapshot without
// waiting for the writer, and every write that has returned is visible to
// a read started afterwards. Keys ([Store.Key]) never change once stored
// and are kept in memory after the first read.
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
	goruntime "runtime"
	"sync"
	"sync/atomic"
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

// maxGroup is the largest number of writes committed in one transaction.
const maxGroup = 256

// errClosed is returned by writes after [Store.Close].
var errClosed = errors.New("sqlitestore: store is closed")

// Store is a [runtime.TriggerStore] in an SQLite database file. It is safe
// for concurrent use.
type Store struct {
	db   *sql.DB // the writer's connection (one)
	rdb  *sql.DB // readers (a few connections, query_only)
	now  func() time.Time
	path string

	// Statements prepared at Open (preparing later could wait for a
	// connection held by the caller's own transaction); read-only after.
	wstmts map[string]*sql.Stmt // on db, for the writer
	rstmts map[string]*sql.Stmt // on rdb

	mu     sync.Mutex
	queue  []*write // waiting for the writer
	closed bool
	wake   chan struct{} // buffer 1: the queue is not empty, or closed
	done   chan struct{} // closed when the writer has returned

	closeOnce sync.Once
	closeErr  error

	keysMu sync.Mutex
	keys   map[string][]byte // keys read or created: they never change

	groups, grouped atomic.Int64 // transactions run by the writer, writes in them
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
// power loss, not only process crashes, at the cost of an fsync per
// transaction (one per group of concurrent writes).
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
	busy := fmt.Sprintf("&_pragma=busy_timeout(%d)", busyTimeout.Milliseconds())
	db, err := sql.Open("sqlite", path+"?_txlock=immediate"+busy+
		"&_pragma=journal_mode(WAL)"+
		"&_pragma=synchronous("+sync+")"+
		"&_pragma=foreign_keys(1)")
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	s := &Store{db: db, now: cfg.now, path: path,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	if err := s.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	// Readers are opened after init, on a database already in WAL mode.
	rdb, err := sql.Open("sqlite", path+"?_query_only=1"+busy)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	n := max(2, min(goruntime.GOMAXPROCS(0), 8))
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	rdb.SetConnMaxLifetime(0)
	rdb.SetConnMaxIdleTime(0)
	s.rdb = rdb
	if s.wstmts, err = prepare(db, writeQueries); err == nil {
		s.rstmts, err = prepare(rdb, readQueries)
	}
	if err != nil {
		closeStmts(s.wstmts)
		closeStmts(s.rstmts)
		rdb.Close()
		db.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	go s.writer()
	return s, nil
}

// Statements.
const (
	qVersion     = "SELECT version FROM subscriptions WHERE id = ?"
	qSub         = "SELECT " + subColumns + " FROM subscriptions WHERE id = ?"
	qSubs        = "SELECT " + subColumns + " FROM subscriptions ORDER BY id"
	qSaveGet     = "SELECT version, created FROM subscriptions WHERE id = ?"
	qSaveInsert  = "INSERT INTO subscriptions (id, operation, kind, params, cursor, version, created) VALUES (?, ?, ?, ?, ?, ?, ?)"
	qSaveUpdate  = "UPDATE subscriptions SET operation = ?, kind = ?, params = ?, cursor = ?, version = ?, created = ? WHERE id = ?"
	qDelete      = "DELETE FROM subscriptions WHERE id = ?"
	qInsertEvent = "INSERT INTO inbox (sub, payload, received) VALUES (?, ?, ?)"
	// Commit: bump the version (any, or only from an expected one) and
	// replace the cursor unless it is NULL.
	qBump        = "UPDATE subscriptions SET version = version + 1, cursor = coalesce(?, cursor) WHERE id = ? RETURNING version"
	qBumpCAS     = "UPDATE subscriptions SET version = version + 1, cursor = coalesce(?, cursor) WHERE id = ? AND version = ? RETURNING version"
	qPending     = "SELECT seq, payload, attempts, next_attempt, last_error, received FROM inbox WHERE sub = ? ORDER BY seq LIMIT ?"
	qDeleteEvent = "DELETE FROM inbox WHERE sub = ? AND seq = ?"
	qRetry       = "UPDATE inbox SET attempts = attempts + 1, last_error = ?, next_attempt = ? WHERE sub = ? AND seq = ?"
	qBury        = "INSERT INTO dead_letters (sub, seq, payload, attempts, last_error, reason, buried) SELECT sub, seq, payload, attempts, last_error, ?, ? FROM inbox WHERE sub = ? AND seq = ?"
	qDead        = "SELECT seq, payload, attempts, last_error, reason, buried FROM dead_letters WHERE sub = ? ORDER BY seq"
	// Lease: granted unless another owner holds an unexpired lease.
	qLease = "UPDATE subscriptions SET lease_owner = ?, lease_until = ? WHERE id = ? AND " +
		"(lease_owner = '' OR lease_owner = ? OR lease_until IS NULL OR lease_until <= ?)"
	qUnlease    = "UPDATE subscriptions SET lease_owner = '', lease_until = NULL WHERE id = ? AND lease_owner = ?"
	qKey        = "SELECT value FROM keys WHERE name = ?"
	qKeyInsert  = "INSERT INTO keys (name, value) VALUES (?, ?)"
	qSavepoint  = "SAVEPOINT w"
	qRollbackTo = "ROLLBACK TO w"
	qRelease    = "RELEASE w"
)

var writeQueries = []string{qVersion, qSaveGet, qSaveInsert, qSaveUpdate, qDelete, qInsertEvent, qBump,
	qBumpCAS, qDeleteEvent, qRetry, qBury, qLease, qUnlease, qKey, qKeyInsert,
	qSavepoint, qRollbackTo, qRelease}

var readQueries = []string{qVersion, qSub, qSubs, qPending, qDead, qKey}

// prepare prepares qs on db.
func prepare(db *sql.DB, qs []string) (map[string]*sql.Stmt, error) {
	m := make(map[string]*sql.Stmt, len(qs))
	for _, q := range qs {
		st, err := db.Prepare(q)
		if err != nil {
			closeStmts(m)
			return nil, fmt.Errorf("prepare %q: %w", q, err)
		}
		m[q] = st
	}
	return m, nil
}

func closeStmts(m map[string]*sql.Stmt) {
	for _, st := range m {
		st.Close()
	}
}

// init checks the file is an SQLite database of a known schema version and
// creates the schema.
func (s *Store) init() error {
	ctx := context.Background()
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("not a usable SQLite database: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
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
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return err
	}
	return tx.Commit()
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Close implements [runtime.TriggerStore]. Writes already waiting are
// carried out first; later calls fail.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.signal()
		<-s.done
		closeStmts(s.wstmts)
		closeStmts(s.rstmts)
		s.closeErr = errors.Join(s.rdb.Close(), s.db.Close())
	})
	return s.closeErr
}

// Writes.

// write states.
const (
	queued    int32 = iota
	taken           // the writer is running it
	abandoned       // the caller gave up (context done) before it was taken
)

// write is one write waiting for, or run by, the writer goroutine.
type write struct {
	ctx   context.Context
	f     func(w *wtx) error
	state atomic.Int32
	err   error
	done  chan struct{}
}

// wtx runs statements of one write inside the group's transaction.
type wtx struct {
	s  *Store
	tx *sql.Tx
}

func (w *wtx) stmt(q string) (*sql.Stmt, error) {
	if st, ok := w.s.wstmts[q]; ok {
		return w.tx.Stmt(st), nil
	}
	return w.tx.Prepare(q) // not prepared at Open: closed with the transaction
}

func (w *wtx) exec(q string, args ...any) (sql.Result, error) {
	st, err := w.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.Exec(args...)
}

// queryRow runs q and scans its first row into dest (sql.ErrNoRows when
// there is none).
func (w *wtx) queryRow(q string, args []any, dest ...any) error {
	st, err := w.stmt(q)
	if err != nil {
		return err
	}
	return st.QueryRow(args...).Scan(dest...)
}

// changed returns whether the statement that gave res, err changed a row.
func changed(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// affected1 checks that the statement on event seq of subscription id
// that gave res, err changed a row; if not, it returns ErrNotFound for the
// subscription or, when that exists, for the event.
func (w *wtx) affected1(res sql.Result, err error, id string, seq int64) error {
	ok, err := changed(res, err)
	if err != nil || ok {
		return err
	}
	if _, err := w.version(id); err != nil {
		return err
	}
	return eventNotFound(id, seq)
}

// write runs f in the writer goroutine, in a transaction shared with
// other writes waiting at the same time, and returns once that
// transaction is committed (or f failed, or ctx was done before f ran).
// Nothing f wrote is kept when it returns an error.
func (s *Store) write(ctx context.Context, f func(w *wtx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &write{ctx: ctx, f: f, done: make(chan struct{})}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errClosed
	}
	s.queue = append(s.queue, w)
	s.mu.Unlock()
	s.signal()
	select {
	case <-w.done:
		return w.err
	case <-ctx.Done():
		if w.state.CompareAndSwap(queued, abandoned) {
			return ctx.Err()
		}
		<-w.done // running: its outcome is decided by the commit
		return w.err
	}
}

// signal wakes the writer.
func (s *Store) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// writer runs the queued writes in groups until the store is closed and
// the queue is empty.
func (s *Store) writer() {
	defer close(s.done)
	var group []*write
	for range s.wake {
		for {
			s.mu.Lock()
			n := min(len(s.queue), maxGroup)
			group = append(group[:0], s.queue[:n]...)
			rest := copy(s.queue, s.queue[n:])
			clear(s.queue[rest:])
			s.queue = s.queue[:rest]
			closed := s.closed
			s.mu.Unlock()
			if n == 0 {
				if closed {
					return
				}
				break
			}
			s.commitGroup(group)
			clear(group)
		}
	}
}

// commitGroup runs the writes of group in one transaction, each in its
// own savepoint, and answers them.
func (s *Store) commitGroup(group []*write) {
	live := group[:0]
	for _, w := range group {
		if !w.state.CompareAndSwap(queued, taken) {
			continue // abandoned: its caller has returned
		}
		if err := w.ctx.Err(); err != nil {
			w.finish(err)
			continue
		}
		live = append(live, w)
	}
	if len(live) == 0 {
		return
	}
	s.groups.Add(1)
	s.grouped.Add(int64(len(live)))
	if !s.runGroup(live) {
		// A write broke the transaction (SQLite rolled it back as a
		// whole), so nothing of the group was kept: run each write in a
		// transaction of its own, so that the others do not fail with it.
		for _, w := range live {
			s.runGroup([]*write{w})
		}
	}
}

// runGroup runs ws in one transaction and answers them: a write whose
// function fails is rolled back to its savepoint and gets its own error,
// the others are committed together and succeed, or all get the error of
// BEGIN or COMMIT. It reports false, answering none, when the
// transaction broke while it ran (a savepoint could not be rolled back or
// released); a single write is then answered with its error.
func (s *Store) runGroup(ws []*write) bool {
	tx, err := s.db.BeginTx(context.Background(), nil)
	if err != nil {
		for _, x := range ws {
			x.finish(err)
		}
		return true
	}
	w := &wtx{s: s, tx: tx}
	if len(ws) == 1 { // no savepoint needed
		x := ws[0]
		if err := x.run(w); err != nil {
			tx.Rollback()
			x.finish(err)
			return true
		}
		x.finish(tx.Commit())
		return true
	}
	errs := make([]error, len(ws))
	for i, x := range ws {
		if _, err := w.exec(qSavepoint); err != nil {
			tx.Rollback()
			return false
		}
		if errs[i] = x.run(w); errs[i] != nil {
			if _, err := w.exec(qRollbackTo); err != nil {
				tx.Rollback()
				return false
			}
		}
		if _, err := w.exec(qRelease); err != nil {
			tx.Rollback()
			return false
		}
	}
	err = tx.Commit()
	for i, x := range ws {
		if errs[i] != nil {
			x.finish(errs[i])
		} else {
			x.finish(err)
		}
	}
	return true
}

// run runs the write's function; a context done meanwhile fails it.
func (x *write) run(w *wtx) error {
	if err := x.f(w); err != nil {
		return err
	}
	return x.ctx.Err()
}

func (x *write) finish(err error) {
	x.err = err
	close(x.done)
}

// read runs f in a read transaction on a reader connection.
func (s *Store) read(ctx context.Context, f func(r *rtx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return f(&rtx{s: s, ctx: ctx, tx: tx})
}

// rtx runs statements of a read transaction.
type rtx struct {
	s   *Store
	ctx context.Context
	tx  *sql.Tx
}

func (r *rtx) stmt(q string) (*sql.Stmt, error) {
	if st, ok := r.s.rstmts[q]; ok {
		return r.tx.StmtContext(r.ctx, st), nil
	}
	return r.tx.PrepareContext(r.ctx, q)
}

// queryRow is a single-statement read outside a transaction.
func (s *Store) queryRow(ctx context.Context, q string, args []any, dest ...any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if st, ok := s.rstmts[q]; ok {
		return st.QueryRowContext(ctx, args...).Scan(dest...)
	}
	return s.rdb.QueryRowContext(ctx, q, args...).Scan(dest...)
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
func (w *wtx) version(id string) (int64, error) {
	var v int64
	err := w.queryRow(qVersion, []any{id}, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, notFound(id)
	}
	return v, err
}

// exists returns ErrNotFound unless subscription id exists.
func (r *rtx) exists(id string) error {
	st, err := r.stmt(qVersion)
	if err != nil {
		return err
	}
	var v int64
	err = st.QueryRowContext(r.ctx, id).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(id)
	}
	return err
}

// SaveSubscription implements [runtime.TriggerStore].
func (s *Store) SaveSubscription(ctx context.Context, sub runtime.Subscription) (int64, error) {
	if sub.ID == "" {
		return 0, errors.New("sqlitestore: subscription with empty ID")
	}
	var nv int64
	err := s.write(ctx, func(w *wtx) error {
		var stored int64
		var created sql.NullInt64
		err := w.queryRow(qSaveGet, []any{sub.ID}, &stored, &created)
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
			_, err = w.exec(qSaveInsert, sub.ID, sub.Operation, sub.Kind, blob(sub.Params), blob(sub.Cursor), nv, toNanos(c))
			return err
		}
		c := toNanos(sub.Created)
		if sub.Created.IsZero() {
			c = created
		}
		_, err = w.exec(qSaveUpdate, sub.Operation, sub.Kind, blob(sub.Params), blob(sub.Cursor), nv, c, sub.ID)
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
	sub, err := scanSub(s.rstmts[qSub].QueryRowContext(ctx, id))
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
	rows, err := s.rstmts[qSubs].QueryContext(ctx)
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
	return s.write(ctx, func(w *wtx) error {
		ok, err := changed(w.exec(qDelete, id))
		if err == nil && !ok {
			err = notFound(id)
		}
		return err
	})
}

// Commit implements [runtime.TriggerStore]. Concurrent commits share a
// transaction (see "Concurrency and group commit" in the package
// documentation); each keeps its own version check and error.
func (s *Store) Commit(ctx context.Context, id string, prev int64, cursor []byte, events [][]byte) (int64, error) {
	var nv int64
	err := s.write(ctx, func(w *wtx) error {
		var err error
		if prev == runtime.AnyVersion {
			err = w.queryRow(qBump, []any{blob(cursor), id}, &nv)
		} else {
			err = w.queryRow(qBumpCAS, []any{blob(cursor), id, prev}, &nv)
		}
		if errors.Is(err, sql.ErrNoRows) { // missing, or another version
			v, err := w.version(id)
			if err != nil {
				return err
			}
			return fmt.Errorf("subscription %q: version %d, expected %d: %w", id, v, prev, runtime.ErrConflict)
		}
		if err != nil {
			return err
		}
		now := s.now().UnixNano()
		for _, p := range events {
			if _, err := w.exec(qInsertEvent, id, blob(p), now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return nv, nil
}

// Pending implements [runtime.TriggerStore].
func (s *Store) Pending(ctx context.Context, id string, limit int) ([]runtime.InboxEvent, error) {
	var out []runtime.InboxEvent
	err := s.read(ctx, func(r *rtx) error {
		if err := r.exists(id); err != nil {
			return err
		}
		if limit <= 0 {
			limit = -1 // no limit
		}
		st, err := r.stmt(qPending)
		if err != nil {
			return err
		}
		rows, err := st.QueryContext(ctx, id, limit)
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
	return s.write(ctx, func(w *wtx) error {
		res, err := w.exec(qDeleteEvent, id, seq)
		return w.affected1(res, err, id, seq)
	})
}

// Retry implements [runtime.TriggerStore].
func (s *Store) Retry(ctx context.Context, id string, seq int64, lastErr string, at time.Time) error {
	return s.write(ctx, func(w *wtx) error {
		res, err := w.exec(qRetry, lastErr, toNanos(at), id, seq)
		return w.affected1(res, err, id, seq)
	})
}

// Bury implements [runtime.TriggerStore].
func (s *Store) Bury(ctx context.Context, id string, seq int64, reason string) error {
	return s.write(ctx, func(w *wtx) error {
		res, err := w.exec(qBury, reason, s.now().UnixNano(), id, seq)
		if err := w.affected1(res, err, id, seq); err != nil {
			return err
		}
		_, err = w.exec(qDeleteEvent, id, seq)
		return err
	})
}

// DeadLetters implements [runtime.TriggerStore].
func (s *Store) DeadLetters(ctx context.Context, id string) ([]runtime.DeadLetter, error) {
	var out []runtime.DeadLetter
	err := s.read(ctx, func(r *rtx) error {
		if err := r.exists(id); err != nil {
			return err
		}
		st, err := r.stmt(qDead)
		if err != nil {
			return err
		}
		rows, err := st.QueryContext(ctx, id)
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
	err := s.write(ctx, func(w *wtx) error {
		now := s.now()
		ok, err := changed(w.exec(qLease, owner, now.Add(ttl).UnixNano(), id, owner, now.UnixNano()))
		if err != nil {
			return err
		}
		granted = ok
		if !ok { // held by another owner, or no such subscription
			_, err = w.version(id)
		}
		return err
	})
	if err != nil {
		return false, err
	}
	return granted, nil
}

// Unlease implements [runtime.TriggerStore].
func (s *Store) Unlease(ctx context.Context, id, owner string) error {
	return s.write(ctx, func(w *wtx) error {
		ok, err := changed(w.exec(qUnlease, id, owner))
		if err == nil && !ok {
			_, err = w.version(id) // not the owner, or no such subscription
		}
		return err
	})
}

// Key implements [runtime.TriggerStore]. A key never changes once stored,
// so it is read from the database once and then kept in memory (a webhook
// Listener asks for it on every callback).
func (s *Store) Key(ctx context.Context, name string, n int) ([]byte, error) {
	if name == "" || n <= 0 {
		return nil, fmt.Errorf("sqlitestore: key %q of %d bytes", name, n)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.keysMu.Lock()
	k, ok := s.keys[name]
	s.keysMu.Unlock()
	if !ok {
		var err error
		if k, err = s.loadKey(ctx, name, n); err != nil {
			return nil, err
		}
		s.keysMu.Lock()
		if s.keys == nil {
			s.keys = make(map[string][]byte)
		}
		s.keys[name] = k
		s.keysMu.Unlock()
	}
	if len(k) != n {
		return nil, fmt.Errorf("sqlitestore: key %q has %d bytes, not %d", name, len(k), n)
	}
	return bytes.Clone(k), nil
}

// loadKey reads key name from the database, creating it with n random
// bytes when absent.
func (s *Store) loadKey(ctx context.Context, name string, n int) ([]byte, error) {
	var k []byte
	err := s.queryRow(ctx, qKey, []any{name}, &k)
	if errors.Is(err, sql.ErrNoRows) {
		err = s.write(ctx, func(w *wtx) error {
			err := w.queryRow(qKey, []any{name}, &k)
			if errors.Is(err, sql.ErrNoRows) { // still absent: create it
				k = make([]byte, n)
				if _, err := rand.Read(k); err != nil {
					return err
				}
				_, err = w.exec(qKeyInsert, name, k)
				return err
			}
			return err
		})
	}
	if err != nil {
		return nil, err
	}
	return k, nil
}

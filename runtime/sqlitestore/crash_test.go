//go:build unix

package sqlitestore_test

// Crash test: a subprocess handling trigger events is killed with SIGKILL
// at random moments and restarted on the same SQLite file, for a polling
// trigger (Client.RunPolling) and a webhook trigger (Listener +
// RunWebhook). After the last restart every event must have been handled,
// in order, with at most the duplicates that at-least-once delivery
// allows (the bounds are argued in crashPolling and crashWebhook, the
// checks of order and completeness are in checkHandled).
//
// The subprocess is this test binary run again with -test.run=^TestCrashChild$
// and the CONNECTORGEN_CRASH_CHILD environment variable. Its handler
// appends "id seq attempt pid" to an output file and fsyncs it before
// returning nil, so a line in the file means "handled". The parent plays
// the service (a loopback httptest server with an API key), kills and
// restarts the child, and reads the output file and the store at the end.
//
// CONNECTORGEN_CRASH_SEED=<n> repeats the random choices of a run (kill
// kinds and delays; the seed is logged). The moments themselves also
// depend on scheduling, so a run is not replayed exactly.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/connectorgen/connectorgen/runtime"
	"github.com/connectorgen/connectorgen/runtime/sqlitestore"
)

// Environment of the child process.
const (
	envCrashMode = "CONNECTORGEN_CRASH_CHILD" // "polling" or "webhook"
	envCrashDB   = "CONNECTORGEN_CRASH_DB"    // SQLite file
	envCrashOut  = "CONNECTORGEN_CRASH_OUT"   // handled-events file
	envCrashURL  = "CONNECTORGEN_CRASH_URL"   // fake service base URL
	envCrashKey  = "CONNECTORGEN_CRASH_KEY"   // API key
	envCrashHook = "CONNECTORGEN_CRASH_HOOK"  // webhook: public base URL of the listener (fd 3)
	envCrashSeed = "CONNECTORGEN_CRASH_SEED"
)

const (
	crashKills     = 25 // per trigger kind (≥ 50 in total)
	crashMaxBatch  = 4  // events per 200 of the polling service
	crashTail      = 25 // events produced after the last kill
	crashMaxEvents = 2000
	crashOwner     = "crash-child" // stable lease owner: a restarted child takes its own lease back at once
	crashSubPoll   = "events"
	crashSubHook   = "hook"
	crashAPIKey    = "crash-k3y"
)

var (
	crashPollOp = &runtime.Operation{ID: "OnNewEvent", Method: "GET", Path: "/trigger/events"}
	crashHookOp = &runtime.Operation{
		ID:     "CreateHook",
		Method: "POST",
		Path:   "/hooks",
		Params: []runtime.Param{{Name: "body", In: runtime.InBody, Required: true}},
		Body:   runtime.BodyJSON,
	}
)

// ---------------------------------------------------------------- child

// TestCrashChild is the subprocess of TestCrash; it does nothing in a
// normal test run.
func TestCrashChild(t *testing.T) {
	mode := os.Getenv(envCrashMode)
	if mode == "" {
		t.Skip("subprocess of TestCrash (set by the parent)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	// Die with the parent: it holds the write end of our stdin.
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(3)
	}()

	store, err := sqlitestore.Open(os.Getenv(envCrashDB))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	out, err := os.OpenFile(os.Getenv(envCrashOut), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := runtime.NewClient(os.Getenv(envCrashURL),
		runtime.WithAuth(runtime.APIKey(runtime.InHeader, "X-Api-Key", runtime.Secret(os.Getenv(envCrashKey)))),
		runtime.WithRetry(runtime.RetryPolicy{MaxRetries: 2, BaseDelay: 5 * time.Millisecond, MaxDelay: 20 * time.Millisecond}),
		runtime.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	pid := os.Getpid()
	handler := func(ctx context.Context, ev runtime.Event) error {
		var p struct{ ID int64 }
		if err := json.Unmarshal(ev.Payload, &p); err != nil || p.ID <= 0 {
			return fmt.Errorf("bad payload %q: %v", ev.Payload, err)
		}
		// One write per line (O_APPEND), fsynced before the event counts
		// as handled.
		if _, err := fmt.Fprintf(out, "%d %d %d %d\n", p.ID, ev.Seq, ev.Attempt, pid); err != nil {
			return err
		}
		return out.Sync()
	}
	backoff := runtime.RetryPolicy{BaseDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond}

	switch mode {
	case "polling":
		err = c.RunPolling(ctx, store, runtime.PollConfig{
			Subscription: crashSubPoll,
			Operation:    crashPollOp,
			Split:        runtime.SplitRule{Batch: true, Path: []string{"value"}},
			Interval:     10 * time.Millisecond,
			MaxAttempts:  3,
			Backoff:      backoff,
			Owner:        crashOwner,
		}, handler)
	case "webhook":
		ln, lerr := net.FileListener(os.NewFile(3, "listener"))
		if lerr != nil {
			t.Fatal(lerr)
		}
		l, lerr := runtime.NewListener(store, os.Getenv(envCrashHook))
		if lerr != nil {
			t.Fatal(lerr)
		}
		// Subscribe on the first start only: the subscription (and the
		// callback key) are in the store afterwards.
		if _, serr := store.Subscription(ctx, crashSubHook); errors.Is(serr, runtime.ErrNotFound) {
			body := runtime.JSON(map[string]any{"events": []string{"created"}})
			if err := l.Subscribe(ctx, c, crashSubHook, crashHookOp, []runtime.Arg{body}, 0, []string{"url"}); err != nil {
				t.Fatal(err)
			}
		} else if serr != nil {
			t.Fatal(serr)
		}
		serveErr := make(chan error, 1)
		go func() { serveErr <- l.Serve(ctx, ln) }()
		err = runtime.RunWebhook(ctx, store, l, runtime.DeliveryConfig{
			Subscription: crashSubHook,
			MaxAttempts:  3,
			Backoff:      backoff,
			Owner:        crashOwner,
			Interval:     20 * time.Millisecond,
			Logger:       logger,
		}, handler)
		if serr := <-serveErr; !errors.Is(serr, context.Canceled) {
			t.Errorf("Serve: %v", serr)
		}
	default:
		t.Fatalf("unknown mode %q", mode)
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("runner returned %v", err)
	}
}

// ---------------------------------------------------------------- parent

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test: starts ~50 subprocesses")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(envCrashSeed); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("%s: %v", envCrashSeed, err)
		}
	}
	t.Logf("seed %d (%s=%d repeats the random kill delays)", seed, envCrashSeed, seed)
	t.Run("polling", func(t *testing.T) { crashPolling(t, rand.New(rand.NewPCG(seed, 1))) })
	t.Run("webhook", func(t *testing.T) { crashWebhook(t, rand.New(rand.NewPCG(seed, 2))) })
}

func crashPolling(t *testing.T, rng *rand.Rand) {
	start := time.Now()
	svc := &pollService{key: crashAPIKey}
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	// The service creates one event every 15 ms (slower than the child
	// handles them with -race, so most are handled between kills) until
	// the kill phase is over, then crashTail more.
	var killsDone atomic.Bool
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		tick := time.NewTicker(15 * time.Millisecond)
		defer tick.Stop()
		tail := 0
		for tail < crashTail && svc.count() < crashMaxEvents {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			svc.produce()
			if killsDone.Load() {
				tail++
			}
		}
	}()

	run := newCrashRun(t, "polling", srv.URL, nil, rng)
	run.killLoop(crashKills, svc.polls.Load)
	killsDone.Store(true)

	// Last start: run until every event produced is handled and acknowledged.
	c := run.start()
	select {
	case <-produced:
	case <-ctx.Done():
		t.Fatal("the service did not finish producing events")
	}
	n := svc.count()
	run.waitHandled(c, crashSubPoll, n, 60*time.Second)
	run.stop(c)

	if f := svc.authFailures.Load(); f != 0 {
		t.Errorf("%d polls without the right API key", f)
	}
	if b := svc.badCursor.Load(); b != 0 {
		t.Errorf("%d polls with a cursor beyond the events that exist", b)
	}
	run.checkStore(crashSubPoll)
	st := checkHandled(t, run.readHandled(), n)
	// Bound (polling): events and cursor are committed together before any
	// delivery, so a kill can only repeat the event whose handler finished
	// but whose Ack did not happen: at most one duplicate per kill, and it
	// is the first event the restarted process handles. A poll answered but
	// not committed is polled again from the stored cursor and never
	// reaches the inbox twice, so no event gets a second inbox Seq.
	if st.resent != 0 {
		t.Errorf("%d events were committed to the inbox twice (cursor moved back after a commit)", st.resent)
	}
	if st.redelivered > run.kills {
		t.Errorf("%d re-deliveries for %d kills (bound: one in-flight event per kill)", st.redelivered, run.kills)
	}
	run.report(n, st, run.kills, time.Since(start))
}

func crashWebhook(t *testing.T, rng *rand.Rand) {
	start := time.Now()
	svc := &hookService{key: crashAPIKey}
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)

	// The listening socket lives in the parent and is handed to every
	// child as fd 3, so the callback URL's port stays valid across
	// restarts and callbacks sent while no child runs wait in the backlog.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	lnFile, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lnFile.Close() })
	public := "http://" + ln.Addr().String() + "/callbacks"

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	var killsDone atomic.Bool
	sendDone := make(chan error, 1)
	go func() { sendDone <- svc.send(ctx, &killsDone) }()

	run := newCrashRun(t, "webhook", srv.URL, []*os.File{lnFile}, rng)
	run.env = append(run.env, envCrashHook+"="+public)
	run.killLoop(crashKills, func() int64 { return svc.subscribes.Load() + svc.accepted.Load() })
	killsDone.Store(true)

	c := run.start()
	select {
	case err := <-sendDone:
		if err != nil {
			run.dumpLogs()
			t.Fatalf("sending callbacks: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("callbacks not all accepted in time")
	}
	n := int(svc.accepted.Load())
	run.waitHandled(c, crashSubHook, n, 60*time.Second)
	run.stop(c)

	if f := svc.authFailures.Load(); f != 0 {
		t.Errorf("%d subscribe calls without the right API key", f)
	}
	run.checkStore(crashSubHook)
	st := checkHandled(t, run.readHandled(), n)
	// Bound (webhook): a kill can repeat (a) the event whose handler
	// finished but whose Ack did not happen (same inbox Seq, handled again
	// by the next process) and (b) the callback that was being sent: when
	// the listener committed it but was killed before its 202 reached the
	// service, the service sends it again and it gets a second Seq. The
	// service has one callback in flight at a time, so each kind is at
	// most one per kill: duplicates ≤ 2 × kills.
	if st.redelivered > run.kills {
		t.Errorf("%d re-deliveries for %d kills (bound: one in-flight event per kill)", st.redelivered, run.kills)
	}
	if st.resent > run.kills {
		t.Errorf("%d re-sent callbacks stored twice for %d kills (bound: one callback in flight per kill)", st.resent, run.kills)
	}
	if d := st.redelivered + st.resent; d > 2*run.kills {
		t.Errorf("%d duplicates for %d kills (bound 2 × kills)", d, run.kills)
	}
	t.Logf("webhook: %d subscribe calls, %d callbacks re-sent after a transport error, %d answered non-2xx",
		svc.subscribes.Load(), svc.resends.Load(), svc.rejected.Load())
	run.report(n, st, 2*run.kills, time.Since(start))
}

// crashRun starts, kills and stops the child processes of one subtest.
type crashRun struct {
	t       *testing.T
	mode    string
	dbPath  string
	outPath string
	env     []string
	files   []*os.File // ExtraFiles (fd 3, ...)
	rng     *rand.Rand
	kills   int
	starts  int
	logs    []*lockedBuffer // output of every child, for failures
}

func newCrashRun(t *testing.T, mode, serviceURL string, files []*os.File, rng *rand.Rand) *crashRun {
	dir := t.TempDir()
	r := &crashRun{
		t: t, mode: mode, files: files, rng: rng,
		dbPath:  filepath.Join(dir, "triggers.db"),
		outPath: filepath.Join(dir, "handled.txt"),
	}
	r.env = []string{
		envCrashMode + "=" + mode,
		envCrashDB + "=" + r.dbPath,
		envCrashOut + "=" + r.outPath,
		envCrashURL + "=" + serviceURL,
		envCrashKey + "=" + crashAPIKey,
	}
	return r
}

type crashChild struct {
	cmd   *exec.Cmd
	stdin *os.File // write end: closing it (or our death) ends the child
	done  chan struct{}
	err   error // cmd.Wait's, after done
}

func (r *crashRun) start() *crashChild {
	r.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.timeout=3m")
	cmd.Env = append(os.Environ(), r.env...)
	cmd.ExtraFiles = r.files
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	pr, pw, err := os.Pipe()
	if err != nil {
		r.t.Fatal(err)
	}
	cmd.Stdin = pr
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	pr.Close()
	r.starts++
	r.logs = append(r.logs, out)
	c := &crashChild{cmd: cmd, stdin: pw, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	r.t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			cmd.Process.Kill()
			<-c.done
		}
		pw.Close()
	})
	return c
}

func (c *crashChild) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and checks that the child was alive and died of it.
func (r *crashRun) kill(c *crashChild) {
	r.t.Helper()
	if c.exited() {
		r.dumpLogs()
		r.t.Fatalf("%s child exited by itself before kill %d: %v", r.mode, r.kills+1, c.err)
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		r.t.Fatalf("SIGKILL: %v", err)
	}
	<-c.done
	ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		r.dumpLogs()
		r.t.Fatalf("%s child did not die of SIGKILL: %v", r.mode, c.err)
	}
	c.stdin.Close()
	r.kills++
}

// killLoop starts the child and kills it n times. Most kills come a
// random 0–250 ms after the child showed activity (activity() grew: it
// polled, subscribed or had a callback accepted), so they land while it
// works; the first kill and one in four of the others come a random
// 0–150 ms after the start, which can also hit the process start,
// sqlitestore.Open (creating the schema on the first start), the first
// poll or the subscribe call.
func (r *crashRun) killLoop(n int, activity func() int64) {
	r.t.Helper()
	for i := range n {
		c := r.start()
		if i == 0 || r.rng.IntN(4) == 0 {
			time.Sleep(time.Duration(r.rng.IntN(150)) * time.Millisecond)
		} else {
			base := activity()
			deadline := time.Now().Add(30 * time.Second)
			for activity() == base {
				if c.exited() {
					r.dumpLogs()
					r.t.Fatalf("%s child exited by itself: %v", r.mode, c.err)
				}
				if time.Now().After(deadline) {
					r.dumpLogs()
					r.t.Fatalf("%s child showed no activity within 30s of its start", r.mode)
				}
				time.Sleep(time.Millisecond)
			}
			time.Sleep(time.Duration(r.rng.IntN(250)) * time.Millisecond)
		}
		r.kill(c)
	}
}

// waitHandled waits until event n, the last one, is handled and the
// inbox of subscription sub is empty, reading the store through a second
// Store on the file while the child works. Events are delivered in order,
// so an event missing once n is handled is lost (checkHandled reports
// it). Waiting for the empty inbox too (not only for n in the output
// file) makes sure the child is not stopped between a handler's return
// and its Ack.
func (r *crashRun) waitHandled(c *crashChild, sub string, n int, timeout time.Duration) {
	r.t.Helper()
	store, err := sqlitestore.Open(r.dbPath)
	if err != nil {
		r.t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	deadline := time.Now().Add(timeout)
	for {
		lines := r.readHandled()
		last := false
		for _, h := range lines {
			last = last || h.id == int64(n)
		}
		if last {
			p, err := store.Pending(ctx, sub, 0)
			if err != nil {
				r.t.Fatal(err)
			}
			if len(p) == 0 {
				return
			}
		}
		if c.exited() {
			r.dumpLogs()
			r.t.Fatalf("%s child exited before all events were handled (%d lines handled, event %d among them: %v): %v",
				r.mode, len(lines), n, last, c.err)
		}
		if time.Now().After(deadline) {
			r.dumpLogs()
			r.t.Fatalf("%s: events not all handled %v after the last restart (%d lines handled, event %d among them: %v)",
				r.mode, timeout, len(lines), n, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends the last child with SIGINT and checks it exits cleanly.
func (r *crashRun) stop(c *crashChild) {
	r.t.Helper()
	if err := c.cmd.Process.Signal(os.Interrupt); err != nil {
		r.t.Fatalf("SIGINT: %v", err)
	}
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		r.dumpLogs()
		r.t.Fatalf("%s child did not stop within 20s of SIGINT", r.mode)
	}
	c.stdin.Close()
	if c.err != nil {
		r.dumpLogs()
		r.t.Fatalf("%s child: %v", r.mode, c.err)
	}
}

// checkStore checks in the SQLite file left behind that the inbox is
// empty and nothing was buried (the handler never fails).
func (r *crashRun) checkStore(sub string) {
	r.t.Helper()
	store, err := sqlitestore.Open(r.dbPath)
	if err != nil {
		r.t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	p, err := store.Pending(ctx, sub, 0)
	if err != nil {
		r.t.Fatal(err)
	}
	if len(p) != 0 {
		r.t.Errorf("%d events left in the inbox after all were handled (first seq %d)", len(p), p[0].Seq)
	}
	d, err := store.DeadLetters(ctx, sub)
	if err != nil {
		r.t.Fatal(err)
	}
	if len(d) != 0 {
		r.t.Errorf("%d dead letters (first: seq %d, %s: %s)", len(d), d[0].Seq, d[0].Reason, d[0].LastError)
	}
}

// handledLine is one line of the output file: an event handled.
type handledLine struct {
	id, seq      int64
	attempt, pid int
}

func (r *crashRun) readHandled() []handledLine {
	r.t.Helper()
	b, err := os.ReadFile(r.outPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		r.t.Fatal(err)
	}
	var out []handledLine
	sc := bufio.NewScanner(bytes.NewReader(b))
	for i := 1; sc.Scan(); i++ {
		var h handledLine
		if _, err := fmt.Sscanf(sc.Text(), "%d %d %d %d", &h.id, &h.seq, &h.attempt, &h.pid); err != nil {
			r.t.Fatalf("%s line %d %q: %v", r.outPath, i, sc.Text(), err)
		}
		out = append(out, h)
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		r.t.Fatalf("%s: torn last line", r.outPath)
	}
	return out
}

func (r *crashRun) dumpLogs() {
	r.t.Helper()
	from := max(0, len(r.logs)-3)
	for i := from; i < len(r.logs); i++ {
		if s := strings.TrimSpace(r.logs[i].String()); s != "" {
			r.t.Logf("output of %s child #%d:\n%s", r.mode, i+1, s)
		}
	}
}

func (r *crashRun) report(n int, st handledStats, bound int, d time.Duration) {
	dups := st.redelivered + st.resent
	r.t.Logf("%s: kills=%d starts=%d events=%d handled=%d lost=%d duplicates=%d (re-delivered %d, re-sent %d; bound %d) in %v",
		r.mode, r.kills, r.starts, n, st.lines, st.lost, dups, st.redelivered, st.resent, bound, d.Round(time.Millisecond))
	fmt.Printf("crash test %s: kills=%d events=%d handled=%d lost=%d duplicates=%d (bound %d) time=%v\n",
		r.mode, r.kills, n, st.lines, st.lost, dups, bound, d.Round(time.Millisecond))
}

// handledStats counts the lines of the output file.
type handledStats struct {
	lines       int // handler calls that completed
	redelivered int // same inbox Seq handled again by a later process
	resent      int // same event id under a new Seq (stored twice)
	lost        int // ids never handled, or skipped over
}

// checkHandled checks the handled events against events 1..n:
//
//   - no event is lost: every id 1..n is handled;
//   - order: the first handlings are exactly 1, 2, ..., n, and Seq never
//     decreases (so no cursor or inbox position moved past an event that
//     was not handled yet);
//   - a duplicate directly follows the earlier handling of the same event
//     (nothing was handled in between). A same-Seq duplicate
//     (re-delivery) must come from a new process and be the first event
//     that process handled: only the head of the inbox can be in flight
//     at a kill.
func checkHandled(t *testing.T, lines []handledLine, n int) handledStats {
	t.Helper()
	st := handledStats{lines: len(lines)}
	var next int64 = 1
	firstOfPid := map[int]bool{}
	errs := 0
	fail := func(format string, args ...any) {
		t.Helper()
		if errs++; errs <= 10 {
			t.Errorf(format, args...)
		}
	}
	for i, h := range lines {
		first := !firstOfPid[h.pid]
		firstOfPid[h.pid] = true
		if i > 0 && h.seq < lines[i-1].seq {
			fail("line %d: seq %d after seq %d (inbox order broken)", i+1, h.seq, lines[i-1].seq)
		}
		switch {
		case h.id == next:
			next++
		case i > 0 && h.id == lines[i-1].id:
			prev := lines[i-1]
			if h.seq == prev.seq {
				st.redelivered++
				if h.pid == prev.pid {
					fail("line %d: event %d (seq %d) handled twice by process %d", i+1, h.id, h.seq, h.pid)
				} else if !first {
					fail("line %d: event %d (seq %d) re-delivered after process %d had handled other events", i+1, h.id, h.seq, h.pid)
				}
			} else {
				st.resent++
			}
		case h.id < next:
			fail("line %d: event %d handled again after event %d (out of order)", i+1, h.id, next-1)
		case h.id > int64(n):
			fail("line %d: event %d handled, but the service produced only %d", i+1, h.id, n)
		default:
			st.lost += int(h.id - next)
			fail("line %d: event %d handled next after event %d: events %d..%d lost (or out of order)", i+1, h.id, next-1, next, h.id-1)
			next = h.id + 1
		}
	}
	if next <= int64(n) {
		st.lost += int(int64(n) + 1 - next)
		fail("events %d..%d never handled (last handled: %d)", next, n, next-1)
	}
	if errs > 10 {
		t.Errorf("... %d more errors", errs-10)
	}
	return st
}

// ---------------------------------------------------------------- services

// pollService is a polling trigger speaking the 202/Location protocol:
// events 1..count() exist; the state is ?after=K in the Location; a 200
// carries at most crashMaxBatch events after K (with Retry-After: 0 when
// more are waiting), a 202 means nothing new. The first poll (no state)
// gets a 202 with the baseline after=0: the subscription started before
// the first event.
type pollService struct {
	key          string
	mu           sync.Mutex
	produced     int
	polls        atomic.Int64
	authFailures atomic.Int64
	badCursor    atomic.Int64
}

func (s *pollService) produce() {
	s.mu.Lock()
	s.produced++
	s.mu.Unlock()
}

func (s *pollService) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.produced
}

func (s *pollService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.polls.Add(1)
	if r.Header.Get("X-Api-Key") != s.key {
		s.authFailures.Add(1)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != "/trigger/events" {
		http.NotFound(w, r)
		return
	}
	loc := func(k int) string { return "http://" + r.Host + "/trigger/events?after=" + strconv.Itoa(k) }
	q := r.URL.Query()
	if !q.Has("after") {
		w.Header().Set("Location", loc(0))
		w.WriteHeader(http.StatusAccepted)
		return
	}
	produced := s.count()
	after, err := strconv.Atoi(q.Get("after"))
	if err != nil || after < 0 || after > produced {
		s.badCursor.Add(1)
		http.Error(w, "bad cursor", http.StatusBadRequest)
		return
	}
	if after == produced {
		w.Header().Set("Location", loc(after))
		w.WriteHeader(http.StatusAccepted)
		return
	}
	end := min(after+crashMaxBatch, produced)
	items := make([]string, 0, end-after)
	for id := after + 1; id <= end; id++ {
		items = append(items, fmt.Sprintf(`{"id":%d}`, id))
	}
	w.Header().Set("Location", loc(end))
	if end < produced {
		w.Header().Set("Retry-After", "0")
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"value":[%s]}`, strings.Join(items, ","))
}

// hookService is a webhook service: POST /hooks subscribes (the callback
// URL is in the body's "url"), and send POSTs events {"id": i} to the
// latest callback URL one at a time, like a real service: an event is
// delivered once the callback answered 2xx; otherwise (connection error,
// non-2xx) the same event is sent again.
type hookService struct {
	key          string
	mu           sync.Mutex
	callback     string
	subscribes   atomic.Int64
	authFailures atomic.Int64
	accepted     atomic.Int64 // events acknowledged with 2xx (ids 1..accepted)
	resends      atomic.Int64 // sends repeated after a transport error
	rejected     atomic.Int64 // non-2xx answers
}

func (s *hookService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Api-Key") != s.key {
		s.authFailures.Add(1)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/hooks" {
		http.NotFound(w, r)
		return
	}
	var body struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.URL == "" {
		http.Error(w, "bad subscription", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.callback = body.URL
	s.mu.Unlock()
	s.subscribes.Add(1)
	w.Header().Set("Location", "/hooks/1")
	w.WriteHeader(http.StatusCreated)
}

func (s *hookService) callbackURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callback
}

// send delivers events 1, 2, ... until crashTail events after done is
// set (or crashMaxEvents).
func (s *hookService) send(ctx context.Context, done *atomic.Bool) error {
	hc := &http.Client{Timeout: 30 * time.Second}
	defer hc.CloseIdleConnections()
	tail := 0
	for id := 1; tail < crashTail && id <= crashMaxEvents; id++ {
		if done.Load() {
			tail++
		}
		body := fmt.Sprintf(`{"id":%d}`, id)
		uncertain := false
		for {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("event %d: %w", id, err)
			}
			cb := s.callbackURL()
			if cb == "" {
				time.Sleep(2 * time.Millisecond)
				continue
			}
			if uncertain {
				s.resends.Add(1)
			}
			resp, err := hc.Post(cb, "application/json", strings.NewReader(body))
			if err != nil {
				uncertain = true // the child may have stored it before dying
				time.Sleep(2 * time.Millisecond)
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				break
			}
			// 404 while the subscription is not stored yet (killed during
			// Subscribe), or a store error: not accepted, send again.
			s.rejected.Add(1)
			time.Sleep(2 * time.Millisecond)
		}
		s.accepted.Add(1)
		time.Sleep(2 * time.Millisecond)
	}
	return nil
}

// lockedBuffer is a bytes.Buffer safe for the exec copying goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

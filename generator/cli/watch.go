package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/connectorgen/connectorgen/generator"
	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/runtime"
	"github.com/connectorgen/connectorgen/runtime/sqlitestore"
)

func runWatch(ctx context.Context, args []string, env *Env) int {
	fs := pflag.NewFlagSet("watch", pflag.ContinueOnError)
	connFile := fs.String("connection", "", "credential `FILE` (JSON, mode 0600)")
	connName := fs.String("connection-name", "", "connection `NAME` in the file or environment")
	baseURL := fs.String("base-url", "", "replace scheme, host and basePath of the connector with `URL`")
	params := fs.StringArray("param", nil, "parameter `NAME=VALUE` of the trigger request (repeat for arrays)")
	statePath := fs.String("state", "", "SQLite state `FILE` (default: under the user cache directory)")
	interval := fs.Duration("interval", time.Minute, "polling `DURATION`")
	listen := fs.String("listen", "", "webhook: `ADDR` to listen on for callbacks (e.g. 127.0.0.1:8080)")
	publicURL := fs.String("public-url", "", "webhook: base `URL` the service can reach (default http://<listen address>)")
	maxEvents := fs.Int("max-events", 0, "stop after `N` events (0: run until interrupted)")
	verbose := fs.BoolP("verbose", "v", false, "log requests (credentials redacted) on stderr")
	deadLetters := fs.Bool("dead-letters", false, "print the trigger's dead letters (events given up on) from --state as JSON lines and exit")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: connectorgen watch [flags] CONNECTOR TRIGGER_OPERATION_ID\n\n"+
			"Runs a trigger and prints each event as one JSON line on stdout; status goes\n"+
			"to stderr. Stops on SIGINT/SIGTERM or after --max-events events.\n\nFlags:\n%s", fs.FlagUsages())
	}
	if code, ok := parseFlags(fs, args, env); !ok {
		return code
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(env.Stderr, "connectorgen watch: want CONNECTOR and TRIGGER_OPERATION_ID")
		fs.Usage()
		return ExitUsage
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(env.Stderr, "connectorgen watch: "+format+"\n", a...)
		return code
	}
	res, ds := generator.Generate(fs.Arg(0), generator.Options{})
	if res == nil {
		ds.Sort().Print(env.Stderr)
		return ExitFail
	}
	pkg := res.Package
	trig := findTrigger(pkg, fs.Arg(1))
	if trig == nil || trig.Setup == nil {
		var ids []string
		for _, t := range pkg.Triggers {
			ids = append(ids, t.OperationID)
		}
		list := "none"
		if len(ids) > 0 {
			list = strings.Join(ids, ", ")
		}
		return fail(ExitUsage, "%s has no trigger %q (triggers: %s)", fs.Arg(0), fs.Arg(1), list)
	}
	subID := pkg.Name + "/" + trig.OperationID
	if *deadLetters {
		db, err := openState(*statePath, pkg, trig)
		if err != nil {
			return fail(ExitFail, "state: %v", err)
		}
		defer db.Close()
		if err := printDeadLetters(ctx, env, db, subID); err != nil {
			return fail(ExitFail, "%v", err)
		}
		return ExitOK
	}
	op := RuntimeOperation(&trig.Setup.Op)
	callArgs, err := buildArgs(op, *params, "")
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	for _, a := range callArgs {
		if c, ok := a.closer(); ok {
			defer c.Close()
		}
	}
	argv := runtimeArgs(callArgs)

	var (
		bodyIndex = -1
		urlPath   []string
	)
	if trig.Mode == ir.Webhook {
		if *listen == "" {
			return fail(ExitUsage, "%s is a webhook trigger: --listen is required", trig.OperationID)
		}
		// lower found where the callback URL goes (Trigger.NotificationPath).
		bodyIndex, urlPath = trig.BodyIndex, trig.NotificationPath
		if bodyIndex < 0 || len(urlPath) == 0 {
			return fail(ExitFail, "%s: no x-ms-notification-url property in the subscribe body", trig.OperationID)
		}
	}

	vals, code, err := lookupConnection(ctx, "watch", pkg, *connFile, *connName, env)
	if err != nil {
		return fail(code, "%v", err)
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
	client, err := newClient(pkg, vals, *baseURL, logger)
	if err != nil {
		return fail(ExitFail, "%v", err)
	}

	db, err := openState(*statePath, pkg, trig)
	if err != nil {
		return fail(ExitFail, "state: %v", err)
	}
	defer db.Close()
	if dl, err := db.DeadLetters(ctx, subID); err == nil && len(dl) > 0 {
		fmt.Fprintf(env.Stderr, "%d dead letter(s) from earlier runs are kept in the state; list them with --dead-letters\n", len(dl))
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	store := ackStore{db}
	// One watch per state file: a fixed lease owner lets a watch restarted
	// after a crash resume at once instead of waiting for the dead
	// process's lease (default owner hostname+pid) to expire.
	owner := "connectorgen-watch"
	if host, err := os.Hostname(); err == nil {
		owner += "@" + host
	}

	var (
		mu      sync.Mutex
		printed int
	)
	handler := func(_ context.Context, ev runtime.Event) error {
		mu.Lock()
		defer mu.Unlock()
		if *maxEvents > 0 && printed >= *maxEvents {
			return context.Canceled // not delivered: stays in the inbox
		}
		var b bytes.Buffer
		if err := json.Compact(&b, ev.Payload); err != nil {
			b.Reset()
			b.Write(ev.Payload)
		}
		b.WriteByte('\n')
		if _, err := env.Stdout.Write(b.Bytes()); err != nil {
			return err
		}
		printed++
		if *maxEvents > 0 && printed >= *maxEvents {
			cancel()
		}
		return nil
	}

	switch trig.Mode {
	case ir.Webhook:
		ln, err := net.Listen("tcp", *listen)
		if err != nil {
			return fail(ExitFail, "%v", err)
		}
		pub := *publicURL
		if pub == "" {
			pub = "http://" + ln.Addr().String()
		}
		l, err := runtime.NewListener(store, pub)
		if err != nil {
			ln.Close()
			return fail(ExitFail, "%v", err)
		}
		srvCtx, srvStop := context.WithCancel(context.WithoutCancel(ctx))
		served := make(chan error, 1)
		go func() { served <- l.Serve(srvCtx, ln) }()
		defer func() {
			srvStop()
			<-served
		}()
		fmt.Fprintf(env.Stderr, "listening on %s (public %s)\n", ln.Addr(), pub)
		if err := l.Subscribe(ctx, client, subID, op, argv, bodyIndex, urlPath); err != nil {
			return fail(ExitFail, "subscribe: %v", err)
		}
		fmt.Fprintf(env.Stderr, "subscribed %s\n", subID)
		err = runtime.RunWebhook(ctx, store, l, runtime.DeliveryConfig{Subscription: subID, Logger: logger, Owner: owner}, handler)
		uctx, ucancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		uerr := l.Unsubscribe(uctx, client, subID)
		ucancel()
		if err != nil && !errors.Is(err, context.Canceled) {
			return fail(ExitFail, "%v", err)
		}
		if uerr != nil {
			return fail(ExitFail, "unsubscribe: %v", uerr)
		}
		fmt.Fprintf(env.Stderr, "unsubscribed %s\n", subID)
	default:
		cfg := runtime.PollConfig{
			Subscription: subID,
			Operation:    op,
			Args:         argv,
			Interval:     *interval,
			Owner:        owner,
		}
		if trig.Batch && trig.Split {
			cfg.Split = runtime.SplitRule{Batch: true, Path: trig.SplitPath}
		}
		fmt.Fprintf(env.Stderr, "polling %s every %s\n", trig.OperationID, *interval)
		if err := client.RunPolling(ctx, store, cfg, handler); err != nil && !errors.Is(err, context.Canceled) {
			return fail(ExitFail, "%v", err)
		}
	}
	return ExitOK
}

// ackStore acknowledges delivered events even after the context is cancelled
// (by --max-events), so that a printed event is not printed again.
type ackStore struct{ runtime.TriggerStore }

func (s ackStore) Ack(ctx context.Context, id string, seq int64) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return s.TriggerStore.Ack(ctx, id, seq)
}

// findTrigger finds a trigger by operationId (exactly, then case-insensitively).
func findTrigger(p *ir.Package, id string) *ir.Trigger {
	for _, t := range p.Triggers {
		if t.OperationID == id {
			return t
		}
	}
	for _, t := range p.Triggers {
		if strings.EqualFold(t.OperationID, id) {
			return t
		}
	}
	return nil
}

// openState opens the SQLite state of a watched trigger: path, or a file
// per connector and trigger under the user cache directory.
func openState(path string, pkg *ir.Package, trig *ir.Trigger) (*sqlitestore.Store, error) {
	if path == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("%v (use --state)", err)
		}
		dir = filepath.Join(dir, "connectorgen")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		path = filepath.Join(dir, pkg.Name+"-"+trig.OperationID+".db")
	}
	return sqlitestore.Open(path)
}

// deadLetterLine is the JSON form of a dead letter printed by
// watch --dead-letters.
type deadLetterLine struct {
	Seq       int64           `json:"seq"`
	Payload   json.RawMessage `json:"payload"`
	Attempts  int             `json:"attempts"`
	LastError string          `json:"lastError,omitempty"`
	Reason    string          `json:"reason,omitempty"`
	Buried    time.Time       `json:"buried"`
}

// printDeadLetters writes the dead letters of subscription id as JSON
// lines on stdout, oldest first.
func printDeadLetters(ctx context.Context, env *Env, store runtime.TriggerStore, id string) error {
	dls, err := store.DeadLetters(ctx, id)
	if err != nil && !errors.Is(err, runtime.ErrNotFound) {
		return err
	}
	for _, d := range dls {
		line := deadLetterLine{Seq: d.Seq, Attempts: d.Attempts, LastError: d.LastError, Reason: d.Reason, Buried: d.Buried.UTC()}
		if json.Valid(d.Payload) {
			line.Payload = d.Payload
		} else {
			line.Payload, _ = json.Marshal(string(d.Payload))
		}
		b, err := json.Marshal(line)
		if err != nil {
			return err
		}
		if _, err := env.Stdout.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	fmt.Fprintf(env.Stderr, "%d dead letter(s) for %s\n", len(dls), id)
	return nil
}

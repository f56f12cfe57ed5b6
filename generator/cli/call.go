package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/connectorgen/connectorgen/generator"
	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/runtime"
)

func runCall(ctx context.Context, args []string, env *Env) int {
	fs := pflag.NewFlagSet("call", pflag.ContinueOnError)
	connFile := fs.String("connection", "", "credential `FILE` (JSON, mode 0600): {\"connections\": {\"NAME\": {\"param\": \"value\"}}}")
	connName := fs.String("connection-name", "", "connection `NAME` in the file or environment (default: the file's only connection, or the package name)")
	baseURL := fs.String("base-url", "", "replace scheme, host and basePath of the connector with `URL`")
	params := fs.StringArray("param", nil, "parameter `NAME=VALUE` (repeat for arrays; VALUE @PATH reads a file part)")
	body := fs.String("body", "", "request body: `JSON`, or @FILE to read it from a file")
	verbose := fs.BoolP("verbose", "v", false, "log requests (credentials redacted) on stderr")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: connectorgen call [flags] CONNECTOR OPERATION_ID\n\n"+
			"Invokes one operation through the runtime without generating code. The response\n"+
			"body goes to stdout, the status to stderr; exit 0 on 2xx, 1 otherwise.\n"+
			"Without --connection, credentials come from CONNECTORGEN_<NAME>_<PARAM> variables.\n\nFlags:\n%s", fs.FlagUsages())
	}
	if code, ok := parseFlags(fs, args, env); !ok {
		return code
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(env.Stderr, "connectorgen call: want CONNECTOR and OPERATION_ID")
		fs.Usage()
		return ExitUsage
	}
	res, ds := generator.Generate(fs.Arg(0), generator.Options{})
	if res == nil {
		ds.Sort().Print(env.Stderr)
		return ExitFail
	}
	action := findAction(res.Package, fs.Arg(1))
	if action == nil {
		fmt.Fprintf(env.Stderr, "connectorgen call: %s has no operation %q\n", fs.Arg(0), fs.Arg(1))
		return ExitUsage
	}
	op := RuntimeOperation(&action.Op)
	callArgs, err := buildArgs(op, *params, *body)
	if err != nil {
		fmt.Fprintf(env.Stderr, "connectorgen call: %v\n", err)
		return ExitUsage
	}
	for _, a := range callArgs {
		if c, ok := a.closer(); ok {
			defer c.Close()
		}
	}

	vals, code, err := lookupConnection(ctx, "call", res.Package, *connFile, *connName, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "connectorgen call: %v\n", err)
		return code
	}

	logger := slog.New(slog.DiscardHandler)
	if *verbose {
		logger = slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	client, err := newClient(res.Package, vals, *baseURL, logger)
	if err != nil {
		fmt.Fprintf(env.Stderr, "connectorgen call: %v\n", err)
		return ExitFail
	}
	var out []byte
	resp, err := client.Do(ctx, op, runtimeArgs(callArgs), &out)
	var apiErr *runtime.Error
	switch {
	case errors.As(err, &apiErr):
		env.Stdout.Write(apiErr.Body)
		fmt.Fprintln(env.Stderr, apiErr.Status)
		return ExitFail
	case err != nil:
		fmt.Fprintf(env.Stderr, "connectorgen call: %v\n", err)
		return ExitFail
	}
	env.Stdout.Write(out)
	fmt.Fprintf(env.Stderr, "%d %s\n", resp.StatusCode, http.StatusText(resp.StatusCode))
	return ExitOK
}

// findAction finds an operation by operationId among actions and trigger
// setup requests (exactly, then case-insensitively).
func findAction(p *ir.Package, id string) *ir.Action {
	all := append([]*ir.Action(nil), p.Actions...)
	for _, t := range p.Triggers {
		if t.Setup != nil {
			all = append(all, t.Setup)
		}
	}
	for _, a := range all {
		if a.Op.ID == id {
			return a
		}
	}
	for _, a := range all {
		if strings.EqualFold(a.Op.ID, id) {
			return a
		}
	}
	return nil
}

type callArg struct {
	arg  runtime.Arg
	file *os.File
}

func (a callArg) closer() (*os.File, bool) { return a.file, a.file != nil }

// buildArgs turns --param and --body values into positional runtime args.
func buildArgs(op *runtime.Operation, params []string, body string) ([]callArg, error) {
	values := make([][]string, len(op.Params))
	out := make([]callArg, len(op.Params))
	for _, kv := range params {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("--param %q: want NAME=VALUE", kv)
		}
		i := paramIndex(op, name)
		if i < 0 {
			return nil, fmt.Errorf("operation %s has no parameter %q (it has: %s)", op.ID, name, paramNames(op))
		}
		if op.Params[i].In == runtime.InBody {
			return nil, fmt.Errorf("parameter %q is the request body: use --body", name)
		}
		if op.Params[i].File {
			path := strings.TrimPrefix(value, "@")
			f, err := os.Open(path)
			if err != nil {
				return nil, err
			}
			out[i] = callArg{arg: runtime.File(filepath.Base(path), f), file: f}
			continue
		}
		values[i] = append(values[i], value)
	}
	for i, vs := range values {
		switch {
		case len(vs) == 1:
			out[i].arg = runtime.String(vs[0])
		case len(vs) > 1:
			out[i].arg = runtime.Strings(vs)
		}
	}
	if body != "" {
		data := []byte(body)
		if path, ok := strings.CutPrefix(body, "@"); ok {
			var err error
			if data, err = os.ReadFile(path); err != nil {
				return nil, err
			}
		}
		i := -1
		for j, p := range op.Params {
			if p.In == runtime.InBody {
				i = j
			}
		}
		if i < 0 {
			return nil, fmt.Errorf("operation %s takes no body", op.ID)
		}
		if op.Body == runtime.BodyRaw {
			out[i].arg = runtime.Reader(strings.NewReader(string(data)))
		} else {
			out[i].arg = runtime.RawJSON(data)
		}
	}
	return out, nil
}

func paramIndex(op *runtime.Operation, name string) int {
	for i, p := range op.Params {
		if p.Name == name {
			return i
		}
	}
	for i, p := range op.Params {
		if strings.EqualFold(p.Name, name) {
			return i
		}
	}
	return -1
}

func paramNames(op *runtime.Operation) string {
	var names []string
	for _, p := range op.Params {
		if p.In != runtime.InBody {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// storedConnection is a connection read for a command: its values, and the
// store and name that refreshed OAuth tokens are written back to.
type storedConnection struct {
	vals  runtime.Values
	store runtime.Store
	name  string
}

// lookupConnection reads the connection values for a command: from the
// --connection file (its only connection, or --connection-name), else from
// CONNECTORGEN_<NAME>_<PARAM> variables named after the package. With no
// values in the environment the command goes on without credentials, with a
// warning. On error it also returns the exit code to use.
func lookupConnection(ctx context.Context, cmd string, pkg *ir.Package, connFile, name string, env *Env) (storedConnection, int, error) {
	if name == "" && connFile == "" {
		name = pkg.Name
	}
	var store runtime.Store = runtime.EnvStore{}
	if connFile != "" {
		fstore, err := runtime.OpenFileStore(connFile)
		if err != nil {
			return storedConnection{}, ExitFail, err
		}
		store = fstore
		if name == "" {
			names := fstore.Names()
			if len(names) != 1 {
				return storedConnection{}, ExitUsage, fmt.Errorf("%s holds %d connections; pick one with --connection-name", connFile, len(names))
			}
			name = names[0]
		}
	}
	vals, err := runtime.LookupConnection(ctx, store, name, ConnectionKeys(pkg.Connection)...)
	if errors.Is(err, runtime.ErrConnectionNotFound) && connFile == "" {
		if len(pkg.Connection.Auth) > 0 || len(pkg.Connection.Sets) > 0 {
			fmt.Fprintf(env.Stderr, "connectorgen %s: warning: no credentials for connection %q (use --connection or CONNECTORGEN_%s_<PARAM> variables); calling without them\n", cmd, name, strings.ToUpper(name))
		}
		return storedConnection{vals: runtime.Values{}}, 0, nil
	}
	if err != nil {
		return storedConnection{}, ExitFail, err
	}
	return storedConnection{vals: vals, store: store, name: name}, 0, nil
}

// newClient builds the runtime client of a command: the connection's
// credentials (refreshed OAuth tokens are saved to its store), an optional
// base URL and the command's logger.
func newClient(pkg *ir.Package, conn storedConnection, baseURL string, logger *slog.Logger) (*runtime.Client, error) {
	var auth runtime.Authorizer
	if conn.store != nil {
		auth = Authorizer(pkg.Connection, conn.vals, runtime.OAuthSaveTo(conn.store, conn.name), runtime.OAuthLogger(logger))
	} else {
		auth = Authorizer(pkg.Connection, conn.vals)
	}
	opts := []runtime.Option{runtime.WithAuth(auth), runtime.WithLogger(logger)}
	opts = append(opts, PolicyOptions(pkg, conn.vals)...) // policy templates (runtimeop.go)
	if baseURL != "" {
		opts = append(opts, runtime.WithBaseURL(baseURL))
	}
	return runtime.NewClient(pkg.BaseURL, opts...)
}

// runtimeArgs returns the runtime arguments of buildArgs' result.
func runtimeArgs(cs []callArg) []runtime.Arg {
	argv := make([]runtime.Arg, len(cs))
	for i, a := range cs {
		argv[i] = a.arg
	}
	return argv
}

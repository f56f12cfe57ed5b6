// Package cli is the connectorgen command line: subcommands, flags (spf13/pflag)
// and exit codes. Main takes its arguments and output streams as parameters so
// that tests drive the real command.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/pflag"
)

// Exit codes.
const (
	ExitOK    = 0 // success
	ExitFail  = 1 // a connector failed, stale output, a non-2xx call
	ExitUsage = 2 // bad flags or arguments
)

const usage = `connectorgen generates typed Go clients for Power Platform connectors.

Usage:
  connectorgen generate --out DIR [--package NAME] [--check] CONNECTOR...
  connectorgen generate -c FILE [--check]
  connectorgen check [-c FILE]
  connectorgen call [--connection FILE] [--base-url URL] [--param NAME=VALUE]... [--body JSON|@FILE] CONNECTOR OPERATION_ID
  connectorgen watch [--connection FILE] [--base-url URL] [--param NAME=VALUE]... [--state FILE] [--interval DURATION] [--listen ADDR] [--public-url URL] [--max-events N] CONNECTOR TRIGGER_OPERATION_ID
  connectorgen diff [--json] OLD_CONNECTOR NEW_CONNECTOR
  connectorgen inspect [--json] CONNECTOR
  connectorgen login [--store FILE] [--device] [--set SET] [--param NAME=VALUE]... CONNECTOR CONNECTION_NAME
  connectorgen version

A CONNECTOR is a connector folder (apiDefinition.swagger.json, optional
apiProperties.json and script.csx) or the path of a swagger file.
A config FILE (connectorgen.json) lists connectors with their output
directories, packages, selected operations and renames; check is
generate --check.
Run "connectorgen COMMAND --help" for the flags of a command.
`

// Env is what a command may touch besides its arguments.
type Env struct {
	Stdout, Stderr io.Writer
	// Getenv reads environment variables (os.Getenv by default).
	Getenv func(string) string
	// IsTerminal reports whether stderr is a terminal (for progress output).
	IsTerminal bool
	// Stdin answers prompts (login); nil reads nothing.
	Stdin io.Reader
	// OpenURL opens a URL in a browser (login); nil prints it only.
	OpenURL func(url string) error
}

// Main runs the command line args (without the program name) and returns the
// exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	env := &Env{Stdout: stdout, Stderr: stderr, Getenv: os.Getenv, Stdin: os.Stdin, OpenURL: openBrowser}
	if f, ok := stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			env.IsTerminal = true
		}
	}
	return Run(context.Background(), args, env)
}

// Run is Main with an explicit context and environment.
func Run(ctx context.Context, args []string, env *Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return ExitUsage
	}
	switch args[0] {
	case "generate":
		return runGenerate(ctx, args[1:], env)
	case "check":
		return runCheck(ctx, args[1:], env)
	case "call":
		return runCall(ctx, args[1:], env)
	case "watch":
		return runWatch(ctx, args[1:], env)
	case "login":
		return runLogin(ctx, args[1:], env)
	case "diff":
		return runDiff(ctx, args[1:], env)
	case "inspect":
		return runInspect(ctx, args[1:], env)
	case "version":
		fmt.Fprintln(env.Stdout, "connectorgen", version())
		return ExitOK
	case "help", "-h", "--help":
		fmt.Fprint(env.Stdout, usage)
		return ExitOK
	}
	fmt.Fprintf(env.Stderr, "connectorgen: unknown command %q\n\n%s", args[0], usage)
	return ExitUsage
}

// parseFlags parses a subcommand's flags; help prints usage and exits 0,
// other errors are usage errors.
func parseFlags(fs *pflag.FlagSet, args []string, env *Env) (code int, ok bool) {
	fs.SetOutput(env.Stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return ExitOK, false
		}
		fmt.Fprintf(env.Stderr, "connectorgen %s: %v\n", fs.Name(), err)
		return ExitUsage, false
	}
	return 0, true
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

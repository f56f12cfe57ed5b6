package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/pflag"

	"github.com/connectorgen/connectorgen/generator"
	"github.com/connectorgen/connectorgen/generator/config"
	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/naming"
)

func runGenerate(ctx context.Context, args []string, env *Env) int {
	return generateCmd(ctx, "generate", args, env)
}

// generateCmd runs generate, or check (generate --check) when name is "check".
func generateCmd(ctx context.Context, name string, args []string, env *Env) int {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	cfgFile := fs.StringP("config", "c", "", "generate the connectors the config `FILE` lists (default: ./"+config.FileName+" when no CONNECTOR is given)")
	out := fs.StringP("out", "o", "", "output `DIR`: the package (one connector) or one sub-folder per package (several)")
	pkg := fs.StringP("package", "p", "", "Go package `NAME` (one connector only; default: derived from the folder name)")
	check := fs.Bool("check", false, "write nothing; exit 1 and print a unified diff when DIR differs from the generated output")
	inits := fs.StringSlice("initialism", nil, "extra initialisms for Go names, e.g. SharePoint,OData (repeatable)")
	strict := fs.Bool("strict", false, "make policy templates and expressions the runtime cannot honour errors instead of warnings")
	fakes := fs.Bool("fakes", false, "also generate a fake backend for tests in DIR/fake (package fake; DIR must be inside a Go module)")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: connectorgen generate --out DIR [--package NAME] [--check] [--strict] [--fakes] CONNECTOR...\n       connectorgen generate -c FILE [--check] [--strict] [--fakes]\n\nFlags:\n%s", fs.FlagUsages())
	}
	if name == "check" {
		fs.Usage = func() { checkUsage(fs, env) } // config.go
	}
	if code, ok := parseFlags(fs, args, env); !ok {
		return code
	}
	conns := fs.Args()
	// A config file (config.go): -c FILE, or ./connectorgen.json when
	// nothing else says what to generate.
	if *cfgFile == "" && *out == "" && len(conns) == 0 && (name == "check" || fileExists(config.FileName)) {
		*cfgFile = config.FileName
	}
	*check = *check || name == "check"
	if *cfgFile != "" {
		// Flags that do not say what to generate apply to every entry.
		return generateConfig(ctx, fs, *cfgFile, *check, generator.Options{Strict: *strict, Fakes: *fakes}, env)
	}
	switch {
	case *out == "":
		fmt.Fprintln(env.Stderr, "connectorgen generate: --out is required")
		fs.Usage()
		return ExitUsage
	case len(conns) == 0:
		fmt.Fprintln(env.Stderr, "connectorgen generate: no CONNECTOR given")
		fs.Usage()
		return ExitUsage
	case *pkg != "" && len(conns) > 1:
		fmt.Fprintln(env.Stderr, "connectorgen generate: --package needs exactly one CONNECTOR")
		return ExitUsage
	}
	opts := generator.Options{Package: *pkg, Initialisms: *inits, Strict: *strict}
	results := generateAll(ctx, conns, opts)

	// Package folders for a batch: the derived name, unique within the batch
	// (claimed in argument order, so the same command gives the same folders).
	b := &batchRun{env: env, n: len(conns)}
	taken := naming.NewScope()
	for i := range conns {
		r := results(i)
		if !b.start(i, conns[i], r.diags, r.res) {
			continue
		}
		dir := *out
		if b.n > 1 {
			name := naming.Unique(r.res.Package.Name, taken.Taken)
			taken.Claim(name)
			if name != r.res.Package.Name {
				// Keep package clause and folder in step.
				again, ds := generator.GenerateConnector(r.res.Connector, generator.Options{Package: name, Initialisms: *inits, Strict: *strict})
				if again == nil {
					ds.Print(env.Stderr)
					b.failed++
					continue
				}
				r.res = again
			}
			dir = filepath.Join(*out, name)
		}
		b.output(conns[i], r.res, dir, *fakes, *check)
	}
	return b.finish("connectorgen generate")
}

// batchRun counts and reports the connectors of one generate or check
// run, from the command line or a config file.
type batchRun struct {
	env                         *Env
	n                           int // connectors in the batch
	generated, warnings, failed int
	diffs                       strings.Builder
}

// start shows progress and the diagnostics of connector i (label); it
// reports whether there is a result to write.
func (b *batchRun) start(i int, label string, ds diag.List, res *generator.Result) bool {
	if b.env.IsTerminal && b.n > 1 {
		fmt.Fprintf(b.env.Stderr, "\r\033[K[%d/%d] %s", i+1, b.n, label)
		if len(ds) > 0 {
			fmt.Fprint(b.env.Stderr, "\r\033[K")
		}
	}
	ds.Sort().Print(b.env.Stderr)
	b.warnings += ds.Count(diag.Warning)
	if res == nil {
		b.failed++
		return false
	}
	return true
}

// output adds the fake when asked, then writes res to dir or, with
// check, collects the diff against what dir holds.
func (b *batchRun) output(label string, res *generator.Result, dir string, fakes, check bool) {
	fail := func(err error) {
		fmt.Fprintf(b.env.Stderr, "%s: error: %v\n", label, err)
		b.failed++
	}
	if fakes {
		if err := addFake(res, dir); err != nil {
			fail(err)
			return
		}
	}
	if check {
		d, err := generator.CheckResult(dir, res)
		if err != nil {
			fail(err)
			return
		}
		b.diffs.WriteString(d)
	} else if _, err := generator.WriteResult(dir, res); err != nil {
		fail(err)
		return
	}
	b.generated++
}

// finish prints the summary (for a batch or a failure) and the diff of
// stale output; regenerate is the command that refreshes it.
func (b *batchRun) finish(regenerate string) int {
	if b.env.IsTerminal && b.n > 1 {
		fmt.Fprint(b.env.Stderr, "\r\033[K")
	}
	if b.n > 1 || b.failed > 0 {
		fmt.Fprintf(b.env.Stderr, "connectorgen: %d generated, %d warnings, %d failed\n", b.generated, b.warnings, b.failed)
	}
	if b.diffs.Len() > 0 {
		fmt.Fprint(b.env.Stdout, b.diffs.String())
		fmt.Fprintf(b.env.Stderr, "connectorgen: generated code is stale; run %s\n", regenerate)
		return ExitFail
	}
	if b.failed > 0 {
		return ExitFail
	}
	return ExitOK
}

// addFake renders the fake of res for the package in dir (--fakes), with
// the import path dir has in its module.
func addFake(res *generator.Result, dir string) error {
	ip, err := generator.ImportPath(dir)
	if err != nil {
		return err
	}
	return res.AddFake(ip)
}

type genResult struct {
	res   *generator.Result
	diags diag.List
}

// generateAll starts generating connectors concurrently and returns a
// function that waits for the result of connector i, so that results are
// reported in argument order while later ones are still being generated.
func generateAll(ctx context.Context, conns []string, opts generator.Options) func(int) genResult {
	return generateEach(ctx, conns, func(int) generator.Options { return opts })
}

// generateEach is generateAll with options per connector.
func generateEach(ctx context.Context, conns []string, opts func(i int) generator.Options) func(int) genResult {
	results := make([]genResult, len(conns))
	done := make([]chan struct{}, len(conns))
	for i := range done {
		done[i] = make(chan struct{})
	}
	work := make(chan int, len(conns))
	for i := range conns {
		work <- i
	}
	close(work)
	for range min(runtime.GOMAXPROCS(0), len(conns)) {
		go func() {
			for i := range work {
				if err := ctx.Err(); err != nil {
					results[i] = genResult{diags: diag.List{{Pos: diag.Pos{File: conns[i]}, Severity: diag.Error, Msg: err.Error()}}}
				} else {
					res, ds := generator.Generate(conns[i], opts(i))
					results[i] = genResult{res: res, diags: ds}
				}
				close(done[i])
			}
		}()
	}
	return func(i int) genResult {
		<-done[i]
		return results[i]
	}
}

package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/connectorgen/connectorgen/generator"
	"github.com/connectorgen/connectorgen/generator/config"
)

// runCheck is `connectorgen check`: generate --check.
func runCheck(ctx context.Context, args []string, env *Env) int {
	return generateCmd(ctx, "check", args, env)
}

func checkUsage(fs *pflag.FlagSet, env *Env) {
	fmt.Fprintf(env.Stderr, `Usage: connectorgen check [-c FILE] [--strict]
       connectorgen check --out DIR [--package NAME] [--strict] CONNECTOR...

check is generate --check: it writes nothing, prints a unified diff of every
missing, changed or orphaned generated file and exits 1 when there is one.
Without arguments it reads ./%s.

Flags:
%s`, config.FileName, fs.FlagUsages())
}

func fileExists(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.Mode().IsRegular()
}

// generateConfig generates (or checks) every connector a config file
// lists, each into its own directory. base holds the options of flags that
// apply to every entry.
func generateConfig(ctx context.Context, fs *pflag.FlagSet, file string, check bool, base generator.Options, env *Env) int {
	cmd := "connectorgen " + fs.Name()
	for _, f := range []string{"out", "package", "initialism"} {
		if fs.Changed(f) {
			fmt.Fprintf(env.Stderr, "%s: --%s cannot be used with a config file: the file says what to generate\n", cmd, f)
			return ExitUsage
		}
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "%s: CONNECTOR arguments cannot be used with a config file: the file lists the connectors\n", cmd)
		return ExitUsage
	}
	cfg, ds := config.Load(file)
	ds.Print(env.Stderr)
	if cfg == nil {
		return ExitFail
	}
	conns := make([]string, len(cfg.Connectors))
	for i, c := range cfg.Connectors {
		conns[i] = c.Load
	}
	results := generateEach(ctx, conns, func(i int) generator.Options {
		o, e := base, cfg.Connectors[i].Options()
		o.Package, o.Initialisms, o.Source = e.Package, e.Initialisms, e.Source
		o.Include, o.Exclude, o.Renames = e.Include, e.Exclude, e.Renames
		o.Fakes = false // fakes are added per entry below (addFake: import path of OutDir)
		return o
	})
	b := &batchRun{env: env, n: len(conns)}
	for i, c := range cfg.Connectors {
		r := results(i)
		if b.start(i, c.Path, r.diags, r.res) {
			b.output(c.OutDir, r.res, c.OutDir, c.Fakes || base.Fakes, check)
		}
	}
	return b.finish("connectorgen generate -c " + file)
}

package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/connectorgen/connectorgen/generator"
	"github.com/connectorgen/connectorgen/generator/apidiff"
	"github.com/connectorgen/connectorgen/generator/ir"
)

func runDiff(_ context.Context, args []string, env *Env) int {
	fs := pflag.NewFlagSet("diff", pflag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print a JSON document instead of a table")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: connectorgen diff [--json] OLD_CONNECTOR NEW_CONNECTOR\n\n"+
			"Reports what changed in the generated Go API between two versions of a connector:\n"+
			"actions and triggers, parameters, results, models, enum constants, the connection.\n"+
			"Each change is marked breaking or not. Exit 0 when nothing is breaking, 1 when\n"+
			"something is, 2 on usage errors or a connector that does not load.\n\nFlags:\n%s", fs.FlagUsages())
	}
	if code, ok := parseFlags(fs, args, env); !ok {
		return code
	}
	if fs.NArg() != 2 {
		fmt.Fprintln(env.Stderr, "connectorgen diff: want OLD_CONNECTOR and NEW_CONNECTOR")
		fs.Usage()
		return ExitUsage
	}
	old, ok := loadAPI(fs.Arg(0), env)
	if !ok {
		return ExitUsage
	}
	new, ok := loadAPI(fs.Arg(1), env)
	if !ok {
		return ExitUsage
	}
	changes := apidiff.Compare(old, new)
	var err error
	if *asJSON {
		err = printDiffJSON(env.Stdout, fs.Arg(0), fs.Arg(1), changes)
	} else {
		err = printDiffTable(env.Stdout, changes)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "connectorgen diff: %v\n", err)
		return ExitFail
	}
	if apidiff.Breaking(changes) {
		return ExitFail
	}
	return ExitOK
}

// loadAPI lowers one connector; on failure it prints the diagnostics.
// Warnings of a connector that loads are not printed: they are the same
// for every command, and `generate` shows them.
func loadAPI(path string, env *Env) (*ir.Package, bool) {
	res, ds := generator.Generate(path, generator.Options{})
	if res == nil {
		ds.Sort().Print(env.Stderr)
		fmt.Fprintf(env.Stderr, "connectorgen diff: cannot load %s\n", path)
		return nil, false
	}
	return res.Package, true
}

func countBreaking(cs []apidiff.Change) int {
	n := 0
	for _, c := range cs {
		if c.Breaking {
			n++
		}
	}
	return n
}

// printDiffTable writes one aligned line per change (BREAKING marker,
// symbol, message) and a summary line.
func printDiffTable(w io.Writer, cs []apidiff.Change) error {
	if len(cs) == 0 {
		_, err := fmt.Fprintln(w, "no changes in the generated Go API")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, c := range cs {
		mark := ""
		if c.Breaking {
			mark = "BREAKING"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", mark, c.Symbol, c.Message)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d %s, %d breaking\n", len(cs), plural(len(cs), "change", "changes"), countBreaking(cs))
	return err
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// The --json document. Field names are stable; new fields may be added.
type (
	diffDoc struct {
		Old     string       `json:"old"` // the connector paths as given
		New     string       `json:"new"`
		Changes []diffChange `json:"changes"` // [] when there are none
		Summary diffSummary  `json:"summary"`
	}
	diffChange struct {
		Kind     string `json:"kind"` // apidiff.Kind: "param-added", ...
		Breaking bool   `json:"breaking"`
		Symbol   string `json:"symbol"` // Go API path: "Client.GetItem", "Item.Name", ...
		Old      string `json:"old"`    // Go declaration or type before ("" when absent)
		New      string `json:"new"`    // ... and after
		Message  string `json:"message"`
	}
	diffSummary struct {
		Total    int `json:"total"`
		Breaking int `json:"breaking"`
	}
)

func printDiffJSON(w io.Writer, old, new string, cs []apidiff.Change) error {
	doc := diffDoc{Old: old, New: new, Changes: []diffChange{}, Summary: diffSummary{Total: len(cs), Breaking: countBreaking(cs)}}
	for _, c := range cs {
		doc.Changes = append(doc.Changes, diffChange{Kind: string(c.Kind), Breaking: c.Breaking, Symbol: c.Symbol, Old: c.Old, New: c.New, Message: c.Message})
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

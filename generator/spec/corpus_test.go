package spec

import (
	"cmp"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/internal/corpus"
)

// corpusDir is the shared connector corpus, relative to this package.
func corpusDir() string {
	d := corpus.Dir()
	if d == "" {
		return filepath.Join("..", "..", "..", "shared", "corpus", "connectors") // absent: callers skip naming it
	}
	return filepath.Join(d, "connectors")
}

// warningKind reduces a warning to its kind: quoted text, positions and
// counts replaced.
func warningKind(msg string) string {
	msg = regexp.MustCompile(`"[^"]*"`).ReplaceAllString(msg, "…")
	msg = regexp.MustCompile(`\d+:\d+`).ReplaceAllString(msg, "L:C")
	return regexp.MustCompile(`\(\d+ `).ReplaceAllString(msg, "(N ")
}

// TestCorpus loads every connector of the corpus: no panic, every connector
// yields a document or a positioned error, and only a handful fail.
func TestCorpus(t *testing.T) {
	root := corpusDir()
	groups, err := os.ReadDir(root)
	if err != nil {
		t.Skipf("connector corpus not found at %s (it lives in the shared workspace): %v", root, err)
	}
	var connectors, loaded, operations, warnings int
	var failed []string
	kinds := map[string]int{}
	for _, g := range groups {
		if !g.IsDir() {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(root, g.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			connectors++
			dir := filepath.Join(root, g.Name(), e.Name())
			c, ds := LoadConnector(dir)
			for _, d := range ds {
				if strings.Contains(d.Msg, "connectorgen bug") {
					t.Errorf("%v", d)
				}
				if d.Severity == diag.Warning {
					warnings++
					kinds[warningKind(d.Msg)]++
				}
			}
			if c != nil && c.API != nil {
				loaded++
				for _, p := range c.API.Paths {
					operations += len(p.Operations)
				}
			} else if !slices.ContainsFunc(ds, func(d diag.Diagnostic) bool { return d.Severity == diag.Error && d.Pos.Line > 0 }) {
				t.Errorf("%s: no document and no positioned error: %v", dir, ds)
			}
			if ds.HasErrors() {
				failed = append(failed, e.Name())
				for _, d := range ds {
					if d.Severity == diag.Error {
						t.Logf("%v", d)
					}
				}
			}
		}
	}
	t.Logf("connectors %d, loaded %d, failed %d %q, operations %d, warnings %d", connectors, loaded, len(failed), failed, operations, warnings)
	for _, k := range slices.SortedFunc(maps.Keys(kinds), func(a, b string) int { return cmp.Or(kinds[b]-kinds[a], strings.Compare(a, b)) }) {
		t.Logf("%5d  %s", kinds[k], k)
	}
	if connectors == 0 {
		t.Fatal("no connectors found")
	}
	if len(failed) > 5 {
		t.Errorf("%d connectors failed (want at most 5): %q", len(failed), failed)
	}
}

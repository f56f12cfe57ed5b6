package naming

import (
	"encoding/json"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/connectorgen/connectorgen/generator/internal/corpus"
)

// corpusDir returns the connector corpus, or "" when there is none.
func corpusDir() string { return corpus.Dir() }

// corpusNames collects the operationIds, parameter names and property
// (and definition) names of every swagger that parses as JSON.
type corpusNames struct {
	ops, params, props map[string]bool
}

func (c *corpusNames) walk(v any) {
	switch x := v.(type) {
	case map[string]any:
		if id, ok := x["operationId"].(string); ok {
			c.ops[id] = true
		}
		if name, ok := x["name"].(string); ok {
			if _, ok := x["in"].(string); ok {
				c.params[name] = true
			}
		}
		for _, key := range []string{"properties", "definitions"} {
			if m, ok := x[key].(map[string]any); ok {
				for k := range m {
					c.props[k] = true
				}
			}
		}
		for _, child := range x {
			c.walk(child)
		}
	case []any:
		for _, child := range x {
			c.walk(child)
		}
	}
}

// TestCorpusIdentifiers checks that every name in the corpus becomes a
// valid, non-keyword identifier both exported and unexported, and that
// every connector folder becomes a valid package name.
func TestCorpusIdentifiers(t *testing.T) {
	dir := corpusDir()
	if dir == "" {
		t.Skip("no connector corpus (shared/corpus beside the repository, or $CONNECTORGEN_CORPUS)")
	}
	files, err := filepath.Glob(filepath.Join(dir, "connectors", "*", "*", "apiDefinition.swagger.json"))
	if err != nil {
		t.Fatal(err)
	}
	c := corpusNames{ops: map[string]bool{}, params: map[string]bool{}, props: map[string]bool{}}
	bad := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			bad++ // the corpus has a few malformed files; the spec loader reports them
			continue
		}
		c.walk(v)
	}
	n := New()
	failures := 0
	for _, set := range []map[string]bool{c.ops, c.params, c.props} {
		for _, s := range sortedKeys(set) {
			if msg := checkNames(n, s); msg != "" {
				failures++
				if failures <= 20 {
					t.Errorf("%q: %s", s, msg)
				}
			}
		}
	}
	folders, pkgs := 0, map[string][]string{}
	for _, f := range files {
		folder := filepath.Base(filepath.Dir(f))
		p := PackageName(folder)
		folders++
		pkgs[p] = append(pkgs[p], folder)
		if !token.IsIdentifier(p) || IsReserved(p) {
			t.Errorf("PackageName(%q) = %q", folder, p)
		}
	}
	for p, fs := range pkgs {
		if len(fs) > 1 {
			t.Logf("package name %s shared by %q", p, fs)
		}
	}
	t.Logf("%d swaggers (%d not valid JSON, skipped): checked %d operationIds, %d parameter names, %d property/definition names, %d folders (%d distinct package names); %d failures",
		len(files), bad, len(c.ops), len(c.params), len(c.props), folders, len(pkgs), failures)
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Package corpus locates the shared connector corpus for tests: the folder
// shared/corpus beside the repository (where CI puts it), or
// $CONNECTORGEN_CORPUS. A user's clone usually has neither; tests then skip
// with a message saying so.
package corpus

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Dir returns the corpus folder (holding connectors/), or "" when absent.
func Dir() string {
	if d := os.Getenv("CONNECTORGEN_CORPUS"); d != "" && isCorpus(d) {
		return d
	}
	root, ok := repoRoot()
	if !ok {
		return ""
	}
	if d := filepath.Join(root, "..", "shared", "corpus"); isCorpus(d) {
		return d
	}
	return ""
}

// Require returns the corpus folder or skips the test.
func Require(t testing.TB) string {
	t.Helper()
	d := Dir()
	if d == "" {
		t.Skip("connector corpus not found: expected ../shared/corpus beside the repository or $CONNECTORGEN_CORPUS; skipping corpus test")
	}
	return d
}

// Connectors returns every connector folder of the corpus, sorted.
func Connectors(t testing.TB) []string {
	t.Helper()
	d := Require(t)
	dirs, err := filepath.Glob(filepath.Join(d, "connectors", "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	dirs = slices.DeleteFunc(dirs, func(p string) bool {
		fi, err := os.Stat(p)
		return err != nil || !fi.IsDir()
	})
	slices.Sort(dirs)
	if len(dirs) == 0 {
		t.Fatalf("corpus %s holds no connectors", d)
	}
	return dirs
}

func isCorpus(d string) bool {
	fi, err := os.Stat(filepath.Join(d, "connectors"))
	return err == nil && fi.IsDir()
}

// repoRoot walks up from the working directory to the folder holding go.mod.
func repoRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

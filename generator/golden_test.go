package generator_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator"
	"github.com/connectorgen/connectorgen/generator/internal/udiff"
)

var update = flag.Bool("update", false, "rewrite generator/internal/golden from the current output")

// goldenDir holds one folder per test connector: the generated *_gen.go files
// and diagnostics.golden (the warnings). The folders are packages of this
// module, so `go build ./...`, `go vet ./...` and the behaviour tests beside
// them compile and run the generated code as a user would.
const goldenDir = "generator/internal/golden"

// testConnectors lists testdata/connectors/*, relative to the repository root.
func testConnectors(t *testing.T) []string {
	t.Helper()
	dirs, err := filepath.Glob("testdata/connectors/*")
	if err != nil {
		t.Fatal(err)
	}
	dirs = slices.DeleteFunc(dirs, func(d string) bool {
		fi, err := os.Stat(d)
		return err != nil || !fi.IsDir()
	})
	if len(dirs) < 8 {
		t.Fatalf("want at least 8 test connectors, found %d", len(dirs))
	}
	return dirs
}

func TestGolden(t *testing.T) {
	t.Chdir("..") // generate with paths relative to the repository root
	for _, dir := range testConnectors(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			res, ds := generator.Generate(dir, goldenOptions(dir))
			if res == nil {
				t.Fatalf("generation failed:\n%s", ds.Error())
			}
			var diags bytes.Buffer
			ds.Sort().Print(&diags)
			want := filepath.Join(goldenDir, res.Package.Name)
			if *update {
				if _, err := generator.WriteResult(want, res); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(want, "diagnostics.golden"), diags.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			d, err := generator.CheckResult(want, res)
			if err != nil {
				t.Fatal(err)
			}
			old, _ := os.ReadFile(filepath.Join(want, "diagnostics.golden"))
			d += udiff.Unified(filepath.Join(want, "diagnostics.golden"), "diagnostics (now)", old, diags.Bytes())
			if d != "" {
				t.Errorf("output differs from %s (run go test ./generator -run TestGolden -update):\n%s", want, d)
			}
		})
	}
}

// goldenOptions generates every golden package with its fake (fake/,
// compiled and vetted with the package; fake_test.go files drive the
// client against it). The package name is derived as Generate does.
func goldenOptions(dir string) generator.Options {
	res, _ := generator.Generate(dir, generator.Options{})
	if res == nil {
		return generator.Options{}
	}
	return generator.Options{Fakes: true, ImportPath: "github.com/connectorgen/connectorgen/" + goldenDir + "/" + res.Package.Name}
}

// TestGoldenOrphans fails when a golden folder has no test connector any more.
func TestGoldenOrphans(t *testing.T) {
	t.Chdir("..")
	var names []string
	for _, dir := range testConnectors(t) {
		res, ds := generator.Generate(dir, generator.Options{})
		if res == nil {
			t.Fatalf("%s: %s", dir, ds.Error())
		}
		names = append(names, res.Package.Name)
	}
	entries, err := os.ReadDir(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && !slices.Contains(names, e.Name()) {
			t.Errorf("%s/%s has no connector in testdata/connectors; delete it", goldenDir, e.Name())
		}
	}
}

// TestDeterministic generates every test connector twice, concurrently, and
// compares the bytes.
func TestDeterministic(t *testing.T) {
	t.Chdir("..")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range testConnectors(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			a, _ := generator.Generate(dir, generator.Options{})
			b, _ := generator.Generate(dir, generator.Options{})
			if a == nil || b == nil {
				t.Fatal("generation failed")
			}
			if len(a.Files) != len(b.Files) {
				t.Fatalf("file count differs: %d vs %d", len(a.Files), len(b.Files))
			}
			for i := range a.Files {
				if a.Files[i].Name != b.Files[i].Name || !bytes.Equal(a.Files[i].Content, b.Files[i].Content) {
					t.Errorf("%s differs between two runs", a.Files[i].Name)
				}
				if strings.Contains(string(a.Files[i].Content), wd) {
					t.Errorf("%s contains an absolute path", a.Files[i].Name)
				}
			}
		})
	}
}

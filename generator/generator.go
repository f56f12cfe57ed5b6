// Package generator turns connector definitions into Go packages: load
// (package spec) → lower to the IR (package lower) → emit Go files (package
// emit). It holds no global state; every call is independent.
package generator

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/emit"
	"github.com/connectorgen/connectorgen/generator/internal/udiff"
	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/lower"
	"github.com/connectorgen/connectorgen/generator/spec"
	"github.com/connectorgen/connectorgen/templates"
)

// Options configure one generation.
type Options struct {
	// Package is the Go package name; "" derives it from the connector's folder name.
	Package string
	// Initialisms extends the naming initialism table.
	Initialisms []string
	// Strict makes policy templates and expressions the runtime cannot
	// honour errors instead of warnings.
	Strict bool

	// Selection and renames (connectorgen.json; see lower.Options): what
	// remains keeps the names of a full generation.

	// Include, when not empty, keeps only these operations; Exclude drops
	// these. At most one of the two may be set.
	Include, Exclude []lower.Select
	// Renames give Go names to operations and definitions.
	Renames []lower.Rename
	// Source is the connector path written into generated files; "" uses
	// the path the connector was loaded from.
	Source string

	// Fakes also renders the package's fake (Result.FakeFiles, a package
	// "fake" in the sub-folder fake/ that imports the client package, whose
	// import path ImportPath must then give; see ImportPath).
	Fakes      bool
	ImportPath string
}

// Result is one generated package.
type Result struct {
	Connector *spec.Connector
	Package   *ir.Package
	Files     []emit.File // sorted by name
	// FakeFiles are the files of the fake package (Options.Fakes), to be
	// written into FakeDir(dir); nil without Fakes.
	FakeFiles []emit.File
}

// Generate loads the connector at path (a folder or a swagger file) and
// renders its package. A nil Result comes with at least one error.
func Generate(path string, opts Options) (*Result, diag.List) {
	c, ds := spec.LoadConnector(path)
	if c == nil || ds.HasErrors() {
		return nil, ds
	}
	r, more := GenerateConnector(c, opts)
	ds.Append(more)
	return r, ds
}

// GenerateConnector renders an already loaded connector.
func GenerateConnector(c *spec.Connector, opts Options) (*Result, diag.List) {
	lo := lower.Options{Package: opts.Package, Initialisms: opts.Initialisms, Strict: opts.Strict}
	lo.Include, lo.Exclude, lo.Renames, lo.Source = opts.Include, opts.Exclude, opts.Renames, opts.Source
	pkg, ds := lower.Lower(c, lo)
	if ds.HasErrors() {
		return nil, ds
	}
	files, err := emit.Package(pkg)
	if err != nil {
		ds.Errorf(diag.Pos{File: c.API.File}, "%v", err)
		return nil, ds
	}
	r := &Result{Connector: c, Package: pkg, Files: files}
	if opts.Fakes {
		if opts.ImportPath == "" {
			ds.Errorf(diag.Pos{File: c.API.File}, "fakes need the import path of the generated package")
			return nil, ds
		}
		if err := r.AddFake(opts.ImportPath); err != nil {
			ds.Errorf(diag.Pos{File: c.API.File}, "%v", err)
			return nil, ds
		}
	}
	return r, ds
}

// ---- Fakes (Options.Fakes) ----

// AddFake renders r's fake package (r.FakeFiles) for a client package
// whose import path is importPath.
func (r *Result) AddFake(importPath string) error {
	files, err := emit.Fake(r.Package, importPath)
	if err != nil {
		return err
	}
	r.FakeFiles = files
	return nil
}

// FakeDir is the folder of the fake package inside a package's folder.
func FakeDir(dir string) string { return filepath.Join(dir, emit.FakePackage) }

// WriteResult writes r.Files into dir and r.FakeFiles into FakeDir(dir),
// as Write does (without fakes, generated files a previous run left there
// are removed); names of the fake's files are returned with the "fake/"
// prefix.
func WriteResult(dir string, r *Result) ([]string, error) {
	changed, err := Write(dir, r.Files)
	if err != nil {
		return changed, err
	}
	if r.FakeFiles == nil {
		// Fakes turned off: remove the generated ones a previous run wrote
		// (and their folder when nothing else is left in it).
		fd := FakeDir(dir)
		old, err := orphans(fd, nil)
		for _, n := range old {
			if err == nil {
				err = os.Remove(filepath.Join(fd, n))
				changed = append(changed, emit.FakePackage+"/"+n)
			}
		}
		if len(old) > 0 && err == nil {
			if rest, _ := os.ReadDir(fd); len(rest) == 0 {
				err = os.Remove(fd)
			}
		}
		return changed, err
	}
	more, err := Write(FakeDir(dir), r.FakeFiles)
	for _, n := range more {
		changed = append(changed, emit.FakePackage+"/"+n)
	}
	return changed, err
}

// CheckResult is Check of r.Files against dir and of r.FakeFiles against
// FakeDir(dir) (without fakes, generated files there are reported as
// orphans).
func CheckResult(dir string, r *Result) (string, error) {
	d, err := Check(dir, r.Files)
	if err != nil {
		return d, err
	}
	// Without fakes, generated files left in the fake folder are orphans.
	more, err := Check(FakeDir(dir), r.FakeFiles)
	return d + more, err
}

// ImportPath returns the import path of the package in dir, from the
// module path of the nearest go.mod above it (dir need not exist yet).
func ImportPath(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		data, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			mod := modulePath(data)
			if mod == "" {
				return "", fmt.Errorf("%s: no module line", filepath.Join(d, "go.mod"))
			}
			rel, err := filepath.Rel(d, abs)
			if err != nil {
				return "", err
			}
			if rel == "." {
				return mod, nil
			}
			return mod + "/" + filepath.ToSlash(rel), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s: fakes need the import path of the generated package", dir)
		}
	}
}

// modulePath reads the module line of a go.mod file.
func modulePath(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// IsGenerated reports whether a file's content carries the connectorgen header.
func IsGenerated(content []byte) bool {
	return bytes.HasPrefix(content, []byte("// "+strings.TrimSpace(templates.Header)))
}

// Write writes files into dir, creating it if needed. A file is rewritten
// only when its bytes change; generated files (by name *_gen.go and header)
// that are no longer produced are removed. Nothing else is touched. It
// returns the names of files written or removed.
func Write(dir string, files []emit.File) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var changed []string
	for _, f := range files {
		path := filepath.Join(dir, f.Name)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, f.Content) {
			continue
		}
		if err := os.WriteFile(path, f.Content, 0o644); err != nil {
			return changed, err
		}
		changed = append(changed, f.Name)
	}
	orphans, err := orphans(dir, files)
	if err != nil {
		return changed, err
	}
	for _, name := range orphans {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return changed, err
		}
		changed = append(changed, name)
	}
	return changed, nil
}

// orphans lists generated files in dir that files no longer contain.
func orphans(dir string, files []emit.File) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, "_gen.go") {
			continue
		}
		if slices.ContainsFunc(files, func(f emit.File) bool { return f.Name == name }) {
			continue
		}
		content, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if IsGenerated(content) {
			out = append(out, name)
		}
	}
	return out, nil
}

// Check compares files with what dir holds and returns a unified diff of
// every missing, changed or orphaned generated file ("" when up to date).
func Check(dir string, files []emit.File) (string, error) {
	var b strings.Builder
	for _, f := range files {
		path := filepath.Join(dir, f.Name)
		old, err := os.ReadFile(path)
		switch {
		case os.IsNotExist(err):
			b.WriteString(udiff.Unified("/dev/null", path, nil, f.Content))
		case err != nil:
			return "", err
		default:
			b.WriteString(udiff.Unified(path, path, old, f.Content))
		}
	}
	orphans, err := orphans(dir, files)
	if err != nil {
		return "", err
	}
	for _, name := range orphans {
		path := filepath.Join(dir, name)
		old, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		b.WriteString(udiff.Unified(path, "/dev/null", old, nil))
	}
	return b.String(), nil
}

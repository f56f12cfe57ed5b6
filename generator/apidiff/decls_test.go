package apidiff

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"maps"
	"slices"
	"strconv"
	"testing"

	"github.com/connectorgen/connectorgen/generator"
	"github.com/connectorgen/connectorgen/generator/internal/corpus"
)

// TestDeclsMatchEmittedCode checks that apidiff sees the API that package
// emit writes: for every testdata connector, Decls equals the exported
// declarations parsed from the generated files (apart from the parts every
// package has with the same shape). When emit starts writing a new kind of
// exported declaration, this test fails until apidiff models it, so diffs
// have no blind spots.
func TestDeclsMatchEmittedCode(t *testing.T) {
	for _, dir := range testConnectors(t) {
		t.Run(dirName(dir), func(t *testing.T) {
			res, ds := generator.Generate(dir, generator.Options{})
			if res == nil {
				t.Fatalf("generate: %v", ds.Err())
			}
			checkDecls(t, res)
		})
	}
}

// TestDeclsMatchEmittedCodeCorpus runs the same check over the shared
// corpus (skipped when it is absent, and with -short). With -race, which
// finds nothing in this single-goroutine comparison but makes generation
// several times slower, it checks every fifth connector.
func TestDeclsMatchEmittedCodeCorpus(t *testing.T) {
	conns := corpus.Connectors(t)
	if testing.Short() {
		t.Skip("-short: skipping the corpus")
	}
	checked := 0
	for i, dir := range conns {
		if raceEnabled && i%5 != 0 {
			continue
		}
		res, _ := generator.Generate(dir, generator.Options{})
		if res == nil {
			continue // the few broken corpus files; TestCorpus covers them
		}
		checked++
		checkDecls(t, res)
		if cs := Compare(res.Package, res.Package); len(cs) != 0 {
			t.Errorf("%s: %d changes against itself", dir, len(cs))
		}
	}
	t.Logf("%d of %d corpus connectors checked (race detector: %v)", checked, len(conns), raceEnabled)
}

// checkDecls compares Decls with the declarations parsed from the files.
func checkDecls(t *testing.T, res *generator.Result) {
	t.Helper()
	got := Decls(res.Package)
	want := map[string]string{}
	fset := token.NewFileSet()
	for _, f := range res.Files {
		file, err := parser.ParseFile(fset, f.Name, f.Content, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		emittedDecls(t, fset, file, want)
	}
	src := res.Package.Source
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if got[k] != want[k] {
			t.Errorf("%s: %s:\n  emitted: %s\n  apidiff: %s", src, k, want[k], got[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: %s: apidiff models %q, which is not emitted", src, k, got[k])
		}
	}
}

// sameEverywhere are the exported declarations every generated package has
// with the same shape; apidiff does not model them.
var sameEverywhere = map[string]bool{
	"Client": true, "New": true, "ConnectionFromStore": true,
}

// emittedDecls adds the exported declarations of file to m in Decls' terms.
func emittedDecls(t *testing.T, fset *token.FileSet, file *ast.File, m map[string]string) {
	t.Helper()
	src := func(n ast.Node) string {
		var b bytes.Buffer
		if err := printer.Fprint(&b, fset, n); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for _, decl := range file.Decls {
		switch decl := decl.(type) {
		case *ast.FuncDecl:
			name := decl.Name.Name
			if !ast.IsExported(name) || sameEverywhere[name] || name == "MarshalJSON" || name == "UnmarshalJSON" {
				continue
			}
			d := *decl
			d.Doc, d.Body = nil, nil
			if decl.Recv == nil {
				m[name] = src(&d)
				continue
			}
			recv := decl.Recv.List[0].Type
			if star, ok := recv.(*ast.StarExpr); ok {
				recv = star.X
			}
			m[src(recv)+"."+name] = src(&d)
		case *ast.GenDecl:
			for _, spec := range decl.Specs {
				switch spec := spec.(type) {
				case *ast.TypeSpec:
					name := spec.Name.Name
					if !ast.IsExported(name) || sameEverywhere[name] {
						continue
					}
					if it, ok := spec.Type.(*ast.InterfaceType); ok {
						m[name] = "interface"
						for _, f := range it.Methods.List {
							for _, id := range f.Names {
								if ast.IsExported(id.Name) {
									m[name+"."+id.Name] = src(f.Type)
								}
							}
						}
						continue
					}
					st, ok := spec.Type.(*ast.StructType)
					if !ok {
						m[name] = src(spec.Type)
						continue
					}
					m[name] = "struct"
					for _, f := range st.Fields.List {
						for _, id := range f.Names {
							if ast.IsExported(id.Name) {
								m[name+"."+id.Name] = src(f.Type)
							}
						}
					}
				case *ast.ValueSpec:
					for i, id := range spec.Names {
						if !ast.IsExported(id.Name) {
							continue
						}
						lit, ok := spec.Values[i].(*ast.BasicLit)
						if !ok || lit.Kind != token.STRING {
							t.Errorf("unmodelled %s %s", decl.Tok, id.Name)
							continue
						}
						v, err := strconv.Unquote(lit.Value)
						if err != nil {
							t.Fatal(err)
						}
						if spec.Type == nil {
							m[id.Name] = strconv.Quote(v)
						} else {
							m[id.Name] = src(spec.Type) + " = " + strconv.Quote(v)
						}
					}
				}
			}
		}
	}
}

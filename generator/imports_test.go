package generator_test

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// TestImportRules enforces the one-way data flow spec → IR → emit and keeps
// the runtime free of generator code (style guide §1).
func TestImportRules(t *testing.T) {
	const mod = "github.com/connectorgen/connectorgen/"
	pkgs, err := packages.Load(&packages.Config{Mode: packages.NeedName | packages.NeedImports, Dir: ".."}, "./...")
	if err != nil {
		t.Fatal(err)
	}
	if packages.PrintErrors(pkgs) > 0 {
		t.Fatal("packages failed to load")
	}
	// allowed lists, per package, the module-internal and third-party imports
	// it may use (stdlib is always allowed).
	allowed := map[string][]string{
		"generator/diag":   {},
		"generator/ir":     {"generator/diag"},
		"generator/naming": {},
		"generator/spec":   {"generator/diag", "github.com/pb33f/", "github.com/tailscale/hujson"},
		"generator/lower":  {"generator/spec", "generator/ir", "generator/naming", "generator/diag", "runtime/expr"},
		"generator/emit":   {"generator/ir", "generator/naming", "github.com/dave/jennifer", "golang.org/x/tools/imports", "templates"},
		"templates":        {},
		"runtime":          {"golang.org/x/oauth2", "runtime/expr"},
		"runtime/expr":     {},
	}
	checked := 0
	for _, p := range pkgs {
		rel := strings.TrimPrefix(p.PkgPath, mod)
		rules, ok := allowed[rel]
		if !ok {
			continue
		}
		checked++
		for imp := range p.Imports {
			if !strings.Contains(strings.Split(imp, "/")[0], ".") {
				continue // standard library
			}
			target := strings.TrimPrefix(imp, mod)
			if !slices.ContainsFunc(rules, func(r string) bool { return strings.HasPrefix(target, r) }) {
				t.Errorf("%s imports %s, which the layering does not allow", rel, imp)
			}
		}
	}
	if checked != len(allowed) {
		t.Errorf("checked %d packages, want %d", checked, len(allowed))
	}
	// Nothing but spec may import libopenapi or a YAML tree type.
	for _, p := range pkgs {
		for imp := range p.Imports {
			if (strings.Contains(imp, "libopenapi") || strings.Contains(imp, "yaml")) && p.PkgPath != mod+"generator/spec" {
				t.Errorf("%s imports %s; only generator/spec may", p.PkgPath, imp)
			}
		}
	}
}

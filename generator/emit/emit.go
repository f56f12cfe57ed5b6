// Package emit prints the IR as Go source files with jennifer: one file per
// concern, formatted, deterministic, with the generated-code header.
package emit

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/dave/jennifer/jen"
	"golang.org/x/tools/imports"

	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/templates"
)

const rt = "github.com/connectorgen/connectorgen/runtime"

// File is one generated file.
type File struct {
	Name    string // base name, e.g. "actions_gen.go"
	Content []byte
}

// BrokenError reports generated source that does not format: a connectorgen
// bug. Source is the unformatted text, for a .broken dump.
type BrokenError struct {
	File   string
	Source []byte
	Err    error
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("connectorgen bug: generated %s does not format: %v\n%s", e.File, e.Err, excerpt(e.Source, e.Err))
}

// Package renders every file of p, sorted by name. Files that would declare
// nothing are not produced.
func Package(p *ir.Package) ([]File, error) {
	type gen struct {
		name string
		fn   func(*jen.File, *ir.Package) bool
	}
	gens := []gen{
		{"actions_gen.go", actions},
		{"client_gen.go", client},
		{"connection_gen.go", connection},
		{"doc_gen.go", doc},
		{"operations_gen.go", operations},
		{"types_gen.go", types},
	}
	var files []File
	for _, g := range gens {
		f := newFile(p)
		if g.name == "doc_gen.go" {
			text, err := templates.PackageDoc(templates.PackageDocData{Name: p.Name, Title: title(p), Source: p.Source})
			if err != nil {
				return nil, err
			}
			f.PackageComment(strings.TrimRight(text, "\n"))
			if d := strings.TrimSpace(p.Description); d != "" {
				f.PackageComment("")
				f.PackageComment(commentText(d))
			}
		}
		if !g.fn(f, p) {
			continue
		}
		src, err := render(g.name, f)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Name: g.name, Content: src})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return files, nil
}

func title(p *ir.Package) string {
	if t := strings.TrimSpace(p.Title); t != "" {
		return strings.Join(strings.Fields(t), " ")
	}
	return p.Name
}

func newFile(p *ir.Package) *jen.File {
	f := jen.NewFile(p.Name)
	f.ImportName(rt, "runtime")
	f.HeaderComment("// " + strings.TrimSpace(templates.Header))
	f.HeaderComment("// source: " + p.Source)
	return f
}

func render(name string, f *jen.File) ([]byte, error) {
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		// Render already gofmts; on failure re-render unformatted for the dump.
		f.NoFormat = true
		var raw bytes.Buffer
		_ = f.Render(&raw)
		return nil, &BrokenError{File: name, Source: raw.Bytes(), Err: err}
	}
	out, err := imports.Process(name, buf.Bytes(), &imports.Options{FormatOnly: true, Comments: true, TabIndent: true, TabWidth: 8})
	if err != nil {
		return nil, &BrokenError{File: name, Source: buf.Bytes(), Err: err}
	}
	return out, nil
}

// excerpt numbers the lines of src around the line named in err ("name:L:C: ...").
func excerpt(src []byte, err error) string {
	line := 0
	msg := err.Error()
	for _, part := range strings.Split(msg, ":") {
		if _, e := fmt.Sscanf(part, "%d", &line); e == nil && line > 0 {
			break
		}
	}
	lines := strings.Split(string(src), "\n")
	lo, hi := max(line-5, 0), min(line+5, len(lines))
	if line == 0 {
		lo, hi = 0, min(20, len(lines))
	}
	var b strings.Builder
	for i := lo; i < hi; i++ {
		fmt.Fprintf(&b, "%5d  %s\n", i+1, lines[i])
	}
	return b.String()
}

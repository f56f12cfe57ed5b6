// Package emit prints the IR as Go source files with jennifer: one file per
// concern, formatted, deterministic, with the generated-code header.
package emit

import (
	"bytes"
	"errors"
	"fmt"
	"go/format"
	"sort"
	"strings"
	"sync"

	"github.com/dave/jennifer/jen"

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
		{"triggers_gen.go", triggers},
		{"types_gen.go", types},
		// Paging, dynamic metadata and custom code.
		{"pagers_gen.go", pagerMethods},
		{"dynamic_gen.go", dynamicHelpers},
		{"script_gen.go", scriptHook},
	}
	type job struct {
		name string
		f    *jen.File
	}
	var jobs []job
	for _, g := range gens {
		f := newFile(p)
		if g.name == "doc_gen.go" {
			text, err := templates.PackageDoc(packageDocData(p))
			if err != nil {
				return nil, err
			}
			f.PackageComment(docComment(text))
		}
		if g.fn(f, p) {
			jobs = append(jobs, job{g.name, f})
		}
	}
	// Formatting is most of the cost; files are independent, so they are
	// formatted concurrently and collected by index (deterministic).
	files := make([]File, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() {
			src, err := render(j.name, j.f)
			files[i], errs[i] = File{Name: j.name, Content: src}, err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
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

// render prints f without formatting, puts standard-library imports in a
// group of their own, and formats the result once with go/format (jennifer's
// Render would format, and goimports would parse and print again: printing
// is most of the generator's cost).
func render(name string, f *jen.File) ([]byte, error) {
	f.NoFormat = true
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		return nil, &BrokenError{File: name, Source: buf.Bytes(), Err: err}
	}
	src := groupImports(buf.Bytes())
	out, err := format.Source(src)
	if err != nil {
		return nil, &BrokenError{File: name, Source: src, Err: err}
	}
	return out, nil
}

// groupImports rewrites jennifer's single import block so that
// standard-library paths (no dot in the first element) come first, then a
// blank line, then the others, which is what goimports does.
func groupImports(src []byte) []byte {
	start := bytes.Index(src, []byte("\nimport (\n"))
	if start < 0 {
		return src
	}
	start += len("\nimport (\n")
	end := bytes.Index(src[start:], []byte("\n)"))
	if end < 0 {
		return src
	}
	end += start
	var std, other []string
	for _, line := range strings.Split(string(src[start:end]), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		path := line[strings.IndexByte(line, '"')+1:]
		if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
			other = append(other, line)
		} else {
			std = append(std, line)
		}
	}
	if len(std) == 0 || len(other) == 0 {
		return src
	}
	block := strings.Join(std, "\n") + "\n\n" + strings.Join(other, "\n")
	out := make([]byte, 0, len(src)+2)
	out = append(out, src[:start]...)
	out = append(out, block...)
	return append(out, src[end:]...)
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

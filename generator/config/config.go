// Package config reads connectorgen.json, the file in which a module lists
// the connectors it generates clients for, so that one command generates
// (`connectorgen generate -c connectorgen.json`) or checks
// (`connectorgen check -c connectorgen.json`) all of them:
//
//	{
//	  "version": 1,
//	  "connectors": [
//	    {
//	      "path": "connectors/Cloudmersive Virus Scan", // connector folder or swagger file
//	      "out": "virusscan",                           // package directory
//	      "package": "virusscan",                       // default: from the connector's folder name
//	      "exclude": ["Scan_Website"],                  // or "include": [...], not both
//	      "rename": {
//	        "Scan_File": "ScanFile",                    // operationId → method name
//	        "#/definitions/VirusFound": "Virus"         // definition → type name
//	      },
//	      "initialisms": ["URL"],                       // extra initialisms for Go names
//	      "fakes": true                                 // also generate out/fake (a fake backend)
//	    }
//	  ]
//	}
//
// The file is JSON; comments (// and /* */) and trailing commas are
// accepted (JWCC, the reader connector files go through), so that a
// decision such as an excluded operation can say why next to it.
//
// Keys:
//
//   - "version" (required) is the version of this format: 1. A file
//     without it, or with a version this connectorgen does not know, is
//     rejected rather than guessed at.
//   - "connectors" (required, not empty) lists one object per package.
//   - "path" (required) is the connector folder (apiDefinition.swagger.json,
//     apiProperties.json, script.csx) or a swagger file. "out" (required) is
//     the directory of the generated package; no two entries share one.
//     Both are slash-separated and relative to the directory of the config
//     file, whatever the working directory; absolute paths and backslashes
//     are rejected, so that the file means the same on every machine.
//     "path" is written into generated files (`// source:`) as written here.
//   - "package" is the Go package name; by default it is derived from the
//     connector's folder name as `generate` does.
//   - "include" lists the operationIds to generate, "exclude" those not to
//     generate; at most one of the two, neither empty. Types that only
//     excluded operations use are not declared, and every other name is the
//     one a full generation gives, so changing the selection renames
//     nothing.
//   - "rename" maps an operationId to a method name, or
//     "#/definitions/Name" (a JSON pointer: "~1" is "/") to a type name.
//     New names are exported Go identifiers; names derived from them follow
//     (ScanFileOptions). A new name that clashes with another name is an
//     error, never a numbered name.
//   - "initialisms" extends the initialism table of Go names (["SHA"]).
//   - "fakes": true also generates the package's fake (a sub-package
//     "fake" in out/fake; see connectorgen generate --fakes).
//
// Every problem is reported as file:line:col: syntax errors, unknown and
// repeated keys, values of the wrong type. Operation and definition names
// are checked against the connector when it is generated, and reported at
// their place in this file.
package config

import (
	"bytes"
	"fmt"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tailscale/hujson"

	"github.com/connectorgen/connectorgen/generator"
	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/lower"
)

// FileName is the conventional name of the config file.
const FileName = "connectorgen.json"

// Version is the only version of the format this package reads.
const Version = 1

// Config is a decoded config file.
type Config struct {
	// File is the config file as given; Dir its directory, against which
	// the paths of its entries are resolved.
	File, Dir  string
	Connectors []*Connector
}

// Connector is one entry of "connectors".
type Connector struct {
	// Path and Out are as written (slash-separated, cleaned); Load and
	// OutDir are the same resolved against the config file's directory.
	Path, Out    string
	Load, OutDir string
	Package      string
	Include      []lower.Select
	Exclude      []lower.Select
	Renames      []lower.Rename
	Initialisms  []string
	// Fakes ("fakes": true) also generates the package's fake in Out/fake.
	Fakes bool
	// Pos is the position of the entry.
	Pos diag.Pos
}

// Options returns the generator options of the entry.
func (c *Connector) Options() generator.Options {
	return generator.Options{
		Package:     c.Package,
		Initialisms: c.Initialisms,
		Include:     c.Include,
		Exclude:     c.Exclude,
		Renames:     c.Renames,
		Source:      c.Path,
	}
}

// Load reads and decodes the config file at file. A nil Config comes with
// at least one error.
func Load(file string) (*Config, diag.List) {
	data, err := os.ReadFile(file)
	if err != nil {
		var ds diag.List
		ds.Errorf(diag.Pos{File: file}, "%v", err)
		return nil, ds
	}
	return Parse(file, data)
}

// Parse decodes data, the content of file. Every problem is reported, in
// file order; a nil Config comes with at least one error.
func Parse(file string, data []byte) (*Config, diag.List) {
	d := &decoder{file: file, data: data, lines: lineStarts(data)}
	cfg := &Config{File: file, Dir: filepath.Dir(file)}
	root, err := hujson.Parse(bytes.Clone(data))
	if err != nil {
		d.syntaxError(err)
		return nil, d.ds
	}
	// The version first: the rest of a file in another version may mean
	// something else, so nothing else of it is reported.
	if !d.kind(&root, "the config file", '{') || !d.version(&root) {
		return nil, d.ds
	}
	var conns *hujson.Value
	d.object(&root, "the config file", []field{
		{"version", func(*hujson.Value) {}},
		{"connectors", func(v *hujson.Value) { conns = v }},
	})
	switch {
	case conns == nil:
		d.errorf(root.StartOffset, `no "connectors": list the connectors to generate`)
	case d.kind(conns, "connectors", '['):
		elems := conns.Value.(*hujson.Array).Elements
		if len(elems) == 0 {
			d.errorf(conns.StartOffset, `"connectors" is empty: list the connectors to generate`)
		}
		for i := range elems {
			if c := d.connector(&elems[i], cfg.Dir); c != nil {
				cfg.Connectors = append(cfg.Connectors, c)
			}
		}
	}
	d.uniqueOut(cfg.Connectors)
	d.ds = d.ds.Sort()
	if d.ds.HasErrors() {
		return nil, d.ds
	}
	return cfg, d.ds
}

// version checks the "version" member of the top-level object.
func (d *decoder) version(root *hujson.Value) bool {
	for _, m := range root.Value.(*hujson.Object).Members {
		if m.Name.Value.(hujson.Literal).String() != "version" {
			continue
		}
		n, ok := d.integer(&m.Value, `"version"`)
		if ok && n != Version {
			d.errorf(m.Value.StartOffset, "version %d is not supported: this connectorgen reads version %d", n, Version)
			return false
		}
		return ok
	}
	d.errorf(root.StartOffset, `no "version": a config file starts with "version": %d`, Version)
	return false
}

// connector decodes one entry of "connectors".
func (d *decoder) connector(v *hujson.Value, dir string) *Connector {
	c := &Connector{Pos: d.pos(v.StartOffset)}
	var hasPath, hasOut bool
	var incl, excl *hujson.Value
	ok := d.object(v, "a connector entry", []field{
		{"path", func(v *hujson.Value) { hasPath, c.Path = true, d.relPath(v, "path") }},
		{"out", func(v *hujson.Value) { hasOut, c.Out = true, d.relPath(v, "out") }},
		{"package", func(v *hujson.Value) {
			if s, ok := d.str(v, `"package"`); ok {
				if !token.IsIdentifier(s) || s == "_" {
					d.errorf(v.StartOffset, "package %q is not a Go package name", s)
				}
				c.Package = s
			}
		}},
		{"include", func(v *hujson.Value) { incl, c.Include = v, d.operations(v, "include") }},
		{"exclude", func(v *hujson.Value) { excl, c.Exclude = v, d.operations(v, "exclude") }},
		{"rename", func(v *hujson.Value) { c.Renames = d.renames(v) }},
		{"initialisms", func(v *hujson.Value) {
			for _, it := range d.strings(v, "initialisms") {
				c.Initialisms = append(c.Initialisms, it.s)
			}
		}},
		{"fakes", func(v *hujson.Value) {
			switch k := v.Value.Kind(); k {
			case 't', 'f':
				c.Fakes = k == 't'
			default:
				d.errorf(v.StartOffset, `"fakes" must be true or false, not %s`, kindName(k))
			}
		}},
	})
	if !ok {
		return nil
	}
	if !hasPath {
		d.errorf(v.StartOffset, `connector entry without "path" (the connector folder or swagger file)`)
	}
	if !hasOut {
		d.errorf(v.StartOffset, `connector entry without "out" (the directory of the generated package)`)
	}
	if incl != nil && excl != nil {
		d.errorf(excl.StartOffset, `"include" and "exclude" cannot be used together: list the operations to keep or those to drop`)
	}
	if c.Path != "" {
		c.Load = filepath.Join(dir, filepath.FromSlash(c.Path))
	}
	if c.Out != "" {
		c.OutDir = filepath.Join(dir, filepath.FromSlash(c.Out))
	}
	return c
}

// uniqueOut reports entries that share an output directory, or whose
// output lies in another entry's fake folder (out/fake, which generate
// owns: it writes or removes the fake there).
func (d *decoder) uniqueOut(cs []*Connector) {
	first := map[string]*Connector{}
	for _, c := range cs {
		if c.Out == "" {
			continue
		}
		if f, ok := first[c.Out]; ok {
			d.ds.Errorf(c.Pos, "out %q is also the output of the connector at line %d: each package needs its own directory", c.Out, f.Pos.Line)
			continue
		}
		first[c.Out] = c
	}
	for _, c := range cs {
		for _, o := range cs {
			if o == c || o.Out == "" || c.Out == "" {
				continue
			}
			fake := path.Join(o.Out, "fake")
			if c.Out == fake || strings.HasPrefix(c.Out, fake+"/") {
				d.ds.Errorf(c.Pos, "out %q is inside %q, where the connector at line %d keeps its generated fake: choose another directory", c.Out, fake, o.Pos.Line)
			}
		}
	}
}

// ---- decoding the syntax tree ----

type decoder struct {
	file  string
	data  []byte
	lines []int // offsets of line starts
	ds    diag.List
}

type field struct {
	name   string
	decode func(*hujson.Value)
}

// object decodes the members of an object value with fields; unknown and
// repeated keys are errors. It reports false when v is not an object.
func (d *decoder) object(v *hujson.Value, what string, fields []field) bool {
	if !d.kind(v, what, '{') {
		return false
	}
	seen := map[string]int{}
	for i := range v.Value.(*hujson.Object).Members {
		m := &v.Value.(*hujson.Object).Members[i]
		key := m.Name.Value.(hujson.Literal).String()
		if line, ok := seen[key]; ok {
			d.errorf(m.Name.StartOffset, "key %q repeated (first at line %d)", key, line)
			continue
		}
		seen[key] = d.pos(m.Name.StartOffset).Line
		i := slices.IndexFunc(fields, func(f field) bool { return f.name == key })
		if i < 0 {
			names := make([]string, len(fields))
			for j, f := range fields {
				names[j] = strconv.Quote(f.name)
			}
			d.errorf(m.Name.StartOffset, "unknown key %q in %s (known keys: %s)", key, what, strings.Join(names, ", "))
			continue
		}
		fields[i].decode(&m.Value)
	}
	return true
}

// kind reports whether v is of JSON kind k ('{', '[', '"', '0'), and an
// error when it is not.
func (d *decoder) kind(v *hujson.Value, what string, k hujson.Kind) bool {
	if v.Value.Kind() == k {
		return true
	}
	d.errorf(v.StartOffset, "%s must be %s, not %s", what, kindName(k), kindName(v.Value.Kind()))
	return false
}

func kindName(k hujson.Kind) string {
	switch k {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "true or false"
	case 'n':
		return "null"
	}
	return "a JSON value"
}

func (d *decoder) str(v *hujson.Value, what string) (string, bool) {
	if !d.kind(v, what, '"') {
		return "", false
	}
	return v.Value.(hujson.Literal).String(), true
}

func (d *decoder) integer(v *hujson.Value, what string) (int, bool) {
	if !d.kind(v, what, '0') {
		return 0, false
	}
	n, err := strconv.Atoi(string(v.Value.(hujson.Literal)))
	if err != nil {
		d.errorf(v.StartOffset, "%s must be a whole number, not %s", what, v.Value.(hujson.Literal))
		return 0, false
	}
	return n, true
}

type item struct {
	s   string
	off int
}

// strings decodes an array of non-empty strings.
func (d *decoder) strings(v *hujson.Value, what string) []item {
	if !d.kind(v, strconv.Quote(what), '[') {
		return nil
	}
	var out []item
	for i := range v.Value.(*hujson.Array).Elements {
		e := &v.Value.(*hujson.Array).Elements[i]
		s, ok := d.str(e, "an element of "+strconv.Quote(what))
		switch {
		case !ok:
		case s == "":
			d.errorf(e.StartOffset, "empty string in %q", what)
		default:
			out = append(out, item{s, e.StartOffset})
		}
	}
	return out
}

// operations decodes "include" or "exclude".
func (d *decoder) operations(v *hujson.Value, what string) []lower.Select {
	items := d.strings(v, what)
	if v.Value.Kind() == '[' && len(v.Value.(*hujson.Array).Elements) == 0 {
		d.errorf(v.StartOffset, "%q is empty: leave it out to generate every operation", what)
	}
	var out []lower.Select
	seen := map[string]bool{}
	for _, it := range items {
		if seen[it.s] {
			d.errorf(it.off, "operation %q listed twice in %q", it.s, what)
			continue
		}
		seen[it.s] = true
		out = append(out, lower.Select{OperationID: it.s, Pos: d.pos(it.off)})
	}
	return out
}

// renames decodes "rename".
func (d *decoder) renames(v *hujson.Value) []lower.Rename {
	if !d.kind(v, `"rename"`, '{') {
		return nil
	}
	var out []lower.Rename
	seen := map[string]bool{}
	for i := range v.Value.(*hujson.Object).Members {
		m := &v.Value.(*hujson.Object).Members[i]
		from := m.Name.Value.(hujson.Literal).String()
		to, ok := d.str(&m.Value, fmt.Sprintf("the new name of %q", from))
		again := seen[from]
		seen[from] = true // a repeated key is an error whatever the first value was
		switch {
		case again:
			d.errorf(m.Name.StartOffset, "%q renamed twice", from)
			continue
		case from == "" || from == lower.DefinitionPrefix:
			d.errorf(m.Name.StartOffset, `rename: the key must be an operationId or "#/definitions/Name"`)
			continue
		case !ok:
			continue
		case !token.IsIdentifier(to) || !token.IsExported(to):
			d.errorf(m.Value.StartOffset, "rename: %q is not an exported Go identifier", to)
			continue
		}
		out = append(out, lower.Rename{From: from, To: to, Pos: d.pos(m.Name.StartOffset)})
	}
	return out
}

// relPath decodes "path" or "out": slash-separated, relative, cleaned;
// "" after an error.
func (d *decoder) relPath(v *hujson.Value, what string) string {
	s, ok := d.str(v, strconv.Quote(what))
	switch {
	case !ok:
	case s == "":
		d.errorf(v.StartOffset, "%q is empty", what)
	case strings.Contains(s, `\`):
		d.errorf(v.StartOffset, "%q %q: use / to separate path elements, on every system", what, s)
	case path.IsAbs(s) || filepath.IsAbs(s) || filepath.VolumeName(s) != "":
		d.errorf(v.StartOffset, "%q %q: paths are relative to the directory of the config file", what, s)
	default:
		return path.Clean(s)
	}
	return ""
}

// ---- positions ----

func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, b := range data {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// pos converts a byte offset to a position; columns count characters.
func (d *decoder) pos(off int) diag.Pos {
	off = max(0, min(off, len(d.data)))
	line, _ := slices.BinarySearch(d.lines, off+1) // first start after off
	start := d.lines[line-1]
	return diag.Pos{File: d.file, Line: line, Col: utf8.RuneCount(d.data[start:off]) + 1}
}

func (d *decoder) errorf(off int, format string, args ...any) {
	d.ds.Errorf(d.pos(off), format, args...)
}

// hujsonErr matches the position prefix of hujson's errors (byte columns).
var hujsonErr = regexp.MustCompile(`^hujson: line (\d+), column (\d+): `)

func (d *decoder) syntaxError(err error) {
	msg, off := err.Error(), 0
	if m := hujsonErr.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		if line >= 1 && line <= len(d.lines) {
			off = d.lines[line-1] + col - 1
		}
		msg = msg[len(m[0]):]
	}
	d.errorf(off, "invalid JSON: %s", msg)
}

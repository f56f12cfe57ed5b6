package spec

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
	"github.com/pb33f/libopenapi/index"
	"github.com/pb33f/libopenapi/utils"

	"github.com/connectorgen/connectorgen/generator/diag"
)

// LoadConnector loads a connector folder, or a lone swagger file path. Files
// are located case-insensitively: apiDefinition.swagger.json, else a single
// *.swagger.json; apiProperties.json; script.csx / *.csx / *.cs. Positions
// use the paths as given (joined with the folder as given; never made
// absolute).
func LoadConnector(path string) (*Connector, diag.List) {
	var ds diag.List
	fi, err := os.Stat(path)
	if err != nil {
		ds.Errorf(diag.Pos{File: path}, "%v", unwrapPathError(err))
		return nil, ds
	}
	if !fi.IsDir() {
		c := &Connector{Name: trimSwaggerExt(filepath.Base(path))}
		c.API, ds = loadFile(path, Load)
		return c, ds
	}
	c := &Connector{Dir: path, Name: filepath.Base(filepath.Clean(path))}
	entries, err := os.ReadDir(path)
	if err != nil {
		ds.Errorf(diag.Pos{File: path}, "%v", unwrapPathError(err))
		return c, ds
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() {
			files = append(files, e.Name())
		}
	}
	slices.Sort(files)

	swagger := pick(files, func(n string) bool { return strings.EqualFold(n, "apiDefinition.swagger.json") })
	if len(swagger) == 0 {
		swagger = pick(files, func(n string) bool { return hasSuffixFold(n, ".swagger.json") })
	}
	switch len(swagger) {
	case 0:
		ds.Errorf(diag.Pos{File: path}, "no apiDefinition.swagger.json (or *.swagger.json) in the folder")
	case 1:
		var d diag.List
		c.API, d = loadFile(filepath.Join(path, swagger[0]), Load)
		ds.Append(d)
	default:
		ds.Errorf(diag.Pos{File: path}, "several swagger files and no apiDefinition.swagger.json: %s", strings.Join(swagger, ", "))
	}

	props := pick(files, func(n string) bool { return strings.EqualFold(n, "apiProperties.json") })
	if len(props) > 0 {
		var d diag.List
		c.Properties, d = loadFile(filepath.Join(path, props[0]), LoadProperties)
		ds.Append(d)
	}

	scripts := pick(files, func(n string) bool { return strings.EqualFold(n, "script.csx") })
	if len(scripts) == 0 {
		scripts = pick(files, func(n string) bool { return hasSuffixFold(n, ".csx") })
	}
	if len(scripts) == 0 {
		scripts = pick(files, func(n string) bool { return hasSuffixFold(n, ".cs") })
	}
	if len(scripts) > 0 {
		if len(scripts) > 1 {
			ds.Warnf(diag.Pos{File: path}, "several script files (%s); using %s", strings.Join(scripts, ", "), scripts[0])
		}
		sp := filepath.Join(path, scripts[0])
		s := &Script{File: sp}
		if st, err := os.Stat(sp); err == nil {
			s.Size = st.Size()
		}
		c.Script = s
	}
	return c, ds.Sort()
}

// loadFile reads a file and parses it with load.
func loadFile[T any](file string, load func(string, []byte) (*T, diag.List)) (*T, diag.List) {
	data, err := os.ReadFile(file)
	if err != nil {
		var ds diag.List
		ds.Errorf(diag.Pos{File: file}, "%v", unwrapPathError(err))
		return nil, ds
	}
	return load(file, data)
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func pick(names []string, ok func(string) bool) []string {
	var out []string
	for _, n := range names {
		if ok(n) {
			out = append(out, n)
		}
	}
	return out
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// trimSwaggerExt strips ".swagger.json" (any case), else the extension.
func trimSwaggerExt(name string) string {
	if hasSuffixFold(name, ".swagger.json") {
		return name[:len(name)-len(".swagger.json")]
	}
	return strings.TrimSuffix(name, filepath.Ext(name))
}

// Load parses one API definition from bytes. file is used in positions only.
// The document is nil only when an error is reported; a non-nil document
// may come with errors too (e.g. a schema libopenapi could not build).
//
// Enum and default values in the model are JSON-decoded with numbers as
// json.Number (exact text, no float rounding).
func Load(file string, data []byte) (doc *Document, ds diag.List) {
	defer func() {
		if bugCheck(file, recover(), &ds) {
			doc = nil
		}
		ds = ds.Sort()
	}()
	ld := parseLenient(file, data, &ds)
	if ld == nil {
		return nil, ds
	}
	format, ok := detectFormat(ld, &ds)
	if !ok {
		return nil, ds
	}
	rootPos := ld.pos(ld.rootStart)
	for _, key := range []string{"info", "paths"} {
		if off, ok := ld.topOffset(key); !ok {
			ds.Warnf(rootPos, "no %q object", key)
		} else if ld.data[off] != '{' {
			ds.Warnf(ld.pos(off), "%q is not an object; ignored", key)
		}
	}
	ldoc, err := libopenapi.NewDocumentWithConfiguration(ld.data, newConfig())
	if err != nil {
		ds.Errorf(rootPos, "reading spec: %v", err)
		return nil, ds
	}
	if info := ldoc.GetSpecInfo(); info == nil || info.SpecFormat != format {
		ds.Errorf(rootPos, "reading spec: libopenapi did not recognise the document as %s", format)
		return nil, ds
	}
	if format == datamodel.OAS2 {
		m, err := ldoc.BuildV2Model()
		classify(file, err, &ds)
		if m == nil || ds.HasErrors() { // a model next to an error may be partial
			if !ds.HasErrors() {
				ds.Errorf(rootPos, "reading spec: libopenapi built no model")
			}
			return nil, ds
		}
		return newConverter(file, &ds, ldoc.GetSpecInfo().RootNode).swagger(&m.Model, rootPos), ds
	}
	m, err := ldoc.BuildV3Model()
	classify(file, err, &ds)
	if m == nil || ds.HasErrors() {
		if !ds.HasErrors() {
			ds.Errorf(rootPos, "reading spec: libopenapi built no model")
		}
		return nil, ds
	}
	return newConverter(file, &ds, ldoc.GetSpecInfo().RootNode).openAPI3(&m.Model, rootPos), ds
}

// bugCheck turns a recovered panic (r != nil) into a file-level error
// naming the function that panicked, and reports whether there was one.
// Nothing in this package may panic on any input; libopenapi sometimes does.
func bugCheck(file string, r any, ds *diag.List) bool {
	if r == nil {
		return false
	}
	ds.Errorf(diag.Pos{File: file}, "connectorgen bug: %v (in %s)", r, panicFrame())
	return true
}

// panicFrame returns the function that panicked, when called from a
// deferred function during the panic: the first non-runtime frame below
// runtime.gopanic.
func panicFrame() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	inPanic := false
	for {
		f, more := frames.Next()
		if inPanic && !strings.HasPrefix(f.Function, "runtime.") {
			return f.Function
		}
		if f.Function == "runtime.gopanic" {
			inPanic = true
		}
		if !more {
			return "unknown function"
		}
	}
}

// newConfig is libopenapi's configuration: no logging, no file or remote
// references (connectors are single files).
func newConfig() *datamodel.DocumentConfiguration {
	cfg := datamodel.NewDocumentConfiguration()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil)) // the default writes JSON to stdout
	cfg.AllowFileReferences = false
	cfg.AllowRemoteReferences = false
	return cfg
}

// detectFormat checks the version key: "swagger": "2.0" or "openapi": "3.x".
func detectFormat(ld *lenientDoc, ds *diag.List) (string, bool) {
	if ld.rootKind != '{' {
		ds.Errorf(ld.pos(ld.rootStart), "not an API definition: the document is not a JSON object")
		return "", false
	}
	swOff, hasSw := ld.topOffset("swagger")
	oaOff, hasOa := ld.topOffset("openapi")
	var sw, oa []byte
	if hasSw {
		sw = ld.rawAt(swOff)
	}
	if hasOa {
		oa = ld.rawAt(oaOff)
	}
	switch {
	case hasSw && hasOa:
		ds.Errorf(ld.pos(oaOff), "document has both \"swagger\" and \"openapi\" keys")
		return "", false
	case hasSw:
		if v, ok := jsonString(sw); !ok || v != "2.0" {
			ds.Errorf(ld.pos(swOff), "unsupported swagger version %s (want \"2.0\")", sw)
			return "", false
		}
		return datamodel.OAS2, true
	case hasOa:
		v, _ := jsonString(oa)
		switch {
		case strings.HasPrefix(v, "3.0"):
			return datamodel.OAS3, true
		case strings.HasPrefix(v, "3.1"):
			return datamodel.OAS31, true
		case strings.HasPrefix(v, "3.2"):
			return datamodel.OAS32, true
		}
		ds.Errorf(ld.pos(oaOff), "unsupported openapi version %s (want swagger \"2.0\" or openapi \"3.x\")", oa)
		return "", false
	}
	ds.Errorf(ld.pos(ld.rootStart), "not an API definition: no \"swagger\" or \"openapi\" key")
	return "", false
}

// jsonString decodes raw as a JSON string.
func jsonString(raw []byte) (string, bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// errLineCol finds "line N, col M" in libopenapi messages that carry their
// position only in the text.
var errLineCol = regexp.MustCompile(`line (\d+), col(?:umn)? (\d+)`)

// classify turns libopenapi's joined build errors into diagnostics.
// Circular references are fine (they become pointer cycles). A missing
// reference is one error at the $ref's position; libopenapi's follow-up
// errors about the same reference are dropped. Anything else is an error
// with libopenapi's message, positioned from its node or its text.
func classify(file string, err error, ds *diag.List) {
	if err == nil {
		return
	}
	type problem struct {
		pos diag.Pos
		msg string
	}
	var refs []string // references reported as unresolved
	var others []problem
	seen := map[diag.Pos]bool{}
	indexing := func(ie *index.IndexingError) {
		p := firstPos(file, ie.KeyNode, ie.Node)
		if ref, ok := nodeString(ie.KeyNode); ok && strings.Contains(ie.Error(), "does not exist") {
			if !slices.Contains(refs, ref) {
				refs = append(refs, ref)
			}
			if !seen[p] {
				seen[p] = true
				if strings.HasPrefix(ref, "#") {
					ds.Errorf(p, "unresolved reference %q", ref)
				} else {
					ds.Errorf(p, "unresolved reference %q (only references within the document are supported)", ref)
				}
			}
			return
		}
		others = append(others, problem{p, ie.Error()})
	}
	for _, e := range utils.UnwrapErrors(err) {
		var re *index.ResolvingError
		var ie *index.IndexingError
		switch {
		case errors.As(e, &ie):
			indexing(ie)
		case errors.As(e, &re):
			if re.CircularReference != nil {
				continue
			}
			inner := false
			for _, x := range utils.UnwrapErrors(re.ErrorRef) {
				var ie *index.IndexingError
				if errors.As(x, &ie) {
					indexing(ie)
					inner = true
				}
			}
			if !inner {
				msg := "unresolvable reference"
				if re.ErrorRef != nil {
					msg = re.ErrorRef.Error()
				}
				others = append(others, problem{nodePos(file, re.Node), msg})
			}
		default:
			msg := e.Error()
			p := diag.Pos{File: file}
			if m := errLineCol.FindStringSubmatch(msg); m != nil {
				p.Line, _ = strconv.Atoi(m[1])
				p.Col, _ = strconv.Atoi(m[2])
			}
			others = append(others, problem{p, msg})
		}
	}
	for _, o := range others {
		if seen[o.pos] || slices.ContainsFunc(refs, func(ref string) bool { return mentions(o.msg, ref) }) {
			continue // the same problem, already reported
		}
		seen[o.pos] = true
		ds.Errorf(o.pos, "%s", o.msg)
	}
}

// mentions reports whether msg quotes ref (libopenapi uses single quotes,
// backquotes or double quotes).
func mentions(msg, ref string) bool {
	return strings.Contains(msg, "'"+ref+"'") || strings.Contains(msg, "`"+ref+"`") || strings.Contains(msg, `"`+ref+`"`)
}

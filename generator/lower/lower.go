// Package lower turns a loaded connector (package spec) into the IR (package
// ir): it decides Go types, names and which parameters a generated method
// exposes. It is the only package that interprets Swagger for code
// generation; emit only prints what lower decided.
package lower

import (
	"cmp"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/generator/naming"
	"github.com/connectorgen/connectorgen/generator/spec"
)

// Options configure lowering.
type Options struct {
	// Package is the Go package name; "" derives it from the connector name.
	Package string
	// Initialisms extends the naming initialism table.
	Initialisms []string

	// Strict turns the warnings about policy templates and expressions the
	// runtime cannot honour into errors (policies.go).
	Strict bool

	// Selection and renames (prune.go; connectorgen.json). Names are
	// claimed as if every operation were kept, so a selection renames
	// nothing that remains.

	// Include, when not empty, keeps only the operations it names; Exclude
	// drops the ones it names. Setting both is an error, and so is naming an
	// operation the connector does not have. Types that only dropped
	// operations use are not declared.
	Include, Exclude []Select
	// Renames give Go names to operations and definitions.
	Renames []Rename
	// Source is the connector path written into generated files; "" uses
	// the path the connector was loaded from.
	Source string
}

// Names reserved at package level in every generated package.
var packageReserved = []string{"Client", "New", "Connection", "ConnectionFromStore", "DefaultBaseURL"}

// Locals used by generated method bodies, and the package names they import:
// parameter names must not shadow them.
var localReserved = []string{
	"ctx", "c", "opts", "args", "out", "err", "resp",
	"runtime", "context", "io", "json", "http", "fmt", "strings", "strconv", "time", "url", "errors",
}

type lowerer struct {
	c     *spec.Connector
	doc   *spec.Document
	n     *naming.Namer
	ds    diag.List
	pkg   *ir.Package
	types *naming.Scope // package-level names
	meths *naming.Scope // Client methods

	refs     map[*spec.Schema]*ir.TypeRef // memo: schema -> type reference
	defNames map[*spec.Schema]string      // definitions -> their claimed Go names
	decls    []*ir.Type
	applied  map[*spec.PolicyInstance]bool // policy instances the generated code honours

	strict bool // Options.Strict (policies.go)

	sel selection // Options.Include, Exclude, Renames (prune.go)
}

// Lower builds the IR of one connector.
func Lower(c *spec.Connector, opts Options) (*ir.Package, diag.List) {
	l := &lowerer{
		c:        c,
		doc:      c.API,
		n:        naming.New(opts.Initialisms...),
		types:    naming.NewScope(packageReserved...),
		meths:    naming.NewScope(),
		refs:     map[*spec.Schema]*ir.TypeRef{},
		defNames: map[*spec.Schema]string{},
		applied:  map[*spec.PolicyInstance]bool{},
		strict:   opts.Strict,
	}
	name := opts.Package
	if name == "" {
		name = naming.PackageName(c.Name)
	}
	source := c.Dir
	if source == "" {
		source = c.API.File
	}
	source = filepath.ToSlash(filepath.Clean(source))
	l.pkg = &ir.Package{
		Name:        name,
		Initialisms: opts.Initialisms,
		Source:      source,
		Title:       c.API.Title,
		Description: c.API.Description,
		BaseURL:     baseURL(c.API),
	}
	if c.API.Host == "" {
		l.ds.Warnf(c.API.Pos, "the definition has no host: DefaultBaseURL is %s and clients need runtime.WithBaseURL", l.pkg.BaseURL)
	}
	l.selectOperations(opts) // prune.go: before any name is claimed
	l.definitions()
	l.operations()
	l.policies() // policies.go: policy templates the runtime applies
	l.unsupported()
	l.pkg.Connection = l.connection()
	l.prune() // prune.go: drop excluded operations and what only they use
	slices.SortFunc(l.decls, func(a, b *ir.Type) int { return cmp.Compare(a.GoName, b.GoName) })
	l.pkg.Types = l.decls
	slices.SortFunc(l.pkg.Actions, func(a, b *ir.Action) int { return cmp.Compare(a.GoName, b.GoName) })
	slices.SortFunc(l.pkg.Triggers, func(a, b *ir.Trigger) int { return cmp.Compare(a.GoName, b.GoName) })
	return l.pkg, l.ds
}

// baseURL composes scheme://host/basePath (protocol §1.2): https is preferred
// when both schemes are listed; a missing host gives "https://localhost" so
// that the client still builds and must be pointed elsewhere by WithBaseURL.
func baseURL(d *spec.Document) string {
	scheme := "https"
	if len(d.Schemes) > 0 && !slices.Contains(d.Schemes, "https") {
		scheme = d.Schemes[0]
	}
	host := d.Host
	if host == "" {
		host = "localhost"
	}
	bp := strings.TrimSuffix(d.BasePath, "/")
	if bp != "" && !strings.HasPrefix(bp, "/") {
		bp = "/" + bp
	}
	u := url.URL{Scheme: scheme, Host: host}
	return u.String() + bp
}

// claim reserves name in scope s, warning when it had to be changed.
// alternatives are tried in order before a numeric suffix.
func (l *lowerer) claim(s *naming.Scope, pos diag.Pos, what, name string, alternatives ...string) string {
	if s.Claim(name) {
		return name
	}
	l.renameClash(s, pos, what, name) // prune.go: renamed names are never numbered
	for _, alt := range alternatives {
		if s.Claim(alt) {
			return alt
		}
	}
	got := naming.Unique(name, s.Taken)
	s.Claim(got)
	l.ds.Warnf(pos, "%s name %s is taken; using %s", what, name, got)
	return got
}

// unsupported warns about what the connector defines and this version does
// not honour yet, so that no difference from the platform goes unnoticed.
func (l *lowerer) unsupported() {
	if p := l.c.Properties; p != nil {
		for _, pi := range p.Policies {
			if l.applied[pi] {
				continue
			}
			if strings.EqualFold(pi.TemplateID, "pollingtrigger") {
				l.policyWarnf(pi.Pos, "policy template %q (%s) applies to no polling trigger: it is ignored", pi.TemplateID, strings.TrimSpace(pi.Title))
			}
			// Every other instance is applied or reported by policies().
		}
	}
	l.customCode() // script.go: names the operations customised in C#
}

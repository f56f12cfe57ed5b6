// Package templates holds the prose of generated files: the header line and
// the package documentation. Templates only substitute fields ({{.Name}});
// all decisions are made in Go code (generator/emit).
package templates

import (
	_ "embed"
	"strings"
	"text/template"
)

// Header is the first line of every generated file.
//
//go:embed header.txt
var Header string

//go:embed package_doc.txt
var packageDoc string

var packageDocT = template.Must(template.New("package_doc").Parse(packageDoc))

// PackageDocData fills package_doc.txt.
type PackageDocData struct {
	Name        string // Go package name
	Title       string // connector title
	Source      string // connector path as given
	Description string // the connector's description, wrapped; "" when none
	// Actions and Triggers are preformatted tables (tab-indented lines
	// with aligned columns); "" when there are none.
	Actions, Triggers string
}

// PackageDoc renders the package documentation (without comment markers).
func PackageDoc(d PackageDocData) (string, error) {
	var b strings.Builder
	if err := packageDocT.Execute(&b, d); err != nil {
		return "", err
	}
	return b.String(), nil
}

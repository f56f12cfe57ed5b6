package emit

import (
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/connectorgen/connectorgen/generator/ir"
	"github.com/connectorgen/connectorgen/templates"
)

// packageDocData fills the package documentation template: the prose is
// the template's, the decisions (wrapping, table rows, alignment) are made
// here.
func packageDocData(p *ir.Package) templates.PackageDocData {
	d := templates.PackageDocData{Name: p.Name, Title: title(p), Source: p.Source}
	if desc := strings.TrimSpace(p.Description); desc != "" {
		d.Description = strings.Join(docLines(desc), "\n")
	}
	var rows [][]string
	for _, a := range p.Actions {
		s := oneLine(a.Summary)
		if a.Deprecated {
			s = strings.TrimSpace("(deprecated) " + s)
		}
		rows = append(rows, []string{a.GoName, a.Op.Method + " " + a.Op.Path, s})
	}
	d.Actions = table([]string{"Method", "Request", "Summary"}, rows)
	rows = nil
	for _, t := range p.Triggers {
		kind := "single"
		if t.Batch {
			kind = "batch"
		}
		methods := t.RunName // PollX; a webhook's DeliverX when it has no Subscribe
		if t.Mode == ir.Webhook {
			kind = "webhook, " + kind
			if t.SubscribeName != "" {
				methods = t.SubscribeName // with DeliverX and UnsubscribeX
			}
		} else {
			kind = "polling, " + kind
		}
		rows = append(rows, []string{methods, kind, oneLine(t.Summary)})
	}
	d.Triggers = table([]string{"Method", "Kind", "Summary"}, rows)
	return d
}

// oneLine is s on one line, cut at a word boundary to keep table rows
// readable in go doc.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 72
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)[:max]
	cut := strings.LastIndexByte(string(r), ' ')
	if cut < max/2 {
		cut = len(string(r))
	}
	return strings.TrimRight(string(r)[:cut], " ,.;:") + "..."
}

// table renders rows under a header as tab-indented, space-aligned lines
// (a preformatted block in a doc comment); "" without rows.
func table(header []string, rows [][]string) string {
	if len(rows) == 0 {
		return ""
	}
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, r := range append([][]string{header}, rows...) {
		w.Write([]byte("\t" + strings.Join(r, "\t") + "\n"))
	}
	w.Flush()
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	for i, l := range lines {
		lines[i] = "\t" + strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// docComment turns rendered documentation into "//" comment lines for
// jennifer's PackageComment: blank lines become "//", preformatted
// (tab-indented) lines keep their tab.
func docComment(text string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		switch {
		case l == "":
			lines[i] = "//"
		case strings.HasPrefix(l, "\t"):
			lines[i] = "//" + l
		default:
			lines[i] = "// " + l
		}
	}
	return strings.Join(lines, "\n")
}

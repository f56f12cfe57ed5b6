package cli

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// printInspect writes the document as sections of aligned tables. Empty
// cells are "-"; a section without entries says "none".
func printInspect(w io.Writer, doc *inspectDoc) error {
	bw := bufio.NewWriter(w)
	p := &textPrinter{w: bw}
	p.connector(doc.Connector)
	p.connection(doc.Connection)
	p.actions(doc)
	p.triggers(doc.Triggers)
	p.policies(doc.Policies)
	p.customCode(doc.CustomCode)
	p.warnings(doc.Warnings)
	return bw.Flush()
}

type textPrinter struct {
	w       io.Writer
	started bool
}

// heading starts a section (a blank line before all but the first).
func (p *textPrinter) heading(format string, args ...any) {
	if p.started {
		fmt.Fprintln(p.w)
	}
	p.started = true
	fmt.Fprintf(p.w, format+"\n", args...)
}

// table writes rows under a header, aligned, each line prefixed by indent.
func (p *textPrinter) table(indent string, header []string, rows [][]string) {
	tw := tabwriter.NewWriter(p.w, 0, 8, 2, ' ', 0)
	line := func(cells []string) {
		for i, c := range cells {
			if c == "" {
				cells[i] = "-"
			}
		}
		fmt.Fprintln(tw, indent+strings.Join(cells, "\t"))
	}
	line(header)
	for _, r := range rows {
		line(r)
	}
	tw.Flush()
}

// pairs writes key/value lines with aligned values.
func (p *textPrinter) pairs(indent string, kv ...string) {
	tw := tabwriter.NewWriter(p.w, 0, 8, 2, ' ', 0)
	for i := 0; i+1 < len(kv); i += 2 {
		v := kv[i+1]
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(tw, "%s%s\t%s\n", indent, kv[i], v)
	}
	tw.Flush()
}

func (p *textPrinter) none(indent string) { fmt.Fprintln(p.w, indent+"none") }

func (p *textPrinter) connector(c inspectConnector) {
	p.heading("Connector")
	p.pairs("  ", "title", c.Title, "package", c.Package, "base URL", c.BaseURL, "source", c.Source)
}

func (p *textPrinter) connection(c inspectConnection) {
	if len(c.ParameterSets) == 1 && c.ParameterSets[0].Name == "" {
		p.heading("Connection (struct %s)", c.GoType)
		p.connSet("  ", c.ParameterSets[0])
		return
	}
	p.heading("Connection (interface %s, %d parameter sets)", c.GoType, len(c.ParameterSets))
	for i, s := range c.ParameterSets {
		if i > 0 {
			fmt.Fprintln(p.w)
		}
		title := ""
		if s.DisplayName != "" {
			title = ": " + s.DisplayName
		}
		fmt.Fprintf(p.w, "  set %s (struct %s)%s\n", strconv.Quote(s.Name), s.GoType, title)
		p.connSet("    ", s)
	}
}

func (p *textPrinter) connSet(indent string, s inspectConnSet) {
	if len(s.Parameters) == 0 {
		fmt.Fprintln(p.w, indent+"no parameters")
	} else {
		var rows [][]string
		for _, cp := range s.Parameters {
			var notes []string
			if cp.Hidden {
				notes = append(notes, "hidden")
			}
			if cp.Default != nil {
				notes = append(notes, "default "+strconv.Quote(*cp.Default))
			}
			if cp.OAuth != nil {
				notes = append(notes, cp.OAuth.Kind)
			}
			if cp.Type == "gateway" {
				notes = append(notes, "on-premises data gateway (not supported)")
			}
			rows = append(rows, []string{cp.Name, cp.GoField, cp.Type, yesNo(cp.Required), yesNo(cp.Secret), strings.Join(notes, ", ")})
		}
		p.table(indent, []string{"PARAMETER", "GO FIELD", "TYPE", "REQUIRED", "SECRET", "NOTES"}, rows)
	}
	if len(s.Auth) == 0 {
		fmt.Fprintln(p.w, indent+"no credentials attached")
	} else {
		var rows [][]string
		for _, a := range s.Auth {
			kind := map[string]string{"apiKey": "API key", "basic": "basic", "bearer": "bearer token", "oauth": "OAuth token"}[a.Kind]
			rows = append(rows, []string{kind, a.In + " " + a.Name, strings.Join(a.From, ", ")})
		}
		p.table(indent, []string{"AUTH", "SENT IN", "FROM"}, rows)
	}
	for _, cp := range s.Parameters {
		o := cp.OAuth
		if o == nil {
			continue
		}
		fmt.Fprintf(p.w, "%sOAuth of %s: %s (identity provider %s)\n", indent, cp.GoField, o.Kind, strconv.Quote(o.Provider))
		clientID := o.ClientID
		if clientID == "" {
			clientID = "(placeholder: set by the user)"
		}
		kv := []string{"client ID", clientID, "scopes", strings.Join(o.Scopes, " ")}
		for _, u := range [][2]string{{"authorize URL", o.AuthURL}, {"token URL", o.TokenURL}, {"refresh URL", o.RefreshURL},
			{"device URL", o.DeviceAuthURL}, {"login URL", o.LoginURL}, {"tenant ID", o.TenantID}, {"resource", o.ResourceURI}} {
			if u[1] != "" {
				kv = append(kv, u[0], u[1])
			}
		}
		p.pairs(indent+"  ", kv...)
	}
}

func (p *textPrinter) actions(doc *inspectDoc) {
	p.heading("Actions (%d)", len(doc.Actions))
	if len(doc.Actions) == 0 {
		p.none("  ")
	} else {
		var rows [][]string
		for _, a := range doc.Actions {
			var notes []string
			for _, n := range []struct {
				on   bool
				text string
			}{{a.Deprecated, "deprecated"}, {a.Internal, "internal"}, {a.NoAuth, "no auth"}, {a.CustomCode, "custom code"}} {
				if n.on {
					notes = append(notes, n.text)
				}
			}
			rows = append(rows, []string{a.GoMethod, a.HTTPMethod, a.Path, a.OperationID, strings.Join(notes, ", "), a.Summary})
		}
		p.table("  ", []string{"GO METHOD", "HTTP", "PATH", "OPERATION ID", "NOTES", "SUMMARY"}, rows)
	}
	if len(doc.Pagers) > 0 {
		fmt.Fprintf(p.w, "\n  Pagers (%d)\n", len(doc.Pagers))
		var rows [][]string
		for _, pg := range doc.Pagers {
			items := pg.Items
			if items == "" {
				items = "(body)"
			}
			rows = append(rows, []string{pg.GoMethod, pg.Action, pg.Item, items, pg.NextLink})
		}
		p.table("  ", []string{"GO METHOD", "PAGES OF", "ITEM TYPE", "ITEMS", "NEXT LINK"}, rows)
	}
	if len(doc.Dynamic) > 0 {
		fmt.Fprintf(p.w, "\n  Dynamic helpers (%d)\n", len(doc.Dynamic))
		var rows [][]string
		for _, lu := range doc.Dynamic {
			rows = append(rows, []string{lu.GoMethod, lu.Kind, lu.For + ": " + lu.Subject, lu.Calls, lu.Extension})
		}
		p.table("  ", []string{"GO METHOD", "KIND", "FOR", "CALLS", "EXTENSION"}, rows)
	}
}

func (p *textPrinter) triggers(ts []inspectTrigger) {
	p.heading("Triggers (%d)", len(ts))
	if len(ts) == 0 {
		p.none("  ")
		return
	}
	var rows, state [][]string
	for _, t := range ts {
		split := ""
		switch {
		case t.Split && len(t.SplitPath) == 0:
			split = "(body)"
		case t.Split:
			split = strings.Join(t.SplitPath, ".")
		}
		var notes []string
		if t.Deprecated {
			notes = append(notes, "deprecated")
		}
		if t.Internal {
			notes = append(notes, "internal")
		}
		rows = append(rows, []string{t.OperationID, t.Kind, t.Delivery, t.HTTPMethod, t.Path,
			t.EventType, split, strings.Join(notes, ", "), t.Summary, strings.Join(t.GoMethods, ", ")})
		for _, c := range t.State {
			state = append(state, []string{t.OperationID, c.Param, c.Expr})
		}
	}
	p.table("  ", []string{"OPERATION ID", "KIND", "DELIVERY", "HTTP", "PATH", "EVENT", "SPLIT ON", "NOTES", "SUMMARY", "GO METHODS"}, rows)
	if len(state) > 0 {
		fmt.Fprintf(p.w, "\n  Polling state (pollingtrigger policy)\n")
		p.table("  ", []string{"OPERATION ID", "QUERY PARAMETER", "SET FROM"}, state)
	}
}

func (p *textPrinter) policies(ps []inspectPolicy) {
	p.heading("Policies (%d)", len(ps))
	if len(ps) == 0 {
		p.none("  ")
		return
	}
	var rows [][]string
	for _, pol := range ps {
		op := pol.OperationID
		if pol.ConnectorWide {
			op = "(every operation)"
		}
		var params []string
		for _, kv := range pol.params {
			params = append(params, kv[0]+"="+quoteIfNeeded(kv[1]))
		}
		rows = append(rows, []string{op, pol.GoMethod, pol.Template, pol.Section, pol.Title, strings.Join(params, " ")})
	}
	p.table("  ", []string{"OPERATION ID", "GO METHOD", "TEMPLATE", "SECTION", "TITLE", "PARAMETERS"}, rows)
}

func (p *textPrinter) customCode(cc *inspectCustomCode) {
	p.heading("Custom code")
	if cc == nil {
		p.none("  ")
		return
	}
	file := cc.File
	if file == "" {
		file = "(not shipped with the connector)"
	}
	covers := fmt.Sprintf("%d %s", len(cc.Operations), plural(len(cc.Operations), "operation", "operations"))
	if cc.All {
		covers = "every operation"
	}
	p.pairs("  ", "script", file, "hook", "interface "+cc.GoType+", installed with "+cc.Option, "covers", covers)
	var rows [][]string
	for _, op := range cc.Operations {
		rows = append(rows, []string{op.OperationID, op.GoMethod})
	}
	if len(rows) > 0 {
		p.table("  ", []string{"OPERATION ID", "GO METHOD"}, rows)
	}
}

// warnings prints every diagnostic exactly as generate does (no indent,
// so that editors can jump to path:line:col).
func (p *textPrinter) warnings(ws []inspectWarning) {
	p.heading("Warnings (%d)", len(ws))
	if len(ws) == 0 {
		p.none("  ")
		return
	}
	for _, w := range ws {
		fmt.Fprintln(p.w, w.Text)
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// quoteIfNeeded Go-quotes a policy parameter value that is empty or holds
// spaces, quotes or control characters, so that parameters stay apart.
func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\"\\") || strconv.Quote(s) != `"`+s+`"` {
		return strconv.Quote(s)
	}
	return s
}

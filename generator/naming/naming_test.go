package naming

import (
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// tableCase is one line of a testdata/naming/*.txtar table.
type tableCase struct {
	pos       string // file:section:line, for messages
	in, want  string
	wantWords []string
}

// readTable parses ../../testdata/naming/NAME; see the comment at the top of
// each file for the format.
func readTable(t *testing.T, name string) []tableCase {
	t.Helper()
	file := filepath.Join("..", "..", "testdata", "naming", name)
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(ar.Files) == 0 {
		t.Fatalf("%s: no sections", file)
	}
	var cases []tableCase
	for _, f := range ar.Files {
		for i, line := range strings.Split(string(f.Data), "\n") {
			pos := name + ":" + f.Name + ":" + strconv.Itoa(i+1)
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
				continue
			}
			in, want, ok := strings.Cut(line, "\t")
			if !ok {
				t.Fatalf("%s: no tab in %q", pos, line)
			}
			in = field(t, pos, in)
			want = field(t, pos, strings.TrimLeft(want, "\t"))
			c := tableCase{pos: pos, in: in, want: want}
			if want != "" {
				c.wantWords = strings.Split(want, " ")
			}
			cases = append(cases, c)
		}
	}
	return cases
}

// field decodes a table field: a Go string literal if it starts with a
// double quote, the text itself otherwise.
func field(t *testing.T, pos, s string) string {
	t.Helper()
	if !strings.HasPrefix(s, `"`) {
		return s
	}
	u, err := strconv.Unquote(s)
	if err != nil {
		t.Fatalf("%s: bad literal %s: %v", pos, s, err)
	}
	return u
}

func TestWordsTable(t *testing.T) {
	for _, c := range readTable(t, "words.txtar") {
		got := Words(c.in)
		if strings.Join(got, " ") != strings.Join(c.wantWords, " ") || len(got) != len(c.wantWords) {
			t.Errorf("%s: Words(%q) = %q, want %q", c.pos, c.in, got, c.wantWords)
		}
	}
}

func TestExportedTable(t *testing.T) {
	n := New()
	for _, c := range readTable(t, "exported.txtar") {
		if got := n.Exported(c.in); got != c.want {
			t.Errorf("%s: Exported(%q) = %q, want %q", c.pos, c.in, got, c.want)
		}
	}
}

func TestUnexportedTable(t *testing.T) {
	n := New()
	for _, c := range readTable(t, "unexported.txtar") {
		if got := n.Unexported(c.in); got != c.want {
			t.Errorf("%s: Unexported(%q) = %q, want %q", c.pos, c.in, got, c.want)
		}
	}
}

func TestPackageNameTable(t *testing.T) {
	for _, c := range readTable(t, "package.txtar") {
		if got := PackageName(c.in); got != c.want {
			t.Errorf("%s: PackageName(%q) = %q, want %q", c.pos, c.in, got, c.want)
		}
	}
}

// TestTableCount keeps the tables from silently shrinking.
func TestTableCount(t *testing.T) {
	total := 0
	for _, f := range []string{"words.txtar", "exported.txtar", "unexported.txtar", "package.txtar"} {
		total += len(readTable(t, f))
	}
	if total < 60 {
		t.Errorf("only %d table cases, want at least 60", total)
	}
	t.Logf("%d table cases", total)
}

// checkNames asserts the invariants of Exported and Unexported for s and
// returns a description of the first violation, or "".
func checkNames(n *Namer, s string) string {
	e := n.Exported(s)
	switch {
	case !token.IsIdentifier(e):
		return "Exported = " + strconv.Quote(e) + ": not an identifier"
	case !token.IsExported(e):
		return "Exported = " + strconv.Quote(e) + ": not exported"
	case IsReserved(e):
		return "Exported = " + strconv.Quote(e) + ": reserved"
	}
	u := n.Unexported(s)
	switch {
	case !token.IsIdentifier(u):
		return "Unexported = " + strconv.Quote(u) + ": not an identifier"
	case token.IsExported(u):
		return "Unexported = " + strconv.Quote(u) + ": exported"
	case IsReserved(u):
		return "Unexported = " + strconv.Quote(u) + ": reserved"
	case u == "_":
		return "Unexported = _"
	}
	return ""
}

// TestTableInvariants checks the identifier invariants on every input of
// every table.
func TestTableInvariants(t *testing.T) {
	n := New()
	for _, f := range []string{"words.txtar", "exported.txtar", "unexported.txtar", "package.txtar"} {
		for _, c := range readTable(t, f) {
			if msg := checkNames(n, c.in); msg != "" {
				t.Errorf("%s: %q: %s", c.pos, c.in, msg)
			}
		}
	}
}

func FuzzNames(f *testing.F) {
	for _, s := range []string{"", "GetItems_V2", "@odata.nextLink", "365Training", "ÄnderungsDatum", "🚀", "type", "x-ms-id", "IDs", "a\u0308", "ǅemal", "\xff"} {
		f.Add(s)
	}
	n := New("SharePoint", "iOS")
	f.Fuzz(func(t *testing.T, s string) {
		if msg := checkNames(n, s); msg != "" {
			t.Errorf("%q: %s", s, msg)
		}
		p := PackageName(s)
		if !token.IsIdentifier(p) || IsReserved(p) || strings.ToLower(p) != p {
			t.Errorf("PackageName(%q) = %q", s, p)
		}
		for _, w := range Words(s) {
			if w == "" {
				t.Errorf("Words(%q) has an empty word", s)
			}
		}
	})
}

func TestNewExtra(t *testing.T) {
	n := New("SharePoint", "iOS", "Id", "not-a-word", "")
	for _, c := range []struct{ in, exp, unexp string }{
		{"SharePointSite", "SharePointSite", "sharepointSite"},
		{"sharepoint_site", "SharePointSite", "sharepointSite"},
		{"SharepointWeb", "SharePointWeb", "sharepointWeb"},
		{"iOSApp", "IOSApp", "iosApp"},
		{"user_id", "UserId", "userId"},             // "Id" overrides "ID"
		{"item_ids", "ItemIDs", "itemIDs"},          // the explicit IDs entry stays
		{"api-version", "APIVersion", "apiVersion"}, // defaults kept
	} {
		if got := n.Exported(c.in); got != c.exp {
			t.Errorf("Exported(%q) = %q, want %q", c.in, got, c.exp)
		}
		if got := n.Unexported(c.in); got != c.unexp {
			t.Errorf("Unexported(%q) = %q, want %q", c.in, got, c.unexp)
		}
	}
	if got := n.Words("SharePointSite"); strings.Join(got, " ") != "SharePoint Site" {
		t.Errorf("Namer.Words(SharePointSite) = %q", got)
	}
	// Package-level Words does not know the extras.
	if got := Words("SharePointSite"); strings.Join(got, " ") != "Share Point Site" {
		t.Errorf("Words(SharePointSite) = %q", got)
	}
	// New does not change the default table.
	if got := New().Exported("user_id"); got != "UserID" {
		t.Errorf("New().Exported(user_id) = %q after New(\"Id\")", got)
	}
}

func TestUnique(t *testing.T) {
	taken := map[string]bool{"Item": true, "Item2": true, "V2": true, "V2_2": true}
	for _, c := range []struct{ in, want string }{
		{"Free", "Free"},
		{"Item", "Item3"},
		{"V2", "V2_3"},
	} {
		if got := Unique(c.in, func(s string) bool { return taken[s] }); got != c.want {
			t.Errorf("Unique(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestScope(t *testing.T) {
	s := NewScope("String", "MarshalJSON")
	if !s.Taken("String") || s.Taken("string") {
		t.Error("reserved names not taken exactly")
	}
	if s.Claim("String") {
		t.Error("Claim of a reserved name succeeded")
	}
	if !s.Claim("Name") || s.Claim("Name") || !s.Taken("Name") {
		t.Error("Claim does not record")
	}
	if !s.Claim("_") || !s.Claim("_") || s.Taken("_") {
		t.Error("blank identifier must always be claimable")
	}
	if got := s.Unique("Name"); got != "Name2" || !s.Taken("Name2") {
		t.Errorf("Unique(Name) = %q", got)
	}
	var zero Scope
	if zero.Taken("x") || !zero.Claim("x") || !zero.Taken("x") {
		t.Error("zero Scope unusable")
	}
	s.Reserve("A", "A")
	if !s.Taken("A") {
		t.Error("Reserve")
	}
}

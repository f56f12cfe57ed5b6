// Package naming turns arbitrary spec text (operationIds, parameter and
// property names, connector folder names) into valid, readable Go
// identifiers and keeps track of the names taken in each Go namespace.
//
// Every name goes through one word splitter, [Words], and one initialism
// table, [Namer]. The results are always valid identifiers
// (go/token.IsIdentifier) and never keywords. The package is pure: no I/O,
// no global mutable state.
//
// The rules, in short (see the individual functions for details):
//
//   - Words: non-letters/digits separate words; lower→upper and
//     acronym→word ("HTTPServer") split; digits stick to the word before
//     them and digit→letter splits ("GetItemsV2" → Get Items V2,
//     "365Training" → 365 Training).
//   - Exported: UpperCamel with initialisms from the table
//     ("api-version" → APIVersion, "@odata.nextLink" → ODataNextLink);
//     an "X" prefix when the result would not start with an upper-case
//     letter ("365Training" → X365Training, "" → X); "_" only between two
//     numbers ("level-4-5" → Level4_5).
//   - Unexported: lowerCamel, the first word lower-cased entirely
//     ("URLPath" → urlPath); "x" prefix instead of "X"; a result that is a
//     Go keyword or predeclared identifier gets the suffix "Value"
//     ("type" → typeValue, "len" → lenValue).
//   - PackageName: lower-case ASCII letters and digits of the folder name,
//     accents folded; "x" before a leading digit; "pkg" after a keyword.
//   - Scope and Unique: collision bookkeeping; Unique appends 2, 3, …
//     (after "_" when the name ends in a digit).
//
// The tables in testdata/naming/*.txtar at the repository root pin these
// rules down case by case.
package naming

import (
	"cmp"
	"go/token"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultInitialisms returns (a copy of) the initialism table used by
// [New]: the Go lint list plus initialisms common in Power Platform
// connectors. Each entry is the canonical spelling; lookups are
// case-insensitive. "MS" is deliberately absent ("Mr/Ms" → MrMs); only the
// header prefix "x-ms" becomes XMS.
func DefaultInitialisms() []string { return slices.Clone(defaultInitialisms) }

var defaultInitialisms = []string{
	// golint's commonInitialisms.
	"ACL", "API", "ASCII", "CPU", "CSS", "DNS", "EOF", "GUID", "HTML", "HTTP",
	"HTTPS", "ID", "IP", "JSON", "LHS", "QPS", "RAM", "RHS", "RPC", "SLA",
	"SMTP", "SQL", "SSH", "TCP", "TLS", "TTL", "UDP", "UI", "UID", "UUID",
	"URI", "URL", "UTF8", "VM", "XML", "XMPP", "XSRF", "XSS",
	// Connector vocabulary.
	"OData", "ETag", "IDs", "URLs", "OAuth", "GraphQL", "JWT", "PDF", "CSV", "SMS", "AAD",
	"UTC", "SKU", "VAT",
}

// Namer converts spec text to Go identifiers using an initialism table.
// A Namer is immutable after New and safe for concurrent use.
type Namer struct {
	// initialisms maps the lower-cased spelling to the canonical one.
	initialisms map[string]string
	// mixed holds the canonical initialisms that the plain splitting rules
	// would break apart ("OData" → O Data), longest first.
	mixed [][]rune
}

var defaultNamer = New()

// New returns a Namer with [DefaultInitialisms] plus extra. An extra entry
// adds an initialism or overrides the spelling of an existing one with the
// same lower-case form (New("SharePoint") makes "sharepoint", "Sharepoint"
// and "SharePoint" all come out as SharePoint; New("Id") turns ID back into
// Id). Entries containing anything but letters and digits, or not starting
// with a letter, are ignored.
func New(extra ...string) *Namer {
	n := &Namer{initialisms: make(map[string]string)}
	for _, list := range [][]string{defaultInitialisms, extra} {
		for _, w := range list {
			if !isWord(w) {
				continue
			}
			n.initialisms[strings.ToLower(w)] = w
		}
	}
	for _, w := range n.initialisms {
		if isMixed(w) {
			n.mixed = append(n.mixed, []rune(w))
		}
	}
	// Longest first, then lexical, so matching is deterministic.
	slices.SortFunc(n.mixed, func(a, b []rune) int {
		if c := cmp.Compare(len(b), len(a)); c != 0 {
			return c
		}
		return slices.Compare(a, b)
	})
	return n
}

// isWord reports whether w is a non-empty run of letters and digits
// starting with a letter.
func isWord(w string) bool {
	for i, r := range w {
		if !unicode.IsLetter(r) && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return w != ""
}

// Words is [Words] with this Namer's mixed-case initialisms (so an extra
// "SharePoint" keeps "SharePointSite" → SharePoint Site).
func (n *Namer) Words(s string) []string {
	return splitWords(s, n.mixed)
}

// casedWords returns the words of s in their final spelling for
// UpperCamel: initialisms canonical, other words capitalised.
func (n *Namer) casedWords(s string) []string {
	words := n.Words(s)
	// A digits-only word completes an initialism before it: "UTF-8" → UTF8.
	for i := 1; i < len(words); i++ {
		if allDigits(words[i]) {
			if _, ok := n.initialisms[strings.ToLower(words[i-1]+words[i])]; ok {
				words[i-1] += words[i]
				words = slices.Delete(words, i, i+1)
				i--
			}
		}
	}
	// The header prefix "x-ms-" reads XMS; "ms" elsewhere is a word ("Mr/Ms").
	// A leading "xms" is the same prefix already joined ("XMSClientRequestID").
	if len(words) >= 2 && strings.EqualFold(words[0], "x") && strings.EqualFold(words[1], "ms") {
		words = slices.Delete(words, 0, 1)
		words[0] = "xms"
	}
	for i, w := range words {
		if i == 0 && strings.EqualFold(w, "xms") {
			words[i] = "XMS"
			continue
		}
		words[i] = n.caseWord(w)
	}
	return words
}

// join concatenates words, putting "_" between a word ending in a digit
// and one starting with a digit so that numbers stay apart
// ("level-4-5" → Level4_5, not Level45).
func join(words []string) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			last, _ := utf8.DecodeLastRuneInString(words[i-1])
			first, _ := utf8.DecodeRuneInString(w)
			if unicode.IsDigit(last) && unicode.IsDigit(first) {
				b.WriteByte('_')
			}
		}
		b.WriteString(w)
	}
	return b.String()
}

func allDigits(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return w != ""
}

// caseWord spells one word for UpperCamel. In order:
//   - a table initialism, case-insensitively ("url" → URL, "odata" → OData);
//   - an initialism followed by digits ("id2" → ID2, "oauth2" → OAuth2);
//   - the plural of an initialism ("apis" → APIs, "uuids" → UUIDs);
//   - otherwise the word lower-cased with its first rune upper-cased
//     ("SAP" → Sap, "record" → Record).
func (n *Namer) caseWord(w string) string {
	lw := strings.ToLower(w)
	if c, ok := n.initialisms[lw]; ok {
		return c
	}
	if p := strings.TrimRightFunc(lw, unicode.IsDigit); p != lw && p != "" {
		if c, ok := n.initialisms[p]; ok {
			return c + lw[len(p):]
		}
	}
	if p, ok := strings.CutSuffix(lw, "s"); ok {
		if c, ok := n.initialisms[p]; ok {
			return c + "s"
		}
	}
	return upperFirst(lw)
}

// Exported returns s as an exported UpperCamel Go identifier: the words of
// s (see [Namer.Words]) with initialisms spelled as in the table and every
// other word lower-cased and capitalised, concatenated.
//
// Details: a word that is an initialism plus digits keeps the initialism
// ("id2" → ID2), a plural of an initialism is spelled as one ("apis" →
// APIs), and a digits-only word that completes an initialism joins it
// ("UTF-8" → UTF8). Leading words "x", "ms" (the "x-ms-" header prefix)
// become XMS. Two adjacent numbers are kept apart by "_" ("level-4-5" →
// Level4_5), the only underscore ever produced. If the result does not
// start with an upper-case letter (empty, a leading digit, a caseless
// letter), it gets the prefix "X". The result is never empty, always
// satisfies token.IsIdentifier and token.IsExported, and is never a keyword.
//
//	"GetItems_V2" → GetItemsV2      "x-ms-client-request-id" → XMSClientRequestID
//	"$filter"     → Filter          "365Training" → X365Training
//	"_id"         → ID              ""  → X
func (n *Namer) Exported(s string) string {
	words := n.casedWords(s)
	if len(words) > 0 {
		words[0] = upperFirst(words[0]) // an initialism like "iOS"
	}
	id := join(words)
	if r, _ := utf8.DecodeRuneInString(id); !unicode.IsUpper(r) {
		id = "X" + id
	}
	return id
}

// Unexported returns s as an unexported lowerCamel Go identifier. It is
// [Namer.Exported] with the first word lower-cased entirely, initialisms
// included ("ID" → id, "URLPath" → urlPath, "@odata.nextLink" →
// odataNextLink, "x-ms-client-request-id" → xmsClientRequestID). If the
// result does not start with a letter it gets the prefix "x" ("" → x,
// "365Training" → x365Training). If the result is a Go keyword or a
// predeclared identifier (type, func, range, string, len, nil, true,
// error, any, …) it gets the suffix "Value" ("type" → typeValue), so a
// generated parameter never shadows a builtin. The result is never empty,
// always satisfies token.IsIdentifier, and is never exported.
func (n *Namer) Unexported(s string) string {
	words := n.casedWords(s)
	if len(words) > 0 {
		words[0] = strings.ToLower(words[0])
	}
	id := join(words)
	r, _ := utf8.DecodeRuneInString(id)
	switch {
	case !unicode.IsLetter(r):
		id = "x" + id
	case unicode.IsUpper(r) || unicode.IsTitle(r):
		// ToLower left an upper-case rune (a few scripts have no lower
		// case for some title-case letters); keep the name unexported.
		id = "x" + id
	}
	if token.IsKeyword(id) || predeclared[id] {
		id += "Value"
	}
	return id
}

// IsReserved reports whether name is a Go keyword or a predeclared
// identifier (types, constants, zero value and builtin functions of the
// universe scope), i.e. a name generated code must not declare.
func IsReserved(name string) bool {
	return token.IsKeyword(name) || predeclared[name]
}

// predeclared is the universe scope of Go 1.26.
var predeclared = map[string]bool{
	// Types.
	"any": true, "bool": true, "byte": true, "comparable": true,
	"complex64": true, "complex128": true, "error": true, "float32": true,
	"float64": true, "int": true, "int8": true, "int16": true, "int32": true,
	"int64": true, "rune": true, "string": true, "uint": true, "uint8": true,
	"uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	// Constants and zero value.
	"true": true, "false": true, "iota": true, "nil": true,
	// Functions.
	"append": true, "cap": true, "clear": true, "close": true, "complex": true,
	"copy": true, "delete": true, "imag": true, "len": true, "make": true,
	"max": true, "min": true, "new": true, "panic": true, "print": true,
	"println": true, "real": true, "recover": true,
}

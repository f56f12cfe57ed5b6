package expr

import (
	"fmt"
	"strconv"
	"strings"
)

// Template is a parsed template: a sequence of parts. It is immutable and
// safe for concurrent use.
type Template struct {
	src   string
	parts []Part
}

// PartKind says what a [Part] is.
type PartKind int

const (
	// TextPart is literal text.
	TextPart PartKind = iota
	// ExprPart is an expression (its [Ref] says what it reads).
	ExprPart
	// PlaceholderPart is a "{name}" path-parameter placeholder (its [Ref]
	// has Kind PathParam).
	PlaceholderPart
)

// Form is how an expression part was written.
type Form int

const (
	// FormAt is "@expr".
	FormAt Form = iota
	// FormInterpolated is "@{expr}": the result is always text.
	FormInterpolated
	// FormBraced is "{@expr}" (setproperty value templates).
	FormBraced
	// FormNoAt is "body()…" at the start of a template, without "@"
	// (accepted with a Diagnostic).
	FormNoAt
)

// Part is one piece of a [Template]. Offset and End delimit its source text
// (bytes), so the parts of a template cover its source exactly.
type Part struct {
	Kind   PartKind
	Offset int
	End    int
	Text   string // TextPart: the literal text; other kinds: the source text
	Form   Form   // ExprPart only
	Ref    Ref    // ExprPart and PlaceholderPart
}

// RefKind is what an expression reads.
type RefKind int

const (
	ConnectionParameter RefKind = iota + 1 // connectionParameters('name')
	Header                                 // headers('name'), header('name')
	Query                                  // queryParameters('name')
	Body                                   // body()
	Item                                   // item()
	TriggerBody                            // triggerBody()
	RequestMethod                          // Request.OriginalHTTPMethod
	PathParam                              // {name} placeholder
)

var kindNames = [...]string{"", "ConnectionParameter", "Header", "Query", "Body", "Item", "TriggerBody", "RequestMethod", "PathParam"}

func (k RefKind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "RefKind(" + strconv.Itoa(int(k)) + ")"
}

// Ref is what one expression or placeholder reads.
type Ref struct {
	Kind       RefKind
	Name       string    // ConnectionParameter, Header, Query, PathParam
	Default    string    // the second argument, when HasDefault
	HasDefault bool      // a second argument was given
	Path       []Segment // Body, Item, TriggerBody
	Offset     int       // byte offset of the expression in the source
}

// Segment is one step of a body path.
type Segment struct {
	Key      string // property name (when !IsIndex)
	Index    int    // array index (when IsIndex)
	IsIndex  bool
	NullSafe bool // written "?." or "?[": a null here yields null instead of failing
}

// String renders the segment as it would be written after a path root:
// ".a", "['@odata.id']", "[0]", "?.a".
func (s Segment) String() string {
	var b strings.Builder
	if s.NullSafe {
		b.WriteByte('?')
	}
	switch {
	case s.IsIndex:
		b.WriteString("[" + strconv.Itoa(s.Index) + "]")
	case isPlainKey(s.Key):
		b.WriteString("." + s.Key)
	default:
		b.WriteString("[" + quote(s.Key) + "]")
	}
	return b.String()
}

// String renders the reference in canonical syntax, e.g.
// "@connectionParameters('name','default')", "@body().a[0]['b c']",
// "@Request.OriginalHTTPMethod", "{id}".
func (r Ref) String() string {
	if r.Kind == PathParam {
		return "{" + r.Name + "}"
	}
	return "@" + r.expr(len(r.Path))
}

// expr renders the reference without "@", with the first n path segments.
func (r Ref) expr(n int) string {
	var b strings.Builder
	switch r.Kind {
	case ConnectionParameter, Header, Query:
		fn := "connectionParameters"
		if r.Kind == Header {
			fn = "headers"
		} else if r.Kind == Query {
			fn = "queryParameters"
		}
		b.WriteString(fn + "(" + quote(r.Name))
		if r.HasDefault {
			b.WriteString("," + quote(r.Default))
		}
		b.WriteString(")")
	case Body:
		b.WriteString("body()")
	case Item:
		b.WriteString("item()")
	case TriggerBody:
		b.WriteString("triggerBody()")
	case RequestMethod:
		b.WriteString("Request.OriginalHTTPMethod")
	case PathParam:
		b.WriteString("{" + r.Name + "}")
	}
	for _, s := range r.Path[:n] {
		b.WriteString(s.String())
	}
	return b.String()
}

// Diagnostic is a warning: the template parsed, but something in it is
// suspicious (a misspelling, a missing "@").
type Diagnostic struct {
	Offset int // byte offset in the source
	Msg    string
}

func (d Diagnostic) String() string { return fmt.Sprintf("offset %d: %s", d.Offset, d.Msg) }

// SyntaxError is returned by [Parse] for a template it cannot parse or that
// uses something unsupported.
type SyntaxError struct {
	Offset int // byte offset in the source
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("expr: offset %d: %s", e.Offset, e.Msg) }

type fnInfo struct {
	kind      RefKind
	canonical string
	maxArgs   int // minimum is 1 when maxArgs > 0, else 0
	misspelt  bool
}

// functions is keyed by lower-case name.
var functions = map[string]fnInfo{
	"connectionparameters": {ConnectionParameter, "connectionParameters", 2, false},
	"headers":              {Header, "headers", 2, false},
	"header":               {Header, "header", 2, false},
	"queryparameters":      {Query, "queryParameters", 2, false},
	"queryparamters":       {Query, "queryParameters", 2, true},
	"body":                 {Body, "body", 0, false},
	"item":                 {Item, "item", 0, false},
	"triggerbody":          {TriggerBody, "triggerBody", 0, false},
}

// Parse parses a template. It returns warnings as diagnostics, and a
// [*SyntaxError] when the template cannot be parsed or uses something
// unsupported (then the template is nil).
func Parse(s string) (*Template, []Diagnostic, error) {
	p := &parser{src: s}
	if err := p.run(); err != nil {
		return nil, p.diags, err
	}
	return &Template{src: s, parts: p.parts}, p.diags, nil
}

// MustParse is like [Parse] but panics on an error. For tests and
// package-level templates.
func MustParse(s string) *Template {
	t, _, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return t
}

// ParsePath parses a property sub-path as used by setproperty
// (newPropertySubPathTemplate) and the collection templates
// (propertySubPath): "name", "a.b", "['@odata.id']", "a[0].b", ".a".
// A plain name may hold any character but ".[]?'" and blanks.
func ParsePath(s string) ([]Segment, error) {
	p := &parser{src: s}
	var segs []Segment
	i := 0
	if n := plainNameEnd(s, 0); n > 0 {
		segs = append(segs, Segment{Key: s[:n]})
		i = n
	}
	for i < len(s) {
		nullSafe := false
		j := i
		if s[j] == '?' {
			nullSafe = true
			j++
		}
		switch {
		case j < len(s) && s[j] == '.':
			n := plainNameEnd(s, j+1)
			if n == j+1 {
				return nil, p.errf(j, "expected a property name after '.'")
			}
			segs = append(segs, Segment{Key: s[j+1 : n], NullSafe: nullSafe})
			i = n
		case j < len(s) && s[j] == '[':
			seg, end, err := p.bracket(j)
			if err != nil {
				return nil, err
			}
			seg.NullSafe = nullSafe
			segs = append(segs, seg)
			i = end
		default:
			return nil, p.errf(i, "unexpected %s in property path", describe(s, i))
		}
	}
	if len(segs) == 0 {
		return nil, p.errf(0, "empty property path")
	}
	return segs, nil
}

func plainNameEnd(s string, i int) int {
	for i < len(s) && !strings.ContainsRune(".[]?' \t\r\n", rune(s[i])) {
		i++
	}
	return i
}

// Source returns the text the template was parsed from.
func (t *Template) Source() string { return t.src }

// Parts returns the parts of the template, in order.
func (t *Template) Parts() []Part {
	out := make([]Part, len(t.parts))
	copy(out, t.parts)
	for i := range out {
		out[i].Ref.Path = append([]Segment(nil), out[i].Ref.Path...)
	}
	return out
}

// IsLiteral reports whether the template is plain text: no expression and
// no placeholder. Its text is then Eval(nil).
func (t *Template) IsLiteral() bool {
	for _, p := range t.parts {
		if p.Kind != TextPart {
			return false
		}
	}
	return true
}

// Refs returns what the template reads, one entry per expression or
// placeholder, in source order.
func (t *Template) Refs() []Ref {
	var refs []Ref
	for _, p := range t.Parts() {
		if p.Kind != TextPart {
			refs = append(refs, p.Ref)
		}
	}
	return refs
}

// SingleRef returns the reference when the template is exactly one
// expression ("@body().value", "{@body().next}", "@{triggerBody().x}",
// "@headers('If-Match')"): the form of path and destination parameters
// such as triggerDataPath, newPropertyPath or parameterTemplate.
func (t *Template) SingleRef() (Ref, bool) {
	if len(t.parts) != 1 || t.parts[0].Kind != ExprPart {
		return Ref{}, false
	}
	return t.Parts()[0].Ref, true
}

type parser struct {
	src   string
	parts []Part
	diags []Diagnostic
	text  int // start of pending text, or -1
}

func (p *parser) errf(off int, format string, args ...any) error {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) warnf(off int, format string, args ...any) {
	p.diags = append(p.diags, Diagnostic{Offset: off, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) flush(end int) {
	if p.text >= 0 && end > p.text {
		p.parts = append(p.parts, Part{Kind: TextPart, Offset: p.text, End: end, Text: p.src[p.text:end]})
	}
	p.text = -1
}

func (p *parser) emit(part Part) {
	p.flush(part.Offset)
	part.Text = p.src[part.Offset:part.End]
	p.parts = append(p.parts, part)
}

func (p *parser) textFrom(i int) {
	if p.text < 0 {
		p.text = i
	}
}

func (p *parser) run() error {
	s := p.src
	p.text = -1
	i := 0
	// body()… without "@" at the very start.
	if n := identEnd(s, 0); n > 0 && n < len(s) && s[n] == '(' {
		if f, ok := functions[strings.ToLower(s[:n])]; ok && (f.kind == Body || f.kind == Item || f.kind == TriggerBody) {
			if ref, end, _, err := p.call(0, 0, true); err != nil {
				p.warnf(0, "%s( looks like an expression without '@' but does not parse (%s); kept as text", s[:n], err.(*SyntaxError).Msg)
			} else {
				p.warnf(0, "%s() written without '@' is read as @%s()", s[:n], f.canonical)
				p.emit(Part{Kind: ExprPart, Offset: 0, End: end, Form: FormNoAt, Ref: ref})
				i = end
			}
		}
	}
	for i < len(s) {
		switch c := s[i]; {
		case c == '@' && i+1 < len(s) && s[i+1] == '{':
			j := skipBlanks(s, i+2)
			ref, end, _, err := p.call(j, i, true)
			if err != nil {
				return err
			}
			end = skipBlanks(s, end)
			if end >= len(s) || s[end] != '}' {
				return p.errf(i, "missing '}' to close '@{'")
			}
			p.emit(Part{Kind: ExprPart, Offset: i, End: end + 1, Form: FormInterpolated, Ref: ref})
			i = end + 1
		case c == '@':
			ref, end, ok, err := p.call(i+1, i, false)
			if err != nil {
				return err
			}
			if !ok { // literal "@", and the name after it when there is one
				p.textFrom(i)
				i = end
				continue
			}
			p.emit(Part{Kind: ExprPart, Offset: i, End: end, Form: FormAt, Ref: ref})
			i = end
		case c == '{' && i+1 < len(s) && s[i+1] == '@' && i+2 < len(s) && s[i+2] != '{':
			ref, end, ok, err := p.call(i+2, i+1, false)
			if err != nil {
				return err
			}
			if !ok {
				p.textFrom(i)
				i = end
				continue
			}
			end = skipBlanks(s, end)
			if end >= len(s) || s[end] != '}' {
				return p.errf(i, "missing '}' to close '{@'")
			}
			p.emit(Part{Kind: ExprPart, Offset: i, End: end + 1, Form: FormBraced, Ref: ref})
			i = end + 1
		case c == '{':
			n := placeholderEnd(s, i+1)
			if n > i+1 && n < len(s) && s[n] == '}' {
				p.emit(Part{Kind: PlaceholderPart, Offset: i, End: n + 1, Ref: Ref{Kind: PathParam, Name: s[i+1 : n], Offset: i}})
				i = n + 1
				continue
			}
			p.textFrom(i)
			i++
		default:
			p.textFrom(i)
			i++
		}
	}
	p.flush(len(s))
	return nil
}

// call parses an expression whose name starts at pos; at is the offset
// reported for it (its "@"). In a strict context (inside "@{…}", or
// without "@") anything but an expression is an error; otherwise ok=false
// means "not an expression: text up to end".
func (p *parser) call(pos, at int, strict bool) (ref Ref, end int, ok bool, err error) {
	s := p.src
	nameEnd := identEnd(s, pos)
	if nameEnd == pos {
		if strict {
			return ref, 0, false, p.errf(pos, "expected an expression such as body() or connectionParameters('name'), found %s", describe(s, pos))
		}
		return ref, pos, false, nil
	}
	name := s[pos:nameEnd]
	lname := strings.ToLower(name)
	if lname == "request" && nameEnd < len(s) && s[nameEnd] == '.' {
		if propEnd := identEnd(s, nameEnd+1); propEnd > nameEnd+1 {
			prop := s[nameEnd+1 : propEnd]
			if !strings.EqualFold(prop, "OriginalHTTPMethod") {
				return ref, 0, false, p.errf(at, "unsupported property '%s.%s' (only Request.OriginalHTTPMethod is supported)", name, prop)
			}
			return Ref{Kind: RequestMethod, Offset: at}, propEnd, true, nil
		}
	}
	f, known := functions[lname]
	if nameEnd >= len(s) || s[nameEnd] != '(' {
		switch {
		case strict && known:
			return ref, 0, false, p.errf(nameEnd, "expected '(' after '%s'", name)
		case strict:
			return ref, 0, false, p.errf(at, "unknown function '%s'", name)
		case known:
			p.warnf(at, "'@%s' is not followed by '(' and is kept as literal text", name)
		}
		return ref, nameEnd, false, nil
	}
	if !known {
		return ref, 0, false, p.errf(at, "unknown function '%s'", name)
	}
	if f.misspelt {
		p.warnf(at, "'%s' is a misspelling of '%s'; read as %s", name, f.canonical, f.canonical)
	}
	args, end, err := p.args(nameEnd, name)
	if err != nil {
		return ref, 0, false, err
	}
	switch {
	case f.maxArgs == 0 && len(args) > 0:
		return ref, 0, false, p.errf(at, "%s takes no arguments, got %d", name, len(args))
	case f.maxArgs > 0 && (len(args) == 0 || len(args) > f.maxArgs):
		return ref, 0, false, p.errf(at, "%s takes 1 or 2 arguments, got %d", name, len(args))
	}
	ref = Ref{Kind: f.kind, Offset: at}
	if f.maxArgs > 0 {
		if args[0] == "" {
			return ref, 0, false, p.errf(at, "%s: empty name", name)
		}
		ref.Name = args[0]
		if len(args) == 2 {
			ref.Default, ref.HasDefault = args[1], true
		}
		return ref, end, true, nil
	}
	ref.Path, end, err = p.path(end)
	if err != nil {
		return ref, 0, false, err
	}
	return ref, end, true, nil
}

// args parses "(" [string {"," string}] ")" starting at the "(".
func (p *parser) args(open int, fn string) ([]string, int, error) {
	s := p.src
	var args []string
	i := skipBlanks(s, open+1)
	if i < len(s) && s[i] == ')' {
		return nil, i + 1, nil
	}
	for {
		if i >= len(s) {
			return nil, 0, p.errf(open, "missing ')' to close '%s('", fn)
		}
		if s[i] != '\'' {
			return nil, 0, p.errf(i, "expected a quoted string argument to %s, found %s", fn, describe(s, i))
		}
		str, j, err := p.str(i)
		if err != nil {
			return nil, 0, err
		}
		args = append(args, str)
		i = skipBlanks(s, j)
		switch {
		case i >= len(s):
			return nil, 0, p.errf(open, "missing ')' to close '%s('", fn)
		case s[i] == ',':
			i = skipBlanks(s, i+1)
		case s[i] == ')':
			return args, i + 1, nil
		default:
			return nil, 0, p.errf(i, "expected ',' or ')' in the arguments of %s, found %s", fn, describe(s, i))
		}
	}
}

// str parses a single-quoted string starting at the quote; a doubled quote
// stands for one quote.
func (p *parser) str(i int) (string, int, error) {
	s := p.src
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		if s[j] == '\'' {
			if j+1 < len(s) && s[j+1] == '\'' {
				b.WriteByte('\'')
				j++
				continue
			}
			return b.String(), j + 1, nil
		}
		b.WriteByte(s[j])
	}
	return "", 0, p.errf(i, "unterminated string literal")
}

// path parses the segments after body(), item(), triggerBody().
func (p *parser) path(i int) ([]Segment, int, error) {
	s := p.src
	var segs []Segment
	for {
		j, nullSafe := i, false
		if j+1 < len(s) && s[j] == '?' && (s[j+1] == '.' || s[j+1] == '[') {
			j++
			nullSafe = true
		}
		switch {
		case j < len(s) && s[j] == '.':
			k := keyEnd(s, j+1)
			if k == j+1 {
				if nullSafe {
					return nil, 0, p.errf(j+1, "expected a property name after '?.', found %s", describe(s, j+1))
				}
				return segs, i, nil // "." is text
			}
			segs = append(segs, Segment{Key: s[j+1 : k], NullSafe: nullSafe})
			i = k
		case j < len(s) && s[j] == '[':
			seg, k, err := p.bracket(j)
			if err != nil {
				return nil, 0, err
			}
			seg.NullSafe = nullSafe
			segs = append(segs, seg)
			i = k
		default:
			return segs, i, nil
		}
	}
}

// bracket parses "[0]" or "['key']" starting at the "[".
func (p *parser) bracket(open int) (Segment, int, error) {
	s := p.src
	var seg Segment
	k := skipBlanks(s, open+1)
	switch {
	case k >= len(s):
		return seg, 0, p.errf(open, "missing ']' to close '['")
	case s[k] >= '0' && s[k] <= '9':
		e := k
		for e < len(s) && s[e] >= '0' && s[e] <= '9' {
			e++
		}
		n, err := strconv.Atoi(s[k:e])
		if err != nil || n > 1<<31-1 {
			return seg, 0, p.errf(k, "array index %s is too large", s[k:e])
		}
		seg.Index, seg.IsIndex, k = n, true, e
	case s[k] == '\'':
		key, e, err := p.str(k)
		if err != nil {
			return seg, 0, err
		}
		seg.Key, k = key, e
	default:
		return seg, 0, p.errf(k, "expected an array index or a quoted key after '[', found %s", describe(s, k))
	}
	k = skipBlanks(s, k)
	if k >= len(s) || s[k] != ']' {
		return seg, 0, p.errf(open, "missing ']' to close '['")
	}
	return seg, k + 1, nil
}

// describe names the byte at i for an error message.
func describe(s string, i int) string {
	if i >= len(s) {
		return "end of text"
	}
	r := []rune(s[i:min(len(s), i+4)])[0]
	return strconv.QuoteRune(r)
}

func skipBlanks(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
		i++
	}
	return i
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// identEnd returns the end of a function name [A-Za-z_][A-Za-z0-9_]* at i
// (i itself when there is none).
func identEnd(s string, i int) int {
	if i >= len(s) || !isLetter(s[i]) {
		return i
	}
	for i++; i < len(s) && (isLetter(s[i]) || isDigit(s[i])); i++ {
	}
	return i
}

// keyEnd returns the end of a dotted key [A-Za-z_$][A-Za-z0-9_$]* at i.
func keyEnd(s string, i int) int {
	if i >= len(s) || !(isLetter(s[i]) || s[i] == '$') {
		return i
	}
	for i++; i < len(s) && (isLetter(s[i]) || isDigit(s[i]) || s[i] == '$'); i++ {
	}
	return i
}

func isPlainKey(k string) bool { return k != "" && keyEnd(k, 0) == len(k) }

// placeholderEnd returns the end of a placeholder name [A-Za-z0-9_.$-]*.
func placeholderEnd(s string, i int) int {
	for i < len(s) && (isLetter(s[i]) || isDigit(s[i]) || s[i] == '.' || s[i] == '$' || s[i] == '-') {
		i++
	}
	return i
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

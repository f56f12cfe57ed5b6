package spec

// The lenient JSON pre-pass: accept what the platform's JSON reader accepts,
// warn with a position for every repair, and hand standard JSON with the
// input's line structure to libopenapi (whose positions then match ours).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/tailscale/hujson"

	"github.com/connectorgen/connectorgen/generator/diag"
)

// maxJSONDepth bounds object/array nesting; deeper documents are rejected
// (recursive walkers here and in libopenapi would otherwise be at risk).
const maxJSONDepth = 1000

// lenientDoc is the result of the pre-pass.
type lenientDoc struct {
	file  string
	data  []byte // standard JSON; duplicates blanked; line structure of the input
	lines lineIndex
	// rootStart is the offset of the top-level value, rootKind its first byte.
	rootStart int
	rootKind  byte
	// top lists the members of a top-level object, in source order.
	top []topMember
}

// topMember is a member of the top-level object.
type topMember struct {
	name       string
	key, value int // offsets of the key string and of the value
}

// topOffset returns the offset of the value of a top-level member (the
// last one when repeated, though duplicates are blanked by then).
func (d *lenientDoc) topOffset(name string) (int, bool) {
	for i := len(d.top) - 1; i >= 0; i-- {
		if d.top[i].name == name {
			return d.top[i].value, true
		}
	}
	return 0, false
}

// rawAt returns the bytes of the JSON value at off (nil if there is none).
func (d *lenientDoc) rawAt(off int) []byte {
	var v json.RawMessage
	if json.NewDecoder(bytes.NewReader(d.data[off:])).Decode(&v) != nil {
		return nil
	}
	return v
}

// lineIndex converts byte offsets to 1-based line and column. Columns count
// characters (runes), as libopenapi's YAML positions do.
type lineIndex struct {
	data   []byte
	starts []int // offset of the first byte of each line
}

func newLineIndex(data []byte) lineIndex {
	starts := make([]int, 1, bytes.Count(data, []byte{'\n'})+1)
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		starts = append(starts, i)
	}
	return lineIndex{data: data, starts: starts}
}

// lineCol returns the position of byte offset off.
func (li lineIndex) lineCol(off int) (line, col int) {
	off = max(0, min(off, len(li.data)))
	lo, hi := 0, len(li.starts)-1
	for lo < hi { // last start <= off
		mid := (lo + hi + 1) / 2
		if li.starts[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo + 1, utf8.RuneCount(li.data[li.starts[lo]:off]) + 1
}

// offset returns the byte offset of a 1-based line and byte column.
func (li lineIndex) offset(line, byteCol int) int {
	if line < 1 || line > len(li.starts) {
		return len(li.data)
	}
	return min(li.starts[line-1]+max(byteCol, 1)-1, len(li.data))
}

func (d *lenientDoc) pos(off int) diag.Pos {
	l, c := d.lines.lineCol(off)
	return diag.Pos{File: d.file, Line: l, Col: c}
}

// valuePos is the position of a parsed value.
func (d *lenientDoc) valuePos(v *hujson.Value) diag.Pos { return d.pos(v.StartOffset) }

// raw returns the bytes of a parsed value.
func (d *lenientDoc) raw(v *hujson.Value) []byte { return d.data[v.StartOffset:v.EndOffset] }

// parseLenient runs the pre-pass. It returns nil after reporting an error
// when the input cannot be repaired.
//
// Strict JSON (the common case) takes the fast path: one validating scan
// that also finds duplicate keys. Anything else has invalid UTF-8 and raw
// control characters repaired (fixBytes) and then goes through hujson, which
// accepts comments and trailing commas and replaces them with spaces
// (offsets survive); what hujson rejects is a positioned error. Overridden
// duplicate members are blanked, so libopenapi sees "last wins".
func parseLenient(file string, data []byte, ds *diag.List) *lenientDoc {
	bom := bytes.HasPrefix(data, []byte("\xef\xbb\xbf"))
	if bom {
		data = data[3:]
		ds.Warnf(diag.Pos{File: file, Line: 1, Col: 1}, "UTF-8 byte order mark removed")
	}
	sc, strict := scanJSON(data)
	if strict && len(sc.dups) == 0 { // the common case: nothing to repair
		return &lenientDoc{file: file, data: data, lines: newLineIndex(data), rootStart: sc.rootStart, rootKind: sc.rootKind, top: sc.top}
	}
	work := data
	if !strict {
		fx := fixBytes(data)
		work = fx.out
		li := newLineIndex(work)
		at := func(off int) diag.Pos {
			l, c := li.lineCol(off)
			return diag.Pos{File: file, Line: l, Col: c}
		}
		if fx.latin1 >= 0 {
			ds.Warnf(at(fx.latin1), "invalid UTF-8 read as Latin-1 (%s)", count(fx.nLatin1, "byte"))
		}
		if fx.control >= 0 {
			ds.Warnf(at(fx.control), "raw control character in string escaped (%s)", count(fx.nControl, "character"))
		}
		if fx.tooDeep >= 0 {
			ds.Errorf(at(fx.tooDeep), "invalid JSON: nested deeper than %d levels", maxJSONDepth)
			return nil
		}
		if sc, strict = scanJSON(work); !strict {
			buf := bytes.Clone(work) // Standardize writes into the parsed buffer
			root, err := hujson.Parse(buf)
			if err != nil {
				reportSyntax(file, work, err, ds)
				return nil
			}
			root.Standardize()
			clean := root.Pack()
			trailing, nTrailing, comment, nComment := diffRepairs(work, clean)
			if trailing >= 0 {
				ds.Warnf(at(trailing), "trailing comma removed (%s)", count(nTrailing, "comma"))
			}
			if comment >= 0 {
				ds.Warnf(at(comment), "comment removed (%s)", count(nComment, "comment"))
			}
			work = clean
			if sc, strict = scanJSON(work); !strict { // not expected: hujson validates every literal
				reportSyntax(file, work, nil, ds)
				return nil
			}
		}
	}
	d := &lenientDoc{file: file, data: work, lines: newLineIndex(work), rootStart: sc.rootStart, rootKind: sc.rootKind, top: sc.top}
	for _, dp := range sc.dups {
		later := d.pos(dp.laterKey)
		ds.Warnf(d.pos(dp.start), "duplicate key %q (the later value at %d:%d wins)", dp.key, later.Line, later.Col)
	}
	if len(sc.dups) > 0 {
		if sameBacking(work, data) {
			d.data = bytes.Clone(work) // never write into the caller's bytes
		}
		blankRanges(d.data, sc.dups)
		d.lines = newLineIndex(d.data) // what libopenapi will count in
	}
	return d
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// sameBacking reports whether a and b share their first byte (a aliases b).
func sameBacking(a, b []byte) bool {
	return len(a) > 0 && len(b) > 0 && &a[0] == &b[0]
}

// diffRepairs finds what standardization replaced by spaces: trailing
// commas and comments (offsets of the first ones, and counts).
func diffRepairs(orig, clean []byte) (trailing, nTrailing, comment, nComment int) {
	trailing, comment = -1, -1
	if len(orig) != len(clean) {
		return
	}
	for i := 0; i < len(orig); i++ {
		if orig[i] == clean[i] {
			continue
		}
		switch {
		case orig[i] == ',':
			if trailing < 0 {
				trailing = i
			}
			nTrailing++
		case bytes.HasPrefix(orig[i:], []byte("//")):
			if comment < 0 {
				comment = i
			}
			nComment++
			if j := bytes.IndexByte(orig[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(orig)
			}
		case bytes.HasPrefix(orig[i:], []byte("/*")):
			if comment < 0 {
				comment = i
			}
			nComment++
			if j := bytes.Index(orig[i+2:], []byte("*/")); j >= 0 {
				i += 2 + j + 1
			} else {
				i = len(orig)
			}
		}
	}
	return
}

// fixed is the result of fixBytes. Offsets are in out; -1 when absent.
type fixed struct {
	out               []byte
	copied            bool // out is a fresh buffer, not the input
	latin1, nLatin1   int  // first invalid UTF-8 byte, count
	control, nControl int  // first raw control character in a string, count
	tooDeep           int  // offset where nesting exceeds maxJSONDepth
}

// fixBytes transcodes invalid UTF-8 bytes as Latin-1 and escapes raw control
// characters inside strings. A raw line break inside a string is escaped
// and a line break is added after the string's closing quote, so later lines
// keep their numbers. The input is returned as is when nothing needs fixing.
func fixBytes(data []byte) fixed {
	f := fixed{latin1: -1, control: -1, tooDeep: -1}
	var out []byte
	copied := 0 // data[:copied] is already in out
	flush := func(i int) {
		if out == nil {
			out = make([]byte, 0, len(data)+len(data)/64+16)
		}
		out = append(out, data[copied:i]...)
		copied = i + 1
	}
	curOff := func(i int) int { // offset in the output of input offset i
		if out == nil {
			return i
		}
		return len(out) + i - copied
	}
	inString, pendingLF, depth := false, 0, 0
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c >= utf8.RuneSelf {
			if r, size := utf8.DecodeRune(data[i:]); r != utf8.RuneError || size > 1 {
				i += size - 1
				continue
			}
			if f.latin1 < 0 {
				f.latin1 = curOff(i)
			}
			f.nLatin1++
			flush(i)
			out = utf8.AppendRune(out, rune(c))
			continue
		}
		if inString {
			switch {
			case c == '\\':
				i++ // the escaped byte; invalid escapes are the parser's business
				if i < len(data) && data[i] >= utf8.RuneSelf {
					i-- // let the UTF-8 check see it
				}
			case c == '"':
				inString = false
				if pendingLF > 0 {
					flush(i)
					out = append(out, '"')
					for ; pendingLF > 0; pendingLF-- {
						out = append(out, '\n')
					}
				}
			case c < 0x20:
				if f.control < 0 {
					f.control = curOff(i)
				}
				f.nControl++
				flush(i)
				switch c {
				case '\n':
					out = append(out, '\\', 'n')
					pendingLF++
				case '\r':
					out = append(out, '\\', 'r')
				case '\t':
					out = append(out, '\\', 't')
				default:
					out = fmt.Appendf(out, `\u%04x`, c)
				}
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > maxJSONDepth && f.tooDeep < 0 {
				f.tooDeep = curOff(i)
			}
		case '}', ']':
			depth--
		case '/': // skip comments so that quotes in them do not count
			if i+1 < len(data) && data[i+1] == '/' {
				j := bytes.IndexByte(data[i:], '\n')
				if j < 0 {
					j = len(data) - i
				}
				i = skipComment(data, i, i+j, &f, flush, curOff, &out)
			} else if i+1 < len(data) && data[i+1] == '*' {
				j := bytes.Index(data[i+2:], []byte("*/"))
				end := len(data)
				if j >= 0 {
					end = i + 2 + j + 2
				}
				i = skipComment(data, i, end, &f, flush, curOff, &out)
			}
		}
	}
	if out != nil {
		out = append(out, data[copied:]...)
		f.out, f.copied = out, true
	} else {
		f.out = data
	}
	return f
}

// skipComment moves past a comment in data[start:end], still transcoding
// invalid UTF-8 in it (the JSON-with-comments parser rejects it). It
// returns the index of the comment's last byte.
func skipComment(data []byte, start, end int, f *fixed, flush func(int), curOff func(int) int, out *[]byte) int {
	for i := start; i < end; i++ {
		c := data[i]
		if c < utf8.RuneSelf {
			continue
		}
		if r, size := utf8.DecodeRune(data[i:]); r != utf8.RuneError || size > 1 {
			i += size - 1
			continue
		}
		if f.latin1 < 0 {
			f.latin1 = curOff(i)
		}
		f.nLatin1++
		flush(i)
		*out = utf8.AppendRune(*out, rune(c))
	}
	return end - 1
}

// hujsonErrPos matches the position prefix of hujson's errors.
var hujsonErrPos = regexp.MustCompile(`^hujson: line (\d+), column (\d+): `)

// reportSyntax reports a JSON syntax error at the offset where the input
// breaks. The offset comes from the JSON-with-comments parser (which gets
// past comments and trailing commas); the message is encoding/json's when
// it breaks at the same place.
func reportSyntax(file string, data []byte, herr error, ds *diag.List) {
	li := newLineIndex(data)
	off, msg := -1, "not valid JSON"
	if herr != nil {
		msg = herr.Error()
	}
	if m := hujsonErrPos.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		off = li.offset(line, col)
		msg = msg[len(m[0]):]
	}
	var se *json.SyntaxError
	if err := json.Unmarshal(data, new(json.RawMessage)); errors.As(err, &se) {
		jo := int(se.Offset) - 1 // encoding/json reports the offset after the bad byte
		if se.Offset >= int64(len(data)) {
			jo = len(data)
		}
		if off < 0 || jo == off {
			off, msg = jo, se.Error()
		}
	}
	off = max(off, 0)
	l, c := li.lineCol(off)
	ds.Errorf(diag.Pos{File: file, Line: l, Col: c}, "invalid JSON: %s", msg)
}

// duplicate is an object member that a later member with the same key
// overrides.
type duplicate struct {
	key        string
	start, end int // the earlier member with its comma: its key, up to the next key
	laterKey   int // offset of the overriding key
}

// scanResult is what scanJSON finds.
type scanResult struct {
	dups      []duplicate // in source order
	rootStart int
	rootKind  byte
	top       []topMember
}

// keyRef is an object key: offsets of its opening quote and past its
// closing quote.
type keyRef struct{ start, end int }

// jsonScanner is a strict, validating JSON scanner (RFC 8259, UTF-8
// required, no control characters in strings) that also collects the
// top-level members and the overridden duplicate keys. It does in one pass
// what encoding/json's validation plus a structure walk would do in two.
type jsonScanner struct {
	data []byte
	sr   scanResult
	keys [][]keyRef // per depth, reused across sibling objects
}

// scanJSON scans data; ok is false when data is not strict JSON (the caller
// then takes the lenient path).
func scanJSON(data []byte) (scanResult, bool) {
	s := &jsonScanner{data: data}
	i := s.ws(0)
	if i >= len(data) {
		return s.sr, false
	}
	s.sr.rootStart, s.sr.rootKind = i, data[i]
	i, ok := s.value(i, 0)
	if !ok || s.ws(i) != len(data) {
		return s.sr, false
	}
	slices.SortFunc(s.sr.dups, func(a, b duplicate) int { return a.start - b.start })
	return s.sr, true
}

func (s *jsonScanner) ws(i int) int {
	for i < len(s.data) {
		switch s.data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func (s *jsonScanner) value(i, depth int) (int, bool) {
	if i >= len(s.data) {
		return i, false
	}
	switch c := s.data[i]; {
	case c == '{':
		return s.object(i, depth+1)
	case c == '[':
		return s.array(i, depth+1)
	case c == '"':
		return s.str(i)
	case c == 't':
		return s.lit(i, "true")
	case c == 'f':
		return s.lit(i, "false")
	case c == 'n':
		return s.lit(i, "null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number(i)
	}
	return i, false
}

func (s *jsonScanner) object(i, depth int) (int, bool) {
	if depth > maxJSONDepth {
		return i, false
	}
	for len(s.keys) <= depth {
		s.keys = append(s.keys, nil)
	}
	keys := s.keys[depth][:0]
	data := s.data
	i = s.ws(i + 1)
	if i < len(data) && data[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return i, false
		}
		start := i
		var ok bool
		if i, ok = s.str(i); !ok {
			return i, false
		}
		keys = append(keys, keyRef{start, i})
		if depth == 1 {
			s.sr.top = append(s.sr.top, topMember{name: keyString(data[start:i]), key: start, value: -1})
		}
		if i = s.ws(i); i >= len(data) || data[i] != ':' {
			return i, false
		}
		i = s.ws(i + 1)
		if depth == 1 {
			s.sr.top[len(s.sr.top)-1].value = i
		}
		if i, ok = s.value(i, depth); !ok {
			return i, false
		}
		if i = s.ws(i); i >= len(data) {
			return i, false
		}
		if data[i] == ',' {
			i = s.ws(i + 1)
			continue
		}
		if data[i] != '}' {
			return i, false
		}
		break
	}
	s.sr.dups = append(s.sr.dups, keyDuplicates(data, keys)...)
	s.keys[depth] = keys
	return i + 1, true
}

func (s *jsonScanner) array(i, depth int) (int, bool) {
	if depth > maxJSONDepth {
		return i, false
	}
	data := s.data
	i = s.ws(i + 1)
	if i < len(data) && data[i] == ']' {
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = s.value(i, depth); !ok {
			return i, false
		}
		if i = s.ws(i); i >= len(data) {
			return i, false
		}
		if data[i] == ',' {
			i = s.ws(i + 1)
			continue
		}
		if data[i] != ']' {
			return i, false
		}
		return i + 1, true
	}
}

// str scans the string starting at data[i] (a quote).
func (s *jsonScanner) str(i int) (int, bool) {
	data := s.data
	for j := i + 1; j < len(data); {
		c := data[j]
		switch {
		case c == '"':
			return j + 1, true
		case c == '\\':
			if j+1 >= len(data) {
				return j, false
			}
			switch data[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(data) || !isHex4(data[j+2:j+6]) {
					return j, false
				}
				j += 6
			default:
				return j, false
			}
		case c < 0x20:
			return j, false
		case c < utf8.RuneSelf:
			j++
		default:
			r, size := utf8.DecodeRune(data[j:])
			if r == utf8.RuneError && size == 1 {
				return j, false
			}
			j += size
		}
	}
	return len(data), false
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func (s *jsonScanner) lit(i int, want string) (int, bool) {
	if bytes.HasPrefix(s.data[i:], []byte(want)) {
		return i + len(want), true
	}
	return i, false
}

// number scans a JSON number.
func (s *jsonScanner) number(i int) (int, bool) {
	data := s.data
	digits := func(i int) int {
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		return i
	}
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		i = digits(i)
	default:
		return i, false
	}
	if i < len(data) && data[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return j, false
		}
		i = j
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return j, false
		}
		i = j
	}
	return i, true
}

// keyString decodes a raw JSON string.
func keyString(raw []byte) string {
	if len(raw) >= 2 && bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// sameKey compares two raw keys, decoding only when escapes are involved.
func sameKey(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	if bytes.IndexByte(a, '\\') < 0 && bytes.IndexByte(b, '\\') < 0 {
		return false
	}
	return keyString(a) == keyString(b)
}

// keyDuplicates lists the overridden keys of one object.
func keyDuplicates(data []byte, keys []keyRef) []duplicate {
	n := len(keys)
	if n < 2 {
		return nil
	}
	raw := func(i int) []byte { return data[keys[i].start:keys[i].end] }
	var out []duplicate
	add := func(i, j int) {
		out = append(out, duplicate{
			key:      keyString(raw(i)),
			start:    keys[i].start,
			end:      keys[i+1].start,
			laterKey: keys[j].start,
		})
	}
	if n <= 16 {
		for i := 0; i < n-1; i++ {
			for j := i + 1; j < n; j++ {
				if sameKey(raw(i), raw(j)) {
					add(i, j)
					break
				}
			}
		}
		return out
	}
	next := make(map[string]int, n)
	for i := n - 1; i >= 0; i-- {
		name := keyString(raw(i))
		if j, ok := next[name]; ok {
			add(i, j)
		}
		next[name] = i
	}
	return out
}

// memberName returns the decoded name of an object member.
func memberName(m *hujson.ObjectMember) string {
	lit, ok := m.Name.Value.(hujson.Literal)
	if !ok {
		return ""
	}
	if len(lit) >= 2 && bytes.IndexByte(lit, '\\') < 0 {
		return string(lit[1 : len(lit)-1])
	}
	return lit.String()
}

// blankRanges replaces every byte of the duplicates' ranges with a space,
// keeping line breaks, so that offsets and line numbers survive.
func blankRanges(data []byte, dups []duplicate) {
	for _, d := range dups {
		for i := d.start; i < d.end && i < len(data); i++ {
			if data[i] != '\n' && data[i] != '\r' {
				data[i] = ' '
			}
		}
	}
}

// members returns the members of an object (nil for anything else).
// Trees are built from the pre-passed bytes, where overridden duplicates
// are already blanked.
func members(v *hujson.Value) []hujson.ObjectMember {
	if obj, ok := v.Value.(*hujson.Object); ok {
		return obj.Members
	}
	return nil
}

// member returns the value of name in an object (last wins), nil if absent.
func member(v *hujson.Value, name string) *hujson.Value {
	obj, ok := v.Value.(*hujson.Object)
	if !ok {
		return nil
	}
	for i := len(obj.Members) - 1; i >= 0; i-- {
		if memberName(&obj.Members[i]) == name {
			return &obj.Members[i].Value
		}
	}
	return nil
}

// literalString returns the decoded string of a string literal.
func literalString(v *hujson.Value) (string, bool) {
	if v == nil {
		return "", false
	}
	lit, ok := v.Value.(hujson.Literal)
	if !ok || lit.Kind() != '"' {
		return "", false
	}
	return lit.String(), true
}

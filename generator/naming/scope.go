package naming

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Unique returns name if it is not taken, otherwise the first of name2,
// name3, … that is not taken. When name ends in a digit the number is
// separated by an underscore (GetItemsV2 → GetItemsV2_2, not GetItemsV22)
// so the counter cannot be misread as part of the name. Numbering depends
// on claim order, so callers use it only as a last resort, after semantic
// suffixes, and warn when they do.
func Unique(name string, taken func(string) bool) string {
	if !taken(name) {
		return name
	}
	sep := ""
	if r, _ := utf8.DecodeLastRuneInString(name); unicode.IsDigit(r) {
		sep = "_"
	}
	for i := 2; ; i++ {
		if c := name + sep + strconv.Itoa(i); !taken(c) {
			return c
		}
	}
}

// Scope is one Go namespace: the package level, one struct type's fields
// and methods together, or one function's parameters and locals. It only
// records names; deciding what to do on a collision is up to the caller.
// The zero Scope is empty and ready to use. A Scope is not safe for
// concurrent use.
type Scope struct {
	names map[string]bool
}

// NewScope returns a Scope in which the reserved names are already taken
// (for example "String" and "MarshalJSON" for a struct's fields and
// methods, or "ctx", "c", "req", "err" for a function's locals).
func NewScope(reserved ...string) *Scope {
	s := &Scope{}
	s.Reserve(reserved...)
	return s
}

// Reserve marks names as taken. Reserving a taken name is a no-op.
func (s *Scope) Reserve(names ...string) {
	if s.names == nil {
		s.names = make(map[string]bool, len(names))
	}
	for _, n := range names {
		s.names[n] = true
	}
}

// Taken reports whether name is already used in the scope. Names are
// compared exactly, as Go compares identifiers. The blank identifier "_"
// is never taken.
func (s *Scope) Taken(name string) bool {
	return name != "_" && s.names[name]
}

// Claim records name and reports true if it was free; it reports false
// and changes nothing if name was already taken. Claiming "_" always
// succeeds and records nothing.
func (s *Scope) Claim(name string) bool {
	if s.Taken(name) {
		return false
	}
	if name != "_" {
		s.Reserve(name)
	}
	return true
}

// Unique claims and returns [Unique](name, s.Taken).
func (s *Scope) Unique(name string) string {
	u := Unique(name, s.Taken)
	s.Claim(u)
	return u
}

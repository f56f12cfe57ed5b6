package naming

import (
	"go/token"
	"path/filepath"
	"strings"
	"unicode"
)

// PackageName returns the Go package name for a connector folder: the
// lower-case ASCII letters and digits of the folder's base name, in order.
// Latin letters with diacritics and Latin ligatures are folded to ASCII
// (é → e, ä → a, ß → ss, ø → o, æ → ae, ł → l, …); every other rune
// (spaces, punctuation, other scripts, emoji) is dropped. A result starting
// with a digit gets the prefix "x", an empty result becomes "connector",
// and a result that is a Go keyword or predeclared identifier gets the
// suffix "pkg" (a package named "string" or "len" would shadow the builtin
// in every file that imports it).
//
//	"Revizto (Ireland)" → reviztoireland
//	"365Training"       → x365training
//	"Africa's Talking Airtime" → africastalkingairtime
func PackageName(folder string) string {
	var b strings.Builder
	for _, r := range filepath.Base(folder) {
		r = unicode.ToLower(r)
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteString(latinFold[r])
		}
	}
	name := b.String()
	switch {
	case name == "":
		return "connector"
	case name[0] >= '0' && name[0] <= '9':
		name = "x" + name
	}
	if token.IsKeyword(name) || predeclared[name] {
		name += "pkg"
	}
	return name
}

// latinFold maps lower-case Latin-1 Supplement and Latin Extended-A letters
// (and a few others) to ASCII.
var latinFold = func() map[rune]string {
	m := make(map[rune]string)
	for _, f := range []struct{ from, to string }{
		{"àáâãäåāăąǎǻ", "a"},
		{"æǽ", "ae"},
		{"çćĉċč", "c"},
		{"ďđð", "d"},
		{"èéêëēĕėęě", "e"},
		{"ĝğġģ", "g"},
		{"ĥħ", "h"},
		{"ìíîïĩīĭįıǐ", "i"},
		{"ĳ", "ij"},
		{"ĵ", "j"},
		{"ķĸ", "k"},
		{"ĺļľŀł", "l"},
		{"ñńņňŉŋ", "n"},
		{"òóôõöøōŏőǒǿ", "o"},
		{"œ", "oe"},
		{"ŕŗř", "r"},
		{"śŝşšſș", "s"},
		{"ß", "ss"},
		{"ţťŧț", "t"},
		{"þ", "th"},
		{"ùúûüũūŭůűųǔǖǘǚǜ", "u"},
		{"ŵ", "w"},
		{"ýÿŷ", "y"},
		{"źżž", "z"},
	} {
		for _, r := range f.from {
			m[r] = f.to
		}
	}
	return m
}()

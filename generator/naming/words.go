package naming

import (
	"slices"
	"unicode"
	"unicode/utf8"
)

// Words splits s into words. It is the single splitter behind every name the
// generator derives from spec text (operationIds, parameter, property and
// definition names). The rules, applied in this order, are:
//
//  1. Every rune that is neither a letter nor a decimal digit
//     (unicode.IsLetter, unicode.IsDigit) separates words and is dropped:
//     "api-version", "$filter", "@odata.nextLink", "Mr/Ms", "user_id",
//     "Last Updated". Combining marks are separators too, because Go
//     identifiers cannot contain them.
//  2. A known mixed-case initialism (OData, ETag, OAuth in the default
//     table) starting a word, or starting anywhere inside a run of
//     upper-case letters, is kept as one word when the rune after it is not a
//     lower-case letter: "ODataNextLink" → OData Next Link,
//     "ETagValue" → ETag Value.
//  3. lower→upper starts a word: "getItems" → get Items. Letters without case
//     (CJK, …) count as lower-case here.
//  4. acronym→word: in a run of upper-case letters followed by a lower-case
//     letter, the last upper-case letter starts the next word:
//     "HTTPServer" → HTTP Server. Exception (plurals of acronyms): when the
//     lower-case part is a single "s" ending the letter run, the run stays
//     one word: "GetIDs" → Get IDs, "ListAPIsForUser" → List APIs For User.
//  5. Digits: a run of digits belongs to the word before it (letter→digit
//     never splits) and digit→letter always starts a new word:
//     "GetItemsV2" → Get Items V2, "Oauth2Token" → Oauth2 Token,
//     "V2Items" → V2 Items, "base64" → base64, "365Training" → 365 Training,
//     "image_240x135" → image 240 x135.
//
// Words never returns empty strings; it returns nil when s has no letters or
// digits. Words uses the default initialism table; (*Namer).Words also knows
// the mixed-case entries added with New.
func Words(s string) []string {
	return defaultNamer.Words(s)
}

// runeClass is the class of a rune for the splitter.
type runeClass uint8

const (
	sep   runeClass = iota // anything that is not part of an identifier
	upper                  // upper- or title-case letter
	lower                  // lower-case or caseless letter
	digit                  // decimal digit
)

func classOf(r rune) runeClass {
	switch {
	case unicode.IsUpper(r) || unicode.IsTitle(r):
		return upper
	case unicode.IsLetter(r):
		return lower
	case unicode.IsDigit(r):
		return digit
	}
	return sep
}

// splitWords implements Words; mixed lists the mixed-case initialisms
// (as runes, longest first) that must not be split by rules 3 and 4.
func splitWords(s string, mixed [][]rune) []string {
	var words []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		if classOf(rs[i]) == sep {
			i++
			continue
		}
		j := i
		for j < len(rs) && classOf(rs[j]) != sep {
			j++
		}
		words = splitSegment(rs[i:j], mixed, words)
		i = j
	}
	return words
}

// splitSegment splits a run of letters and digits and appends the words.
func splitSegment(seg []rune, mixed [][]rune, words []string) []string {
	cls := make([]runeClass, len(seg))
	for i, r := range seg {
		cls[i] = classOf(r)
	}
	start := 0
	emit := func(end int) {
		if end > start {
			words = append(words, string(seg[start:end]))
		}
		start = end
	}
	for i := 0; i < len(seg); {
		// Rule 2: a mixed-case initialism where a word may start, i.e.
		// at a word start or on an upper-case letter.
		if i == start || cls[i] == upper {
			if n := matchMixed(seg[i:], cls[i:], mixed); n > 0 {
				emit(i)
				end := i + n
				for end < len(seg) && cls[end] == digit {
					end++
				}
				emit(end)
				i = end
				continue
			}
		}
		if i > start {
			prev := cls[i-1]
			switch cls[i] {
			case upper:
				if prev == lower || prev == digit { // rules 3 and 5
					emit(i)
				}
			case lower:
				if prev == digit { // rule 5
					emit(i)
				} else if prev == upper && i-1 > start && cls[i-2] == upper && !pluralAcronym(seg, cls, i) {
					emit(i - 1) // rule 4
				}
			}
		}
		i++
	}
	emit(len(seg))
	return words
}

// pluralAcronym reports whether seg[i] is a lone "s" closing a run of
// upper-case letters, as in "IDs" or "APIsFor".
func pluralAcronym(seg []rune, cls []runeClass, i int) bool {
	return seg[i] == 's' && (i+1 == len(seg) || cls[i+1] != lower)
}

// matchMixed returns the length of the longest mixed-case initialism that
// seg starts with and that is not followed by a lower-case letter, or 0.
func matchMixed(seg []rune, cls []runeClass, mixed [][]rune) int {
	for _, m := range mixed { // longest first
		if len(m) <= len(seg) && slices.Equal(seg[:len(m)], m) && (len(m) == len(seg) || cls[len(m)] != lower) {
			return len(m)
		}
	}
	return 0
}

// isMixed reports whether the initialism w would be split by the plain
// rules and therefore needs rule 2.
func isMixed(w string) bool {
	return len(splitWords(w, nil)) > 1
}

// upperFirst upper-cases the first rune of w.
func upperFirst(w string) string {
	r, n := utf8.DecodeRuneInString(w)
	if r == utf8.RuneError || unicode.IsUpper(r) {
		return w
	}
	return string(unicode.ToUpper(r)) + w[n:]
}

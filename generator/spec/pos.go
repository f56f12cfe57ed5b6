package spec

// This file is the only one that names go-yaml types (libopenapi's node
// type). Everything else in the package handles nodes through the aliases and
// helpers below, so a change of libopenapi's YAML library touches one file.

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi/datamodel/low"
	lowbase "github.com/pb33f/libopenapi/datamodel/low/base"
	"github.com/pb33f/libopenapi/orderedmap"

	"github.com/connectorgen/connectorgen/generator/diag"
)

// ynode is libopenapi's YAML node.
type ynode = yaml.Node

// lowSchemaMap is a low-level libopenapi map of named schemas (definitions,
// components/schemas) with key and value nodes, in source order.
type lowSchemaMap = *orderedmap.Map[low.KeyReference[string], low.ValueReference[*lowbase.SchemaProxy]]

// lowExtensions is the extension map of a low-level libopenapi object: key
// (with its node) to value node, in source order.
type lowExtensions = *orderedmap.Map[low.KeyReference[string], low.ValueReference[*yaml.Node]]

// nodePos is the position of n in file (file-level when n is nil).
func nodePos(file string, n *ynode) diag.Pos {
	if n == nil {
		return diag.Pos{File: file}
	}
	return diag.Pos{File: file, Line: n.Line, Col: n.Column}
}

// firstPos returns the position of the first non-nil node.
func firstPos(file string, nodes ...*ynode) diag.Pos {
	for _, n := range nodes {
		if n != nil {
			return nodePos(file, n)
		}
	}
	return diag.Pos{File: file}
}

// nodeBefore reports whether a comes before b in the source.
func nodeBefore(a, b *ynode) bool {
	if a == nil || b == nil {
		return b != nil
	}
	if a.Line != b.Line {
		return a.Line < b.Line
	}
	return a.Column < b.Column
}

// deref follows aliases and unwraps document nodes.
func deref(n *ynode) *ynode {
	for i := 0; n != nil && i < 16; i++ {
		switch n.Kind {
		case yaml.AliasNode:
			n = n.Alias
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		default:
			return n
		}
	}
	return n
}

// nodeIsMap reports whether n is a mapping (JSON object).
func nodeIsMap(n *ynode) bool {
	n = deref(n)
	return n != nil && n.Kind == yaml.MappingNode
}

// nodeIsNull reports whether n is absent or null.
func nodeIsNull(n *ynode) bool {
	n = deref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// nodeIsSeq reports whether n is a sequence (JSON array).
func nodeIsSeq(n *ynode) bool {
	n = deref(n)
	return n != nil && n.Kind == yaml.SequenceNode
}

// nodeIsScalar reports whether n is a scalar (string, number, bool, null).
func nodeIsScalar(n *ynode) bool {
	n = deref(n)
	return n != nil && n.Kind == yaml.ScalarNode
}

// nodeIndex returns element i of a sequence, nil when out of range.
func nodeIndex(n *ynode, i int) *ynode {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode || i < 0 || i >= len(n.Content) {
		return nil
	}
	return n.Content[i]
}

// nodeEachElem calls fn for every element of sequence n.
func nodeEachElem(n *ynode, fn func(e *ynode)) {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return
	}
	for _, e := range n.Content {
		fn(e)
	}
}

// nodeChild steps into a mapping (by key) or a sequence (by index), for
// JSON pointers.
func nodeChild(n *ynode, seg string) *ynode {
	n = deref(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		_, v := nodeGet(n, seg)
		return v
	case yaml.SequenceNode:
		i, err := strconv.Atoi(seg)
		if err != nil {
			return nil
		}
		return nodeIndex(n, i)
	}
	return nil
}

// nodeValueList decodes a sequence with nodeValue (nil for anything else).
func nodeValueList(n *ynode) []any {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	return nodeValues(n.Content)
}

// nodeGet returns the key and value nodes of key in mapping n. When a key
// occurs more than once the last one wins, as everywhere in this package.
func nodeGet(n *ynode, key string) (k, v *ynode) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			k, v = n.Content[i], n.Content[i+1]
		}
	}
	return k, v
}

// nodeString returns the text of a scalar node; ok is false for anything
// else (and for null).
func nodeString(n *ynode) (s string, ok bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", false
	}
	return n.Value, true
}

// nodeText is nodeString without the flag.
func nodeText(n *ynode) string {
	s, _ := nodeString(n)
	return s
}

// nodeBool reads a boolean, tolerating the strings "true" and "false".
func nodeBool(n *ynode) (b, ok bool) {
	s, ok := nodeString(n)
	if !ok {
		return false, false
	}
	b, err := strconv.ParseBool(s)
	return b, err == nil
}

// nodeInt reads an integer, tolerating a numeric string.
func nodeInt(n *ynode) (int, bool) {
	s, ok := nodeString(n)
	if !ok {
		return 0, false
	}
	if i, err := strconv.Atoi(s); err == nil {
		return i, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int(f)) {
		return int(f), true
	}
	return 0, false
}

// nodeStrings reads an array of scalars (a lone scalar is a one-element list).
func nodeStrings(n *ynode) []string {
	n = deref(n)
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		if s, ok := nodeString(n); ok {
			return []string{s}
		}
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, e := range n.Content {
		if s, ok := nodeString(e); ok {
			out = append(out, s)
		}
	}
	return out
}

// nodeEach calls fn for every key/value pair of mapping n in source order.
func nodeEach(n *ynode, fn func(k, v *ynode)) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		fn(n.Content[i], n.Content[i+1])
	}
}

// nodeRaw encodes n as JSON (nil for a nil node).
func nodeRaw(n *ynode) json.RawMessage {
	if n == nil {
		return nil
	}
	return appendNodeJSON(nil, n, 0)
}

// maxNodeDepth bounds the recursion of the node walkers; the lenient
// pre-pass already rejects deeper documents.
const maxNodeDepth = 2 * maxJSONDepth

func appendNodeJSON(b []byte, n *ynode, depth int) []byte {
	n = deref(n)
	if n == nil || depth > maxNodeDepth {
		return append(b, "null"...)
	}
	switch n.Kind {
	case yaml.MappingNode:
		b = append(b, '{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, n.Content[i].Value)
			b = append(b, ':')
			b = appendNodeJSON(b, n.Content[i+1], depth+1)
		}
		return append(b, '}')
	case yaml.SequenceNode:
		b = append(b, '[')
		for i, e := range n.Content {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendNodeJSON(b, e, depth+1)
		}
		return append(b, ']')
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return append(b, "null"...)
		case "!!bool":
			if v, err := strconv.ParseBool(n.Value); err == nil {
				return strconv.AppendBool(b, v)
			}
		case "!!int", "!!float":
			if isJSONNumber(n.Value) {
				return append(b, n.Value...)
			}
		}
		return appendJSONString(b, n.Value)
	}
	return append(b, "null"...)
}

// nodeValue decodes n into a Go value as encoding/json would with
// UseNumber: map[string]any, []any, string, json.Number, bool or nil.
func nodeValue(n *ynode) any { return nodeValueDepth(n, 0) }

func nodeValueDepth(n *ynode, depth int) any {
	n = deref(n)
	if n == nil || depth > maxNodeDepth {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = nodeValueDepth(n.Content[i+1], depth+1)
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			s = append(s, nodeValueDepth(e, depth+1))
		}
		return s
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil
		case "!!bool":
			if v, err := strconv.ParseBool(n.Value); err == nil {
				return v
			}
		case "!!int", "!!float":
			if isJSONNumber(n.Value) {
				return json.Number(n.Value)
			}
		}
		return n.Value
	}
	return nil
}

// nodeValues decodes a list of nodes with nodeValue (nil for an empty list).
func nodeValues(ns []*ynode) []any {
	if len(ns) == 0 {
		return nil
	}
	out := make([]any, len(ns))
	for i, n := range ns {
		out[i] = nodeValue(n)
	}
	return out
}

// isJSONNumber reports whether s is a JSON number literal.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

// appendJSONString appends s as a JSON string literal, escaping only what
// JSON requires (invalid UTF-8 becomes U+FFFD).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// lowEntry is an entry of a low-level libopenapi map: the key, its node and
// the value.
type lowEntry[V any] struct {
	name  string
	key   *ynode
	value V
}

// sortedEntries returns the entries of a low-level map in source order.
// libopenapi builds several maps concurrently (security definitions,
// parameter definitions, ...), so their insertion order is not reliable.
func sortedEntries[V any](m *orderedmap.Map[low.KeyReference[string], V]) []lowEntry[V] {
	if m == nil || m.Len() == 0 {
		return nil
	}
	out := make([]lowEntry[V], 0, m.Len())
	for k, v := range m.FromOldest() {
		out = append(out, lowEntry[V]{k.Value, k.KeyNode, v})
	}
	slices.SortStableFunc(out, func(a, b lowEntry[V]) int { return sourceOrder(a.key, b.key) })
	return out
}

// nodeKeys lists the keys of mapping n in source order.
func nodeKeys(n *ynode) []string {
	var out []string
	nodeEach(n, func(k, _ *ynode) { out = append(out, k.Value) })
	return out
}

// extEntry is one extension of an object: its key as written, and the key
// and value nodes.
type extEntry struct {
	key    string
	kn, vn *ynode
}

// lowExtEntries lists the extensions of a low-level object in source order.
func lowExtEntries(m lowExtensions) []extEntry {
	if m == nil || m.Len() == 0 {
		return nil
	}
	out := make([]extEntry, 0, m.Len())
	for k, v := range m.FromOldest() {
		out = append(out, extEntry{key: k.Value, kn: k.KeyNode, vn: v.Value})
	}
	return out
}

// nodeExtEntries lists the x-* keys of a mapping node, for objects decoded
// straight from nodes.
func nodeExtEntries(n *ynode) []extEntry {
	var out []extEntry
	nodeEach(n, func(k, v *ynode) {
		if len(k.Value) > 2 && (k.Value[0] == 'x' || k.Value[0] == 'X') && k.Value[1] == '-' {
			out = append(out, extEntry{key: k.Value, kn: k, vn: v})
		}
	})
	return out
}

// sourceOrder compares two nodes by their position in the source, for
// sorting what libopenapi builds concurrently back into document order.
func sourceOrder(a, b *ynode) int {
	switch {
	case nodeBefore(a, b):
		return -1
	case nodeBefore(b, a):
		return 1
	}
	return 0
}

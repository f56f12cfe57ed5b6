// Package udiff produces unified diffs of text files, as `diff -u` and
// `git diff` print them, for the generator's --diff/--check output and for
// golden-file test failures.
//
// Lines are compared with Myers' O(ND) algorithm in its linear-space form
// (divide and conquer on the middle snake), after trimming the common
// prefix and suffix, so small edits to large files cost little: time is
// O((N+M)·D) and memory O(N+M) for N and M lines and D changed lines.
package udiff

import (
	"bytes"
	"fmt"
	"strings"
)

// context is the number of unchanged lines shown around each change.
const context = 3

// DevNull is the header path of a missing side.
const DevNull = "/dev/null"

// Unified returns a unified diff of old → new with 3 lines of context, or
// "" when the contents are equal (whatever the names).
//
// The headers are "--- OLDNAME" and "+++ NEWNAME" (names as given). A side whose name
// is "" or "/dev/null" is a missing file: its header path is /dev/null
// and its content is taken as empty (so a created file diffs as
// "--- /dev/null", "@@ -0,0 +1,N @@"). Hunks are "@@ -l,n +l,n @@" with
// ",n" left out when n is 1, as GNU diff and git print them; changes less
// than 2×3 unchanged lines apart share a hunk. Within a change, deleted
// lines come before added ones. A last line without a newline is followed
// by `\ No newline at end of file`. Lines end at "\n"; a "\r" before it is
// part of the line.
func Unified(oldName, newName string, old, new []byte) string {
	oldPath, newPath := oldName, newName
	if oldName == "" || oldName == DevNull {
		oldPath, old = DevNull, nil
	}
	if newName == "" || newName == DevNull {
		newPath, new = DevNull, nil
	}
	if bytes.Equal(old, new) {
		return ""
	}
	a, b := splitLines(old), splitLines(new)
	ops := diffLines(a, b)

	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldPath, newPath)
	for _, h := range hunks(ops) {
		writeHunk(&out, h, a, b)
	}
	return out.String()
}

// splitLines splits text into lines, each keeping its "\n" except
// possibly the last.
func splitLines(text []byte) []string {
	if len(text) == 0 {
		return nil
	}
	lines := strings.SplitAfter(string(text), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// opKind is the kind of one line of an edit script.
type opKind byte

const (
	opEqual  opKind = ' '
	opDelete opKind = '-'
	opInsert opKind = '+'
)

// op is one line of the edit script: a[i] for delete, b[j] for insert,
// both for equal. i and j are always the positions reached in a and b.
type op struct {
	kind opKind
	i, j int
}

// diffLines returns the edit script turning a into b.
func diffLines(a, b []string) []op {
	// Intern lines so the inner loops compare ints.
	ids := make(map[string]int, len(a)+len(b))
	intern := func(lines []string) []int {
		out := make([]int, len(lines))
		for k, l := range lines {
			id, ok := ids[l]
			if !ok {
				id = len(ids)
				ids[l] = id
			}
			out[k] = id
		}
		return out
	}
	m := &myers{a: intern(a), b: intern(b)}
	m.del = make([]bool, len(a))
	m.ins = make([]bool, len(b))
	m.compare(0, len(a), 0, len(b))

	ops := make([]op, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && m.del[i]:
			ops = append(ops, op{opDelete, i, j})
			i++
		case j < len(b) && m.ins[j]:
			ops = append(ops, op{opInsert, i, j})
			j++
		default:
			ops = append(ops, op{opEqual, i, j})
			i++
			j++
		}
	}
	return ops
}

// myers marks the lines of a to delete and of b to insert for a shortest
// edit script.
type myers struct {
	a, b     []int
	del, ins []bool
	vf, vb   []int // scratch for middleSnake
}

// compare diffs a[aLo:aHi] against b[bLo:bHi].
func (m *myers) compare(aLo, aHi, bLo, bHi int) {
	for {
		for aLo < aHi && bLo < bHi && m.a[aLo] == m.b[bLo] {
			aLo++
			bLo++
		}
		for aLo < aHi && bLo < bHi && m.a[aHi-1] == m.b[bHi-1] {
			aHi--
			bHi--
		}
		switch {
		case aLo == aHi:
			for j := bLo; j < bHi; j++ {
				m.ins[j] = true
			}
			return
		case bLo == bHi:
			for i := aLo; i < aHi; i++ {
				m.del[i] = true
			}
			return
		}
		x, y, ok := m.middleSnake(aLo, aHi, bLo, bHi)
		if !ok || (x == aLo && y == bLo) || (x == aHi && y == bHi) {
			// No usable split (cannot happen for trimmed, non-empty
			// ranges; kept so a bug costs minimality, not termination).
			for i := aLo; i < aHi; i++ {
				m.del[i] = true
			}
			for j := bLo; j < bHi; j++ {
				m.ins[j] = true
			}
			return
		}
		// Recurse on the smaller half, loop on the larger one, so the
		// stack stays O(log) deep on typical inputs.
		if (x-aLo)+(y-bLo) < (aHi-x)+(bHi-y) {
			m.compare(aLo, x, bLo, y)
			aLo, bLo = x, y
		} else {
			m.compare(x, aHi, y, bHi)
			aHi, bHi = x, y
		}
	}
}

// middleSnake finds a point (x, y) on a shortest edit path from (aLo, bLo)
// to (aHi, bHi) by running the forward and the reverse search of Myers'
// algorithm until they meet (the "middle snake"). Both ranges must be
// non-empty.
func (m *myers) middleSnake(aLo, aHi, bLo, bHi int) (x, y int, ok bool) {
	n, mm := aHi-aLo, bHi-bLo
	maxD := (n + mm + 1) / 2
	size := 2*maxD + 2
	off := maxD
	if cap(m.vf) < size {
		m.vf = make([]int, size)
		m.vb = make([]int, size)
	}
	vf, vb := m.vf[:size], m.vb[:size]
	for k := range vf {
		vf[k], vb[k] = -1, -1
	}
	vf[off+1], vb[off+1] = 0, 0
	delta := n - mm
	front := delta%2 != 0
	// k ranges shrink when a path runs off the edge of the grid.
	k1start, k1end, k2start, k2end := 0, 0, 0, 0
	a, b := m.a, m.b
	for d := 0; d < maxD; d++ {
		// Forward: vf[off+k] is the furthest x (relative to aLo) on diagonal k.
		for k1 := -d + k1start; k1 <= d-k1end; k1 += 2 {
			i := off + k1
			var x1 int
			if k1 == -d || (k1 != d && vf[i-1] < vf[i+1]) {
				x1 = vf[i+1]
			} else {
				x1 = vf[i-1] + 1
			}
			y1 := x1 - k1
			for x1 < n && y1 < mm && a[aLo+x1] == b[bLo+y1] {
				x1++
				y1++
			}
			vf[i] = x1
			switch {
			case x1 > n:
				k1end += 2
			case y1 > mm:
				k1start += 2
			case front:
				i2 := off + delta - k1
				if i2 >= 0 && i2 < size && vb[i2] != -1 && x1 >= n-vb[i2] {
					return aLo + x1, bLo + y1, true
				}
			}
		}
		// Reverse: vb[off+k] is the furthest distance from (aHi, bHi).
		for k2 := -d + k2start; k2 <= d-k2end; k2 += 2 {
			i := off + k2
			var x2 int
			if k2 == -d || (k2 != d && vb[i-1] < vb[i+1]) {
				x2 = vb[i+1]
			} else {
				x2 = vb[i-1] + 1
			}
			y2 := x2 - k2
			for x2 < n && y2 < mm && a[aHi-1-x2] == b[bHi-1-y2] {
				x2++
				y2++
			}
			vb[i] = x2
			switch {
			case x2 > n:
				k2end += 2
			case y2 > mm:
				k2start += 2
			case !front:
				i1 := off + delta - k2
				if i1 >= 0 && i1 < size && vf[i1] != -1 {
					x1 := vf[i1]
					y1 := off + x1 - i1
					if x1 >= n-x2 {
						return aLo + x1, bLo + y1, true
					}
				}
			}
		}
	}
	return 0, 0, false
}

// hunk is a slice of the edit script: changes plus their context.
type hunk []op

// hunks groups the edit script into hunks with context lines around the
// changes, merging changes separated by at most 2*context equal lines.
func hunks(ops []op) []hunk {
	var out []hunk
	for k := 0; k < len(ops); {
		// Find the next change.
		for k < len(ops) && ops[k].kind == opEqual {
			k++
		}
		if k == len(ops) {
			break
		}
		// The previous hunk ended more than 2*context equal lines before
		// this change, so the leading context cannot overlap it.
		start := max(k-context, 0)
		// Extend while the gap to the next change is small enough.
		end := k
		for {
			for end < len(ops) && ops[end].kind != opEqual {
				end++
			}
			gap := end
			for gap < len(ops) && ops[gap].kind == opEqual {
				gap++
			}
			if gap < len(ops) && gap-end <= 2*context {
				end = gap
				continue
			}
			break
		}
		stop := min(end+context, len(ops))
		out = append(out, hunk(ops[start:stop]))
		k = stop
	}
	return out
}

// writeHunk prints one hunk with its header.
func writeHunk(out *strings.Builder, h hunk, a, b []string) {
	first := h[0]
	var na, nb int
	for _, o := range h {
		switch o.kind {
		case opEqual:
			na++
			nb++
		case opDelete:
			na++
		case opInsert:
			nb++
		}
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", rangeOf(first.i, na), rangeOf(first.j, nb))
	for _, o := range h {
		var line string
		switch o.kind {
		case opEqual, opDelete:
			line = a[o.i]
		case opInsert:
			line = b[o.j]
		}
		out.WriteByte(byte(o.kind))
		out.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

// rangeOf formats a hunk range: start is the 0-based index of the first
// line, n the number of lines. An empty range names the line before it.
func rangeOf(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

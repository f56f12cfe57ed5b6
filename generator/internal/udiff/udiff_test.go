package udiff

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// lines builds numbered lines "1\n" … "n\n".
func lines(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "%d\n", i)
	}
	return b.String()
}

// Expected outputs were checked against GNU diff -u (headers aside).
var unifiedTests = []struct {
	name             string
	oldName, newName string
	old, new         string
	want             string
}{
	{
		name: "identical", oldName: "f", newName: "f",
		old: "a\nb\n", new: "a\nb\n",
		want: "",
	},
	{
		name: "both empty", oldName: "f", newName: "f",
		want: "",
	},
	{
		name: "both missing", oldName: "", newName: "/dev/null",
		want: "",
	},
	{
		name: "missing old and empty new are equal", oldName: "", newName: "f",
		want: "",
	},
	{
		name: "insert in the middle", oldName: "f", newName: "f",
		old: lines(1, 10), new: lines(1, 5) + "new\n" + lines(6, 10),
		want: `--- f
+++ f
@@ -3,6 +3,7 @@
 3
 4
 5
+new
 6
 7
 8
`,
	},
	{
		name: "delete in the middle", oldName: "f", newName: "f",
		old: lines(1, 10), new: lines(1, 4) + lines(6, 10),
		want: `--- f
+++ f
@@ -2,7 +2,6 @@
 2
 3
 4
-5
 6
 7
 8
`,
	},
	{
		name: "change", oldName: "f", newName: "f",
		old: lines(1, 10), new: lines(1, 4) + "five\nsix\n" + lines(7, 10),
		want: `--- f
+++ f
@@ -2,8 +2,8 @@
 2
 3
 4
-5
-6
+five
+six
 7
 8
 9
`,
	},
	{
		name: "insert at start", oldName: "f", newName: "f",
		old: lines(1, 5), new: "0\n" + lines(1, 5),
		want: `--- f
+++ f
@@ -1,3 +1,4 @@
+0
 1
 2
 3
`,
	},
	{
		name: "delete at start", oldName: "f", newName: "f",
		old: lines(1, 5), new: lines(2, 5),
		want: `--- f
+++ f
@@ -1,4 +1,3 @@
-1
 2
 3
 4
`,
	},
	{
		name: "insert at end", oldName: "f", newName: "f",
		old: lines(1, 5), new: lines(1, 6),
		want: `--- f
+++ f
@@ -3,3 +3,4 @@
 3
 4
 5
+6
`,
	},
	{
		name: "delete at end", oldName: "f", newName: "f",
		old: lines(1, 5), new: lines(1, 4),
		want: `--- f
+++ f
@@ -2,4 +2,3 @@
 2
 3
 4
-5
`,
	},
	{
		name: "single line changed", oldName: "f", newName: "f",
		old: "a\n", new: "b\n",
		want: `--- f
+++ f
@@ -1 +1 @@
-a
+b
`,
	},
	{
		name: "changes 6 lines apart share a hunk", oldName: "f", newName: "f",
		old: lines(1, 20), new: strings.Replace(strings.Replace(lines(1, 20), "\n3\n", "\nthree\n", 1), "\n10\n", "\nten\n", 1),
		want: `--- f
+++ f
@@ -1,13 +1,13 @@
 1
 2
-3
+three
 4
 5
 6
 7
 8
 9
-10
+ten
 11
 12
 13
`,
	},
	{
		name: "changes 7 lines apart get two hunks", oldName: "f", newName: "f",
		old: lines(1, 20), new: strings.Replace(strings.Replace(lines(1, 20), "\n3\n", "\nthree\n", 1), "\n11\n", "\nx\n", 1),
		want: `--- f
+++ f
@@ -1,6 +1,6 @@
 1
 2
-3
+three
 4
 5
 6
@@ -8,7 +8,7 @@
 8
 9
 10
-11
+x
 12
 13
 14
`,
	},
	{
		name: "no newline at end on both sides", oldName: "f", newName: "f",
		old: "a\nb", new: "a\nc",
		want: `--- f
+++ f
@@ -1,2 +1,2 @@
 a
-b
\ No newline at end of file
+c
\ No newline at end of file
`,
	},
	{
		name: "newline added at end", oldName: "f", newName: "f",
		old: "a\nb", new: "a\nb\n",
		want: `--- f
+++ f
@@ -1,2 +1,2 @@
 a
-b
\ No newline at end of file
+b
`,
	},
	{
		name: "newline removed at end", oldName: "f", newName: "f",
		old: "a\nb\n", new: "a\nb",
		want: `--- f
+++ f
@@ -1,2 +1,2 @@
 a
-b
+b
\ No newline at end of file
`,
	},
	{
		name: "unchanged last line without newline as context", oldName: "f", newName: "f",
		old: "a\nb\nc", new: "x\nb\nc",
		want: `--- f
+++ f
@@ -1,3 +1,3 @@
-a
+x
 b
 c
\ No newline at end of file
`,
	},
	{
		name: "old missing", oldName: "", newName: "gen/x.go",
		old: "ignored", new: "a\nb\n",
		want: `--- /dev/null
+++ gen/x.go
@@ -0,0 +1,2 @@
+a
+b
`,
	},
	{
		name: "new missing", oldName: "gen/x.go", newName: DevNull,
		old: "a\nb\n",
		want: `--- gen/x.go
+++ /dev/null
@@ -1,2 +0,0 @@
-a
-b
`,
	},
	{
		name: "empty to content", oldName: "f", newName: "f",
		old: "", new: "a\n",
		want: `--- f
+++ f
@@ -0,0 +1 @@
+a
`,
	},
	{
		name: "content to empty without newline", oldName: "f", newName: "g",
		old: "a", new: "",
		want: `--- f
+++ g
@@ -1 +0,0 @@
-a
\ No newline at end of file
`,
	},
	{
		name: "CRLF is part of the line", oldName: "f", newName: "f",
		old: "a\r\nb\r\n", new: "a\nb\r\n",
		want: "--- f\n+++ f\n@@ -1,2 +1,2 @@\n-a\r\n+a\n b\r\n",
	},
}

func TestUnified(t *testing.T) {
	for _, tt := range unifiedTests {
		t.Run(tt.name, func(t *testing.T) {
			got := Unified(tt.oldName, tt.newName, []byte(tt.old), []byte(tt.new))
			if got != tt.want {
				t.Errorf("Unified() =\n%s\nwant\n%s", got, tt.want)
			}
			if got == "" {
				return
			}
			old := tt.old
			if tt.oldName == "" || tt.oldName == DevNull {
				old = ""
			}
			applied, err := apply(old, got)
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			if applied != tt.new {
				t.Errorf("apply(old, diff) = %q, want %q", applied, tt.new)
			}
		})
	}
}

// patchLine is one body line of a hunk.
type patchLine struct {
	kind byte   // ' ', '-', '+'
	text string // with its "\n" unless followed by the no-newline marker
}

// apply applies a unified diff produced by Unified to old. It is strict:
// context and deleted lines must match, hunk counts must agree with the
// headers, and hunks must be in order and not overlap.
func apply(old, diff string) (string, error) {
	a := splitLines([]byte(old))
	dl := strings.SplitAfter(diff, "\n")
	if dl[len(dl)-1] != "" {
		return "", fmt.Errorf("diff does not end in a newline")
	}
	dl = dl[:len(dl)-1]
	if len(dl) < 3 || !strings.HasPrefix(dl[0], "--- ") || !strings.HasPrefix(dl[1], "+++ ") {
		return "", fmt.Errorf("bad headers")
	}
	var out strings.Builder
	pos := 0      // next line of a to copy
	outLines := 0 // lines written to out
	k := 2
	for k < len(dl) {
		var oldStart, oldN, newStart, newN int
		h := strings.TrimSuffix(dl[k], "\n")
		f := strings.Fields(h)
		if len(f) != 4 || f[0] != "@@" || f[3] != "@@" || !strings.HasPrefix(f[1], "-") || !strings.HasPrefix(f[2], "+") {
			return "", fmt.Errorf("line %d: bad hunk header %q", k+1, h)
		}
		var err error
		if oldStart, oldN, err = parseRange(f[1][1:]); err != nil {
			return "", err
		}
		if newStart, newN, err = parseRange(f[2][1:]); err != nil {
			return "", err
		}
		k++
		var body []patchLine
		for k < len(dl) && !strings.HasPrefix(dl[k], "@@") {
			l := dl[k]
			switch l[0] {
			case ' ', '-', '+':
				body = append(body, patchLine{l[0], l[1:]})
			case '\\':
				if l != "\\ No newline at end of file\n" || len(body) == 0 {
					return "", fmt.Errorf("line %d: bad marker %q", k+1, l)
				}
				body[len(body)-1].text = strings.TrimSuffix(body[len(body)-1].text, "\n")
			default:
				return "", fmt.Errorf("line %d: bad line %q", k+1, l)
			}
			k++
		}
		// Line numbers of an empty range name the line before it.
		first := oldStart - 1
		if oldN == 0 {
			first = oldStart
		}
		if first < pos || first > len(a) {
			return "", fmt.Errorf("hunk at old line %d out of order", oldStart)
		}
		for ; pos < first; pos++ {
			out.WriteString(a[pos])
			outLines++
		}
		// The new range must start where the hunk lands in the output.
		if wantStart := outLines + 1; newN == 0 && newStart != outLines || newN > 0 && newStart != wantStart {
			return "", fmt.Errorf("hunk @@ -%d,%d +%d,%d @@: new side starts at line %d", oldStart, oldN, newStart, newN, wantStart)
		}
		gotOld, gotNew := 0, 0
		for _, pl := range body {
			switch pl.kind {
			case ' ', '-':
				if pos >= len(a) || a[pos] != pl.text {
					return "", fmt.Errorf("hunk at old line %d: line %d does not match", oldStart, pos+1)
				}
				pos++
				gotOld++
				if pl.kind == ' ' {
					out.WriteString(pl.text)
					gotNew++
					outLines++
				}
			case '+':
				out.WriteString(pl.text)
				gotNew++
				outLines++
			}
		}
		if gotOld != oldN || gotNew != newN {
			return "", fmt.Errorf("hunk @@ -%d,%d +%d,%d @@ has %d old and %d new lines", oldStart, oldN, newStart, newN, gotOld, gotNew)
		}
	}
	for ; pos < len(a); pos++ {
		out.WriteString(a[pos])
	}
	return out.String(), nil
}

// parseRange parses "l" or "l,n".
func parseRange(s string) (start, n int, err error) {
	l, c, ok := strings.Cut(s, ",")
	if start, err = strconv.Atoi(l); err != nil {
		return 0, 0, err
	}
	n = 1
	if ok {
		if n, err = strconv.Atoi(c); err != nil {
			return 0, 0, err
		}
	}
	return start, n, nil
}

// randomText returns up to maxLines lines drawn from a small alphabet so
// that inputs share many lines, sometimes without a final newline.
func randomText(r *rand.Rand, maxLines int) string {
	n := r.IntN(maxLines + 1)
	var b strings.Builder
	for range n {
		b.WriteString(string(rune('a' + r.IntN(4))))
		b.WriteByte('\n')
	}
	s := b.String()
	if s != "" && r.IntN(4) == 0 {
		s = s[:len(s)-1]
	}
	return s
}

// mutate applies a few random line edits to s.
func mutate(r *rand.Rand, s string) string {
	ls := splitLines([]byte(s))
	for range r.IntN(5) {
		switch i := r.IntN(len(ls) + 1); r.IntN(3) {
		case 0: // insert
			ls = append(ls[:i], append([]string{fmt.Sprintf("new%d\n", r.IntN(100))}, ls[i:]...)...)
		case 1: // delete
			if i < len(ls) {
				ls = append(ls[:i], ls[i+1:]...)
			}
		case 2: // change
			if i < len(ls) {
				ls[i] = fmt.Sprintf("chg%d\n", r.IntN(100))
			}
		}
	}
	out := strings.Join(ls, "")
	if r.IntN(5) == 0 {
		out = strings.TrimSuffix(out, "\n")
	}
	return out
}

// lcs is the length of the longest common subsequence of a and b.
func lcs(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := range a {
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(cur[j], prev[j+1])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// TestApplyRandom checks on random inputs that applying the diff to old
// yields new and that the diff is minimal (as many -/+ lines as the
// longest common subsequence allows).
func TestApplyRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for iter := range n {
		var old, nw string
		switch iter % 3 {
		case 0: // unrelated texts over a small alphabet
			old, nw = randomText(r, 30), randomText(r, 30)
		case 1: // a few edits
			old = randomText(r, 60)
			nw = mutate(r, old)
		default: // long common runs, edits near the ends
			old = lines(1, r.IntN(40)) + randomText(r, 8)
			nw = mutate(r, old)
		}
		d := Unified("f", "f", []byte(old), []byte(nw))
		if (d == "") != (old == nw) {
			t.Fatalf("old %q new %q: diff %q", old, nw, d)
		}
		if d == "" {
			continue
		}
		got, err := apply(old, d)
		if err != nil || got != nw {
			t.Fatalf("old %q new %q:\n%s\napply = %q, %v", old, nw, d, got, err)
		}
		a, b := splitLines([]byte(old)), splitLines([]byte(nw))
		minus, plus := 0, 0
		for _, l := range strings.Split(d, "\n")[2:] {
			switch {
			case strings.HasPrefix(l, "-"):
				minus++
			case strings.HasPrefix(l, "+"):
				plus++
			}
		}
		c := lcs(a, b)
		if minus != len(a)-c || plus != len(b)-c {
			t.Fatalf("old %q new %q: not minimal: -%d +%d, lcs %d of %d/%d\n%s", old, nw, minus, plus, c, len(a), len(b), d)
		}
	}
}

// bigFile returns an n-line Go-like file and a copy with edits scattered
// through it.
func bigFile(n, edits int) (old, new []byte) {
	var a, b strings.Builder
	step := n / (edits + 1)
	for i := range n {
		line := fmt.Sprintf("\tx%d := compute(%d) // line %d\n", i, i*7, i)
		a.WriteString(line)
		if edits > 0 && i%step == step/2 && i/step < edits {
			switch (i / step) % 3 {
			case 0:
				b.WriteString("\t// inserted\n")
				b.WriteString(line)
			case 1: // deleted
			case 2:
				b.WriteString("\tchanged()\n")
			}
			continue
		}
		b.WriteString(line)
	}
	return []byte(a.String()), []byte(b.String())
}

func TestLargeFile(t *testing.T) {
	old, nw := bigFile(10000, 20)
	d := Unified("big.go", "big.go", old, nw)
	got, err := apply(string(old), d)
	if err != nil || got != string(nw) {
		t.Fatalf("apply failed: %v", err)
	}
	if h := strings.Count(d, "\n@@ "); h != 20 {
		t.Errorf("%d hunks, want 20", h)
	}
}

func TestDisjointFiles(t *testing.T) {
	// Worst case for O(ND): nothing in common. Must still be exact.
	var a, b strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&a, "a%d\n", i)
		fmt.Fprintf(&b, "b%d\n", i)
	}
	d := Unified("f", "f", []byte(a.String()), []byte(b.String()))
	if got, err := apply(a.String(), d); err != nil || got != b.String() {
		t.Fatalf("apply failed: %v", err)
	}
}

func BenchmarkUnified10kSmallEdits(b *testing.B) {
	old, nw := bigFile(10000, 10)
	b.SetBytes(int64(len(old) + len(nw)))
	for b.Loop() {
		Unified("big.go", "big.go", old, nw)
	}
}

func BenchmarkUnified10k100Edits(b *testing.B) {
	old, nw := bigFile(10000, 100)
	b.SetBytes(int64(len(old) + len(nw)))
	for b.Loop() {
		Unified("big.go", "big.go", old, nw)
	}
}

func BenchmarkUnified10kIdentical(b *testing.B) {
	old, _ := bigFile(10000, 0)
	nw := append([]byte(nil), old...)
	for b.Loop() {
		Unified("big.go", "big.go", old, nw)
	}
}

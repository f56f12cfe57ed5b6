package emit

import (
	"strings"

	"github.com/dave/jennifer/jen"
)

const wrapAt = 100

// docLines turns free text from a spec into "//" comment lines: one raw line
// per call (jennifer turns multi-line text into /* */ blocks, which a "*/"
// in a description would break), wrapped near 100 columns, indentation
// removed so that gofmt does not read it as a code block.
func docLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	var out []string
	blank := false
	for _, line := range strings.Split(text, "\n") {
		line = strings.Join(strings.Fields(line), " ")
		if line == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, wrap(line)...)
	}
	return out
}

func wrap(line string) []string {
	var out []string
	for len(line) > wrapAt {
		cut := strings.LastIndexByte(line[:wrapAt], ' ')
		if cut <= 0 {
			cut = strings.IndexByte(line, ' ')
			if cut < 0 {
				break
			}
		}
		out = append(out, line[:cut])
		line = line[cut+1:]
	}
	return append(out, line)
}

// commentText is text for jen's PackageComment: lines joined with newlines,
// each already starting with "//" so jennifer writes them verbatim.
func commentText(text string) string {
	lines := docLines(text)
	for i, l := range lines {
		lines[i] = comment(l)
	}
	return strings.Join(lines, "\n")
}

func comment(l string) string {
	if l == "" {
		return "//"
	}
	return "// " + l
}

// doc adds a doc comment made of paragraphs (nil/empty ones skipped) before
// the next declaration in g.
type docBuilder struct{ paras [][]string }

func (d *docBuilder) text(s string) *docBuilder {
	lines := docLines(s)
	// Split into paragraphs; a one-line paragraph without final punctuation
	// gets a period, or gofmt would turn it into a "# heading".
	start := 0
	for i := 0; i <= len(lines); i++ {
		if i < len(lines) && lines[i] != "" {
			continue
		}
		if para := lines[start:i]; len(para) > 0 {
			if len(para) == 1 && !strings.ContainsAny(para[0][len(para[0])-1:], ".!?:;,)]}\"'`") {
				para = []string{para[0] + "."}
			}
			d.paras = append(d.paras, para)
		}
		start = i + 1
	}
	return d
}

// raw adds lines as they are (for code blocks starting with a tab).
func (d *docBuilder) raw(lines ...string) *docBuilder {
	d.paras = append(d.paras, lines)
	return d
}

// add writes the comment lines into f (as separate jen.Comment calls).
func (d *docBuilder) to(g *jen.Group) {
	for i, p := range d.paras {
		if i > 0 {
			g.Comment("//")
		}
		for _, l := range p {
			g.Comment(comment(l))
		}
	}
}

// file writes the comment at file level.
func (d *docBuilder) file(f *jen.File) {
	for i, p := range d.paras {
		if i > 0 {
			f.Comment("//")
		}
		for _, l := range p {
			f.Comment(comment(l))
		}
	}
}

package expr

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// corpusDir finds the shared connector corpus: $CONNECTORGEN_CORPUS, or
// shared/corpus beside the repository (../../../shared/corpus from this
// package). The runtime must not import the generator's corpus helper.
func corpusDir(t *testing.T) string {
	t.Helper()
	for _, d := range []string{os.Getenv("CONNECTORGEN_CORPUS"), filepath.Join("..", "..", "..", "shared", "corpus")} {
		if d == "" {
			continue
		}
		if fi, err := os.Stat(filepath.Join(d, "connectors")); err == nil && fi.IsDir() {
			return d
		}
	}
	t.Skip("connector corpus not found: expected ../shared/corpus beside the repository or $CONNECTORGEN_CORPUS; skipping corpus test")
	return ""
}

// expectedCorpusFailures lists corpus values that Parse rejects, with the
// reason. It is empty: every template value of the corpus parses.
var expectedCorpusFailures = map[string]string{}

type corpusValue struct {
	connector, key, value string
}

// TestCorpusTemplateValues parses every x-ms-apimTemplateParameter string
// value (and every value of the triggerConfig objects) of every
// apiProperties.json in the corpus and reports the counts.
func TestCorpusTemplateValues(t *testing.T) {
	dir := corpusDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "connectors", "*", "*", "apiProperties.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	var values []corpusValue
	unreadable := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(lenientJSON(raw), &doc); err != nil {
			// Structurally broken files (§1.6 of the protocol notes) cannot be
			// read; that is only a problem if they hold policy templates.
			if bytes.Contains(raw, []byte("x-ms-apimTemplateParameter")) {
				t.Errorf("%s: unreadable JSON with template parameters: %v", f, err)
			}
			unreadable++
			continue
		}
		conn := filepath.Base(filepath.Dir(f))
		collectTemplateValues(doc, conn, &values)
	}
	if len(values) == 0 {
		t.Fatalf("no x-ms-apimTemplateParameter values found in %d files under %s", len(files), dir)
	}

	var parsed, withWarnings, literal, withExpr int
	distinct := map[string]bool{}
	kinds := map[RefKind]int{}
	var failures, warnings []string
	for _, v := range values {
		distinct[v.value] = true
		tpl, diags, err := Parse(v.value)
		if err != nil {
			if _, ok := expectedCorpusFailures[v.value]; !ok {
				t.Errorf("%s %s = %q: %v", v.connector, v.key, v.value, err)
			}
			failures = append(failures, v.connector+" "+v.key+" = "+v.value+": "+err.Error())
			continue
		}
		checkParts(t, tpl)
		parsed++
		if len(diags) > 0 {
			withWarnings++
			for _, d := range diags {
				warnings = append(warnings, v.connector+" "+v.key+" = "+v.value+": "+d.String())
			}
		}
		if tpl.IsLiteral() {
			literal++
		} else {
			withExpr++
		}
		for _, r := range tpl.Refs() {
			kinds[r.Kind]++
		}
		// Evaluating must never panic, whatever the environment lacks.
		_, _ = tpl.Eval(MapEnv{})
	}
	t.Logf("corpus %s: %d apiProperties.json (%d unreadable, none with templates), %d template values (%d distinct): %d parsed (%d literal, %d with expressions or placeholders), %d with warnings, %d errors",
		dir, len(files), unreadable, len(values), len(distinct), parsed, literal, withExpr, withWarnings, len(failures))
	var ks []string
	for k, n := range kinds {
		ks = append(ks, k.String()+"="+strconv.Itoa(n))
	}
	slices.Sort(ks)
	t.Logf("references by kind: %s", strings.Join(ks, " "))
	for _, w := range warnings {
		t.Logf("warning: %s", w)
	}
	for _, f := range failures {
		t.Logf("error: %s", f)
	}
}

// collectTemplateValues gathers the string values of keys
// "x-ms-apimTemplateParameter.*" (and the string members of object or array
// values such as triggerConfig).
func collectTemplateValues(v any, conn string, out *[]corpusValue) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !strings.HasPrefix(k, "x-ms-apimTemplateParameter.") {
				collectTemplateValues(x[k], conn, out)
				continue
			}
			switch val := x[k].(type) {
			case string:
				*out = append(*out, corpusValue{conn, k, val})
			case map[string]any:
				for kk, vv := range val {
					if s, ok := vv.(string); ok {
						*out = append(*out, corpusValue{conn, k + "[" + kk + "]", s})
					}
				}
			case []any:
				for _, vv := range val {
					if s, ok := vv.(string); ok {
						*out = append(*out, corpusValue{conn, k + "[]", s})
					}
				}
			}
		}
	case []any:
		for _, e := range x {
			collectTemplateValues(e, conn, out)
		}
	}
}

// lenientJSON repairs what the corpus gets wrong but can be read without
// guessing (§1.6): a UTF-8 BOM, trailing commas before "}" or "]", and raw
// control characters inside strings.
func lenientJSON(b []byte) []byte {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	out := make([]byte, 0, len(b))
	inStr, esc := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			case c < 0x20:
				out = append(out, []byte(`\u00`+string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15]))...)
				continue
			}
			out = append(out, c)
			continue
		}
		if c == '"' {
			inStr = true
		}
		if c == ',' {
			j := i + 1
			for j < len(b) && (b[j] == ' ' || b[j] == '\t' || b[j] == '\r' || b[j] == '\n') {
				j++
			}
			if j < len(b) && (b[j] == '}' || b[j] == ']') {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

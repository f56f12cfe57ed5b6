package config_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/config"
	"github.com/connectorgen/connectorgen/generator/diag"
	"github.com/connectorgen/connectorgen/generator/lower"
)

func TestParse(t *testing.T) {
	const file = `{
  "version": 1,
  "connectors": [
    {
      "path": "connectors/Cloudmersive Virus Scan/",
      "out": "./virusscan",
      // Websites are not scanned here.
      "exclude": ["Scan_Website"],
      "rename": {"Scan_File": "ScanFile", "#/definitions/VirusFound": "Virus"},
      "initialisms": ["AV"],
    },
    {"path": "../wttr.in", "out": "weather/v1", "package": "weather", "include": ["WeatherGet"]},
  ],
}`
	cfg, ds := config.Parse(filepath.Join("gen", "connectorgen.json"), []byte(file))
	if len(ds) > 0 || cfg == nil {
		t.Fatalf("diagnostics:\n%s", text(ds))
	}
	pos := func(line, col int) diag.Pos {
		return diag.Pos{File: filepath.Join("gen", "connectorgen.json"), Line: line, Col: col}
	}
	want := []*config.Connector{
		{
			Path: "connectors/Cloudmersive Virus Scan", Out: "virusscan",
			Load:        filepath.Join("gen", "connectors", "Cloudmersive Virus Scan"),
			OutDir:      filepath.Join("gen", "virusscan"),
			Exclude:     []lower.Select{{OperationID: "Scan_Website", Pos: pos(8, 19)}},
			Renames:     []lower.Rename{{From: "Scan_File", To: "ScanFile", Pos: pos(9, 18)}, {From: "#/definitions/VirusFound", To: "Virus", Pos: pos(9, 43)}},
			Initialisms: []string{"AV"},
			Pos:         pos(4, 5),
		},
		{
			Path: "../wttr.in", Out: "weather/v1", Package: "weather",
			Load:    "wttr.in", // gen/../wttr.in
			OutDir:  filepath.Join("gen", "weather", "v1"),
			Include: []lower.Select{{OperationID: "WeatherGet", Pos: pos(12, 83)}},
			Pos:     pos(12, 5),
		},
	}
	if !reflect.DeepEqual(cfg.Connectors, want) {
		for i := range cfg.Connectors {
			t.Errorf("entry %d:\n got %#v\nwant %#v", i, *cfg.Connectors[i], *want[min(i, len(want)-1)])
		}
	}
	opts := cfg.Connectors[0].Options()
	if opts.Source != "connectors/Cloudmersive Virus Scan" || len(opts.Exclude) != 1 || len(opts.Renames) != 2 {
		t.Errorf("options: %+v", opts)
	}
}

// TestErrors: every problem is reported at its line and column.
func TestErrors(t *testing.T) {
	for _, c := range []struct {
		name, file string
		want       []string
	}{
		{"syntax", "{\n  \"version\": 1,\n  \"connectors\": [}\n", []string{`c.json:3:18: error: invalid JSON: invalid character '}'`}},
		{"not an object", `[]`, []string{`c.json:1:1: error: the config file must be an object, not an array`}},
		{"no version", `{"connectors": []}`, []string{`c.json:1:1: error: no "version": a config file starts with "version": 1`}},
		{"version as string", `{"version": "1"}`, []string{`c.json:1:13: error: "version" must be a number, not a string`}},
		{"fractional version", `{"version": 1.5}`, []string{`c.json:1:13: error: "version" must be a whole number, not 1.5`}},
		// Nothing else of a file in another version is reported.
		{"future version", `{"version": 2, "targets": {}}`, []string{`c.json:1:13: error: version 2 is not supported: this connectorgen reads version 1`}},
		{"no connectors", `{"version": 1}`, []string{`c.json:1:1: error: no "connectors"`}},
		{"empty connectors", `{"version": 1, "connectors": []}`, []string{`c.json:1:30: error: "connectors" is empty`}},
		{"unknown and repeated keys", "{\"version\": 1, \"version\": 1,\n \"connectors\": [{\"path\": \"a\", \"out\": \"b\",\n  \"exlude\": [\"X\"]}]}", []string{
			`c.json:1:16: error: key "version" repeated (first at line 1)`,
			`c.json:3:3: error: unknown key "exlude" in a connector entry (known keys: "path", "out", "package", "include", "exclude", "rename", "initialisms", "fakes")`,
		}},
		{"columns count characters (é is two bytes)", "{\"version\": 1, \"connectors\": [{\"path\": \"é\", \"out\": \"b\", \"ß\": 1}]}", []string{
			`c.json:1:57: error: unknown key "ß"`,
		}},
		{"entry", `{"version": 1, "connectors": [{"package": "my-pkg"}, "x"]}`, []string{
			`c.json:1:31: error: connector entry without "path"`,
			`c.json:1:31: error: connector entry without "out"`,
			`c.json:1:43: error: package "my-pkg" is not a Go package name`,
			`c.json:1:54: error: a connector entry must be an object, not a string`,
		}},
		{"paths", `{"version": 1, "connectors": [{"path": "/abs", "out": "a\\b"}, {"path": "", "out": 3}]}`, []string{
			`c.json:1:40: error: "path" "/abs": paths are relative to the directory of the config file`,
			`c.json:1:55: error: "out" "a\\b": use / to separate path elements, on every system`,
			`c.json:1:73: error: "path" is empty`,
			`c.json:1:84: error: "out" must be a string, not a number`,
		}},
		{"same out", "{\"version\": 1, \"connectors\": [\n{\"path\": \"a\", \"out\": \"x\"},\n{\"path\": \"b\", \"out\": \"./x/\"}]}", []string{
			`c.json:3:1: error: out "x" is also the output of the connector at line 2`,
		}},
		{"out in a fake folder", "{\"version\": 1, \"connectors\": [\n{\"path\": \"a\", \"out\": \"x/fake\"},\n{\"path\": \"b\", \"out\": \"x\"}]}", []string{
			`c.json:2:1: error: out "x/fake" is inside "x/fake", where the connector at line 3 keeps its generated fake`,
		}},
		{"selection", `{"version": 1, "connectors": [{"path": "a", "out": "b", "include": ["A", "A", 3], "exclude": []}]}`, []string{
			`c.json:1:74: error: operation "A" listed twice in "include"`,
			`c.json:1:79: error: an element of "include" must be a string, not a number`,
			`c.json:1:94: error: "exclude" is empty: leave it out to generate every operation`,
			`c.json:1:94: error: "include" and "exclude" cannot be used together`,
		}},
		{"rename", `{"version": 1, "connectors": [{"path": "a", "out": "b", "rename": {"A": "lower", "B": 1, "": "X", "C": "D", "C": "E", "B": "F"}}]}`, []string{
			`c.json:1:73: error: rename: "lower" is not an exported Go identifier`,
			`c.json:1:87: error: the new name of "B" must be a string, not a number`,
			`c.json:1:90: error: rename: the key must be an operationId or "#/definitions/Name"`,
			`c.json:1:109: error: "C" renamed twice`,
			`c.json:1:119: error: "B" renamed twice`,
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, ds := config.Parse("c.json", []byte(c.file))
			if cfg != nil {
				t.Errorf("got a config despite errors")
			}
			got := text(ds)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing\n\t%s\nin\n%s", w, got)
				}
			}
			if n := strings.Count(got, "\n"); n != len(c.want) {
				t.Errorf("got %d diagnostics, want %d:\n%s", n, len(c.want), got)
			}
		})
	}
}

func TestLoadMissing(t *testing.T) {
	_, ds := config.Load(filepath.Join(t.TempDir(), "connectorgen.json"))
	if !ds.HasErrors() || !strings.Contains(text(ds), "no such file") {
		t.Errorf("diagnostics: %s", text(ds))
	}
}

func TestLoadResolvesAgainstFileDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, config.FileName)
	if err := os.WriteFile(file, []byte(`{"version": 1, "connectors": [{"path": "c/X", "out": "x"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, ds := config.Load(file)
	if cfg == nil {
		t.Fatal(text(ds))
	}
	if c := cfg.Connectors[0]; c.Load != filepath.Join(dir, "c", "X") || c.OutDir != filepath.Join(dir, "x") || c.Path != "c/X" {
		t.Errorf("entry %+v", c)
	}
}

func text(ds diag.List) string {
	var b strings.Builder
	ds.Print(&b)
	return b.String()
}

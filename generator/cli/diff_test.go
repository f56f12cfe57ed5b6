package cli_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/cli"
	"github.com/connectorgen/connectorgen/generator/internal/udiff"
)

type jsonObject = map[string]any

// deriveConnector copies testdata connector name into a temporary folder
// of the same name and lets mutate change its decoded swagger and
// apiProperties.json. Both versions of a pair are derived, so they went
// through the same decode/encode and differ only by the mutation.
func deriveConnector(t *testing.T, name string, mutate func(api, props jsonObject)) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dst, os.DirFS(testConnector(name))); err != nil {
		t.Fatal(err)
	}
	files := []string{filepath.Join(dst, "apiDefinition.swagger.json"), filepath.Join(dst, "apiProperties.json")}
	docs := make([]jsonObject, len(files))
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &docs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if mutate != nil {
		mutate(docs[0], docs[1])
	}
	for i, f := range files {
		b, err := json.MarshalIndent(docs[i], "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// obj walks a decoded document by keys.
func obj(v jsonObject, keys ...string) jsonObject {
	for _, k := range keys {
		v = v[k].(jsonObject)
	}
	return v
}

// cloudmersiveV2 is a new version of Cloudmersive Virus Scan: Scan_File
// removed; Scan_Website with a new required and a first optional query
// parameter; VirusScanResult.CleanResult a string; the enum value
// "Phishing" renamed; a new required connection parameter.
func cloudmersiveV2(api, props jsonObject) {
	delete(obj(api, "paths"), "/virus/scan/file")
	website := obj(api, "paths", "/virus/scan/website", "post")
	website["parameters"] = append(website["parameters"].([]any),
		jsonObject{"name": "region", "in": "query", "required": true, "type": "string"},
		jsonObject{"name": "timeout", "in": "query", "type": "integer"})
	obj(api, "definitions", "VirusScanResult", "properties", "CleanResult")["type"] = "string"
	threat := obj(api, "definitions", "WebsiteScanResult", "properties", "WebsiteThreatType")
	for i, v := range threat["enum"].([]any) {
		if v == "Phishing" {
			threat["enum"].([]any)[i] = "PhishingSite"
		}
	}
	obj(props, "properties", "connectionParameters")["region"] = jsonObject{
		"type": "string", "uiDefinition": jsonObject{"constraints": jsonObject{"required": "true"}},
	}
}

const cloudmersive = "Cloudmersive Virus Scan"

func TestDiffBreakingTable(t *testing.T) {
	old := deriveConnector(t, cloudmersive, nil)
	new := deriveConnector(t, cloudmersive, cloudmersiveV2)
	stdout, stderr, code := run(t, "diff", old, new)
	if code != cli.ExitFail || stderr != "" {
		t.Fatalf("exit %d (want %d), stderr:\n%s", code, cli.ExitFail, stderr)
	}
	golden := filepath.Join("testdata", "diff.golden")
	if os.Getenv("CONNECTORGEN_UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if stdout != string(want) {
		t.Errorf("output differs from %s (refresh: CONNECTORGEN_UPDATE_GOLDEN=1 go test ./generator/cli -run TestDiffBreakingTable):\n%s",
			golden, udiff.Unified(golden, "stdout", want, []byte(stdout)))
	}
}

func TestDiffJSON(t *testing.T) {
	old := deriveConnector(t, cloudmersive, nil)
	new := deriveConnector(t, cloudmersive, cloudmersiveV2)
	stdout, stderr, code := run(t, "diff", "--json", old, new)
	if code != cli.ExitFail || stderr != "" {
		t.Fatalf("exit %d (want %d), stderr:\n%s", code, cli.ExitFail, stderr)
	}
	// Stable field names: decode loosely and check every key.
	var doc jsonObject
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, stdout)
	}
	if got := slices.Sorted(maps.Keys(doc)); !slices.Equal(got, []string{"changes", "new", "old", "summary"}) {
		t.Errorf("document keys %q", got)
	}
	if doc["old"] != old || doc["new"] != new {
		t.Errorf("old/new = %v, %v; want the arguments", doc["old"], doc["new"])
	}
	changes := doc["changes"].([]any)
	breaking := 0
	for _, c := range changes {
		c := c.(jsonObject)
		if got := slices.Sorted(maps.Keys(c)); !slices.Equal(got, []string{"breaking", "kind", "message", "new", "old", "symbol"}) {
			t.Errorf("change keys %q", got)
		}
		if c["breaking"] == true {
			breaking++
		}
	}
	if want := (jsonObject{"total": float64(len(changes)), "breaking": float64(breaking)}); !equalJSON(doc["summary"], want) {
		t.Errorf("summary = %v, want %v", doc["summary"], want)
	}
	// The same changes as the table, in the same order.
	table, _, _ := run(t, "diff", old, new)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	lines = lines[:len(lines)-2] // blank line, summary
	if len(lines) != len(changes) {
		t.Fatalf("%d table lines, %d JSON changes", len(lines), len(changes))
	}
	for i, c := range changes {
		c := c.(jsonObject)
		f := strings.Fields(lines[i])
		if c["breaking"] == true {
			f = f[1:]
		}
		if f[0] != c["symbol"] || !strings.HasSuffix(lines[i], c["message"].(string)) {
			t.Errorf("table line %q does not match change %v", lines[i], c)
		}
	}
	// One change in full.
	want := jsonObject{
		"kind": "param-added", "breaking": true, "symbol": "Client.ScanWebsite", "old": "", "new": "region string",
		"message": `required parameter "region" (query) added: argument region string`,
	}
	if !slices.ContainsFunc(changes, func(c any) bool { return equalJSON(c, want) }) {
		t.Errorf("no change %v in\n%s", want, stdout)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestDiffNotBreaking(t *testing.T) {
	old := deriveConnector(t, "wttr.in", nil)
	new := deriveConnector(t, "wttr.in", func(api, _ jsonObject) {
		get := obj(api, "paths", "/{location}", "get")
		get["parameters"] = append(get["parameters"].([]any), jsonObject{"name": "units", "in": "query", "type": "string"})
	})
	stdout, stderr, code := run(t, "diff", old, new)
	if code != cli.ExitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	want := "  WeatherGetOptions.Units  optional parameter \"units\" (query) added: field Units runtime.Opt[string]\n\n1 change, 0 breaking\n"
	if stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
	stdout, _, code = run(t, "diff", "--json", old, new)
	if code != cli.ExitOK || !strings.Contains(stdout, `"breaking": 0`) {
		t.Errorf("--json: exit %d\n%s", code, stdout)
	}
}

func TestDiffIdentical(t *testing.T) {
	dir := testConnector("wttr.in")
	stdout, stderr, code := run(t, "diff", dir, dir)
	if code != cli.ExitOK || stdout != "no changes in the generated Go API\n" || stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	stdout, _, code = run(t, "diff", "--json", dir, dir)
	var doc struct {
		Changes []any
		Summary struct{ Total, Breaking int }
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != cli.ExitOK || doc.Changes == nil || len(doc.Changes) != 0 || doc.Summary.Total != 0 {
		t.Errorf("--json: exit %d, err %v, doc %+v:\n%s", code, err, doc, stdout)
	}
}

func TestDiffUsageAndLoadErrors(t *testing.T) {
	dir := testConnector("wttr.in")
	broken := filepath.Join(t.TempDir(), "Broken")
	if err := os.MkdirAll(broken, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "apiDefinition.swagger.json"), []byte("{\n  \"swagger\": \"2.0\",\n  \"info\": {\"title\": \"x\" \"version\": \"1\"}\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"diff"},
		{"diff", dir},
		{"diff", dir, dir, dir},
		{"diff", "--no-such-flag", dir, dir},
		{"diff", dir, filepath.Join(t.TempDir(), "missing")},
		{"diff", broken, dir},
	} {
		stdout, stderr, code := run(t, args...)
		if code != cli.ExitUsage {
			t.Errorf("connectorgen %q: exit %d, want %d (stderr: %s)", args, code, cli.ExitUsage, stderr)
		}
		if stderr == "" || stdout != "" {
			t.Errorf("connectorgen %q: stdout %q, stderr %q", args, stdout, stderr)
		}
	}
	_, stderr, _ := run(t, "diff", broken, dir)
	if !regexp.MustCompile(`(?m)^.*Broken/apiDefinition\.swagger\.json:3:\d+: error: `).MatchString(stderr) {
		t.Errorf("load error without a position:\n%s", stderr)
	}
	if _, _, code := run(t, "diff", "--help"); code != cli.ExitOK {
		t.Errorf("diff --help: exit %d, want 0", code)
	}
}

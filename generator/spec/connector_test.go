package spec

import (
	"os"
	"path/filepath"
	"testing"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

const tinySwagger = `{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{}}`

func TestLoadConnectorFolder(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFile(t, "My Conn/apidefinition.Swagger.json", tinySwagger)
	writeFile(t, "My Conn/other.swagger.json", `not even json`)
	writeFile(t, "My Conn/ApiProperties.json", `{"properties":{"capabilities":["actions"]}}`)
	writeFile(t, "My Conn/Script.CSX", "public class Script : ScriptBase {}")
	writeFile(t, "My Conn/readme.md", "x")

	c, ds := LoadConnector("My Conn")
	wantDiags(t, diagStrings(ds))
	if c.Dir != "My Conn" || c.Name != "My Conn" || c.API == nil || c.Properties == nil || c.Script == nil {
		t.Fatalf("connector: %+v", c)
	}
	if c.API.File != filepath.Join("My Conn", "apidefinition.Swagger.json") || c.API.Pos.File != c.API.File {
		t.Errorf("API file %q pos %v", c.API.File, c.API.Pos)
	}
	if c.Properties.File != filepath.Join("My Conn", "ApiProperties.json") {
		t.Errorf("properties file %q", c.Properties.File)
	}
	if c.Script.File != filepath.Join("My Conn", "Script.CSX") || c.Script.Size != 35 {
		t.Errorf("script %+v", c.Script)
	}
}

func TestLoadConnectorFallbacks(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFile(t, "c/CQC-Connector.swagger.json", tinySwagger)
	writeFile(t, "c/b.cs", "class B {}")
	writeFile(t, "c/a.cs", "class A {}")
	c, ds := LoadConnector("c/")
	wantDiags(t, diagStrings(ds), "c/: warning: several script files (a.cs, b.cs); using a.cs")
	if c.Name != "c" || c.API == nil || c.API.File != filepath.Join("c", "CQC-Connector.swagger.json") || c.Properties != nil || c.Script.File != filepath.Join("c", "a.cs") {
		t.Errorf("connector: %+v", c)
	}

	// A lone swagger file.
	c, ds = LoadConnector(filepath.Join("c", "CQC-Connector.swagger.json"))
	wantDiags(t, diagStrings(ds))
	if c.Dir != "" || c.Name != "CQC-Connector" || c.API == nil || c.Script != nil {
		t.Errorf("lone file: %+v", c)
	}
}

func TestLoadConnectorErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFile(t, "empty/readme.md", "x")
	writeFile(t, "two/a.swagger.json", tinySwagger)
	writeFile(t, "two/b.swagger.json", tinySwagger)
	writeFile(t, "bad/apiDefinition.swagger.json", "{\"swagger\":\"2.0\",\n\"paths\":{}")
	writeFile(t, "bad/apiProperties.json", `{"properties":{}}`)

	_, ds := LoadConnector("empty")
	wantDiags(t, diagStrings(ds), "empty: error: no apiDefinition.swagger.json (or *.swagger.json) in the folder")
	_, ds = LoadConnector("two")
	wantDiags(t, diagStrings(ds), "two: error: several swagger files and no apiDefinition.swagger.json: a.swagger.json, b.swagger.json")
	c, ds := LoadConnector("bad")
	wantDiags(t, diagStrings(ds), filepath.Join("bad", "apiDefinition.swagger.json")+":2:11: error: invalid JSON: unexpected end of JSON input")
	if c == nil || c.API != nil || c.Properties == nil {
		t.Errorf("bad: %+v", c)
	}
	c, ds = LoadConnector("missing")
	wantDiags(t, diagStrings(ds), "missing: error: no such file or directory")
	if c != nil {
		t.Errorf("missing: %+v", c)
	}
}

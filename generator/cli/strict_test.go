package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/cli"
)

// TestGenerateStrict: a policy template the runtime cannot honour is a
// positioned warning, and an error (no package written, exit 1) with
// --strict.
func TestGenerateStrict(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("apiDefinition.swagger.json", `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "example.com",
  "paths": {"/x": {"get": {"operationId": "GetX", "responses": {"200": {"description": "ok"}}}}}}`)
	write("apiProperties.json", `{"properties": {"policyTemplateInstances": [
  {"templateId": "setheader", "title": "ok", "parameters": {"x-ms-apimTemplateParameter.name": "A", "x-ms-apimTemplateParameter.value": "b"}},
  {"templateId": "frobnicate", "title": "unknown", "parameters": {}}]}}`)
	const msg = `apiProperties.json:3:3: %s: policy template "frobnicate" (unknown) is not supported by the runtime: it is ignored`

	out := t.TempDir()
	_, stderr, code := run(t, "generate", "--out", out, dir)
	if code != cli.ExitOK || !strings.Contains(stderr, strings.Replace(msg, "%s", "warning", 1)) {
		t.Fatalf("without --strict: exit %d, stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "operations_gen.go")); err != nil {
		t.Fatal(err)
	}

	out = t.TempDir()
	_, stderr, code = run(t, "generate", "--strict", "--out", out, dir)
	if code != cli.ExitFail || !strings.Contains(stderr, strings.Replace(msg, "%s", "error", 1)) {
		t.Fatalf("--strict: exit %d, stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "operations_gen.go")); err == nil {
		t.Error("--strict wrote a package despite the error")
	}
}

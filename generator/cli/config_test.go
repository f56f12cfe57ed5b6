package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/cli"
)

// configModule writes a config file listing two corpus connectors (copied
// beside it) and returns its directory.
func configModule(t *testing.T, dir, config string) {
	t.Helper()
	for _, name := range []string{"Cloudmersive Virus Scan", "wttr.in"} {
		copyDir(t, testConnector(name), filepath.Join(dir, "connectors", name))
	}
	writeFile(t, filepath.Join(dir, "connectorgen.json"), config)
}

const twoConnectors = `{
  "version": 1,
  "connectors": [
    {
      "path": "connectors/Cloudmersive Virus Scan",
      "out": "virusscan",
      "package": "virusscan",
      // Websites are not scanned here.
      "exclude": ["Scan_Website"],
      "rename": {"#/definitions/VirusFound": "Virus"},
    },
    {
      "path": "connectors/wttr.in",
      "out": "weather",
      "package": "weather",
      "rename": {"WeatherGet": "Forecast"},
    },
  ],
}
`

func TestGenerateConfig(t *testing.T) {
	dir := t.TempDir()
	configModule(t, dir, twoConnectors)
	cfg := filepath.Join(dir, "connectorgen.json")
	if _, stderr, code := run(t, "check", "-c", cfg); code != cli.ExitFail || !strings.Contains(stderr, "stale; run connectorgen generate -c "+cfg) {
		t.Fatalf("check before generate: exit %d, stderr:\n%s", code, stderr)
	}
	stdout, stderr, code := run(t, "generate", "-c", cfg)
	if code != cli.ExitOK || stdout != "" || !strings.Contains(stderr, "connectorgen: 2 generated") {
		t.Fatalf("generate -c: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	actions := readFile(t, filepath.Join(dir, "virusscan", "actions_gen.go"))
	types := readFile(t, filepath.Join(dir, "virusscan", "types_gen.go"))
	switch {
	case !strings.Contains(actions, "// source: connectors/Cloudmersive Virus Scan\n"):
		t.Errorf("source is not the path as written in the config:\n%s", actions[:200])
	case strings.Contains(actions, "ScanWebsite") || strings.Contains(types, "WebsiteScan"):
		t.Errorf("the excluded operation or its types were generated")
	case !strings.Contains(types, "type Virus struct") || !strings.Contains(types, "[]Virus"):
		t.Errorf("definition VirusFound not renamed to Virus:\n%s", types)
	}
	if w := readFile(t, filepath.Join(dir, "weather", "actions_gen.go")); !strings.Contains(w, "\npackage weather\n") || !strings.Contains(w, ") Forecast(ctx context.Context") {
		t.Errorf("weather: package or renamed method missing:\n%s", w)
	}
	if stdout, stderr, code := run(t, "check", "-c", cfg); code != cli.ExitOK || stdout != "" {
		t.Fatalf("check after generate: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	// --check is the same as check.
	if _, _, code := run(t, "generate", "--check", "-c", cfg); code != cli.ExitOK {
		t.Errorf("generate --check -c: exit %d", code)
	}
}

func TestGenerateConfigErrors(t *testing.T) {
	dir := t.TempDir()
	configModule(t, dir, strings.Replace(twoConnectors, `"exclude": ["Scan_Website"]`, `"exclude": ["Scan_Websites"]`, 1))
	cfg := filepath.Join(dir, "connectorgen.json")
	// Operation names are checked against the connector and reported where
	// the config file names them; the other connector is still generated.
	_, stderr, code := run(t, "generate", "-c", cfg)
	want := cfg + `:9:19: error: exclude: ` + filepath.Join(dir, "connectors", "Cloudmersive Virus Scan", "apiDefinition.swagger.json") + ` has no operation "Scan_Websites" (did you mean "Scan_Website"?)`
	if code != cli.ExitFail || !strings.Contains(stderr, want) || !strings.Contains(stderr, "1 generated, 2 warnings, 1 failed") {
		t.Errorf("exit %d, stderr:\n%s\nwant:\n%s", code, stderr, want)
	}
	// A malformed file is reported with positions and generates nothing.
	writeFile(t, cfg, "{\"version\": 1, \"connectors\": [{\"path\": \"x\", \"out\": \"y\", \"outt\": 1}]}")
	if _, stderr, code := run(t, "generate", "-c", cfg); code != cli.ExitFail || !strings.Contains(stderr, cfg+`:1:57: error: unknown key "outt"`) {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	// Usage: the file says what to generate.
	for _, args := range [][]string{
		{"generate", "-c", cfg, "--out", dir},
		{"generate", "-c", cfg, "--package", "x"},
		{"generate", "-c", cfg, testConnector("wttr.in")},
		{"check", "-c", cfg, "--initialism", "AV"},
	} {
		if _, stderr, code := run(t, args...); code != cli.ExitUsage || !strings.Contains(stderr, "cannot be used with a config file") {
			t.Errorf("%q: exit %d, stderr:\n%s", args, code, stderr)
		}
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

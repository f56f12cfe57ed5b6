package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/cli"
	"github.com/connectorgen/connectorgen/generator/internal/udiff"
)

// inspectGoldens are the connectors of testdata/connectors whose inspect
// output is kept in testdata/inspect/<golden>: together they show policies
// (connector-wide and per operation), pagers and dynamic helpers, parameter
// sets with oauth2generic, a batch polling trigger with pollingtrigger
// state, webhooks, custom code for some and for every operation, warnings.
var inspectGoldens = []struct {
	connector, golden string
	json              bool
}{
	{"Planner", "planner.golden", false},
	{"3E Events", "3e-events.golden", false},
	{"3E Events", "3e-events.json.golden", true},
	{"Feathery Forms", "feathery-forms.golden", false},
	{"Govee", "govee.golden", false},
	{"wttr.in", "wttr.in.golden", false},
	{"365Training", "365training.golden", false},
}

// TestInspectGolden runs inspect from the repository root on connector
// paths as a user types them, so the goldens hold no "../..". Refresh with
// CONNECTORGEN_UPDATE_GOLDEN=1 go test ./generator/cli -run TestInspectGolden.
func TestInspectGolden(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "inspect"))
	if err != nil {
		t.Fatal(err)
	}
	update := os.Getenv("CONNECTORGEN_UPDATE_GOLDEN") != ""
	t.Chdir(filepath.Join("..", ".."))
	for _, tc := range inspectGoldens {
		t.Run(tc.golden, func(t *testing.T) {
			args := []string{"inspect", "testdata/connectors/" + tc.connector}
			if tc.json {
				args = []string{"inspect", "--json", "testdata/connectors/" + tc.connector}
			}
			stdout, stderr, code := run(t, args...)
			if code != cli.ExitOK || stderr != "" {
				t.Fatalf("exit %d (want 0), stderr:\n%s", code, stderr)
			}
			if again, _, _ := run(t, args...); again != stdout {
				t.Fatalf("two runs print different output:\n%s", udiff.Unified("first", "second", []byte(stdout), []byte(again)))
			}
			golden := filepath.Join(dir, tc.golden)
			if update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(stdout), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (create it: CONNECTORGEN_UPDATE_GOLDEN=1 go test ./generator/cli -run TestInspectGolden)", err)
			}
			if stdout != string(want) {
				name := filepath.Join("generator", "cli", "testdata", "inspect", tc.golden)
				t.Errorf("output differs from %s (refresh: CONNECTORGEN_UPDATE_GOLDEN=1 go test ./generator/cli -run TestInspectGolden):\n%s",
					name, udiff.Unified(name, "stdout", want, []byte(stdout)))
			}
			for i, line := range strings.Split(stdout, "\n") {
				if strings.TrimRight(line, " \t") != line {
					t.Errorf("line %d ends with white space: %q", i+1, line)
				}
			}
		})
	}
}

// TestInspectWarningsAsGenerate checks that the Warnings section holds
// exactly the lines generate prints on stderr, in the same order, and that
// the JSON document carries them too.
func TestInspectWarningsAsGenerate(t *testing.T) {
	for _, name := range []string{"wttr.in", "Planner", "Govee"} {
		t.Run(name, func(t *testing.T) {
			conn := testConnector(name)
			_, genErr, code := run(t, "generate", "--out", t.TempDir(), conn)
			if code != cli.ExitOK {
				t.Fatalf("generate: exit %d:\n%s", code, genErr)
			}
			if genErr == "" {
				t.Fatal("generate printed no warnings; pick a connector that has some")
			}
			stdout, _, code := run(t, "inspect", conn)
			if code != cli.ExitOK {
				t.Fatalf("inspect: exit %d", code)
			}
			_, section, ok := strings.Cut(stdout, "\nWarnings (")
			if !ok {
				t.Fatalf("no Warnings section in:\n%s", stdout)
			}
			_, lines, _ := strings.Cut(section, "\n")
			if lines != genErr {
				t.Errorf("inspect warnings:\n%s\ngenerate stderr:\n%s", lines, genErr)
			}
			stdout, _, _ = run(t, "inspect", "--json", conn)
			var doc struct {
				Warnings []struct{ Text string } `json:"warnings"`
			}
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, w := range doc.Warnings {
				texts = append(texts, w.Text+"\n")
			}
			if got := strings.Join(texts, ""); got != genErr {
				t.Errorf("JSON warnings:\n%s\ngenerate stderr:\n%s", got, genErr)
			}
		})
	}
}

// TestInspectJSONMatchesText checks that the JSON document and the tables
// list the same actions, triggers and policies.
func TestInspectJSONMatchesText(t *testing.T) {
	for _, name := range []string{"DeskDirector", "Emigo", "mondaycom", "JIRA", "SerwerSMS"} {
		t.Run(name, func(t *testing.T) {
			text, _, code := run(t, "inspect", testConnector(name))
			if code != cli.ExitOK {
				t.Fatalf("exit %d", code)
			}
			js, _, code := run(t, "inspect", "--json", testConnector(name))
			if code != cli.ExitOK {
				t.Fatalf("--json: exit %d", code)
			}
			var doc struct {
				Actions  []struct{ GoMethod string } `json:"actions"`
				Triggers []struct {
					OperationID string `json:"operationId"`
				} `json:"triggers"`
				Policies []json.RawMessage `json:"policies"`
				Warnings []json.RawMessage `json:"warnings"`
			}
			dec := json.NewDecoder(strings.NewReader(js))
			if err := dec.Decode(&doc); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				heading string
				n       int
			}{{"Actions", len(doc.Actions)}, {"Triggers", len(doc.Triggers)}, {"Policies", len(doc.Policies)}, {"Warnings", len(doc.Warnings)}} {
				want := "\n" + c.heading + " (" + strconv.Itoa(c.n) + ")\n"
				if !strings.Contains(text, want) {
					t.Errorf("text has no %q", strings.TrimSpace(want))
				}
			}
			for _, a := range doc.Actions {
				if !strings.Contains(text, "\n  "+a.GoMethod+" ") {
					t.Errorf("action %s missing from the table", a.GoMethod)
				}
			}
			for _, tr := range doc.Triggers {
				if !strings.Contains(text, "\n  "+tr.OperationID+" ") {
					t.Errorf("trigger %s missing from the table", tr.OperationID)
				}
			}
		})
	}
}

func TestInspectErrors(t *testing.T) {
	for _, args := range [][]string{
		{"inspect"},
		{"inspect", testConnector("Govee"), testConnector("wttr.in")},
		{"inspect", "--no-such-flag", testConnector("Govee")},
	} {
		stdout, stderr, code := run(t, args...)
		if code != cli.ExitUsage || stdout != "" || !strings.Contains(stderr, "connectorgen inspect") {
			t.Errorf("%q: exit %d (want %d), stdout %q, stderr:\n%s", args, code, cli.ExitUsage, stdout, stderr)
		}
	}
	if stdout, stderr, code := run(t, "inspect", "--help"); code != cli.ExitOK || stdout != "" || !strings.Contains(stderr, "--json") {
		t.Errorf("--help: exit %d, stderr:\n%s", code, stderr)
	}

	// A connector that does not load: exit 1, its diagnostics on stderr.
	dir := filepath.Join(t.TempDir(), "broken")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "apiDefinition.swagger.json"), []byte(`{"swagger": "2.0", "paths": {`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"inspect", dir}, {"inspect", "--json", dir}, {"inspect", filepath.Join(t.TempDir(), "missing")}} {
		stdout, stderr, code := run(t, args...)
		if code != cli.ExitFail || stdout != "" || !strings.Contains(stderr, ": error: ") || !strings.Contains(stderr, "connectorgen inspect: cannot load ") {
			t.Errorf("%q: exit %d (want %d), stdout %q, stderr:\n%s", args, code, cli.ExitFail, stdout, stderr)
		}
	}
}

package generator_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/cli"
	"github.com/connectorgen/connectorgen/generator/internal/corpus"
)

var (
	summaryRE = regexp.MustCompile(`(?m)^connectorgen: (\d+) generated, (\d+) warnings, (\d+) failed$`)
	// A positioned error: path:line:col: error: message (line and column > 0).
	positionedErrRE = regexp.MustCompile(`(?m)^(.+):([1-9]\d*):([1-9]\d*): error: .+$`)
	anyErrRE        = regexp.MustCompile(`(?m)^.*: error: .*$`)
)

// TestCorpus generates every connector of the shared corpus with the real
// CLI in one batch, then builds and vets all generated packages together in
// one module. Unrepairable inputs must fail with a positioned error.
func TestCorpus(t *testing.T) {
	conns := corpus.Connectors(t)
	if testing.Short() {
		t.Skip("-short: skipping the whole-corpus build")
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), append([]string{"generate", "--out", out}, conns...), &cli.Env{Stdout: &stdout, Stderr: &stderr})
	m := summaryRE.FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no summary line in stderr:\n%s", tail(stderr.String(), 40))
	}
	generated, _ := strconv.Atoi(m[1])
	warnings, _ := strconv.Atoi(m[2])
	failed, _ := strconv.Atoi(m[3])
	if generated+failed != len(conns) {
		t.Errorf("generated %d + failed %d != %d connectors", generated, failed, len(conns))
	}
	if want := map[bool]int{true: cli.ExitFail, false: cli.ExitOK}[failed > 0]; code != want {
		t.Errorf("exit code %d, want %d", code, want)
	}
	// Every error line names file:line:col, and every failed connector has one.
	for _, line := range anyErrRE.FindAllString(stderr.String(), -1) {
		if !positionedErrRE.MatchString(line) {
			t.Errorf("error without a position: %s", line)
		}
	}
	failedDirs := map[string]bool{}
	for _, m := range positionedErrRE.FindAllStringSubmatch(stderr.String(), -1) {
		failedDirs[filepath.Dir(m[1])] = true
	}
	if len(failedDirs) != failed {
		t.Errorf("%d connectors failed but %d have positioned errors", failed, len(failedDirs))
	}
	// The corpus is known to hold a few structurally broken files (protocol
	// doc §1.6); anything more is a regression.
	if failed > 3 {
		t.Errorf("%d connectors failed, want at most 3:\n%s", failed, strings.Join(anyErrRE.FindAllString(stderr.String(), -1), "\n"))
	}

	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	gomod := "module corpuscheck\n\ngo 1.26\n\nrequire github.com/connectorgen/connectorgen v0.0.0\n\nreplace github.com/connectorgen/connectorgen => " + strconv.Quote(root) + "\n"
	if err := os.WriteFile(filepath.Join(out, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = out
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s in the generated module: %v\n%s", strings.Join(args, " "), err, tail(string(b), 60))
		}
	}

	lines, methods := 0, 0
	filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_gen.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		lines += bytes.Count(b, []byte("\n"))
		methods += bytes.Count(b, []byte("\nfunc (c *Client) "))
		return nil
	})
	t.Logf("corpus: %d connectors, %d generated, %d failed (positioned errors), %d warnings; "+
		"%d packages built and vetted together; %d action methods, %d generated lines (%.0f lines per action)",
		len(conns), generated, failed, warnings, generated, methods, lines, float64(lines)/float64(max(methods, 1)))
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

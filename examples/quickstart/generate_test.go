package main

import (
	"os"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator"
)

// generateCmd is the go:generate command of main.go. The test runs in this
// folder, as go generate does, so the paths are the same and so is the
// "source:" line of the generated files.
const generateCmd = "go run ../../cmd/connectorgen generate --package acme --out acme ../../testdata/demo"

// TestGeneratedCodeIsFresh fails when the checked-in package acme differs
// from what the generator makes of testdata/demo now, and when the demo
// connector draws warnings.
func TestGeneratedCodeIsFresh(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "\n//go:generate "+generateCmd+"\n") {
		t.Fatalf("main.go has no line //go:generate %s; keep the two in step", generateCmd)
	}
	res, ds := generator.Generate("../../testdata/demo", generator.Options{Package: "acme"})
	if res == nil {
		t.Fatalf("generating testdata/demo failed:\n%s", ds.Error())
	}
	if len(ds) > 0 {
		t.Errorf("testdata/demo should generate without diagnostics, got:\n%s", ds.Error())
	}
	diff, err := generator.Check("acme", res.Files)
	if err != nil {
		t.Fatal(err)
	}
	if diff != "" {
		t.Errorf("examples/quickstart/acme is stale; run go generate ./examples/quickstart\n%s", diff)
	}
}

package generator_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator"
	"github.com/connectorgen/connectorgen/generator/spec"
)

// FuzzGenerate runs the whole pipeline (load, lower, emit) on arbitrary
// swagger bytes: it must never panic, and a document that loads must either
// generate formatted Go or fail with an error diagnostic (never a silent nil).
func FuzzGenerate(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "testdata", "connectors", "*", "apiDefinition.swagger.json"))
	for _, s := range seeds {
		// Small seeds only: large ones make each execution slow enough
		// that the fuzzer hardly mutates anything.
		if b, err := os.ReadFile(s); err == nil && len(b) < 10_000 {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a/{b}":{"get":{"operationId":"type","parameters":[{"name":"b","in":"path","required":true,"type":"string","enum":["*/","\"","` + "`" + `"]}],"responses":{"200":{"description":"ok","schema":{"type":"object","properties":{"a,b":{"type":"string"},"-":{"type":"integer"},"func":{"type":"boolean"}}}}}}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, ds := spec.Load("fuzz.json", data)
		if doc == nil {
			if !ds.HasErrors() {
				t.Fatal("nil document without an error")
			}
			return
		}
		if ds.HasErrors() {
			return
		}
		res, gds := generator.GenerateConnector(&spec.Connector{Name: "fuzz", API: doc}, generator.Options{})
		if res == nil {
			if !gds.HasErrors() {
				t.Fatal("generation returned nothing without an error")
			}
			for _, d := range gds {
				if strings.Contains(d.Msg, "connectorgen bug") {
					t.Fatalf("emitted unformattable Go: %s", d.Msg)
				}
			}
			return
		}
		for _, file := range res.Files {
			if len(file.Content) == 0 {
				t.Fatalf("%s is empty", file.Name)
			}
		}
	})
}

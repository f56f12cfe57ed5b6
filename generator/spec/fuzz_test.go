package spec

import (
	"cmp"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/connectorgen/connectorgen/generator/diag"
)

// fuzzSeeds are small documents exercising the repairs and the model.
var fuzzSeeds = []string{
	`{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{}}`,
	"\ufeff{\"swagger\":\"2.0\",\"info\":{\"title\":\"caf\xe9\",\"version\":\"1\"},\"paths\":{},}",
	`{"swagger":"2.0", // comment
"info":{"title":"t","version":"1"},"paths":{"/a/{id}":{"get":{"responses":{"200":{"description":"ok"}}},"post":{"operationId":"X","operationId":"Y","responses":{}}}}}`,
	`{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/n":{"x-ms-notification-content":{"schema":{"$ref":"#/definitions/N"}}}},
"definitions":{"N":{"type":"object","properties":{"c":{"type":"array","items":{"$ref":"#/definitions/N"}}}}}}`,
	`{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"parameters":[{"$ref":"#/parameters/P"},{"in":"body","name":"b","schema":{"$ref":"#/definitions/Missing"}}],"responses":{}}}},"parameters":{"P":{"name":"p","in":"query","type":"string"}}}`,
	`{"openapi":"3.1.0","info":{"title":"t","version":"1"},"servers":[{"url":"https://h/b"}],"paths":{"/a":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":["string","null"]}}}},"responses":{"200":{"description":"ok"}}}}}}`,
	"{\"swagger\":\"2.0\",\"info\":{\"title\":\"a\tb\nc\",\"version\":\"1\"},\"paths\":{}}",
	`{"swagger":"3.0"}`,
	`[1,2]`,
	`{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"x-ms-visibilty":"Advanced","x-ms-trigger":"Batch","x-ms-pageable":{"nextLinkName":null},"responses":{"default":{"description":"d","schema":{"allOf":[{"type":"object"}],"additionalProperties":true}}}}}}}`,
}

// FuzzLoad asserts that Load never panics (a panic in connectorgen's own
// code fails; one inside libopenapi is contained by Load's recover) and
// that a nil document always comes with an error.
func FuzzLoad(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	for _, p := range fuzzCorpusSeeds() {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, ds := Load("fuzz.json", data)
		checkNoOwnBug(t, ds)
		if doc == nil && !ds.HasErrors() {
			t.Fatalf("nil document without an error: %v", ds)
		}
		props, ds := LoadProperties("fuzz.json", data)
		checkNoOwnBug(t, ds)
		if props == nil && !ds.HasErrors() {
			t.Fatalf("nil properties without an error: %v", ds)
		}
	})
}

// checkNoOwnBug fails on a contained panic raised by this module's code.
func checkNoOwnBug(t *testing.T, ds diag.List) {
	t.Helper()
	for _, d := range ds {
		if strings.Contains(d.Msg, "connectorgen bug:") {
			if strings.Contains(d.Msg, "(in github.com/connectorgen/") {
				t.Fatalf("panic in connectorgen code: %v", d)
			}
			t.Logf("contained libopenapi panic: %v", d)
		}
	}
}

// fuzzCorpusSeeds picks the 20 smallest swagger files of the corpus: small
// inputs keep the fuzzer (and its minimizer) fast.
func fuzzCorpusSeeds() []string {
	type file struct {
		path string
		size int64
	}
	var all []file
	_ = filepath.WalkDir(corpusDir(), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(strings.ToLower(p), ".swagger.json") {
			if fi, err := d.Info(); err == nil {
				all = append(all, file{p, fi.Size()})
			}
		}
		return nil
	})
	slices.SortFunc(all, func(a, b file) int { return cmp.Or(cmp.Compare(a.size, b.size), cmp.Compare(a.path, b.path)) })
	var out []string
	for _, f := range all[:min(20, len(all))] {
		out = append(out, f.path)
	}
	return out
}

package spec

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v2high "github.com/pb33f/libopenapi/datamodel/high/v2"
)

// corpusSwaggerFiles returns the swagger files of the corpus with their
// bytes, skipping the benchmark when the corpus is absent.
func corpusSwaggerFiles(tb testing.TB) (names []string, datas [][]byte) {
	tb.Helper()
	root := corpusDir()
	if _, err := os.Stat(root); err != nil {
		tb.Skipf("corpus not found at %s", root)
	}
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(strings.ToLower(p), ".swagger.json") {
			if b, err := os.ReadFile(p); err == nil {
				names, datas = append(names, p), append(datas, b)
			}
		}
		return nil
	})
	return names, datas
}

// BenchmarkLoadCorpus loads every corpus swagger through Load.
func BenchmarkLoadCorpus(b *testing.B) {
	names, datas := corpusSwaggerFiles(b)
	b.ResetTimer()
	for b.Loop() {
		for i, d := range datas {
			Load(names[i], d)
		}
	}
}

// BenchmarkLibopenapiCorpus is the raw libopenapi build of the same bytes
// (document + v2 model, no schema walk), the baseline for BenchmarkLoadCorpus.
func BenchmarkLibopenapiCorpus(b *testing.B) {
	_, datas := corpusSwaggerFiles(b)
	b.ResetTimer()
	for b.Loop() {
		for _, d := range datas {
			cfg := datamodel.NewDocumentConfiguration()
			cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			doc, err := libopenapi.NewDocumentWithConfiguration(d, cfg)
			if err != nil {
				continue
			}
			_, _ = doc.BuildV2Model()
		}
	}
}

// BenchmarkLibopenapiFullModelCorpus is libopenapi's model build with every
// schema built: BuildV2Model is lazy and leaves schemas unbuilt, while a
// generator needs all of them, so this is the cost of the whole model a
// libopenapi-based generator has to walk.
func BenchmarkLibopenapiFullModelCorpus(b *testing.B) {
	_, datas := corpusSwaggerFiles(b)
	b.ResetTimer()
	for b.Loop() {
		for _, d := range datas {
			cfg := datamodel.NewDocumentConfiguration()
			cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			doc, err := libopenapi.NewDocumentWithConfiguration(d, cfg)
			if err != nil {
				continue
			}
			m, err := doc.BuildV2Model()
			if m == nil {
				continue
			}
			buildAllSchemas(&m.Model)
		}
	}
}

// buildAllSchemas builds every schema reachable from definitions,
// parameters and responses, once each.
func buildAllSchemas(sw *v2high.Swagger) {
	seen := map[any]bool{} // by $ref: every use of a reference is a new proxy
	var walk func(p *base.SchemaProxy)
	walk = func(p *base.SchemaProxy) {
		if p == nil {
			return
		}
		var key any = p
		if ref := p.GetReference(); ref != "" {
			key = ref
		}
		if seen[key] {
			return
		}
		seen[key] = true
		s := p.Schema()
		if s == nil {
			return
		}
		if s.Properties != nil {
			for _, q := range s.Properties.FromOldest() {
				walk(q)
			}
		}
		if s.Items != nil && s.Items.IsA() {
			walk(s.Items.A)
		}
		if s.AdditionalProperties != nil && s.AdditionalProperties.IsA() {
			walk(s.AdditionalProperties.A)
		}
		for _, q := range s.AllOf {
			walk(q)
		}
	}
	if sw.Definitions != nil {
		for _, p := range sw.Definitions.Definitions.FromOldest() {
			walk(p)
		}
	}
	if sw.Paths == nil {
		return
	}
	for _, item := range sw.Paths.PathItems.FromOldest() {
		for _, op := range item.GetOperations().FromOldest() {
			for _, prm := range op.Parameters {
				walk(prm.Schema)
			}
			if op.Responses == nil {
				continue
			}
			for _, r := range op.Responses.Codes.FromOldest() {
				walk(r.Schema)
			}
		}
	}
}

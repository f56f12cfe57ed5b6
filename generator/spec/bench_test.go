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

package spec_test

import (
	"io"
	"log/slog"
	"runtime"
	"sync"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
	"os"
	"path/filepath"
	"testing"

	"github.com/connectorgen/connectorgen/generator"
	"github.com/connectorgen/connectorgen/generator/internal/corpus"
	"github.com/connectorgen/connectorgen/generator/spec"
)

type corpusInput struct {
	name, swaggerFile, propsFile string
	swagger, props               []byte
}

// readCorpus reads the swagger and properties files of every corpus
// connector into memory, so that benchmarks measure no file I/O.
func readCorpus(b *testing.B) []corpusInput {
	var in []corpusInput
	for _, dir := range corpus.Connectors(b) {
		c := corpusInput{name: filepath.Base(dir), swaggerFile: filepath.Join(dir, "apiDefinition.swagger.json"), propsFile: filepath.Join(dir, "apiProperties.json")}
		var err error
		if c.swagger, err = os.ReadFile(c.swaggerFile); err != nil {
			continue // the loader's tests cover odd file names
		}
		c.props, _ = os.ReadFile(c.propsFile)
		in = append(in, c)
	}
	return in
}

// generateOne runs the pipeline on one connector's bytes; nil when the
// connector does not load (the few broken corpus files).
func generateOne(b *testing.B, c corpusInput) *generator.Result {
	doc, ds := spec.Load(c.swaggerFile, c.swagger)
	if doc == nil || ds.HasErrors() {
		return nil
	}
	conn := &spec.Connector{Name: c.name, API: doc}
	if c.props != nil {
		props, pds := spec.LoadProperties(c.propsFile, c.props)
		if props == nil || pds.HasErrors() {
			return nil
		}
		conn.Properties = props
	}
	res, _ := generator.GenerateConnector(conn, generator.Options{})
	if res == nil {
		b.Errorf("%s: generation failed", c.name)
	}
	return res
}

// BenchmarkGenerateCorpus runs the whole pipeline (load swagger and
// properties, lower, emit formatted Go) over the corpus, from bytes. Compare
// with BenchmarkLibopenapiCorpus, libopenapi's own model build of the same
// swagger bytes, in the same run.
func BenchmarkGenerateCorpus(b *testing.B) {
	in := readCorpus(b)
	b.ResetTimer()
	var bytesOut, ops int
	for b.Loop() {
		bytesOut, ops = 0, 0
		for _, c := range in {
			res := generateOne(b, c)
			if res == nil {
				continue
			}
			for _, f := range res.Files {
				bytesOut += len(f.Content)
			}
			ops += len(res.Package.Actions) + len(res.Package.Triggers)
		}
	}
	b.ReportMetric(float64(bytesOut), "bytes-out/op")
	b.ReportMetric(float64(ops), "operations/op")
}

// forEachParallel calls fn for every index on GOMAXPROCS workers, as
// `connectorgen generate` does for a batch.
func forEachParallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := range n {
		next <- i
	}
	close(next)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// BenchmarkGenerateCorpusParallel is BenchmarkGenerateCorpus with the
// connectors spread over GOMAXPROCS workers, the way the CLI runs a batch.
func BenchmarkGenerateCorpusParallel(b *testing.B) {
	in := readCorpus(b)
	b.ResetTimer()
	for b.Loop() {
		forEachParallel(len(in), func(i int) { generateOne(b, in[i]) })
	}
}

// BenchmarkLibopenapiCorpusParallel is the baseline of
// BenchmarkGenerateCorpusParallel: libopenapi's model build of the same
// swagger bytes on the same workers.
func BenchmarkLibopenapiCorpusParallel(b *testing.B) {
	in := readCorpus(b)
	b.ResetTimer()
	for b.Loop() {
		forEachParallel(len(in), func(i int) {
			cfg := datamodel.NewDocumentConfiguration()
			cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
			doc, err := libopenapi.NewDocumentWithConfiguration(in[i].swagger, cfg)
			if err != nil {
				return
			}
			_, _ = doc.BuildV2Model()
		})
	}
}

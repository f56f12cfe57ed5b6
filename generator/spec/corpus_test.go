package spec

import "path/filepath"

// corpusDir is the shared connector corpus, relative to this package.
func corpusDir() string {
	return filepath.Join("..", "..", "..", "shared", "corpus", "connectors")
}

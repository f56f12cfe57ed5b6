//go:build race

package apidiff

// raceEnabled is set when the tests run with -race, which makes generating
// the whole corpus several times slower.
const raceEnabled = true

//go:build !race

package apidiff

const raceEnabled = false

//go:build race

package archive_test

// raceEnabled: the race detector slows the 10,000-dossier test about 10×.
const raceEnabled = true

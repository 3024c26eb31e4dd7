//go:build race

package phoenix_test

// raceDetector is true in a build with the race detector, which makes the
// long-conversation proof ten times slower.
const raceDetector = true

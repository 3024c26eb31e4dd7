//go:build !race

package phoenix_test

const raceDetector = false

// Package readme holds the test that builds every Go snippet of the
// repository's README.md as a reader would copy it: each ```go block is a
// complete Go file, package clause and imports included, and must compile
// as it stands against this checkout, offline, from the module cache.
//
//	go test ./proof/readme
//
// The package has no code of its own; -short skips the test.
package readme

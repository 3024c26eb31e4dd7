package openaitest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when any test leaves a goroutine behind: every
// server is closed and Close must stop its streams and connections.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

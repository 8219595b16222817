package controller

import (
	"testing"

	"go.uber.org/goleak"
)

// The reconcilers start goroutine groups through the supervisor, and the
// envtest suite runs a whole manager: every test must leave nothing behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

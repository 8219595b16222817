package botgroup

import (
	"testing"

	"go.uber.org/goleak"
)

// The exchange-health task runs on its own goroutine in these tests: each
// must be stopped, and its HTTP connections closed, before the test ends.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

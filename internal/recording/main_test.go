package recording

import (
	"testing"

	"go.uber.org/goleak"
)

// Every Sink starts sender goroutines and an HTTP transport; each test
// closes its Sinks, and nothing may outlive them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

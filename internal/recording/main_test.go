package recording

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// Every Sink starts sender goroutines and an HTTP transport; each test
// closes its Sinks, and nothing may outlive them. Run as the kill -9
// drill's child, the binary only records until it is killed.
func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		drillChild()
	}
	goleak.VerifyTestMain(m)
}

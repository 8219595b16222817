package exchange

import (
	"testing"

	"go.uber.org/goleak"
)

// Shared requests run on goroutines of their own; none may outlive its
// Registry.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

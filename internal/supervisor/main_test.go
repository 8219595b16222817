package supervisor

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test must leave no goroutine behind: that is half of this package's
// contract.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

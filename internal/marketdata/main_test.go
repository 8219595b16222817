package marketdata

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test must leave no goroutine behind: the hub owns every goroutine it
// starts, and stopping it must end them all.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

package marketrecord

import (
	"testing"

	"go.uber.org/goleak"
)

// The Recorder, the hub and the sink start goroutines; every test stops
// them all.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

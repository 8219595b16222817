package controller

import (
	"testing"

	"go.uber.org/goleak"
)

// The reconcilers start goroutine groups through the supervisor, and the
// envtest suite runs a whole manager: every test must leave nothing behind.
//
// One exception, not ours: controller-runtime's metadata-only informer (the
// Secret watch) wraps its watch in apimachinery's watch.Filter, whose
// goroutine stays blocked forever if the watch is stopped while it holds an
// event (kubernetes/kubernetes#113254). The manager's shutdown can do that.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("k8s.io/apimachinery/pkg/watch.(*filteredWatch).loop"))
}

package runtime_test

import (
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/tradebot-operator/tradebot-operator/internal/runtime"
)

// The manager runs the Supervisor only on the elected replica.
var (
	_ manager.Runnable               = (*runtime.Supervisor)(nil)
	_ manager.LeaderElectionRunnable = (*runtime.Supervisor)(nil)
)

func TestSupervisorNeedsLeaderElection(t *testing.T) {
	if !runtime.NewSupervisor(runtime.Options{}).NeedLeaderElection() {
		t.Error("NeedLeaderElection = false, want true")
	}
}

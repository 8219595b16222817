package supervisor_test

import (
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
)

// The manager runs the Supervisor only on the elected replica.
var (
	_ manager.Runnable               = (*supervisor.Supervisor)(nil)
	_ manager.LeaderElectionRunnable = (*supervisor.Supervisor)(nil)
)

func TestSupervisorNeedsLeaderElection(t *testing.T) {
	if !supervisor.New(supervisor.Options{}).NeedLeaderElection() {
		t.Error("NeedLeaderElection = false, want true")
	}
}

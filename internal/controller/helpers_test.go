package controller

import (
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
)

// t0 is the fixed "now" of the pure status tests.
var t0 = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

const testEndpoint = "http://127.0.0.1:18090"

// healthyHealth is an endpoint that answered its last probe and has nothing
// to complain about.
func healthyHealth() exchange.Health {
	return exchange.Health{
		Endpoint:      testEndpoint,
		Probed:        true,
		Reachable:     true,
		LastContact:   t0.Add(-time.Second),
		ClockOffset:   12 * time.Millisecond,
		UsedWeight1m:  22,
		WeightLimit1m: 6000,
		OrderLimit10s: 100,
		Breaker:       exchange.BreakerStatus{State: exchange.BreakerClosed},
		Probes:        3,
	}
}

// runningTasks is a group whose one task runs.
func runningTasks() supervisor.GroupSnapshot {
	return supervisor.GroupSnapshot{
		Key:     "TradingBot/ns/bot",
		Version: "v1",
		Started: t0.Add(-time.Minute),
		Tasks:   []supervisor.TaskStatus{{Name: "exchange-health", State: supervisor.TaskRunning, Since: t0.Add(-time.Minute)}},
	}
}

// condSummary renders conditions as "Type=Status/Reason", sorted, so a table
// can state them in one line.
func condSummary(conds []metav1.Condition) string {
	parts := make([]string, 0, len(conds))
	for _, c := range conds {
		parts = append(parts, c.Type+"="+string(c.Status)+"/"+c.Reason)
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// findCond returns the condition of type t or fails the test.
func findCond(t *testing.T, conds []metav1.Condition, condType string) metav1.Condition {
	t.Helper()
	for _, c := range conds {
		if c.Type == condType {
			return c
		}
	}
	t.Fatalf("no %s condition in %s", condType, condSummary(conds))
	return metav1.Condition{}
}

// conditionReason is the schema's pattern for metav1.Condition.Reason: a
// status with any other reason is refused by the API server.
var conditionReason = regexp.MustCompile(`^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$`)

// checkConditionsValid fails the test for any condition the API server
// would refuse.
func checkConditionsValid(t *testing.T, conds []metav1.Condition) {
	t.Helper()
	for _, c := range conds {
		switch {
		case !conditionReason.MatchString(c.Reason):
			t.Errorf("condition %s has reason %q, which the API server refuses", c.Type, c.Reason)
		case c.Status != metav1.ConditionTrue && c.Status != metav1.ConditionFalse && c.Status != metav1.ConditionUnknown:
			t.Errorf("condition %s has status %q", c.Type, c.Status)
		case c.LastTransitionTime.IsZero():
			t.Errorf("condition %s has no lastTransitionTime", c.Type)
		case len(c.Message) > 32768:
			t.Errorf("condition %s message is %d bytes long", c.Type, len(c.Message))
		}
	}
}

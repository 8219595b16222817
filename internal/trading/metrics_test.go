package trading

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tradebot-operator/tradebot-operator/internal/risk"
)

// TestRiskHaltedMetric checks tradebot_risk_halted: 0 while the bot trades,
// 1 once a risk limit halts it, gone when the bot is forgotten.
func TestRiskHaltedMetric(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	const bot = "default/btc"
	m.observe(bot, &Snapshot{})
	if got := testutil.ToFloat64(m.halted.WithLabelValues(bot)); got != 0 {
		t.Errorf("tradebot_risk_halted = %v while trading, want 0", got)
	}
	m.observe(bot, &Snapshot{Risk: risk.State{Halted: true}})
	if got := testutil.ToFloat64(m.halted.WithLabelValues(bot)); got != 1 {
		t.Errorf("tradebot_risk_halted = %v once halted, want 1", got)
	}
	m.Forget(bot)
	if n := testutil.CollectAndCount(m.halted, "tradebot_risk_halted"); n != 0 {
		t.Errorf("%d tradebot_risk_halted series after Forget, want 0", n)
	}
}

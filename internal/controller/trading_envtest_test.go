package controller

import (
	"fmt"
	"testing"
	"time"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

func describeTrading(b *tradingv1alpha1.TradingBot) string {
	tr := b.Status.Trading
	if tr == nil {
		return fmt.Sprintf("phase %q, no trading status yet, signals %+v", b.Status.Phase, b.Status.Signals)
	}
	return fmt.Sprintf("phase %q, placed %d filled %d rejected %d skipped %d, pnl %q day %q, halted %v, resumedWith %q, conditions [%s]",
		b.Status.Phase, tr.OrdersPlaced, tr.OrdersFilled, tr.OrdersRejected, tr.OrdersSkipped, tr.PnL, tr.DailyPnL,
		tr.HaltedAt, tr.ResumedWith, condSummary(b.Status.Conditions))
}

// testTrading runs a Paper bot on its own simulator paper account with a
// daily loss limit so small that the fee of its first filled order trips
// it: the bot trades, halts (phase, condition, Warning Event, no more
// orders), stays halted across a restart of its group, and resumes when a
// person sets the resume annotation after raising the limit.
func testTrading(t *testing.T, s *envSuite) {
	ns := s.namespace(t, "trading")
	nn := types.NamespacedName{Namespace: ns, Name: "trader"}
	bot := newBot(nn, "BTCUSDT")
	bot.Spec.Strategy = tradingv1alpha1.StrategySpec{Type: tradingv1alpha1.StrategySMACrossover, Interval: tradingv1alpha1.Interval1s,
		SMACrossover: &tradingv1alpha1.CrossoverParams{FastPeriod: 2, SlowPeriod: 3}, MinConfidence: "0.0001"}
	zero := metav1.Duration{}
	bot.Spec.Risk = tradingv1alpha1.RiskSpec{MaxOrderQuote: "50", MaxPositionQuote: "500", MaxDailyLossQuote: "0.000001",
		MaxOrdersPerMinute: 60, Cooldown: &zero}
	s.createBot(t, bot)

	halted := waitFor(t, s, nn, newBotObj, "a filled order, then the halt", func(b *tradingv1alpha1.TradingBot) bool {
		return b.Status.Trading != nil && b.Status.Trading.OrdersFilled > 0 && b.Status.Phase == tradingv1alpha1.BotPhaseHalted
	}, describeTrading)
	tr := halted.Status.Trading
	if tr.HaltedAt == nil || tr.LastOrder == nil || tr.LastOrder.ClientOrderID == "" || tr.PnL == "" {
		t.Fatalf("halted trading status %+v", tr)
	}
	// The day's openings reach status through the API server's schema,
	// for a restart to rebuild from.
	if ops := tr.Openings; len(ops) != 1 || ops[0].Symbol != "BTCUSDT" || ops[0].DayStartPrice == "" ||
		!ops[0].Day.UTC().Equal(time.Now().UTC().Truncate(24*time.Hour)) {
		t.Errorf("status.trading.openings %+v; want today's opening of BTCUSDT", ops)
	}
	cond := apimeta.FindStatusCondition(halted.Status.Conditions, tradingv1alpha1.ConditionRiskHalted)
	if cond == nil || cond.Status != metav1.ConditionTrue || cond.Reason != tradingv1alpha1.ReasonDailyLossLimit {
		t.Fatalf("RiskHalted %+v", cond)
	}
	s.waitForEvent(t, "TradingBot", nn, "Warning", "RiskHalted", "daily loss limit")
	s.waitForEvent(t, "TradingBot", nn, "Normal", "OrderPlaced", "FILLED")

	// Halted: signals keep coming, orders do not.
	placed := tr.OrdersPlaced
	signalsAtHalt := halted.Status.Signals.Total
	waitFor(t, s, nn, newBotObj, "more signals while halted", func(b *tradingv1alpha1.TradingBot) bool {
		return b.Status.Signals != nil && b.Status.Signals.Total >= signalsAtHalt+2
	}, describeTrading)
	if got := get(t, s, nn, newBotObj).Status.Trading.OrdersPlaced; got != placed {
		t.Fatalf("%d orders placed while halted (had %d at the halt)", got, placed)
	}

	// A spec change restarts the group: the halt survives it.
	update(t, s, nn, newBotObj, func(b *tradingv1alpha1.TradingBot) { b.Spec.Risk.MaxDailyLossQuote = "1000" })
	restarted := waitFor(t, s, nn, newBotObj, "the new generation observed", func(b *tradingv1alpha1.TradingBot) bool {
		return b.Status.ObservedGeneration == b.Generation && b.Status.Trading != nil
	}, describeTrading)
	time.Sleep(2 * time.Second) // a few status refreshes of the new group
	if b := get(t, s, nn, newBotObj); b.Status.Phase != tradingv1alpha1.BotPhaseHalted {
		t.Fatalf("the halt did not survive the restart: %s", describeTrading(b))
	}
	_ = restarted

	// A person resumes it.
	update(t, s, nn, newBotObj, func(b *tradingv1alpha1.TradingBot) {
		if b.Annotations == nil {
			b.Annotations = map[string]string{}
		}
		b.Annotations[ResumeAnnotation] = "first"
	})
	resumed := waitFor(t, s, nn, newBotObj, "resumed", func(b *tradingv1alpha1.TradingBot) bool {
		return b.Status.Phase != tradingv1alpha1.BotPhaseHalted && b.Status.Trading != nil && b.Status.Trading.ResumedWith == "first"
	}, describeTrading)
	if c := apimeta.FindStatusCondition(resumed.Status.Conditions, tradingv1alpha1.ConditionRiskHalted); c == nil || c.Status != metav1.ConditionFalse {
		t.Errorf("RiskHalted after resuming: %+v", c)
	}
	if resumed.Status.Trading.HaltedAt != nil {
		t.Errorf("haltedAt still set after resuming: %v", resumed.Status.Trading.HaltedAt)
	}
	s.waitForEvent(t, "TradingBot", nn, "Normal", "Resumed", "resume annotation")
}

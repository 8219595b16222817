package controller

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/botgroup"
	"github.com/tradebot-operator/tradebot-operator/internal/redact"
	"github.com/tradebot-operator/tradebot-operator/internal/trading"
)

// ResumeAnnotation resumes a bot halted by its daily loss limit: setting it
// to a value the bot has not acted on yet (status.trading.resumedWith)
// lifts the halt, if the day's loss is back within the limit.
const ResumeAnnotation = "trading.tradebot.dev/resume"

// tradingAnnounce emits the executor's Events about obj (nil: none).
func tradingAnnounce(rec events.EventRecorder, obj kruntime.Object) func(warning bool, reason, action, note string) {
	if rec == nil || obj == nil {
		return nil
	}
	return func(warning bool, reason, action, note string) {
		kind := "Normal"
		if warning {
			kind = "Warning"
		}
		// Notes may quote an exchange error, and so its URL.
		rec.Eventf(obj, nil, kind, reason, action, "%s", redact.URLsIn(note))
	}
}

// tradingStatus renders status.trading from the executor's snapshot.
func tradingStatus(sn *trading.Snapshot, previous *tradingv1alpha1.TradingStatus) *tradingv1alpha1.TradingStatus {
	if sn == nil || sn.Starting {
		return previous
	}
	t := sn.Ledger.Totals
	st := &tradingv1alpha1.TradingStatus{
		OrdersPlaced:   sn.Counts.Placed,
		OrdersFilled:   sn.Counts.Filled,
		OrdersRejected: sn.Counts.Rejected,
		OrdersSkipped:  sn.Counts.Skipped,
		OrdersCanceled: sn.Counts.Canceled,
		OpenOrders:     int32(len(sn.OpenOrders)),
		RealizedPnL:    t.Realized.String(),
		UnrealizedPnL:  t.Unrealized.StringFixed(8),
		PnL:            t.PnL().StringFixed(2) + " " + sn.Ledger.Quote,
		Fees:           t.Fees.String(),
		DailyPnL:       t.DayPnL.StringFixed(8),
		ResumedWith:    sn.ResumedWith,
	}
	if previous != nil && st.ResumedWith == "" {
		st.ResumedWith = previous.ResumedWith
	}
	if sn.Risk.Halted {
		at := metav1.NewTime(sn.Risk.HaltedAt)
		st.HaltedAt = &at
	}
	for _, p := range sn.Ledger.Positions {
		if p.Qty.IsZero() && p.Realized.IsZero() {
			continue
		}
		st.Positions = append(st.Positions, tradingv1alpha1.PositionStatus{
			Symbol: p.Symbol, Quantity: p.Qty.String(), AverageEntryPrice: p.AvgEntry.String(),
			RealizedPnL: p.Realized.String(), UnrealizedPnL: p.Unrealized.StringFixed(8),
		})
	}
	st.Openings = botgroup.OpeningsToStatus(sn.Openings, sn.Ledger.Day)
	if l := sn.Last; l != nil {
		at := metav1.NewTime(l.Time)
		st.LastOrder = &tradingv1alpha1.OrderSummary{
			ClientOrderID: l.ClientOrderID, Symbol: l.Symbol, Side: l.Side, Type: l.Type, Status: l.Status,
			Quantity: l.Quantity.String(), ExecutedQuantity: l.ExecutedQuantity.String(), Time: &at,
		}
		if l.Price.IsPositive() {
			st.LastOrder.Price = l.Price.String()
		}
	}
	return st
}

// riskCondition sets RiskHalted from the executor's state.
func riskCondition(c *conditionSet, sn *trading.Snapshot, quote string) {
	if sn == nil {
		return
	}
	if sn.Risk.Halted {
		c.set(tradingv1alpha1.ConditionRiskHalted, metav1.ConditionTrue, tradingv1alpha1.ReasonDailyLossLimit,
			fmt.Sprintf("the day's loss reached spec.risk.maxDailyLossQuote at %s (day PnL %s %s); no new orders. To resume: kubectl annotate tradingbot NAME %s=$(date +%%s) --overwrite",
				sn.Risk.HaltedAt.UTC().Format(time.RFC3339), sn.Risk.HaltPnL, quote, ResumeAnnotation))
		return
	}
	c.set(tradingv1alpha1.ConditionRiskHalted, metav1.ConditionFalse, tradingv1alpha1.ReasonWithinLimits, "no risk limit is breached")
}

package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/botgroup"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/ledger"
	"github.com/tradebot-operator/tradebot-operator/internal/ordersize"
	"github.com/tradebot-operator/tradebot-operator/internal/paperaccount"
	"github.com/tradebot-operator/tradebot-operator/internal/redact"
	"github.com/tradebot-operator/tradebot-operator/internal/risk"
	"github.com/tradebot-operator/tradebot-operator/internal/trading"
)

// ResumeAnnotation resumes a bot halted by its daily loss limit: setting it
// to a value the bot has not acted on yet (status.trading.resumedWith)
// lifts the halt, if the day's loss is back within the limit.
const ResumeAnnotation = "trading.tradebot.dev/resume"

// tradingRequest is the trading part of a TradingBot's group request.
type tradingRequest struct {
	Spec tradingv1alpha1.TradingBotSpec // defaulted
	UID  string
	Name string // namespace/name, for metrics
	// Paper: the bot trades on its own simulator paper account.
	Paper    bool
	Previous *tradingv1alpha1.TradingStatus
	// ResumeToken is the resume annotation's value.
	ResumeToken string
	Object      kruntime.Object
	Recorder    events.EventRecorder
}

// versionText is what restarts the group when it changes: the limits and
// order settings, never the resume token (that is handed to the running
// executor).
func (r *tradingRequest) versionText() string {
	b, _ := json.Marshal(struct {
		Risk   tradingv1alpha1.RiskSpec
		Orders tradingv1alpha1.OrderSpec
		Paper  bool
	}{r.Spec.Risk, r.Spec.Orders, r.Paper})
	return string(b)
}

// enableTrading makes g trade as req says.
func (s GroupSettings) enableTrading(g *botgroup.Group, ep *exchange.Endpoint, creds *exchange.Credentials, req *tradingRequest) error {
	limits, err := riskLimits(req.Spec.Risk)
	if err != nil {
		return err
	}
	var setup func(context.Context) error
	c := creds
	if req.Paper {
		pc := paperaccount.Credentials(req.UID)
		c = &pc
	}
	if c == nil {
		return nil // no account to trade on: signals only
	}
	acct := s.Registry.Account(ep, *c)
	if req.Paper {
		simURL := s.Resolver.SimulatorURL
		setup = func(ctx context.Context) error {
			_, err := paperaccount.Ensure(ctx, acct, *c, exchange.CallPolicy{}, paperaccount.Options{SimulatorURL: simURL})
			return err
		}
	}
	var resumedWith string
	if req.Previous != nil {
		resumedWith = req.Previous.ResumedWith
	}
	cfg := trading.Config{
		ResumedWith: resumedWith,
		BotUID:      req.UID,
		Name:        req.Name,
		Symbols:     req.Spec.Symbols,
		Limits:      limits,
		Orders: trading.OrderSettings{Type: ordersize.Type(req.Spec.Orders.Type), OffsetBps: req.Spec.Orders.LimitOffsetBps,
			CancelAfter: durationOr(req.Spec.Orders.CancelAfter, time.Minute)},
		Restore: haltToRestore(req.Previous, req.ResumeToken),
		Metrics: s.TradingMetrics,
	}
	if rec, obj := req.Recorder, req.Object; rec != nil && obj != nil {
		cfg.Announce = func(warning bool, reason, action, note string) {
			kind := "Normal"
			if warning {
				kind = "Warning"
			}
			// Notes may quote an exchange error, and so its URL.
			rec.Eventf(obj, nil, kind, reason, action, "%s", redact.URLsIn(note))
		}
	}
	return g.EnableTrading(botgroup.TradingOptions{
		Executor: cfg, Account: acct, Credentials: *c, Setup: setup,
		UserDataURL: s.Resolver.WSAPIURL(ep.URLs()),
	})
}

func durationOr(d *metav1.Duration, def time.Duration) time.Duration {
	if d == nil || d.Duration <= 0 {
		return def
	}
	return d.Duration
}

// riskLimits converts spec.risk.
func riskLimits(r tradingv1alpha1.RiskSpec) (risk.Limits, error) {
	var l risk.Limits
	var err error
	if l.MaxOrderQuote, err = r.MaxOrderQuote.Parse(); err != nil {
		return l, fmt.Errorf("spec.risk.maxOrderQuote: %w", err)
	}
	if l.MaxPositionQuote, err = r.MaxPositionQuote.Parse(); err != nil {
		return l, fmt.Errorf("spec.risk.maxPositionQuote: %w", err)
	}
	if l.MaxDailyLossQuote, err = r.MaxDailyLossQuote.Parse(); err != nil {
		return l, fmt.Errorf("spec.risk.maxDailyLossQuote: %w", err)
	}
	l.MaxOrdersPerMinute = int(r.MaxOrdersPerMinute)
	l.Cooldown = durationOr(r.Cooldown, 0)
	return l, l.Validate()
}

// haltToRestore is the halt an earlier operator process reported, unless a
// resume was asked for since.
func haltToRestore(prev *tradingv1alpha1.TradingStatus, token string) *risk.State {
	if prev == nil || prev.HaltedAt == nil {
		return nil
	}
	if token != "" && token != prev.ResumedWith {
		return nil // a person asked to resume; the executor checks the loss again
	}
	at := prev.HaltedAt.Time
	return &risk.State{Halted: true, HaltedAt: at, HaltDay: ledger.DayStart(at)}
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

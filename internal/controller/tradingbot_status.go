package controller

import (
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

// botInputs is everything the TradingBot status is computed from.
type botInputs struct {
	Generation int64
	Spec       tradingv1alpha1.TradingBotSpec // defaulted
	Previous   tradingv1alpha1.TradingBotStatus
	Now        time.Time

	// LiveRefused: mode is Live and the operator runs without --allow-live-trading.
	LiveRefused bool
	// Credentials is the outcome of resolving spec.exchange.credentialsSecretRef.
	Credentials credentialsResult
	// EndpointError is set when the endpoint could not be resolved.
	EndpointError string
	// Group is the running group, nil when none runs.
	Group *groupView
	// SinkConfigured is whether the operator records to an InfluxDB.
	SinkConfigured bool
}

// tradingBotStatus computes a TradingBot's whole status. It is pure: same
// inputs, same status.
func tradingBotStatus(in botInputs) tradingv1alpha1.TradingBotStatus {
	st := tradingv1alpha1.TradingBotStatus{
		ObservedGeneration: in.Generation,
		// Figures that later parts of the group fill in are kept as they
		// were; market data and recording are recomputed while a group runs.
		MarketData: in.Previous.MarketData,
		Signals:    in.Previous.Signals,
		Trading:    in.Previous.Trading,
		Recording:  in.Previous.Recording,
	}
	c := newConditionSet(in.Previous.Conditions, in.Generation, in.Now)

	if in.Spec.Mode == tradingv1alpha1.ModeLive {
		if in.LiveRefused {
			c.set(tradingv1alpha1.ConditionLiveTradingAllowed, metav1.ConditionFalse, tradingv1alpha1.ReasonLiveTradingDisabled,
				"mode is Live but the operator runs without --allow-live-trading; the bot is not started")
		} else {
			c.set(tradingv1alpha1.ConditionLiveTradingAllowed, metav1.ConditionTrue, tradingv1alpha1.ReasonLiveTradingEnabled,
				"the operator allows live trading")
		}
	} else {
		c.set(tradingv1alpha1.ConditionLiveTradingAllowed, metav1.ConditionTrue, tradingv1alpha1.ReasonPaperMode,
			"paper trading: orders never reach real money")
	}
	in.Credentials.setCondition(c)

	ready := func(phase tradingv1alpha1.BotPhase, status bool, reason, msg string) tradingv1alpha1.TradingBotStatus {
		st.Phase = phase
		c.set(tradingv1alpha1.ConditionReady, boolStatus(status), reason, msg)
		st.Conditions = c.conds
		return st
	}

	switch {
	case in.Spec.Suspend:
		// A suspended bot's Secret is not read, so there is no credentials
		// outcome to report (and an empty reason would fail the patch).
		c.remove(append(groupConditionTypes(), tradingv1alpha1.ConditionCredentialsResolved)...)
		st.Exchange = nil
		return ready(tradingv1alpha1.BotPhaseSuspended, false, tradingv1alpha1.ReasonSuspended, "spec.suspend is true; the bot is stopped")
	case in.LiveRefused:
		c.remove(groupConditionTypes()...)
		return ready(tradingv1alpha1.BotPhaseFailed, false, tradingv1alpha1.ReasonLiveTradingDisabled,
			"live trading is disabled in this operator (start it with --allow-live-trading)")
	case in.EndpointError != "":
		c.remove(groupConditionTypes()...)
		return ready(tradingv1alpha1.BotPhaseFailed, false, tradingv1alpha1.ReasonInvalidSpec, in.EndpointError)
	case !in.Credentials.OK:
		c.remove(groupConditionTypes()...)
		return ready(tradingv1alpha1.BotPhasePending, false, in.Credentials.Reason, in.Credentials.Message)
	case in.Group == nil:
		return ready(tradingv1alpha1.BotPhasePending, false, tradingv1alpha1.ReasonStarting, "starting the bot's tasks")
	}

	g := groupStatus(c, in.Group, in.Spec.Recording.IsEnabled(), in.SinkConfigured, in.Now)
	st.Tasks, st.Exchange, st.MarketData, st.Recording = g.Tasks, g.Exchange, g.MarketData, g.Recording
	st.Signals = signalsStatus(in.Group.Signals, in.Previous.Signals)
	st.Trading = tradingStatus(in.Group.Trading, in.Previous.Trading)
	if tr := in.Group.Trading; tr != nil && !tr.Starting {
		riskCondition(c, tr, tr.Ledger.Quote)
		if tr.Risk.Halted {
			return ready(tradingv1alpha1.BotPhaseHalted, false, tradingv1alpha1.ReasonDailyLossLimit,
				"halted by the daily loss limit; see the RiskHalted condition to resume")
		}
	}
	if !g.Probed {
		return ready(tradingv1alpha1.BotPhasePending, false, tradingv1alpha1.ReasonStarting, "waiting for the first exchange health check")
	}
	if len(g.Problems) > 0 {
		return ready(tradingv1alpha1.BotPhaseDegraded, false, tradingv1alpha1.ReasonDegraded, strings.Join(g.Problems, "; "))
	}
	return ready(tradingv1alpha1.BotPhaseRunning, true, tradingv1alpha1.ReasonRunning,
		fmt.Sprintf("running on %d symbol(s) against %s", len(in.Spec.Symbols), in.Group.Health.Endpoint))
}

// groupConditionTypes are the conditions that describe a running group; they
// are removed while no group runs, so that stale ones never linger.
func groupConditionTypes() []string {
	return []string{
		tradingv1alpha1.ConditionExchangeReachable,
		tradingv1alpha1.ConditionRateLimited,
		tradingv1alpha1.ConditionCircuitOpen,
		tradingv1alpha1.ConditionSymbolsValid,
		tradingv1alpha1.ConditionMarketDataFresh,
	}
}

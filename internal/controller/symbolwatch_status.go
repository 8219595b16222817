package controller

import (
	"fmt"
	"strings"
	"time"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/botgroup"
)

// watchInputs is everything the SymbolWatch status is computed from.
type watchInputs struct {
	Generation    int64
	Spec          tradingv1alpha1.SymbolWatchSpec // defaulted
	Previous      tradingv1alpha1.SymbolWatchStatus
	Now           time.Time
	EndpointError string
	Group         *groupView
	// SinkConfigured is whether the operator records to an InfluxDB.
	SinkConfigured bool
}

// symbolWatchStatus computes a SymbolWatch's whole status. It is pure.
func symbolWatchStatus(in watchInputs) tradingv1alpha1.SymbolWatchStatus {
	st := tradingv1alpha1.SymbolWatchStatus{
		ObservedGeneration: in.Generation,
		Symbols:            in.Previous.Symbols,
		MarketData:         in.Previous.MarketData,
		Lag:                in.Previous.Lag,
		Recording:          in.Previous.Recording,
		Signals:            in.Previous.Signals,
	}
	c := newConditionSet(in.Previous.Conditions, in.Generation, in.Now)
	ready := func(phase tradingv1alpha1.WatchPhase, status bool, reason, msg string) tradingv1alpha1.SymbolWatchStatus {
		st.Phase = phase
		c.set(tradingv1alpha1.ConditionReady, boolStatus(status), reason, msg)
		st.Conditions = c.conds
		return st
	}
	switch {
	case in.Spec.Suspend:
		c.remove(groupConditionTypes()...)
		return ready(tradingv1alpha1.WatchPhaseSuspended, false, tradingv1alpha1.ReasonSuspended, "spec.suspend is true; the watch is stopped")
	case in.EndpointError != "":
		c.remove(groupConditionTypes()...)
		return ready(tradingv1alpha1.WatchPhaseFailed, false, tradingv1alpha1.ReasonInvalidSpec, in.EndpointError)
	case in.Group == nil:
		return ready(tradingv1alpha1.WatchPhasePending, false, tradingv1alpha1.ReasonStarting, "starting the watch's tasks")
	}
	g := groupStatus(c, in.Group, in.Spec.Recording.IsEnabled(), in.SinkConfigured, in.Now)
	st.Signals = signalsStatus(in.Group.Signals, in.Previous.Signals)
	st.Tasks, st.Exchange, st.MarketData, st.Recording = g.Tasks, g.Exchange, g.MarketData, g.Recording
	st.Symbols = symbolStatuses(in.Spec.Symbols, in.Group.Market)
	st.Lag = lagText(in.Group.Market, in.Now)
	if !g.Probed {
		return ready(tradingv1alpha1.WatchPhasePending, false, tradingv1alpha1.ReasonStarting, "waiting for the first exchange health check")
	}
	if len(g.Problems) > 0 {
		return ready(tradingv1alpha1.WatchPhaseDegraded, false, tradingv1alpha1.ReasonDegraded, strings.Join(g.Problems, "; "))
	}
	return ready(tradingv1alpha1.WatchPhaseRunning, true, tradingv1alpha1.ReasonRunning,
		fmt.Sprintf("watching %d symbol(s) on %s", len(in.Spec.Symbols), in.Group.Health.Endpoint))
}

// symbolStatuses lists each watched symbol's latest prices, in spec order;
// symbols not seen yet are listed without prices.
func symbolStatuses(symbols []string, m botgroup.MarketSnapshot) []tradingv1alpha1.SymbolMarketStatus {
	out := make([]tradingv1alpha1.SymbolMarketStatus, 0, len(symbols))
	for _, sym := range symbols {
		s := tradingv1alpha1.SymbolMarketStatus{Symbol: sym}
		if sm, ok := m.Symbols[sym]; ok && !sm.LastPrice.IsZero() {
			s.LastPrice = sm.LastPrice.String()
			s.PriceChangePercent24h = sm.PriceChangePercent24h.String()
			s.LastUpdateTime = optionalTime(sm.UpdatedAt.Truncate(time.Second))
		}
		out = append(out, s)
	}
	return out
}

// lagText is the LAG column: how far the newest event trailed the
// exchange's clock, e.g. "120ms"; empty before the first event.
func lagText(m botgroup.MarketSnapshot, now time.Time) string {
	if m.LastEvent.IsZero() {
		return ""
	}
	return effectiveLag(m, now).Round(time.Millisecond).String()
}

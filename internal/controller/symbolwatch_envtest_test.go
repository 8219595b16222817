package controller

import (
	"context"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

func newWatchObj() *tradingv1alpha1.SymbolWatch { return &tradingv1alpha1.SymbolWatch{} }

func describeWatch(w *tradingv1alpha1.SymbolWatch) string {
	return fmt.Sprintf("generation %d, observedGeneration %d, phase %q, finalizers %v, conditions [%s], exchange %+v",
		w.Generation, w.Status.ObservedGeneration, w.Status.Phase, w.Finalizers, condSummary(w.Status.Conditions), w.Status.Exchange)
}

func watchPhase(phase tradingv1alpha1.WatchPhase) func(w *tradingv1alpha1.SymbolWatch) bool {
	return func(w *tradingv1alpha1.SymbolWatch) bool {
		return w.Status.ObservedGeneration == w.Generation && w.Status.Phase == phase
	}
}

func testWatchLifecycle(t *testing.T, s *envSuite) {
	ns := s.namespace(t, "watch")
	ticker := true
	watch := &tradingv1alpha1.SymbolWatch{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "majors"},
		Spec: tradingv1alpha1.SymbolWatchSpec{
			Exchange: tradingv1alpha1.ExchangeSpec{Endpoint: tradingv1alpha1.EndpointSimulator},
			Symbols:  []string{"BTCUSDT", "ETHUSDT", "SOLUSDT"},
			Streams:  tradingv1alpha1.StreamsSpec{Ticker: &ticker},
		},
	}
	if err := s.c.Create(context.Background(), watch); err != nil {
		t.Fatalf("creating the SymbolWatch: %v", err)
	}
	nn := types.NamespacedName{Namespace: ns, Name: "majors"}
	key := groupKey(kindSymbolWatch, nn)

	w := waitFor(t, s, nn, newWatchObj, "Running, its weight reported", func(w *tradingv1alpha1.SymbolWatch) bool {
		return watchPhase(tradingv1alpha1.WatchPhaseRunning)(w) && weightReported(w.Status.Exchange)
	}, describeWatch)
	if len(w.Finalizers) != 0 {
		t.Errorf("a SymbolWatch holds nothing on the exchange, yet has finalizers %v", w.Finalizers)
	}
	wantCondition(t, w.Status.Conditions, tradingv1alpha1.ConditionReady, metav1.ConditionTrue, tradingv1alpha1.ReasonRunning, "watching 3 symbol(s) on "+s.sim.url)
	wantCondition(t, w.Status.Conditions, tradingv1alpha1.ConditionSymbolsValid, metav1.ConditionTrue, tradingv1alpha1.ReasonSymbolsListed, "")
	checkExchangeStatus(t, w.Status.Exchange, s.sim.url)
	checkHealthTask(t, w.Status.Tasks)
	if _, ok := s.supervisor.Version(key); !ok {
		t.Fatal("no group runs for the watch")
	}
	// A TradingBot of the same name would have another group.
	if _, ok := s.supervisor.Version(groupKey(kindTradingBot, nn)); ok {
		t.Error("the watch's group runs under a TradingBot key")
	}
	s.waitForEvent(t, kindSymbolWatch, nn, corev1.EventTypeNormal, EventPhaseChanged, "-> Running")

	// Market data from the shared hub: every symbol gets a price and a
	// 24 h change, the LAG column fills in and MarketDataFresh is True.
	w = waitFor(t, s, nn, newWatchObj, "prices for every symbol", func(w *tradingv1alpha1.SymbolWatch) bool {
		if len(w.Status.Symbols) != 3 || w.Status.Lag == "" || w.Status.MarketData == nil {
			return false
		}
		for _, sym := range w.Status.Symbols {
			if sym.LastPrice == "" || sym.PriceChangePercent24h == "" || sym.LastUpdateTime == nil {
				return false
			}
		}
		return true
	}, describeWatch)
	wantCondition(t, w.Status.Conditions, tradingv1alpha1.ConditionMarketDataFresh, metav1.ConditionTrue, tradingv1alpha1.ReasonStreamsFresh, "stream(s)")
	if md := w.Status.MarketData; md.Streams != 6 || md.LastEventTime == nil {
		t.Errorf("marketData = %+v, want 6 streams (ticker and kline_1m of 3 symbols) and a last event time", md)
	}
	for _, sym := range w.Status.Symbols {
		if _, err := decimal.NewFromString(sym.LastPrice); err != nil {
			t.Errorf("%s lastPrice %q is not a decimal: %v", sym.Symbol, sym.LastPrice, err)
		}
	}

	update(t, s, nn, newWatchObj, func(w *tradingv1alpha1.SymbolWatch) { w.Spec.Suspend = true })
	w = waitFor(t, s, nn, newWatchObj, "Suspended", watchPhase(tradingv1alpha1.WatchPhaseSuspended), describeWatch)
	if v, ok := s.supervisor.Version(key); ok {
		t.Errorf("a suspended watch still has a group (version %s)", v)
	}
	wantCondition(t, w.Status.Conditions, tradingv1alpha1.ConditionReady, metav1.ConditionFalse, tradingv1alpha1.ReasonSuspended, "")
	if c := meta.FindStatusCondition(w.Status.Conditions, tradingv1alpha1.ConditionExchangeReachable); c != nil {
		t.Errorf("a suspended watch keeps %s=%s", c.Type, c.Status)
	}

	update(t, s, nn, newWatchObj, func(w *tradingv1alpha1.SymbolWatch) { w.Spec.Suspend = false })
	w = waitFor(t, s, nn, newWatchObj, "Running again, its weight reported", func(w *tradingv1alpha1.SymbolWatch) bool {
		return watchPhase(tradingv1alpha1.WatchPhaseRunning)(w) && weightReported(w.Status.Exchange)
	}, describeWatch)
	if _, ok := s.supervisor.Version(key); !ok {
		t.Error("a resumed watch has no group")
	}
	checkExchangeStatus(t, w.Status.Exchange, s.sim.url)

	deleteAndWait(t, s, nn, newWatchObj)
	if v, ok := s.supervisor.Version(key); ok {
		t.Errorf("the deleted watch's group still runs (version %s)", v)
	}
}

package controller

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/replaytest"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
)

// signalLegs shape the replayed BTCUSDT market of the signals test: a fall
// while the resources start and warm up, turns an SMA 2/5 crossover must
// follow both ways, and a long steady rise during which it must stay quiet
// while the test reads status.
var signalLegs = []replaytest.Leg{{Klines: 15, Step: "-2"}, {Klines: 8, Step: "3"}, {Klines: 8, Step: "-3"}, {Klines: 45, Step: "3"}}

// signalWindowKlines is how many replayed klines the comparison covers:
// every turn, and a few klines into the last rise.
const signalWindowKlines = 15 + 8 + 8 + 6

// testSignals runs a TradingBot and an alert-only SymbolWatch on a replayed
// market and checks that the signals the strategy gives on the simulator's
// own klines reach status, the SIGNALS columns and Events; then stalls the
// simulator's streams and checks that MarketDataFresh turns False, the LAG
// grows, the streams are redialled, and everything recovers.
func testSignals(t *testing.T, s *envSuite) {
	// A simulator of the test's own: faults set on it touch no other test.
	cfg, _ := replaytest.SimConfig(t, "BTCUSDT", "1000", signalLegs)
	sim := startSimulatorWith(t, cfg)
	simStart := sim.started
	ns := s.namespace(t, "signals")
	custom := tradingv1alpha1.ExchangeSpec{Endpoint: tradingv1alpha1.EndpointCustom, URL: sim.url}
	strategy := tradingv1alpha1.StrategySpec{Type: tradingv1alpha1.StrategySMACrossover, Interval: tradingv1alpha1.Interval1s,
		SMACrossover: &tradingv1alpha1.CrossoverParams{FastPeriod: 2, SlowPeriod: 5}, MinConfidence: "0.2"}
	bot := newBot(types.NamespacedName{Namespace: ns, Name: "sma"}, "BTCUSDT")
	bot.Spec.Exchange, bot.Spec.Strategy = custom, strategy
	botNN := s.createBot(t, bot)
	ticker := true
	watch := &tradingv1alpha1.SymbolWatch{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "alerts"},
		Spec: tradingv1alpha1.SymbolWatchSpec{Exchange: custom, Symbols: []string{"BTCUSDT"},
			Streams: tradingv1alpha1.StreamsSpec{Ticker: &ticker}, Signals: strategy.DeepCopy()},
	}
	if err := s.c.Create(context.Background(), watch); err != nil {
		t.Fatalf("creating the SymbolWatch: %v", err)
	}
	watchNN := types.NamespacedName{Namespace: ns, Name: "alerts"}

	// What the strategy gives on the simulator's klines from the first
	// rise on: an SMA forgets what is older than its window, so the
	// resources must report exactly these, whatever their warm-up read.
	windowFrom := simStart.Add(time.Duration(signalLegs[0].Klines) * time.Second)
	windowTo := simStart.Add(signalWindowKlines * time.Second)
	for time.Now().Before(windowTo.Add(time.Second)) {
		time.Sleep(100 * time.Millisecond)
	}
	want := replaytest.ExpectedSignals(t, sim.url, strategy, simStart.Add(-time.Minute), windowFrom, windowTo)
	last := want[len(want)-1]

	b := waitFor(t, s, botNN, newBotObj, "the last expected signal in status", func(b *tradingv1alpha1.TradingBot) bool {
		return lastSignalIs(b.Status.Signals, last)
	}, func(b *tradingv1alpha1.TradingBot) string {
		return fmt.Sprintf("signals %+v; %s", b.Status.Signals, describeBot(b))
	})
	checkSignalCounts(t, b.Status.Signals, want)
	w := waitFor(t, s, watchNN, newWatchObj, "the last expected signal in status", func(w *tradingv1alpha1.SymbolWatch) bool {
		return lastSignalIs(w.Status.Signals, last)
	}, func(w *tradingv1alpha1.SymbolWatch) string {
		return fmt.Sprintf("signals %+v; %s", w.Status.Signals, describeWatch(w))
	})
	checkSignalCounts(t, w.Status.Signals, want)
	for _, sig := range want {
		note := fmt.Sprintf("%s BTCUSDT at %s", sig.Side, sig.Price)
		s.waitForEvent(t, kindTradingBot, botNN, corev1.EventTypeNormal, "Signal", note)
		s.waitForEvent(t, kindSymbolWatch, watchNN, corev1.EventTypeNormal, "Signal", note)
	}

	// The stall drill: the simulator keeps the connections open and pings
	// them, but sends no market data.
	sim.setFaults(t, `{"stallStreams": true}`)
	w = waitFor(t, s, watchNN, newWatchObj, "market data stale and redialled", func(w *tradingv1alpha1.SymbolWatch) bool {
		c := apimeta.FindStatusCondition(w.Status.Conditions, tradingv1alpha1.ConditionMarketDataFresh)
		return c != nil && c.Status == metav1.ConditionFalse && c.Reason == tradingv1alpha1.ReasonStreamsStale &&
			!strings.Contains(c.Message, " 0 redial(s)") && w.Status.Phase == tradingv1alpha1.WatchPhaseDegraded
	}, describeWatch)
	lag, err := time.ParseDuration(w.Status.Lag)
	if err != nil || lag < 3*time.Second {
		t.Errorf("LAG during the stall = %q, want the age of the newest event (seconds)", w.Status.Lag)
	}
	waitFor(t, s, botNN, newBotObj, "market data stale", func(b *tradingv1alpha1.TradingBot) bool {
		c := apimeta.FindStatusCondition(b.Status.Conditions, tradingv1alpha1.ConditionMarketDataFresh)
		return c != nil && c.Status == metav1.ConditionFalse && c.Reason == tradingv1alpha1.ReasonStreamsStale
	}, describeBot)

	sim.setFaults(t, `{}`)
	waitFor(t, s, watchNN, newWatchObj, "fresh market data again", func(w *tradingv1alpha1.SymbolWatch) bool {
		c := apimeta.FindStatusCondition(w.Status.Conditions, tradingv1alpha1.ConditionMarketDataFresh)
		return c != nil && c.Status == metav1.ConditionTrue && w.Status.Phase == tradingv1alpha1.WatchPhaseRunning
	}, describeWatch)
	waitFor(t, s, botNN, newBotObj, "fresh market data again", func(b *tradingv1alpha1.TradingBot) bool {
		c := apimeta.FindStatusCondition(b.Status.Conditions, tradingv1alpha1.ConditionMarketDataFresh)
		return c != nil && c.Status == metav1.ConditionTrue
	}, describeBot)
	deleteAndWait(t, s, botNN, newBotObj)
	deleteAndWait(t, s, watchNN, newWatchObj)
}

// lastSignalIs reports whether status shows want as BTCUSDT's last signal.
func lastSignalIs(st *tradingv1alpha1.SignalsStatus, want signal.Signal) bool {
	if st == nil {
		return false
	}
	for _, l := range st.Last {
		if l.Symbol == want.Symbol && string(l.Action) == string(want.Side) && l.Price == want.Price.String() &&
			// status times are whole seconds
			l.Time.Time.Equal(want.KlineClose.Truncate(time.Second)) && l.Reason == want.Reason() {
			return true
		}
	}
	return false
}

// checkSignalCounts checks status counts against the expected signals of
// the window (signals before the window may add to them) and the column.
func checkSignalCounts(t *testing.T, st *tradingv1alpha1.SignalsStatus, want []signal.Signal) {
	t.Helper()
	var buy, sell int64
	for _, s := range want {
		if s.Side == signal.Buy {
			buy++
		} else {
			sell++
		}
	}
	if st.Buy < buy || st.Sell < sell || st.Total != st.Buy+st.Sell {
		t.Errorf("signals status %+v, want at least %d BUY and %d SELL, and total = buy + sell", st, buy, sell)
	}
	last := want[len(want)-1]
	if wantSummary := fmt.Sprintf("%d BUY, %d SELL; last %s BTCUSDT", st.Buy, st.Sell, last.Side); st.Summary != wantSummary {
		t.Errorf("SIGNALS column %q, want %q", st.Summary, wantSummary)
	}
}

package botgroup

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
	"github.com/tradebot-operator/tradebot-operator/internal/signalfeed"
)

// A sink's Deliver only stores a fresh signal at or above minConfidence,
// at the feed's now, judging freshness by the clock offset the group's
// health view last published; Settle then counts it and observes its
// latency up to the time the feed saw Deliver done, or counts why it was
// ignored.
func TestSignalSinkDeliverAndSettle(t *testing.T) {
	metrics, err := NewSignalMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	strategy, err := signal.ConfigFromSpec(smaSpec(2, 3, "0.5"))
	if err != nil {
		t.Fatal(err)
	}
	reg := exchange.NewRegistry(exchange.RegistryOptions{})
	defer reg.Close()
	ep := reg.Endpoint(exchange.URLs{REST: "http://127.0.0.1:1", Stream: "ws://127.0.0.1:1"})
	state := NewSignalState(time.Hour, nil)
	g := New(Config{Endpoint: ep, Symbols: []string{"BTCUSDT"}, Meta: recordingMetaForBench(0),
		Signals: &SignalOptions{Strategy: strategy, Interval: "1s", State: state, Metrics: metrics}})
	s := g.newSignalSink()

	open := time.Now().Truncate(time.Second)
	delivery := func(k int, confidence float64) *signalfeed.Delivery {
		at := open.Add(time.Duration(k) * time.Second)
		d := &signalfeed.Delivery{Signal: signal.Signal{Symbol: "BTCUSDT", Side: signal.Buy, Confidence: confidence,
			Price: decimal.New(100, 0), KlineOpen: at, KlineClose: at.Add(time.Second - time.Millisecond), Strategy: "SMACrossover"}.WithReason("r")}
		d.Received, d.Prepared = d.Signal.KlineClose.Add(time.Millisecond), signal.Prepare(d.Signal)
		return d
	}
	ignored := func(reason string) float64 {
		return testutil.ToFloat64(metrics.ignored.WithLabelValues("bench", "TradingBot", "bot-0000", reason))
	}

	// Fresh and confident: stored at now, latency to stored.
	d := delivery(0, 0.9)
	now := d.Received.Add(100 * time.Microsecond)
	if o := s.Deliver(d, now); o != signalStored {
		t.Fatalf("a fresh signal: outcome %d", o)
	}
	if e, ok := state.Store.Get(d.Signal.ID()); !ok || !e.Recorded.Equal(now) {
		t.Fatalf("stored %v (recorded %v), want it recorded at %v", ok, e.Recorded, now)
	}
	s.Settle(d, signalStored, now.Add(300*time.Microsecond))
	var h dto.Metric
	if err := metrics.latency.Write(&h); err != nil {
		t.Fatal(err)
	}
	if n, sum := h.GetHistogram().GetSampleCount(), h.GetHistogram().GetSampleSum(); n != 1 || sum != 400e-6 {
		t.Fatalf("latency: %d samples summing to %v s, want one of 400 µs", n, sum)
	}
	if c := testutil.ToFloat64(metrics.signals.WithLabelValues("bench", "TradingBot", "bot-0000", "BTCUSDT", "BUY")); c != 1 {
		t.Fatalf("signals counted: %v", c)
	}

	// Below minConfidence: not stored, counted by Settle.
	d = delivery(1, 0.1)
	if o := s.Deliver(d, d.Received); o != signalBelowConfidence {
		t.Fatalf("an unconfident signal: outcome %d", o)
	}
	if _, ok := state.Store.Get(d.Signal.ID()); ok {
		t.Fatal("an unconfident signal was stored")
	}
	s.Settle(d, signalBelowConfidence, d.Received)
	if state.belowConfidence.Load() != 1 || ignored("below_confidence") != 1 {
		t.Fatalf("below confidence: %d, metric %v", state.belowConfidence.Load(), ignored("below_confidence"))
	}

	// The exchange's clock 20 s ahead: the same delay makes a kline stale.
	g.publishHealth(exchange.Health{ClockOffset: 20 * time.Second})
	d = delivery(2, 0.9)
	if o := s.Deliver(d, d.Received); o != signalStale {
		t.Fatalf("a signal 20 s late by the exchange's clock: outcome %d", o)
	}
	s.Settle(d, signalStale, d.Received)
	if state.stale.Load() != 1 || ignored("stale_data") != 1 {
		t.Fatalf("stale: %d, metric %v", state.stale.Load(), ignored("stale_data"))
	}
	if got := state.Store.Counts().Total; got != 1 {
		t.Fatalf("%d signals stored, want 1", got)
	}

	// A sink the group dropped is no longer told.
	g.dropSignalSink(s)
	g.publishHealth(exchange.Health{})
	if got := time.Duration(s.clockOffset.Load()); got != 20*time.Second {
		t.Fatalf("a dropped sink's offset changed to %v", got)
	}
}

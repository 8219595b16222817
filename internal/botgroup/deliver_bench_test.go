package botgroup

import (
	"runtime"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
	"github.com/tradebot-operator/tradebot-operator/internal/signalfeed"
)

// BenchmarkDeliver measures handing one signal to 1 000 groups' sinks, the
// pass a feed makes before any of them settles: ns/op is per signal, all
// groups included.
func BenchmarkDeliver(b *testing.B) {
	sinks := deliverSinks(b, 1000)
	open := time.Now().Truncate(time.Second)
	// Between two signals a second passes in which the rest of the process
	// runs: the groups' memory is no longer in cache. thrash evicts it.
	thrash := make([]byte, 64<<20)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		for j := 0; j < len(thrash); j += 64 {
			thrash[j]++
		}
		d := benchDelivery(open, i)
		b.StartTimer()
		now := time.Now()
		for _, s := range sinks {
			s.Deliver(d, now)
		}
		b.StopTimer()
		for _, s := range sinks {
			s.store.Reserve("BTCUSDT") // as Settle does
		}
		b.StartTimer()
	}
}

// TestDeliverAllocatesNothing checks that handing signals to many groups'
// sinks allocates nothing once each has settled the signal before (which
// makes room for the next): a thousand sinks allocating in one delivery
// start garbage collections that stall it. The first stores, before
// the first Settle, are counted too: newSignalSink makes room for them.
//
// The count is the process's, so goroutines other tests left winding down
// may add a few; the bound is one allocation per sink over the whole run,
// where a store that grows in Deliver allocates once per sink at each
// doubling of its ring (six of them, from 4 slots to 256).
func TestDeliverAllocatesNothing(t *testing.T) {
	sinks := deliverSinks(t, 50)
	open := time.Now().Truncate(time.Second)
	var before, after runtime.MemStats
	var total uint64
	for i := range 300 { // past the store's 256 a symbol: every doubling of its ring
		d := benchDelivery(open, i)
		now := time.Now()
		outcomes := make([]signalfeed.Outcome, len(sinks))
		runtime.ReadMemStats(&before)
		for j, s := range sinks {
			outcomes[j] = s.Deliver(d, now)
		}
		runtime.ReadMemStats(&after)
		if n := after.Mallocs - before.Mallocs; n != 0 {
			t.Logf("delivering signal %d to %d sinks: %d allocations in the process", i, len(sinks), n)
			total += n
		}
		for j, s := range sinks {
			if outcomes[j] != signalStored {
				t.Fatalf("signal %d: sink %d's outcome %d, want stored", i, j, outcomes[j])
			}
			s.Settle(d, outcomes[j], now)
		}
	}
	if got := sinks[0].store.Len(); got != 256 {
		t.Fatalf("the first sink's store holds %d signals, want 256", got)
	}
	if total >= uint64(len(sinks)) {
		t.Errorf("delivering 300 signals to %d sinks made %d allocations, want none (fewer than %d allowing for other goroutines)",
			len(sinks), total, len(sinks))
	}
}

// deliverSinks returns the signal sinks of n groups that each watch
// BTCUSDT with an SMA crossover that reports every signal.
func deliverSinks(tb testing.TB, n int) []*signalSink {
	tb.Helper()
	metrics, err := NewSignalMetrics(nil)
	if err != nil {
		tb.Fatal(err)
	}
	strategy, err := signal.ConfigFromSpec(smaSpec(2, 3, "0.0001"))
	if err != nil {
		tb.Fatal(err)
	}
	reg := exchange.NewRegistry(exchange.RegistryOptions{})
	tb.Cleanup(reg.Close)
	ep := reg.Endpoint(exchange.URLs{REST: "http://127.0.0.1:1", Stream: "ws://127.0.0.1:1"})
	sinks := make([]*signalSink, n)
	for i := range sinks {
		g := New(Config{Endpoint: ep, Symbols: []string{"BTCUSDT"}, Meta: recordingMetaForBench(i),
			Signals: &SignalOptions{Strategy: strategy, Interval: "1s", State: NewSignalState(time.Hour, nil), Metrics: metrics}})
		sinks[i] = g.newSignalSink()
	}
	return sinks
}

// benchDelivery is a BUY signal on the i-th one-second kline from open,
// received as its kline closed.
func benchDelivery(open time.Time, i int) *signalfeed.Delivery {
	k := open.Add(time.Duration(i) * time.Second)
	d := &signalfeed.Delivery{Signal: signal.Signal{Symbol: "BTCUSDT", Side: signal.Buy, Confidence: 0.5,
		Price: decimal.New(100, 0), KlineOpen: k, KlineClose: k.Add(time.Second - time.Millisecond), Strategy: "SMACrossover"}.WithReason("r")}
	d.Received, d.Prepared = d.Signal.KlineClose, signal.Prepare(d.Signal)
	return d
}

func smaSpec(fast, slow int32, minConfidence string) v1alpha1.StrategySpec {
	return v1alpha1.StrategySpec{Type: v1alpha1.StrategySMACrossover,
		SMACrossover: &v1alpha1.CrossoverParams{FastPeriod: fast, SlowPeriod: slow}, MinConfidence: v1alpha1.Decimal(minConfidence)}
}

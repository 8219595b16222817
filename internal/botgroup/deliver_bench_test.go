package botgroup

import (
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
	metrics, err := NewSignalMetrics(nil)
	if err != nil {
		b.Fatal(err)
	}
	strategy, err := signal.ConfigFromSpec(smaSpec(2, 3, "0.0001"))
	if err != nil {
		b.Fatal(err)
	}
	reg := exchange.NewRegistry(exchange.RegistryOptions{})
	defer reg.Close()
	ep := reg.Endpoint(exchange.URLs{REST: "http://127.0.0.1:1", Stream: "ws://127.0.0.1:1"})
	sinks := make([]*signalSink, 1000)
	for i := range sinks {
		g := New(Config{Endpoint: ep, Symbols: []string{"BTCUSDT"}, Meta: recordingMetaForBench(i),
			Signals: &SignalOptions{Strategy: strategy, Interval: "1s", State: NewSignalState(time.Hour, nil), Metrics: metrics}})
		sinks[i] = g.newSignalSink()
	}
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
		b.StartTimer()
		k := open.Add(time.Duration(i) * time.Second)
		d := signalfeed.Delivery{Received: time.Now(), Signal: signal.Signal{Symbol: "BTCUSDT", Side: signal.Buy, Confidence: 0.5,
			Price: decimal.New(100, 0), KlineOpen: k, KlineClose: k.Add(time.Second - time.Millisecond), Strategy: "SMACrossover"}.WithReason("r")}
		d.Received, d.Prepared = d.Signal.KlineClose, signal.Prepare(d.Signal)
		now := time.Now()
		for _, s := range sinks {
			s.Deliver(&d, now)
		}
	}
}

func smaSpec(fast, slow int32, minConfidence string) v1alpha1.StrategySpec {
	return v1alpha1.StrategySpec{Type: v1alpha1.StrategySMACrossover,
		SMACrossover: &v1alpha1.CrossoverParams{FastPeriod: fast, SlowPeriod: slow}, MinConfidence: v1alpha1.Decimal(minConfidence)}
}

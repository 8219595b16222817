package botgroup

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
	"github.com/tradebot-operator/tradebot-operator/test/opdrill"
)

// TestBenchFigures prints the signal path's latency figures as
// "name: value" lines, for make bench. It runs only with SIGNAL_BENCH=1:
//
//	SIGNAL_BENCH=1 go test -count=1 -run '^TestBenchFigures$' -v ./internal/botgroup/ | grep '^signal\.'
//
// 1 000 groups (SIGNAL_BENCH_BOTS) run their real signals task on the
// simulator's BTCUSDT 1s klines through one market-data hub, each with an
// SMA 2/3 crossover that reports nearly every turn, measured over 20 s
// (SIGNAL_BENCH_WINDOW, a Go duration) once they have all started. The
// simulator runs as a process of its own. Running the same strategy on the same stream, they
// share one signal feed, as they would in the operator. The latency is the
// signal latency histogram's: from the hub reading a kline's closing
// message to the signal being in the group's store, one sample per bot.
//
// signal.kline_close_to_signal_p99_us and _p50_us: its quantiles, linearly
// interpolated within the histogram's buckets (as histogram_quantile does).
// signal.latency_samples: how many signals the figures rest on.
// signal.warmup_requests_1000_bots: klines requests the simulator served
// for the groups' warm-ups (one: the shared feed warms up once).
func TestBenchFigures(t *testing.T) {
	if os.Getenv("SIGNAL_BENCH") != "1" {
		t.Log("set SIGNAL_BENCH=1 to print the benchmark figures")
		return
	}
	bots := 1000
	if v := os.Getenv("SIGNAL_BENCH_BOTS"); v != "" {
		if _, err := fmt.Sscan(v, &bots); err != nil {
			t.Fatal(err)
		}
	}
	// The exchange is another process, as it is for the operator: run in
	// this one, the simulator's price steps (which close the klines)
	// allocated enough to start a garbage collection at kline closes,
	// whose workers then took a CPU from the signals being measured.
	sim := startSimulatorProcess(t, "--tick", "250ms", "--history", "2m")
	mk := connectMarket(t, sim.url)
	ep, hub := mk.ep, mk.hub

	strategy, err := signal.ConfigFromSpec(v1alpha1.StrategySpec{Type: v1alpha1.StrategySMACrossover,
		SMACrossover: &v1alpha1.CrossoverParams{FastPeriod: 2, SlowPeriod: 3}, MinConfidence: "0.0001"})
	if err != nil {
		t.Fatal(err)
	}
	metrics, err := NewSignalMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, bots)
	for i := range bots {
		g := New(Config{
			Endpoint: ep, Symbols: []string{"BTCUSDT"}, Hub: hub, Feeds: mk.feeds,
			Meta: recordingMetaForBench(i),
			Signals: &SignalOptions{Strategy: strategy, Interval: "1s", State: NewSignalState(time.Hour, nil),
				Metrics: metrics},
		})
		go func() { done <- g.runSignals(ctx) }()
	}
	// The figures are the running bots', not their start: the histogram
	// is read once every group has warmed up and again 20 s later, and the
	// quantiles are of the difference.
	time.Sleep(5 * time.Second)
	before := latencySnapshot(t, metrics)
	time.Sleep(benchWindow(t))
	after := latencySnapshot(t, metrics)
	cancel()
	for range bots {
		if err := <-done; err != nil {
			t.Errorf("signals task: %v", err)
		}
	}
	h := histogramSince(before, after)
	if h.GetSampleCount() < uint64(bots) {
		t.Fatalf("only %d signals from %d bots in %s", h.GetSampleCount(), bots, benchWindow(t))
	}
	fmt.Printf("signal.kline_close_to_signal_p99_us: %.0f\n", histogramQuantile(0.99, h)*1e6)
	fmt.Printf("signal.kline_close_to_signal_p50_us: %.0f\n", histogramQuantile(0.50, h)*1e6)
	fmt.Printf("signal.latency_samples: %d\n", h.GetSampleCount())
	fmt.Printf("signal.warmup_requests_%d_bots: %d\n", bots, sim.requests(t, "/api/v3/klines"))
}

// startSimulatorProcess builds cmd/exchange-sim and runs it on a free
// loopback port with args until the test ends (the drills' process runner:
// it dies with the test binary), and returns it once it answers.
func startSimulatorProcess(t *testing.T, args ...string) *simServer {
	t.Helper()
	dir := t.TempDir()
	addr := opdrill.FreeAddr(t)
	proc := &opdrill.Operator{T: t, Bin: opdrill.BuildSimulator(t, opdrill.RepoRoot(t), dir), Dir: dir, Name: "exchange-sim",
		Args: append([]string{"--listen", addr}, args...)}
	t.Cleanup(proc.Stop)
	proc.Start()
	sim := &simServer{url: "http://" + addr, transport: &http.Transport{}}
	t.Cleanup(sim.transport.CloseIdleConnections)
	c := &http.Client{Transport: sim.transport, Timeout: 5 * time.Second}
	opdrill.WaitFor(t, []*opdrill.Operator{proc}, 30*time.Second, "the simulator to answer", func() (bool, string) {
		resp, err := c.Get(sim.url + "/api/v3/ping")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
	return sim
}

func latencySnapshot(t *testing.T, m *SignalMetrics) *dto.Histogram {
	t.Helper()
	var out dto.Metric
	if err := m.latency.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.GetHistogram()
}

// histogramSince is what after observed since before: counts subtracted
// bucket by bucket.
func histogramSince(before, after *dto.Histogram) *dto.Histogram {
	count := after.GetSampleCount() - before.GetSampleCount()
	h := &dto.Histogram{SampleCount: &count}
	for i, b := range after.GetBucket() {
		c := b.GetCumulativeCount() - before.GetBucket()[i].GetCumulativeCount()
		h.Bucket = append(h.Bucket, &dto.Bucket{UpperBound: b.UpperBound, CumulativeCount: &c})
	}
	return h
}

// histogramQuantile estimates the q-quantile of h by linear interpolation
// within the bucket it falls in.
func histogramQuantile(q float64, h *dto.Histogram) float64 {
	rank := q * float64(h.GetSampleCount())
	lower, below := 0.0, 0.0
	for _, b := range h.GetBucket() {
		upper, count := b.GetUpperBound(), float64(b.GetCumulativeCount())
		if count >= rank {
			if count == below {
				return upper
			}
			return lower + (upper-lower)*(rank-below)/(count-below)
		}
		lower, below = upper, count
	}
	return lower
}

// recordingMetaForBench names bench bot i.
func recordingMetaForBench(i int) recording.Meta {
	return recording.Meta{Namespace: "bench", Name: fmt.Sprintf("bot-%04d", i), Kind: "TradingBot", Exchange: "binance"}
}

// benchWindow is how long the latency is measured: SIGNAL_BENCH_WINDOW, or
// 20 s. A longer window holds more signals, for looking for rare slow
// ones.
func benchWindow(t *testing.T) time.Duration {
	v := os.Getenv("SIGNAL_BENCH_WINDOW")
	if v == "" {
		return 20 * time.Second
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("SIGNAL_BENCH_WINDOW=%q is not a positive duration", v)
	}
	return d
}

package botgroup

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
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
	simURL := startSimulatorProcess(t, "--tick", "250ms", "--history", "2m")
	mk := connectMarket(t, simURL)
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
	stats := simulatorStats(t, simURL)
	fmt.Printf("signal.kline_close_to_signal_p99_us: %.0f\n", histogramQuantile(0.99, h)*1e6)
	fmt.Printf("signal.kline_close_to_signal_p50_us: %.0f\n", histogramQuantile(0.50, h)*1e6)
	fmt.Printf("signal.latency_samples: %d\n", h.GetSampleCount())
	fmt.Printf("signal.warmup_requests_%d_bots: %d\n", bots, stats.Requests["/api/v3/klines"])
}

// startSimulatorProcess builds cmd/exchange-sim and runs it on a free
// loopback port with args until the test ends, and returns its URL once
// it answers.
func startSimulatorProcess(t *testing.T, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "exchange-sim")
	build := exec.Command("go", "build", "-o", bin, "./cmd/exchange-sim")
	build.Dir = filepath.Join("..", "..") // the repository, from this package
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the simulator: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var log bytes.Buffer
	cmd := exec.Command(bin, append([]string{"--listen", addr}, args...)...)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// waitErr is set before exited closes: Wait has copied the output.
	var waitErr error
	exited := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	url := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/api/v3/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		select {
		case <-exited:
			t.Fatalf("the simulator exited: %v\n%s", waitErr, log.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the simulator did not answer at %s within 30 s: %v", url, err)
		}
	}
}

// simulatorStats reads the statistics of the simulator serving url.
func simulatorStats(t *testing.T, url string) exchangesim.Stats {
	t.Helper()
	resp, err := http.Get(url + "/sim/v1/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st exchangesim.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("decoding the simulator's stats: %v", err)
	}
	return st
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

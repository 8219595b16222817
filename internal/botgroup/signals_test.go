package botgroup

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/replaytest"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
)

// replayLegs shapes the replayed BTCUSDT market: a long fall first (the
// group starts and warms up during it), then turns that make an SMA 2/5
// crossover fire both ways.
var replayLegs = []replaytest.Leg{{Klines: 15, Step: "-2"}, {Klines: 8, Step: "3"}, {Klines: 8, Step: "-3"}, {Klines: 8, Step: "3"}}

// TestSignalsFromReplayedKlines runs a group's signal task the way the
// operator does — shared registry and hub, a real InfluxDB sink — on a
// simulator that replays klines the test shaped, and checks that the group
// reports exactly the signals the strategy gives on the simulator's own
// klines: in the store, the metrics, the Events and InfluxDB.
// confidenceSlack is how far a signal's confidence may differ between two
// warm-ups of different lengths over the same klines.
const confidenceSlack = 0.01

func TestSignalsFromReplayedKlines(t *testing.T) {
	t.Parallel()
	cfg, replayKlines := replaytest.SimConfig(t, "BTCUSDT", "1000", replayLegs)
	m := startMarket(t, cfg)
	simStart, ep, hub := m.started, m.ep, m.hub
	influx, sink := startSink(t)

	spec := v1alpha1.StrategySpec{Type: v1alpha1.StrategySMACrossover, Interval: v1alpha1.Interval1s,
		SMACrossover: &v1alpha1.CrossoverParams{FastPeriod: 2, SlowPeriod: 5}, MinConfidence: "0.2"}
	strategy, err := signal.ConfigFromSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	promReg := prometheus.NewRegistry()
	metrics, err := NewSignalMetrics(promReg)
	if err != nil {
		t.Fatal(err)
	}
	var notesMu sync.Mutex
	var notes []string
	state := NewSignalState(time.Hour, nil)
	meta := recording.Meta{Namespace: "ns", Name: "sig-bot", Kind: "TradingBot", Exchange: "binance"}
	g := New(Config{
		Endpoint:      ep,
		Symbols:       []string{"BTCUSDT"},
		ProbeInterval: 200 * time.Millisecond,
		Hub:           hub,
		Feeds:         m.feeds,
		Recorder:      sink.Writer("ns/TradingBot/sig-bot", recording.WriterOptions{FlushInterval: 100 * time.Millisecond}),
		Meta:          meta,
		Signals: &SignalOptions{
			Strategy: strategy, Interval: "1s", State: state, Metrics: metrics,
			Announce: func(reason, _, note string) {
				notesMu.Lock()
				defer notesMu.Unlock()
				notes = append(notes, reason+": "+note)
			},
		},
	})
	if !slices.ContainsFunc(g.Tasks(), func(task supervisor.Task) bool { return task.Name == TaskSignals }) {
		t.Fatalf("no %s task", TaskSignals)
	}
	runTasks(t, g)

	// The window compared: from the first rise to the replay's last kline.
	// Which signals fire there depends only on the replayed klines (an SMA
	// forgets everything older than its window), whatever the warm-up
	// read; their confidence does a little (it scales by an exponential
	// average of the gap's moves, which forgets only gradually), so it is
	// compared within confidenceSlack.
	windowFrom := simStart.Add(time.Duration(replayLegs[0].Klines) * time.Second)
	windowTo := simStart.Add(time.Duration(replayKlines-1) * time.Second)
	for time.Now().Before(windowTo.Add(2 * time.Second)) {
		time.Sleep(100 * time.Millisecond)
	}

	// What the strategy gives on the simulator's own closed klines.
	want := replaytest.ExpectedSignals(t, m.url, spec, simStart.Add(-time.Minute), windowFrom, windowTo)

	inWindow := func() []signal.Signal {
		var got []signal.Signal
		for _, e := range state.Store.Symbol("BTCUSDT", windowFrom) {
			if e.Signal.KlineOpen.Before(windowTo) {
				got = append(got, e.Signal)
			}
		}
		return got
	}
	deadline := time.Now().Add(waitTimeout)
	for len(inWindow()) < len(want) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	got := inWindow()
	if len(got) != len(want) {
		t.Fatalf("the group stored %d signals in the window, want %d:\ngot  %v\nwant %v", len(got), len(want), got, want)
	}
	for i := range want {
		if got[i].ID() != want[i].ID() || math.Abs(got[i].Confidence-want[i].Confidence) > confidenceSlack ||
			!got[i].Price.Equal(want[i].Price) || got[i].Reason() != want[i].Reason() {
			t.Errorf("signal %d = %+v, want %+v", i, got[i], want[i])
		}
	}

	// Metrics: every stored signal counted once, by side; latencies observed.
	c := state.Store.Counts()
	for side, n := range map[signal.Side]int64{signal.Buy: c.Buy, signal.Sell: c.Sell} {
		m := testutil.ToFloat64(metrics.signals.WithLabelValues("ns", "TradingBot", "sig-bot", "BTCUSDT", string(side)))
		if int64(m) != n {
			t.Errorf("tradebot_signals_total{side=%s} = %v, want %d", side, m, n)
		}
	}
	var h dto.Metric
	if err := metrics.latency.Write(&h); err != nil {
		t.Fatal(err)
	}
	if got := int64(h.GetHistogram().GetSampleCount()); got != c.Total {
		t.Errorf("latency observed for %d signals, want one per stored signal (%d)", got, c.Total)
	}

	// Events: each signal of the window announced (few enough that the
	// budget folds none of them).
	notesMu.Lock()
	joined := strings.Join(notes, "\n")
	notesMu.Unlock()
	for _, s := range want {
		if frag := fmt.Sprintf("Signal: %s BTCUSDT at %s", s.Side, s.Price); !strings.Contains(joined, frag) {
			t.Errorf("no event %q in\n%s", frag, joined)
		}
	}

	// InfluxDB: one point per signal, at its kline's close.
	if err := sink.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	q := fmt.Sprintf(`SELECT count(confidence) FROM signal WHERE resource='sig-bot' AND time >= %d AND time < %d`,
		windowFrom.UnixNano(), windowTo.UnixNano())
	if n := influx.Int(t, "tradebot", q, "count"); n != int64(len(want)) {
		t.Errorf("InfluxDB holds %d signal points in the window, want %d", n, len(want))
	}
}

package botgroup

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
	"github.com/tradebot-operator/tradebot-operator/internal/marketdata"
	"github.com/tradebot-operator/tradebot-operator/internal/marketrecord"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
	"github.com/tradebot-operator/tradebot-operator/internal/recording/influxtest"
	"github.com/tradebot-operator/tradebot-operator/internal/signalfeed"
)

// TestMarketDataRecordedToInfluxDB runs a group the way the operator does —
// the shared registry and hub against a moving simulator, a writer of a
// real InfluxDB sink — and checks what reaches the snapshot and the
// database: ticks, closed klines (with REST backfill available) and the
// group's own health. md-bot records its own copy of market data
// (PerResource); md-shared leaves it to the shared recorder, whose points
// carry the endpoint instead of a resource.
func TestMarketDataRecordedToInfluxDB(t *testing.T) {
	cfg := exchangesim.DefaultConfig()
	cfg.Tick = 100 * time.Millisecond
	cfg.History = time.Minute
	mk := startMarket(t, cfg)
	ep, hub := mk.ep, mk.hub

	influx, sink := startSink(t)
	opts := recording.WriterOptions{FlushInterval: 100 * time.Millisecond}
	writer := sink.Writer("ns/TradingBot/md-bot", opts)
	shared := marketrecord.New(hub, sink)
	t.Cleanup(shared.Close)
	streams := []string{marketdata.TickerStream("BTCUSDT"), marketdata.KlineStream("BTCUSDT", "1s")}

	g := New(Config{
		Endpoint:      ep,
		Symbols:       []string{"BTCUSDT"},
		ProbeInterval: 200 * time.Millisecond,
		Hub:           hub,
		Streams:       streams,
		Recorder:      writer,
		Meta:          recording.Meta{Namespace: "ns", Name: "md-bot", Kind: "TradingBot", Exchange: "binance"},
		HealthEvery:   200 * time.Millisecond,
		MarketData:    tradingv1alpha1.MarketDataPerResource,
		Prices:        true,
	})
	sharedWriter := sink.Writer("ns/TradingBot/md-shared", opts)
	gs := New(Config{
		Endpoint:      ep,
		Symbols:       []string{"BTCUSDT"},
		ProbeInterval: 200 * time.Millisecond,
		Hub:           hub,
		Streams:       streams,
		Recorder:      sharedWriter,
		Meta:          recording.Meta{Namespace: "ns", Name: "md-shared", Kind: "TradingBot", Exchange: "binance"},
		HealthEvery:   200 * time.Millisecond,
		MarketData:    tradingv1alpha1.MarketDataShared,
		SharedMarket:  shared,
		MarketTarget:  marketrecord.Target{Exchange: "binance", StreamURL: ep.URLs().Stream, Writer: opts},
	})
	names := map[string]bool{}
	for _, task := range g.Tasks() {
		names[task.Name] = true
	}
	if !names[TaskExchangeHealth] || !names[TaskMarketData] || !names[TaskRecordHealth] {
		t.Fatalf("tasks %v, want exchange health, market data and health recording", names)
	}
	runTasks(t, g)
	runTasks(t, gs)

	// Status reads snapshots while the task applies events: under -race
	// this fails if a published snapshot shares the task's own map.
	stopReading := make(chan struct{})
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for {
			select {
			case <-stopReading:
				return
			default:
			}
			for sym, m := range g.Snapshot().Market.Symbols {
				_, _ = sym, m.LastPrice.String()
			}
		}
	}()
	defer func() { close(stopReading); <-readerDone }()

	deadline := time.Now().Add(waitTimeout)
	var s Snapshot
	for {
		s = g.Snapshot()
		if s.Market.ClosedKlines >= 3 && !s.Market.Symbols["BTCUSDT"].LastPrice.IsZero() && s.Recording.Written > 0 &&
			gs.Snapshot().Market.ClosedKlines >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("market data or recording never arrived: market %+v, recording %+v", s.Market, s.Recording)
		}
		time.Sleep(20 * time.Millisecond)
	}
	m := s.Market
	if !m.Subscribed || m.Streams != 2 || m.LastEvent.IsZero() || m.LastError != "" {
		t.Errorf("market snapshot %+v, want 2 subscribed streams with events", m)
	}
	if !s.Market.Symbols["BTCUSDT"].LastPrice.IsPositive() || s.Market.Symbols["BTCUSDT"].UpdatedAt.IsZero() {
		t.Errorf("BTCUSDT = %+v, want a positive last price with its time", s.Market.Symbols["BTCUSDT"])
	}
	// The shared-recording group was not asked for prices: it follows the
	// same events without keeping them.
	if other := gs.Snapshot().Market; other.Symbols != nil || other.LastEvent.IsZero() {
		t.Errorf("group without Prices: symbols %v, last event %v; want no symbols, some event", other.Symbols, other.LastEvent)
	}

	if err := sink.Flush(context.Background()); err != nil {
		t.Fatalf("flush: %v", err)
	}
	q := func(query, col string) int64 { return influx.Int(t, "tradebot", query, col) }
	if n := q(`SELECT count(price) FROM price WHERE resource='md-bot' AND symbol='BTCUSDT'`, "count"); n == 0 {
		t.Error("no price points for md-bot in InfluxDB")
	}
	if n := q(`SELECT count("close") FROM kline WHERE resource='md-bot' AND "interval"='1s'`, "count"); n < 3 {
		t.Errorf("%d closed 1s klines in InfluxDB, want at least 3", n)
	}
	if n := q(`SELECT count(used_weight) FROM health WHERE resource='md-bot' AND kind='TradingBot'`, "count"); n == 0 {
		t.Error("no health points for md-bot in InfluxDB")
	}
	endpoint := strings.TrimPrefix(ep.URLs().Stream, "ws://")
	if n := q(`SELECT count(price) FROM price WHERE endpoint='`+endpoint+`' AND symbol='BTCUSDT' AND source='ticker'`, "count"); n == 0 {
		t.Error("no shared price points in InfluxDB")
	}
	if n := q(`SELECT count("close") FROM kline WHERE endpoint='`+endpoint+`' AND "interval"='1s'`, "count"); n < 3 {
		t.Errorf("%d shared closed 1s klines in InfluxDB, want at least 3", n)
	}
	if n := q(`SELECT count(price) FROM price WHERE resource='md-shared'`, "count"); n != 0 {
		t.Errorf("%d price points of md-shared's own: a Shared resource writes none", n)
	}
	if n := q(`SELECT count(used_weight) FROM health WHERE resource='md-shared'`, "count"); n == 0 {
		t.Error("no health points for md-shared: what is the resource's own stays its own")
	}
	st := writer.Stats()
	if st.Dropped != 0 {
		t.Errorf("recording dropped %d points: %+v", st.Dropped, st)
	}
}

// runTasks runs g's tasks on goroutines the test owns until it ends.
func runTasks(t *testing.T, g *Group) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	tasks := g.Tasks()
	done := make(chan error, len(tasks))
	for _, task := range tasks {
		go func() { done <- task.Run(ctx) }()
	}
	t.Cleanup(func() {
		cancel()
		for range tasks {
			if err := <-done; err != nil {
				t.Errorf("task returned %v after its context ended, want nil", err)
			}
		}
	})
}

// market is a moving simulator behind a loopback server, and the operator's
// shared exchange registry and market-data hub in front of it, all stopped
// when the test ends.
type market struct {
	url     string
	started time.Time              // when the simulator was built: its start time
	sim     *exchangesim.Simulator // nil when the simulator runs as a process
	reg     *exchange.Registry
	ep      *exchange.Endpoint
	hub     *marketdata.Hub
	feeds   *signalfeed.Feeds
}

func startMarket(t *testing.T, cfg exchangesim.Config) *market {
	t.Helper()
	sim, err := exchangesim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	srv := httptest.NewServer(sim)
	ctx, cancel := context.WithCancel(context.Background())
	simDone := make(chan struct{})
	go func() { defer close(simDone); _ = sim.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-simDone; srv.Close(); sim.Close() })
	m := connectMarket(t, srv.URL)
	m.started, m.sim = started, sim
	return m
}

// connectMarket puts the operator's shared exchange registry, market-data
// hub and signal feeds in front of the simulator serving url, all stopped
// when the test ends.
func connectMarket(t *testing.T, url string) *market {
	t.Helper()
	m := &market{url: url}
	m.reg = exchange.NewRegistry(exchange.RegistryOptions{})
	t.Cleanup(m.reg.Close)
	m.ep = m.reg.Endpoint(exchange.URLs{REST: url, Stream: "ws" + strings.TrimPrefix(url, "http")})
	m.hub = marketdata.NewHub(marketdata.Options{Backfill: KlineBackfill(m.reg)})
	hubCtx, stopHub := context.WithCancel(context.Background())
	hubDone := make(chan error, 1)
	go func() { hubDone <- m.hub.Start(hubCtx) }()
	t.Cleanup(func() {
		stopHub()
		if err := <-hubDone; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("hub: %v", err)
		}
	})
	// Cleanups run last first: the feeds stop before the hub.
	m.feeds = signalfeed.New(signalfeed.Options{Hub: m.hub})
	t.Cleanup(m.feeds.Close)
	return m
}

// startSink starts a throwaway influxd and a sink writing to it; the sink
// must deliver everything by the time the test ends.
func startSink(t *testing.T) (*influxtest.Server, *recording.Sink) {
	t.Helper()
	influx := influxtest.Start(t, influxtest.Options{})
	sink, err := recording.NewSink(recording.SinkOptions{URL: influx.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer ccancel()
		if lost, err := sink.Close(cctx); err != nil || lost != 0 {
			t.Errorf("closing the sink: %d points lost, %v", lost, err)
		}
	})
	return influx, sink
}

func TestTickersCoverKlines(t *testing.T) {
	k := marketdata.KlineStream
	tk := marketdata.TickerStream
	for _, tc := range []struct {
		streams []string
		want    bool
	}{
		{[]string{k("BTCUSDT", "1m"), tk("BTCUSDT"), k("ETHUSDT", "1m"), tk("ETHUSDT")}, true},
		{[]string{k("BTCUSDT", "1m"), tk("ETHUSDT")}, false},
		{[]string{k("BTCUSDT", "1m"), marketdata.MiniTickerStream("BTCUSDT")}, true},
		{[]string{marketdata.TradeStream("BTCUSDT")}, true},
		{[]string{k("BTCUSDT", "1m")}, false},
	} {
		if got := tickersCoverKlines(tc.streams); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.streams, got, tc.want)
		}
	}
}

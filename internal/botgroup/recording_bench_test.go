package botgroup

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/streams"
	"github.com/tradebot-operator/tradebot-operator/internal/marketdata"
	"github.com/tradebot-operator/tradebot-operator/internal/marketrecord"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
)

// TestRecordingBenchFigures prints the market-data recording figures as
// "name: value" lines, for make bench. It runs only with RECORDING_BENCH=1:
//
//	RECORDING_BENCH=1 go test -count=1 -run '^TestRecordingBenchFigures$' -v ./internal/botgroup/ | grep '^recording\.'
//
// Trades are published by the simulator's stream server and travel the
// operator's real path: the hub over WebSocket, the groups' market-data
// tasks, the shared recorder, the Sink, a real influxd.
//
// recording.same_ms_trades_lost: of a burst of 5 000 trades of one symbol
// in one millisecond, with 1 000 bots subscribed, how many are missing
// from InfluxDB (target 0).
// recording.write_volume_ratio_1000_bots: market points written per market
// event with 1 000 bots subscribed to one symbol's trades (target 1), and
// recording.write_volume_ratio_1000_bots_per_resource the same with every
// bot writing its own copy (spec.recording.marketData: PerResource, what
// every bot did before).
func TestRecordingBenchFigures(t *testing.T) {
	if os.Getenv("RECORDING_BENCH") != "1" {
		t.Log("set RECORDING_BENCH=1 to print the benchmark figures")
		return
	}
	const bots, events, burst = 1000, 200, 5000

	perResource := runVolumeBench(t, bots, events, 0, tradingv1alpha1.MarketDataPerResource)
	shared := runVolumeBench(t, bots, events, burst, tradingv1alpha1.MarketDataShared)
	fmt.Printf("recording.write_volume_ratio_1000_bots: %.2f\n", float64(shared.points)/events)
	fmt.Printf("recording.write_volume_ratio_1000_bots_per_resource: %.2f\n", float64(perResource.points)/events)
	fmt.Printf("recording.same_ms_trades_lost: %d\n", shared.burstLost)
}

type volumeResult struct {
	points    int64 // market points produced for the events
	burstLost int64 // trades of the burst missing from InfluxDB
}

// runVolumeBench runs bots groups' market-data tasks in mode on one
// trade stream, publishes events trades (each in its own millisecond) and
// counts the market points produced for them; then, with burst > 0,
// publishes burst trades in one millisecond and counts those missing
// from InfluxDB.
func runVolumeBench(t *testing.T, bots, events, burst int, mode tradingv1alpha1.MarketDataRecording) volumeResult {
	influx, sink := startSink(t)
	srv := streams.New(streams.Config{SendBuffer: 1 << 16})
	hs := httptest.NewServer(srv)
	defer func() { hs.Close(); srv.Close() }()
	wsURL := "ws" + strings.TrimPrefix(hs.URL, "http")
	reg := exchange.NewRegistry(exchange.RegistryOptions{})
	defer reg.Close()
	ep := reg.Endpoint(exchange.URLs{REST: hs.URL, Stream: wsURL})
	hub := marketdata.NewHub(marketdata.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	hubDone := make(chan error, 1)
	go func() { hubDone <- hub.Start(ctx) }()
	shared := marketrecord.New(hub, sink)

	opts := recording.WriterOptions{FlushInterval: 200 * time.Millisecond, BatchSize: 5000}
	stream := marketdata.TradeStream("BTCUSDT")
	writers := make([]*recording.Writer, bots)
	var wg sync.WaitGroup
	errs := make(chan error, bots)
	for i := range bots {
		name := fmt.Sprintf("bot-%d", i)
		writers[i] = sink.Writer("bench/TradingBot/"+name, opts)
		g := New(Config{
			Endpoint: ep, Symbols: []string{"BTCUSDT"}, Hub: hub, Streams: []string{stream},
			Recorder: writers[i], Meta: recording.Meta{Namespace: "bench", Name: name, Kind: "TradingBot", Exchange: "binance"},
			MarketData: mode, SharedMarket: shared,
			MarketTarget: marketrecord.Target{Exchange: "binance", StreamURL: wsURL, Writer: opts},
		})
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := g.runMarketData(ctx); err != nil {
				errs <- err
			}
		}()
	}
	defer func() {
		cancel()
		wg.Wait()
		shared.Close()
		if err := <-hubDone; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("hub: %v", err)
		}
		close(errs)
		for err := range errs {
			t.Errorf("market-data task: %v", err)
		}
	}()
	waitFor(t, "the hub subscribing", func() bool { return srv.Subscribed(stream) })
	sharedWriter := func() *recording.Writer { return sink.Writer(marketrecord.WriterKey("tradebot", ""), opts) }
	if mode == tradingv1alpha1.MarketDataShared {
		waitFor(t, "every lease", func() bool { return shared.Streams() == 1 && hubSubscribers(hub, wsURL) == bots+1 })
	} else {
		waitFor(t, "every subscriber", func() bool { return hubSubscribers(hub, wsURL) == bots })
	}
	produced := func() int64 {
		var n int64
		for _, w := range writers {
			n += w.Stats().Produced
		}
		if mode == tradingv1alpha1.MarketDataShared {
			n += sharedWriter().Stats().Produced
		}
		return n
	}
	base := time.Now().Add(-time.Hour).UnixMilli()
	publishTrades(srv, 1, events, func(int) int64 { return base }, true)
	want := int64(events)
	if mode == tradingv1alpha1.MarketDataPerResource {
		want *= int64(bots)
	}
	waitFor(t, "the events recorded", func() bool { return messages(hub, wsURL) >= int64(events) && produced() >= want })
	// Anything more than one point an event would come meanwhile.
	time.Sleep(time.Second)
	var res volumeResult
	res.points = produced()

	if burst > 0 {
		ms := time.Now().UnixMilli()
		publishTrades(srv, 1+int64(events), burst, func(int) int64 { return ms }, false)
		waitFor(t, "the burst", func() bool { return sharedWriter().Stats().Produced >= int64(events+burst) })
		fctx, fcancel := context.WithTimeout(context.Background(), time.Minute)
		defer fcancel()
		if err := sink.Flush(fctx); err != nil {
			t.Fatal(err)
		}
		q := fmt.Sprintf(`SELECT count(price) FROM price WHERE symbol = 'BTCUSDT' AND source = 'trade' AND time >= %d AND time < %d`,
			time.UnixMilli(ms).UnixNano(), time.UnixMilli(ms+1).UnixNano())
		res.burstLost = int64(burst) - influx.Int(t, "tradebot", q, "count")
	}
	return res
}

// publishTrades publishes n BTCUSDT trades with ids from first on, at the
// milliseconds msOf gives (each one its own when spread).
func publishTrades(srv *streams.Server, first int64, n int, msOf func(int) int64, spread bool) {
	for i := range n {
		ms := msOf(i)
		if spread {
			ms += int64(i)
		}
		srv.Publish("btcusdt@trade", fmt.Appendf(nil,
			`{"e":"trade","E":%d,"s":"BTCUSDT","t":%d,"p":"%d.5","q":"0.001","T":%d,"m":%t,"M":true}`,
			ms, first+int64(i), 65000+i%100, ms, i%2 == 0))
	}
}

// hubSubscribers is how many subscriptions the hub holds on url.
func hubSubscribers(hub *marketdata.Hub, url string) int {
	fs, ok := hub.FeedStats(url)
	if !ok {
		return 0
	}
	return fs.Subscribers
}

// messages is how many stream messages the hub has decoded on url.
func messages(hub *marketdata.Hub, url string) int64 {
	fs, ok := hub.FeedStats(url)
	if !ok {
		return 0
	}
	return fs.Messages
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

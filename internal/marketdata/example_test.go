package marketdata_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
	"github.com/tradebot-operator/tradebot-operator/internal/marketdata"
)

// Two subscribers of the same ticker share one stream on one connection.
func ExampleHub_Subscribe() {
	cfg := exchangesim.DefaultConfig()
	cfg.History, cfg.Tick = time.Hour, 50*time.Millisecond
	sim, err := exchangesim.New(cfg)
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(sim)
	defer sim.Close()
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	hub := marketdata.NewHub(marketdata.Options{})
	stopped := make(chan struct{}, 2)
	go func() { _ = hub.Start(ctx); stopped <- struct{}{} }()
	go func() { _ = sim.Run(ctx); stopped <- struct{}{} }()
	defer func() { cancel(); <-stopped; <-stopped }()

	streamURL := "ws" + strings.TrimPrefix(srv.URL, "http") // as exchange.URLs.Stream gives it
	ticker := marketdata.TickerStream("BTCUSDT")
	a, err := hub.Subscribe(streamURL, []string{ticker}, marketdata.SubscribeOptions{})
	if err != nil {
		panic(err)
	}
	defer a.Close()
	b, err := hub.Subscribe(streamURL, []string{ticker}, marketdata.SubscribeOptions{})
	if err != nil {
		panic(err)
	}
	defer b.Close()

	for _, sub := range []*marketdata.Subscription{a, b} {
		ev := <-sub.Events()
		fmt.Println(ev.Stream, ev.Kind, ev.Symbol, ev.Ticker.LastPrice.IsPositive())
	}
	fs, _ := hub.FeedStats(streamURL)
	fmt.Println("connections:", fs.Connections, "streams:", fs.Streams, "subscribers:", fs.Subscribers)
	// Output:
	// btcusdt@ticker ticker BTCUSDT true
	// btcusdt@ticker ticker BTCUSDT true
	// connections: 1 streams: 1 subscribers: 2
}

// A bot checks its streams before acting on them. Each kind has its own
// staleness bound: fifteen seconds without a kline is stale, fifteen
// seconds without a trade is not (trades come only when someone trades).
func ExampleSubscription_Freshness() {
	start := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	hub := marketdata.NewHub(marketdata.Options{Now: func() time.Time { return start }})
	// The hub is not started, so nothing arrives: silence counts from the
	// subscription.
	sub, err := hub.Subscribe("ws://127.0.0.1:18090",
		[]string{marketdata.KlineStream("BTCUSDT", "1m"), marketdata.TradeStream("BTCUSDT")}, marketdata.SubscribeOptions{})
	if err != nil {
		panic(err)
	}
	defer sub.Close()

	fr := sub.Freshness(start.Add(15 * time.Second))
	fmt.Println(fr.Fresh(), fr.Stale, fr.StaleStreams)
	// Output: false 1 [btcusdt@kline_1m]
}

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

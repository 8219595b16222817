package marketdata

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestSubscribersShareOneStream(t *testing.T) {
	e := newSimEnv(t, nil)
	h := testHub(t, nil)
	const subscribers = 100
	streams := []string{"btcusdt@kline_1m", "ethusdt@ticker"}
	cols := make([]*collector, subscribers)
	for i := range cols {
		sub, err := h.Subscribe(e.wsURL, streams, SubscribeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cols[i] = collect(sub)
	}
	eventually(t, "the simulator to serve both streams", func() bool {
		ws := e.wsStats()
		return ws.Streams == 2 && ws.Connections == 1
	})
	for _, c := range cols {
		eventually(t, "every subscriber to see both streams", func() bool {
			e.step(1, time.Second)
			return c.count(func(ev Event) bool { return ev.Stream == streams[0] }) > 0 &&
				c.count(func(ev Event) bool { return ev.Stream == streams[1] }) > 0
		})
	}
	ws := e.wsStats()
	if ws.Streams != 2 || ws.Connections != 1 {
		t.Fatalf("simulator serves %d streams on %d connections, want 2 on 1", ws.Streams, ws.Connections)
	}
	fs, ok := h.FeedStats(e.wsURL)
	if !ok || fs.Streams != 2 || fs.Connections != 1 || fs.Subscribers != subscribers || fs.Reconnects != 0 {
		t.Fatalf("FeedStats = %+v, %v", fs, ok)
	}
	// Each message the simulator sent, once per event whatever the number
	// of subscribers, is decoded once.
	eventually(t, "every message sent to be decoded", func() bool {
		fs, _ := h.FeedStats(e.wsURL)
		return fs.Messages == e.wsStats().MessagesSent
	})
	for _, ev := range cols[0].snapshot() {
		if ev.Stream == streams[1] && (ev.Ticker == nil || !ev.Ticker.LastPrice.IsPositive() || ev.Symbol != "ETHUSDT") {
			t.Fatalf("ticker event %+v", ev)
		}
	}

	// A late subscriber gets the latest ticker and open kline at once,
	// without waiting for the market to move.
	late, err := h.Subscribe(e.wsURL, streams, SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	seen := map[string]bool{}
	for len(seen) < 2 {
		ev := nextEvent(t, late)
		seen[ev.Stream] = true
		if ev.Kind == KindKline && ev.Kline.Closed {
			t.Fatalf("a late subscriber was handed a closed kline: %+v", ev.Kline)
		}
	}
}

func TestLastCloseUnsubscribes(t *testing.T) {
	e := newSimEnv(t, nil)
	h := testHub(t, nil)
	a, err := h.Subscribe(e.wsURL, []string{"btcusdt@kline_1m", "ethusdt@kline_1m"}, SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.Subscribe(e.wsURL+"/", []string{"BTCUSDT@kline_1m"}, SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "two streams on one connection", func() bool {
		ws := e.wsStats()
		return ws.Streams == 2 && ws.Connections == 1
	})

	a.Close()
	a.Close() // twice is fine
	if _, open := <-a.Events(); open {
		t.Fatal("Events still open after Close")
	}
	eventually(t, "ethusdt@kline_1m to be unsubscribed", func() bool {
		ws := e.wsStats()
		return ws.Streams == 1 && ws.Connections == 1
	})
	if fs, _ := h.FeedStats(e.wsURL); fs.Streams != 1 || fs.Subscribers != 1 {
		t.Fatalf("after the first Close: %+v", fs)
	}

	b.Close()
	eventually(t, "the connection to close", func() bool {
		ws := e.wsStats()
		return ws.Streams == 0 && ws.Connections == 0
	})
	if fs, _ := h.FeedStats(e.wsURL); fs.Streams != 0 || fs.Connections != 0 || fs.Subscribers != 0 {
		t.Fatalf("after the last Close: %+v", fs)
	}
}

func TestStreamsSpreadOverConnections(t *testing.T) {
	e := newSimEnv(t, nil)
	h := testHub(t, func(o *Options) { o.MaxStreamsPerConn = 3 })
	var streams []string
	for _, sym := range []string{"btcusdt", "ethusdt", "bnbusdt"} {
		for _, iv := range []string{"1m", "5m", "1h"} {
			streams = append(streams, KlineStream(sym, iv))
		}
	}
	sub, err := h.Subscribe(e.wsURL, streams[:7], SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	eventually(t, "7 streams on 3 connections", func() bool {
		ws := e.wsStats()
		fs, _ := h.FeedStats(e.wsURL)
		return ws.Streams == 7 && ws.Connections == 3 && fs.Connections == 3
	})
	more, err := h.Subscribe(e.wsURL, streams[5:], SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer more.Close()
	eventually(t, "9 streams on 3 connections", func() bool {
		ws := e.wsStats()
		return ws.Streams == 9 && ws.Connections == 3
	})
}

func TestSubscribeValidates(t *testing.T) {
	h := NewHub(Options{})
	tests := []struct {
		url     string
		streams []string
	}{
		{"ws://127.0.0.1:1", nil},
		{"http://127.0.0.1:1", []string{"btcusdt@trade"}},
		{"ws://", []string{"btcusdt@trade"}},
		{"ws://host/path", []string{"btcusdt@trade"}},
		{"ws://127.0.0.1:1", []string{"btcusdt"}},
		{"ws://127.0.0.1:1", []string{"btcusdt@depth"}},
		{"ws://127.0.0.1:1", []string{"btcusdt@kline_7m"}},
		{"ws://127.0.0.1:1", []string{"btc-usdt@trade"}},
		{"ws://127.0.0.1:1", []string{"b@trade"}},
		{"ws://127.0.0.1:1", []string{"btcusdt@aggtrade"}},
		{"ws://127.0.0.1:1", []string{"btcusdt@trade", "bad"}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.url, tc.streams), func(t *testing.T) {
			if sub, err := h.Subscribe(tc.url, tc.streams, SubscribeOptions{}); err == nil {
				sub.Close()
				t.Fatal("accepted")
			}
		})
	}
	if len(h.Stats()) != 0 {
		t.Fatalf("refused subscriptions left feeds: %+v", h.Stats())
	}
}

func TestStopClosesSubscriptions(t *testing.T) {
	e := newSimEnv(t, nil)
	h := NewHub(Options{})
	// Subscribing before Start is allowed; nothing is dialled yet.
	sub, err := h.Subscribe(e.wsURL, []string{"btcusdt@kline_1m"}, SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ws := e.wsStats(); ws.Connections != 0 {
		t.Fatalf("%d connections before Start", ws.Connections)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Start(ctx) }()
	eventually(t, "the connection", func() bool { return e.wsStats().Streams == 1 })
	if err := h.Start(ctx); !errors.Is(err, ErrAlreadyStarted) {
		t.Fatalf("second Start: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Start: %v", err)
	}
	if _, open := <-sub.Events(); open {
		t.Fatal("Events open after the hub stopped")
	}
	if _, err := h.Subscribe(e.wsURL, []string{"btcusdt@kline_1m"}, SubscribeOptions{}); !errors.Is(err, ErrHubStopped) {
		t.Fatalf("Subscribe after stop: %v", err)
	}
	eventually(t, "the simulator to see the connection close", func() bool { return e.wsStats().Connections == 0 })
	sub.Close()
}

// A pull-mode subscriber that wants closed klines only gets exactly the
// closed klines a pushed subscriber of the same stream gets, in order, and
// none of the open-kline updates; Done tells it the subscription ended.
func TestPullSubscriberOfClosedKlines(t *testing.T) {
	e := newSimEnv(t, nil)
	h := testHub(t, nil)
	stream := "btcusdt@kline_1m"
	pushed, err := h.Subscribe(e.wsURL, []string{stream}, SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer pushed.Close()
	pulled, err := h.Subscribe(e.wsURL, []string{stream}, SubscribeOptions{Pull: true, OnlyClosedKlines: true})
	if err != nil {
		t.Fatal(err)
	}
	if pulled.Events() != nil {
		t.Fatal("a pull-mode subscription has an Events channel")
	}
	push, pull := collect(pushed), collect(pulled)
	eventually(t, "the connection", func() bool { return e.wsStats().Streams == 1 })
	e.step(5*60, time.Second)
	waitClosedUpTo(t, e, push, stream, "1m")
	waitClosedUpTo(t, e, pull, stream, "1m")

	if open := push.count(func(ev Event) bool { return ev.Kind == KindKline && !ev.Kline.Closed }); open == 0 {
		t.Fatal("the pushed subscriber saw no open-kline update: the test shows nothing")
	}
	for _, ev := range pull.snapshot() {
		if ev.Kind != KindKline || !ev.Kline.Closed {
			t.Fatalf("the closed-klines-only subscriber got %s", describe(ev))
		}
	}
	got, want := pull.closedKlines(stream), push.closedKlines(stream)
	if len(got) != len(want) {
		t.Fatalf("pulled %d closed klines, pushed %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].Kline.OpenTime.Equal(want[i].Kline.OpenTime) || !got[i].Kline.Close.Equal(want[i].Kline.Close) {
			t.Fatalf("closed kline %d: pulled %s, pushed %s", i, describe(got[i]), describe(want[i]))
		}
	}
	checkKlinesMatchREST(t, e, "BTCUSDT", "1m", got)
	if st := pulled.Stats(); st.Delivered != int64(len(got)) {
		t.Errorf("Stats.Delivered = %d, want the %d events taken with Next", st.Delivered, len(got))
	}

	pulled.Close()
	select {
	case <-pull.done:
	case <-time.After(waitLimit):
		t.Fatal("Done was not closed by Close")
	}
}

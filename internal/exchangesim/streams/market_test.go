package streams

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	binance "github.com/adshao/go-binance/v2"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/market"
)

// combinedEvent is a message of a combined stream.
type combinedEvent struct {
	Stream string          `json:"stream"`
	Data   json.RawMessage `json:"data"`
}

func TestPublishMarketSendsEverySubscribedStream(t *testing.T) {
	env := newEnv(t, Config{})
	m := newTestMarket(t)
	streams := []string{"btcusdt@trade", "btcusdt@aggTrade", "btcusdt@kline_1m", "btcusdt@kline_1h",
		"btcusdt@ticker", "btcusdt@miniTicker", "btcusdt@bookTicker"}
	c := env.dial(t, "/stream?streams="+strings.Join(streams, "/"))
	waitFor(t, "subscriptions", func() bool { return env.srv.Subscribed("btcusdt@bookTicker") })

	var btc market.Update
	for _, u := range m.Advance(testStart().Add(time.Second)) {
		env.srv.PublishMarket(u, m, testBook()) // ETHUSDT has no subscribers
		if u.Symbol == "BTCUSDT" {
			btc = u
		}
	}
	want := map[string]int{
		"btcusdt@trade": len(btc.Trades), "btcusdt@aggTrade": len(btc.Trades),
		"btcusdt@kline_1m": 1, "btcusdt@kline_1h": 1, "btcusdt@ticker": 1, "btcusdt@miniTicker": 1, "btcusdt@bookTicker": 1,
	}
	total := 0
	for _, n := range want {
		total += n
	}
	got := map[string]int{}
	var lastTrade binance.WsTradeEvent
	for range total {
		var ev combinedEvent
		if err := json.Unmarshal([]byte(readMsg(t, c)), &ev); err != nil {
			t.Fatal(err)
		}
		got[ev.Stream]++
		if ev.Stream == "btcusdt@trade" {
			if err := json.Unmarshal(ev.Data, &lastTrade); err != nil {
				t.Fatal(err)
			}
		}
	}
	for stream, n := range want {
		if got[stream] != n {
			t.Errorf("%s: %d events, want %d (all: %v)", stream, got[stream], n, got)
		}
	}
	last := btc.Trades[len(btc.Trades)-1]
	if lastTrade.TradeID != last.ID || lastTrade.Price != fixed(last.Price) {
		t.Fatalf("last trade event %+v, want id %d price %s", lastTrade, last.ID, last.Price)
	}
}

func TestPublishMarketClosesKlines(t *testing.T) {
	env := newEnv(t, Config{})
	m := newTestMarket(t)
	c := env.dial(t, "/ws/btcusdt@kline_1s")
	waitFor(t, "subscription", func() bool { return env.srv.Subscribed("btcusdt@kline_1s") })

	next := func() binance.WsKlineEvent {
		t.Helper()
		var ev binance.WsKlineEvent
		if err := json.Unmarshal([]byte(readMsg(t, c)), &ev); err != nil {
			t.Fatal(err)
		}
		return ev
	}
	publish := func(step int) {
		for _, u := range m.Advance(testStart().Add(time.Duration(step) * time.Second)) {
			if u.Symbol == "BTCUSDT" {
				env.srv.PublishMarket(u, m, nil)
			}
		}
	}

	publish(1)
	first := next()
	if first.Kline.IsFinal {
		t.Fatalf("first kline is final: %+v", first.Kline)
	}
	publish(2)
	closed := next()
	open := next()
	done, err := m.Klines("BTCUSDT", "1s", time.UnixMilli(first.Kline.StartTime), time.UnixMilli(first.Kline.StartTime), 1)
	if err != nil || len(done) != 1 {
		t.Fatalf("market klines: %v %v", done, err)
	}
	if !closed.Kline.IsFinal || closed.Kline.StartTime != first.Kline.StartTime ||
		closed.Kline.Close != fixed(done[0].Close) || closed.Kline.TradeNum != done[0].TradeCount {
		t.Fatalf("closing kline %+v, want the final state of %+v", closed.Kline, done[0])
	}
	if open.Kline.IsFinal || open.Kline.StartTime != first.Kline.StartTime+1000 {
		t.Fatalf("new kline %+v, want the open one a second later", open.Kline)
	}
}

func TestPublishMarketSkipsWhenStalled(t *testing.T) {
	env := newEnv(t, Config{})
	m := newTestMarket(t)
	c := env.dial(t, "/ws/btcusdt@miniTicker")
	waitFor(t, "subscription", func() bool { return env.srv.Subscribed("btcusdt@miniTicker") })
	env.srv.SetStalled(true)
	for _, u := range m.Advance(testStart().Add(time.Second)) {
		env.srv.PublishMarket(u, m, nil)
	}
	if got := request(t, c, `{"method":"LIST_SUBSCRIPTIONS","id":1}`); got != `{"result":["btcusdt@miniTicker"],"id":1}` {
		t.Fatalf("got %s, want only the reply", got)
	}
}

// TestGoBinanceClientConsumesStreams points go-binance's own stream helpers
// at the simulator: whatever they decode is what a bot would see.
func TestGoBinanceClientConsumesStreams(t *testing.T) {
	env := newEnv(t, Config{})
	// go-binance configures its WebSocket helpers through package variables.
	oldWs, oldCombined, oldKeepalive := binance.BaseWsMainURL, binance.BaseCombinedMainURL, binance.WebsocketKeepalive
	binance.BaseWsMainURL = env.url("/ws")
	binance.BaseCombinedMainURL = env.url("/stream?streams=")
	binance.WebsocketKeepalive = false // its keepalive goroutine outlives the connection
	var dones []chan struct{}
	t.Cleanup(func() {
		env.srv.DropAll() // ends every helper's read loop
		for _, d := range dones {
			<-d
		}
		binance.BaseWsMainURL, binance.BaseCombinedMainURL, binance.WebsocketKeepalive = oldWs, oldCombined, oldKeepalive
	})
	ignore := func(error) {}

	trades := make(chan *binance.WsTradeEvent, 64)
	aggs := make(chan *binance.WsAggTradeEvent, 64)
	klines := make(chan *binance.WsKlineEvent, 64)
	combinedKlines := make(chan *binance.WsKlineEvent, 64)
	stats := make(chan *binance.WsMarketStatEvent, 64)
	books := make(chan *binance.WsBookTickerEvent, 64)
	start := func(done chan struct{}, _ chan struct{}, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		dones = append(dones, done)
	}
	start(binance.WsTradeServe("BTCUSDT", func(e *binance.WsTradeEvent) { trades <- e }, ignore))
	start(binance.WsAggTradeServe("BTCUSDT", func(e *binance.WsAggTradeEvent) { aggs <- e }, ignore))
	start(binance.WsKlineServe("BTCUSDT", "1m", func(e *binance.WsKlineEvent) { klines <- e }, ignore))
	start(binance.WsCombinedKlineServe(map[string]string{"ETHUSDT": "15m"}, func(e *binance.WsKlineEvent) { combinedKlines <- e }, ignore))
	start(binance.WsMarketStatServe("BTCUSDT", func(e *binance.WsMarketStatEvent) { stats <- e }, ignore))
	start(binance.WsBookTickerServe("BTCUSDT", func(e *binance.WsBookTickerEvent) { books <- e }, ignore))
	for _, s := range []string{"btcusdt@trade", "btcusdt@aggTrade", "btcusdt@kline_1m", "ethusdt@kline_15m", "btcusdt@ticker", "btcusdt@bookTicker"} {
		waitFor(t, s, func() bool { return env.srv.Subscribed(s) })
	}

	m := newTestMarket(t)
	var btc market.Update
	for _, u := range m.Advance(testStart().Add(time.Second)) {
		env.srv.PublishMarket(u, m, testBook())
		if u.Symbol == "BTCUSDT" {
			btc = u
		}
	}
	tr := btc.Trades[0]
	if e := receive(t, trades); e.TradeID != tr.ID || e.Price != fixed(tr.Price) || e.Quantity != fixed(tr.Qty) || e.Symbol != "BTCUSDT" {
		t.Errorf("trade %+v, want %+v", e, tr)
	}
	if e := receive(t, aggs); e.AggTradeID != tr.ID || e.Price != fixed(tr.Price) || e.IsBuyerMaker != tr.BuyerIsMaker {
		t.Errorf("aggTrade %+v, want %+v", e, tr)
	}
	k, _ := m.CurrentKline("BTCUSDT", "1m")
	if e := receive(t, klines); e.Kline.StartTime != k.OpenTime.UnixMilli() || e.Kline.Close != fixed(k.Close) || e.Kline.Interval != "1m" || e.Kline.IsFinal {
		t.Errorf("kline %+v, want %+v", e.Kline, k)
	}
	ek, _ := m.CurrentKline("ETHUSDT", "15m")
	if e := receive(t, combinedKlines); e.Symbol != "ETHUSDT" || e.Kline.High != fixed(ek.High) || e.Kline.Interval != "15m" {
		t.Errorf("combined kline %+v, want %+v", e, ek)
	}
	tk, _ := m.Ticker24h("BTCUSDT")
	if e := receive(t, stats); e.LastPrice != fixed(tk.LastPrice) || e.Count != tk.Count || e.BidPrice != "64999.99000000" {
		t.Errorf("ticker %+v, want %+v", e, tk)
	}
	if e := receive(t, books); e.Symbol != "BTCUSDT" || e.BestAskQty != "0.25000000" || e.UpdateID <= 0 {
		t.Errorf("bookTicker %+v", e)
	}
}

func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitLimit):
		t.Fatal("no event")
		var zero T
		return zero
	}
}

package signal_test

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/clock"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
)

func ExampleStore() {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clk := clock.NewFake(start)
	st := signal.NewStore(signal.StoreOptions{TTL: time.Hour, Now: clk.Now})

	onKline := func(symbol string, side signal.Side, minute int, price string) signal.Signal {
		open := start.Add(time.Duration(minute) * time.Minute)
		return signal.Signal{
			Symbol: symbol, Side: side, Strategy: "rsi", Price: decimal.RequireFromString(price),
			KlineOpen: open, KlineClose: open.Add(time.Minute - time.Millisecond),
		}
	}
	// The signal task stores what its strategy produced.
	buy := onKline("BTCUSDT", signal.Buy, 0, "84000.10")
	st.PutBatch([]signal.Signal{buy, onKline("ETHUSDT", signal.Sell, 1, "2100.5"), onKline("BTCUSDT", signal.Sell, 30, "84500")})

	// The executor marks what it did; status rendering reads the latest.
	st.Update(buy.ID(), func(e *signal.Entry) { e.State, e.Note = signal.StateActed, "order 7" })
	for _, e := range st.LastPerSymbol() {
		fmt.Println(e.Signal.Symbol, e.Signal.Side, e.Signal.Price, e.State)
	}
	if e, ok := st.Get(buy.ID()); ok {
		fmt.Println(e.State, e.Note)
	}

	// An hour and a quarter on, signals on klines closed over an hour ago go.
	clk.Advance(75 * time.Minute)
	fmt.Println("pruned", st.Prune(clk.Now()), "left", st.Len())
	// Output:
	// BTCUSDT SELL 84500 New
	// ETHUSDT SELL 2100.5 New
	// Acted order 7
	// pruned 2 left 1
}

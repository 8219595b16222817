package market_test

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/market"
)

func Example() {
	d := decimal.RequireFromString
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	m, err := market.New(market.Config{
		Seed: 42,
		Symbols: []market.SymbolParams{{
			Symbol: "BTCUSDT", StartPrice: d("65000"), TickSize: d("0.01"), StepSize: d("0.00001"),
			Volatility: 0.6, MeanTradeQty: d("0.02"),
		}},
	}, start)
	if err != nil {
		panic(err)
	}
	price, _ := m.Price("BTCUSDT")
	fmt.Println("price at start:", price)

	// The simulator's loop advances the market and feeds each update's
	// price to the matching engine and its trades to the streams.
	updates := m.Advance(start.Add(90 * time.Second))
	fmt.Println("price steps:", len(updates))

	klines, _ := m.Klines("BTCUSDT", "1m", start, time.Time{}, 0)
	for _, k := range klines {
		fmt.Println(k.OpenTime.Format("15:04"), "closed:", k.Closed)
	}
	ticker, _ := m.Ticker24h("BTCUSDT")
	fmt.Println("24h window from", ticker.OpenTime.Format("Jan 2 15:04"))
	// Output:
	// price at start: 65000
	// price steps: 90
	// 09:00 closed: true
	// 09:01 closed: false
	// 24h window from Jan 4 09:01
}

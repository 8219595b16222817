package matching_test

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/matching"
)

func Example() {
	now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	engine, err := matching.New(matching.Config{
		Symbols: []matching.SymbolSpec{{
			Symbol: "BTCUSDT", BaseAsset: "BTC", QuoteAsset: "USDT",
			TickSize: decimal.RequireFromString("0.01"), StepSize: decimal.RequireFromString("0.00001"),
			MinQty: decimal.RequireFromString("0.00001"), MinNotional: decimal.NewFromInt(5),
		}},
		Now: func() time.Time { return now },
	})
	if err != nil {
		panic(err)
	}
	// The market drives the mid price; the default book has a 2 bps spread.
	if _, err := engine.SetPrice("BTCUSDT", decimal.NewFromInt(60000)); err != nil {
		panic(err)
	}
	engine.UpsertAccount("demo", map[string]decimal.Decimal{"USDT": decimal.NewFromInt(100000)})

	order, fills, events, err := engine.PlaceOrder("demo", matching.OrderRequest{
		Symbol: "BTCUSDT", Side: matching.SideBuy, Type: matching.TypeMarket,
		Quantity: decimal.RequireFromString("0.5"), ClientOrderID: "demo-1",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(order.Status, order.ExecutedQty, order.CumulativeQuoteQty)
	for _, f := range fills {
		fmt.Println("fill", f.Price, f.Qty, "fee", f.Commission, f.CommissionAsset)
	}
	for _, ev := range events {
		switch ev := ev.(type) {
		case matching.ExecutionReport:
			fmt.Println("executionReport", ev.ExecutionType, ev.Order.Status)
		case matching.AccountPosition:
			fmt.Println("outboundAccountPosition", len(ev.Balances), "assets")
		}
	}
	balances, _ := engine.Balances("demo")
	for _, b := range balances {
		fmt.Println(b.Asset, b.Free, b.Locked)
	}
	// Output:
	// FILLED 0.5 30003
	// fill 60006 0.5 fee 0.0005 BTC
	// executionReport NEW NEW
	// executionReport TRADE FILLED
	// outboundAccountPosition 2 assets
	// BTC 0.4995 0
	// USDT 69997 0
}

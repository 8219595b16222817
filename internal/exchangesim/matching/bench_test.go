package matching

import (
	"testing"

	"github.com/shopspring/decimal"
)

// benchEngine returns an engine with the default book (20 levels a side)
// and an account rich enough for any number of orders.
func benchEngine(b *testing.B) *Engine {
	b.Helper()
	clock := newTestClock()
	e, err := New(Config{Symbols: []SymbolSpec{btcSpec()}, Now: clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.SetPrice("BTCUSDT", d("60000")); err != nil {
		b.Fatal(err)
	}
	e.UpsertAccount("bench", map[string]decimal.Decimal{"USDT": d("1e15"), "BTC": d("1e10")})
	return e
}

// BenchmarkPlaceMarketOrder places market orders that each walk two levels,
// alternating sides so that the book's liquidity is refreshed every 1000
// orders by SetPrice, as the market's ticks do.
func BenchmarkPlaceMarketOrder(b *testing.B) {
	e := benchEngine(b)
	reqs := [2]OrderRequest{
		{Symbol: "BTCUSDT", Side: SideBuy, Type: TypeMarket, Quantity: d("0.001")},
		{Symbol: "BTCUSDT", Side: SideSell, Type: TypeMarket, Quantity: d("0.001")},
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%1000 == 999 {
			if _, err := e.SetPrice("BTCUSDT", d("60000")); err != nil {
				b.Fatal(err)
			}
		}
		if _, _, _, err := e.PlaceOrder("bench", reqs[i%2]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlaceLimitOrder places resting LIMIT orders below the bid and
// cancels each, so the book stays at a steady size.
func BenchmarkPlaceLimitOrder(b *testing.B) {
	e := benchEngine(b)
	// A standing book of 100 resting orders the new ones are inserted into.
	for i := 0; i < 100; i++ {
		req := OrderRequest{Symbol: "BTCUSDT", Side: SideBuy, Type: TypeLimit, TimeInForce: GTC,
			Quantity: d("0.001"), Price: d("59000").Add(decimal.NewFromInt(int64(i)))}
		if _, _, _, err := e.PlaceOrder("bench", req); err != nil {
			b.Fatal(err)
		}
	}
	req := OrderRequest{Symbol: "BTCUSDT", Side: SideBuy, Type: TypeLimit, TimeInForce: GTC,
		Quantity: d("0.001"), Price: d("59050.5")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		o, _, _, err := e.PlaceOrder("bench", req)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := e.CancelOrder("bench", "BTCUSDT", o.OrderID, ""); err != nil {
			b.Fatal(err)
		}
	}
}

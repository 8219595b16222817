package matching

import (
	"fmt"
	"testing"

	"github.com/shopspring/decimal"
)

func levelsString(levels []Level) string {
	s := ""
	for _, l := range levels {
		s += fmt.Sprintf(" %s×%s", l.Price, l.Qty)
	}
	return s
}

func TestSimulatedBook(t *testing.T) {
	tests := []struct {
		name             string
		spec             SymbolSpec
		book             BookConfig
		mid              string
		wantBids, wanAsk string
	}{
		{
			name:     "round numbers",
			spec:     tstSpec(),
			book:     testBook(),
			mid:      "100",
			wantBids: " 99.9×10.01 99.8×10.02 99.7×10.03",
			wanAsk:   " 100.1×9.99 100.2×9.98 100.3×9.97",
		},
		{
			name:     "bids round down and asks up to the tick",
			spec:     tstSpec(),
			book:     testBook(),
			mid:      "100.005",
			wantBids: " 99.9×10.01 99.8×10.02 99.7×10.03",
			wanAsk:   " 100.11×9.989 100.21×9.979 100.31×9.969",
		},
		{
			name: "defaults: 2 bps spread, 1 bp apart, 50000 per level",
			spec: btcSpec(),
			book: BookConfig{Levels: 2},
			mid:  "50000",
			// 50000×(1∓0.0001) and 50000×(1∓0.0002); qty = 50000/price floored to 0.00001
			wantBids: " 49995×1.0001 49990×1.0002",
			wanAsk:   " 50005×0.9999 50010×0.9998",
		},
		{
			name: "a tick coarser than the level step keeps levels one tick apart",
			spec: func() SymbolSpec {
				s := tstSpec()
				s.TickSize, s.MinPrice = d("1"), d("1")
				return s
			}(),
			book:     BookConfig{SpreadBps: d("2"), Levels: 3, LevelStepBps: d("1"), LevelNotional: d("1000")},
			mid:      "100",
			wantBids: " 99×10.101 98×10.204 97×10.309",
			wanAsk:   " 101×9.9 102×9.803 103×9.708",
		},
		{
			name:     "levels too small for one step are left out",
			spec:     tstSpec(),
			book:     BookConfig{Levels: 1, LevelNotional: d("0.01")},
			mid:      "100",
			wantBids: "",
			wanAsk:   "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := New(Config{Symbols: []SymbolSpec{tt.spec}, Book: tt.book, Now: newTestClock().Now})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.SetPrice(tt.spec.Symbol, d(tt.mid)); err != nil {
				t.Fatal(err)
			}
			depth, err := e.Depth(tt.spec.Symbol, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := levelsString(depth.Bids); got != tt.wantBids {
				t.Errorf("bids%s, want%s", got, tt.wantBids)
			}
			if got := levelsString(depth.Asks); got != tt.wanAsk {
				t.Errorf("asks%s, want%s", got, tt.wanAsk)
			}
		})
	}
}

func TestDepthLimitAndUserOrders(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"USDT": "10000", "TST": "100"})
	f.place("a", OrderRequest{Symbol: "TSTUSDT", Side: SideBuy, Type: TypeLimit, TimeInForce: GTC, Quantity: d("1"), Price: d("99.95")})
	f.place("a", OrderRequest{Symbol: "TSTUSDT", Side: SideBuy, Type: TypeLimit, TimeInForce: GTC, Quantity: d("2"), Price: d("99.8")})
	f.place("a", OrderRequest{Symbol: "TSTUSDT", Side: SideSell, Type: TypeLimitMaker, Quantity: d("3"), Price: d("100.3")})

	depth, err := f.e.Depth("TSTUSDT", 2)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := levelsString(depth.Bids), " 99.95×1 99.9×10.01"; got != want {
		t.Errorf("bids%s, want%s", got, want)
	}
	if got, want := levelsString(depth.Asks), " 100.1×9.99 100.2×9.98"; got != want {
		t.Errorf("asks%s, want%s", got, want)
	}
	full, _ := f.e.Depth("TSTUSDT", 5000)
	if got, want := levelsString(full.Bids), " 99.95×1 99.9×10.01 99.8×12.02 99.7×10.03"; got != want {
		t.Errorf("bids%s, want%s", got, want)
	}
	if got, want := levelsString(full.Asks), " 100.1×9.99 100.2×9.98 100.3×12.97"; got != want {
		t.Errorf("asks%s, want%s", got, want)
	}
	if full.LastUpdateID <= 0 {
		t.Errorf("LastUpdateID %d, want positive", full.LastUpdateID)
	}

	bid, bidQty, ask, askQty, err := f.e.BookTicker("TSTUSDT")
	if err != nil {
		t.Fatal(err)
	}
	wantDec(t, "bid", bid, "99.95")
	wantDec(t, "bidQty", bidQty, "1")
	wantDec(t, "ask", ask, "100.1")
	wantDec(t, "askQty", askQty, "9.99")
}

func TestDepthUpdateIDGrowsWithChanges(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"USDT": "10000"})
	first, _ := f.e.Depth("TSTUSDT", 5)
	f.place("a", OrderRequest{Symbol: "TSTUSDT", Side: SideBuy, Type: TypeMarket, Quantity: d("1")})
	second, _ := f.e.Depth("TSTUSDT", 5)
	f.setPrice("TSTUSDT", "100")
	third, _ := f.e.Depth("TSTUSDT", 5)
	if !(first.LastUpdateID < second.LastUpdateID && second.LastUpdateID < third.LastUpdateID) {
		t.Fatalf("update ids %d, %d, %d, want increasing", first.LastUpdateID, second.LastUpdateID, third.LastUpdateID)
	}
	// The market order took 1 of the best ask; SetPrice refreshed it.
	wantDec(t, "best ask qty after the trade", second.Asks[0].Qty, "8.99")
	wantDec(t, "best ask qty after SetPrice", third.Asks[0].Qty, "9.99")
}

func TestBookWithoutPrice(t *testing.T) {
	e, err := New(Config{Symbols: []SymbolSpec{tstSpec()}, Now: newTestClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := e.Price("TSTUSDT"); ok {
		t.Error("Price reported a price before SetPrice")
	}
	depth, err := e.Depth("TSTUSDT", 10)
	if err != nil || len(depth.Bids) != 0 || len(depth.Asks) != 0 {
		t.Errorf("Depth = %+v, %v; want empty", depth, err)
	}
	bid, _, ask, _, err := e.BookTicker("TSTUSDT")
	if err != nil || !bid.IsZero() || !ask.IsZero() {
		t.Errorf("BookTicker = %s/%s, %v; want zeros", bid, ask, err)
	}
	if _, err := e.SetPrice("TSTUSDT", d("0")); err == nil {
		t.Error("SetPrice accepted a zero price")
	}
	if _, err := e.SetPrice("NOPE", d("1")); err == nil {
		t.Error("SetPrice accepted an unknown symbol")
	}
	if _, err := e.Depth("NOPE", 1); err == nil {
		t.Error("Depth accepted an unknown symbol")
	}
	if _, _, _, _, err := e.BookTicker("NOPE"); err == nil {
		t.Error("BookTicker accepted an unknown symbol")
	}
	if _, err := e.SetPrice("TSTUSDT", d("123.45")); err != nil {
		t.Fatal(err)
	}
	if p, ok := e.Price("TSTUSDT"); !ok || !p.Equal(decimal.RequireFromString("123.45")) {
		t.Errorf("Price = %s, %v; want 123.45", p, ok)
	}
}

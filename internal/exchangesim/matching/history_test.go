package matching

import (
	"fmt"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

func TestHistoryIsBounded(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.MaxClosedOrders, c.MaxTrades = 3, 4 })
	f.fund("a", map[string]string{"USDT": "1000000", "TST": "1000"})
	resting, _, _ := f.place("a", tst(SideBuy, TypeLimit, GTC, "1", "90"))
	var market []Order
	for i := 0; i < 1000; i++ {
		side := SideBuy
		if i%2 == 1 {
			side = SideSell
		}
		req := tst(side, TypeMarket, "", "1", "")
		req.ClientOrderID = fmt.Sprintf("m-%d", i)
		o, _, _ := f.place("a", req)
		market = append(market, o)
		f.setPrice("TSTUSDT", "100") // refresh liquidity
	}

	all := f.e.AllOrders("a", OrderQuery{Symbol: "TSTUSDT", Limit: MaxQueryLimit})
	if len(all) != 4 {
		t.Fatalf("AllOrders kept %d orders, want the open one and the last 3 closed", len(all))
	}
	if all[0].OrderID != resting.OrderID || all[3].OrderID != market[999].OrderID || all[1].OrderID != market[997].OrderID {
		t.Errorf("kept orders %d %d %d %d", all[0].OrderID, all[1].OrderID, all[2].OrderID, all[3].OrderID)
	}
	if _, err := f.e.GetOrder("a", "TSTUSDT", market[996].OrderID, ""); err == nil {
		t.Error("an order beyond the bound is still found by id")
	} else {
		wantAPIError(t, err, apierr.CodeNoSuchOrder, "Order does not exist.")
	}
	if _, err := f.e.GetOrder("a", "TSTUSDT", 0, market[996].ClientOrderID); err == nil {
		t.Error("an order beyond the bound is still found by client id")
	}
	if _, err := f.e.GetOrder("a", "TSTUSDT", 0, market[999].ClientOrderID); err != nil {
		t.Errorf("the newest order by client id: %v", err)
	}
	if _, err := f.e.GetOrder("a", "TSTUSDT", resting.OrderID, ""); err != nil {
		t.Errorf("the open order is gone: %v", err)
	}

	trades := f.e.MyTrades("a", OrderQuery{Symbol: "TSTUSDT", Limit: MaxQueryLimit}, 0)
	if len(trades) != 4 || trades[3].OrderID != market[999].OrderID || trades[0].OrderID != market[996].OrderID {
		t.Fatalf("MyTrades kept %+v, want the last 4", trades)
	}

	acc := f.e.accounts["a"]
	if len(acc.orders) != 4 || len(acc.closed) != 3 || len(acc.trades) != 4 || len(acc.byClientID) != 4 {
		t.Errorf("internal history sizes: orders %d closed %d trades %d client ids %d",
			len(acc.orders), len(acc.closed), len(acc.trades), len(acc.byClientID))
	}
	if cap(acc.trades) > 16 || cap(acc.closed) > 16 {
		t.Errorf("history backing arrays grew: trades cap %d, closed cap %d", cap(acc.trades), cap(acc.closed))
	}
}

func TestAllOrdersAndMyTradesQueries(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"USDT": "100000", "BTC": "1"})
	start := f.clock.Now()
	var orders []Order
	for i := 0; i < 6; i++ {
		o, _, _ := f.place("a", tst(SideBuy, TypeMarket, "", "1", ""))
		orders = append(orders, o)
		f.clock.Advance(time.Minute)
	}
	btc, _, _ := f.place("a", OrderRequest{Symbol: "BTCUSDT", Side: SideSell, Type: TypeMarket, Quantity: d("0.01")})

	ids := func(os []Order) []int64 {
		out := []int64{}
		for _, o := range os {
			out = append(out, o.OrderID)
		}
		return out
	}
	tradeIDs := func(ts []Trade) []int64 {
		out := []int64{}
		for _, t := range ts {
			out = append(out, t.OrderID)
		}
		return out
	}
	tests := []struct {
		name string
		q    OrderQuery
		want []int64
	}{
		{"all of a symbol", OrderQuery{Symbol: "TSTUSDT"}, []int64{1, 2, 3, 4, 5, 6}},
		{"newest first limit", OrderQuery{Symbol: "TSTUSDT", Limit: 2}, []int64{5, 6}},
		{"from an id", OrderQuery{Symbol: "TSTUSDT", FromID: 3, Limit: 2}, []int64{3, 4}},
		{"from a time", OrderQuery{Symbol: "TSTUSDT", Start: start.Add(2 * time.Minute), Limit: 3}, []int64{3, 4, 5}},
		{"up to a time", OrderQuery{Symbol: "TSTUSDT", End: start.Add(2 * time.Minute), Limit: 2}, []int64{2, 3}},
		{"a time window", OrderQuery{Symbol: "TSTUSDT", Start: start.Add(time.Minute), End: start.Add(3 * time.Minute)}, []int64{2, 3, 4}},
		{"nothing matches", OrderQuery{Symbol: "TSTUSDT", FromID: 100}, []int64{}},
		{"another symbol", OrderQuery{Symbol: "BTCUSDT"}, []int64{btc.OrderID}},
		{"every symbol", OrderQuery{}, []int64{1, 2, 3, 4, 5, 6, btc.OrderID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(f.e.AllOrders("a", tt.q)); !equalIDs(got, tt.want) {
				t.Errorf("AllOrders ids %v, want %v", got, tt.want)
			}
			// Each market order made one trade, so MyTrades pages the same way.
			if tt.q.FromID != 0 {
				return // FromID is a trade id for MyTrades
			}
			if got := tradeIDs(f.e.MyTrades("a", tt.q, 0)); !equalIDs(got, tt.want) {
				t.Errorf("MyTrades order ids %v, want %v", got, tt.want)
			}
		})
	}
	if got := tradeIDs(f.e.MyTrades("a", OrderQuery{Symbol: "TSTUSDT"}, orders[2].OrderID)); !equalIDs(got, []int64{orders[2].OrderID}) {
		t.Errorf("MyTrades of one order: %v", got)
	}
	if got := f.e.AllOrders("nobody", OrderQuery{}); got == nil || len(got) != 0 {
		t.Errorf("AllOrders of an unknown account = %v, want empty", got)
	}
	if got := f.e.MyTrades("nobody", OrderQuery{}, 0); got == nil || len(got) != 0 {
		t.Errorf("MyTrades of an unknown account = %v, want empty", got)
	}
	if got := f.e.OpenOrders("nobody", ""); got == nil || len(got) != 0 {
		t.Errorf("OpenOrders of an unknown account = %v, want empty", got)
	}
}

func TestQueryLimitIsCapped(t *testing.T) {
	items := make([]int, 1500)
	for i := range items {
		items[i] = i + 1
	}
	idTime := func(i int) (int64, time.Time) { return int64(i), time.Time{} }
	if got := selectPage(items, OrderQuery{Limit: 5000}, idTime); len(got) != MaxQueryLimit || got[0] != 501 {
		t.Errorf("limit 5000 gave %d items from %d, want the newest 1000", len(got), got[0])
	}
	if got := selectPage(items, OrderQuery{}, idTime); len(got) != DefaultQueryLimit || got[0] != 1001 {
		t.Errorf("no limit gave %d items from %d, want the newest 500", len(got), got[0])
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

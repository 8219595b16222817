package matching

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

func TestUpsertAccountReplacesFreeAndKeepsLocks(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"USDT": "1000", "TST": "5", "BNB": "1"})
	f.place("a", tst(SideBuy, TypeLimit, GTC, "2", "99"))
	f.e.UpsertAccount("a", map[string]decimal.Decimal{"USDT": d("50"), "ETH": d("2"), "XRP": d("-3")})

	bals, ok := f.e.Balances("a")
	if !ok {
		t.Fatal("account missing")
	}
	want := []struct{ asset, free, locked string }{
		{"BNB", "0", "0"}, {"ETH", "2", "0"}, {"TST", "0", "0"}, {"USDT", "50", "198"}, {"XRP", "0", "0"},
	}
	if len(bals) != len(want) {
		t.Fatalf("balances %+v, want %d assets", bals, len(want))
	}
	for i, w := range want {
		b := bals[i]
		if b.Asset != w.asset || !b.Free.Equal(d(w.free)) || !b.Locked.Equal(d(w.locked)) {
			t.Errorf("balance %d = %s free %s locked %s, want %s free %s locked %s", i, b.Asset, b.Free, b.Locked, w.asset, w.free, w.locked)
		}
	}
	// The open order is still backed: cancelling it frees its lock.
	if _, _, err := f.e.CancelOpenOrders("a", "TSTUSDT"); err != nil {
		t.Fatal(err)
	}
	f.wantBalance("a", "USDT", "248", "0")
}

func TestRemoveAccountTakesItsOrdersOffTheBook(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"USDT": "1000"})
	f.place("a", tst(SideBuy, TypeLimit, GTC, "2", "99.95"))
	f.e.RemoveAccount("a")
	f.e.RemoveAccount("a") // twice is fine
	if _, ok := f.e.Balances("a"); ok {
		t.Error("removed account still has balances")
	}
	bid, _, _, _, _ := f.e.BookTicker("TSTUSDT")
	wantDec(t, "best bid", bid, "99.9")
	if ev := f.setPrice("TSTUSDT", "90"); len(ev) != 0 {
		t.Errorf("SetPrice produced %v for a removed account", eventKinds(ev))
	}
	_, _, _, err := f.e.PlaceOrder("a", tst(SideBuy, TypeMarket, "", "1", ""))
	wantAPIError(t, err, apierr.CodeRejectedAPIKey, "Invalid API-key, IP, or permissions for action.")
}

func TestReset(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"USDT": "1000"})
	f.place("a", tst(SideBuy, TypeLimit, GTC, "2", "99.95"))
	last, _, _ := f.place("a", tst(SideBuy, TypeMarket, "", "5", ""))
	f.e.Reset()

	if _, ok := f.e.Balances("a"); ok {
		t.Error("account survived Reset")
	}
	if p, ok := f.e.Price("TSTUSDT"); !ok || !p.Equal(d("100")) {
		t.Errorf("price after Reset = %s, %v; want 100", p, ok)
	}
	depth, _ := f.e.Depth("TSTUSDT", 1)
	if len(depth.Bids) != 1 || !depth.Bids[0].Price.Equal(d("99.9")) || !depth.Asks[0].Qty.Equal(d("9.99")) {
		t.Errorf("depth after Reset %+v, want the fresh simulated book", depth)
	}
	f.fund("a", map[string]string{"USDT": "1000"})
	next, _, _ := f.place("a", tst(SideBuy, TypeLimit, GTC, "1", "90"))
	if next.OrderID <= last.OrderID {
		t.Errorf("order id %d after Reset, want above %d", next.OrderID, last.OrderID)
	}
}

func TestIDsAndTimes(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"USDT": "100000", "BTC": "1", "TST": "100"})
	btc := func() OrderRequest {
		return OrderRequest{Symbol: "BTCUSDT", Side: SideSell, Type: TypeMarket, Quantity: d("0.01")}
	}
	var tstIDs, btcIDs, tstTrades []int64
	for i := 0; i < 3; i++ {
		o, fills, _ := f.place("a", tst(SideBuy, TypeMarket, "", "12", "")) // two fills each
		tstIDs = append(tstIDs, o.OrderID)
		for _, fl := range fills {
			tstTrades = append(tstTrades, fl.TradeID)
		}
		b, _, _ := f.place("a", btc())
		btcIDs = append(btcIDs, b.OrderID)
		f.setPrice("TSTUSDT", "100")
	}
	if !equalIDs(tstIDs, []int64{1, 2, 3}) || !equalIDs(btcIDs, []int64{1, 2, 3}) {
		t.Errorf("order ids TST %v BTC %v, want 1 2 3 for each symbol", tstIDs, btcIDs)
	}
	if !equalIDs(tstTrades, []int64{1, 2, 3, 4, 5, 6}) {
		t.Errorf("TST trade ids %v, want 1..6", tstTrades)
	}

	f.clock.Advance(90 * time.Second)
	placedAt := f.clock.Now()
	o, _, _ := f.place("a", tst(SideSell, TypeLimit, GTC, "1", "101"))
	if !o.Time.Equal(placedAt) || !o.UpdateTime.Equal(placedAt) || !o.WorkingTime.Equal(placedAt) || !o.IsWorking {
		t.Errorf("times %v %v %v working %v, want %v", o.Time, o.UpdateTime, o.WorkingTime, o.IsWorking, placedAt)
	}
	f.clock.Advance(time.Minute)
	filledAt := f.clock.Now()
	f.setPrice("TSTUSDT", "102")
	got, _ := f.e.GetOrder("a", "TSTUSDT", o.OrderID, "")
	if !got.Time.Equal(placedAt) || !got.UpdateTime.Equal(filledAt) || got.Status != StatusFilled {
		t.Errorf("after the fill: time %v update %v status %s; want %v, %v, FILLED", got.Time, got.UpdateTime, got.Status, placedAt, filledAt)
	}
	trades := f.e.MyTrades("a", OrderQuery{Symbol: "TSTUSDT"}, o.OrderID)
	if len(trades) != 1 || !trades[0].Time.Equal(filledAt) || trades[0].ID != 7 {
		t.Errorf("trade %+v, want id 7 at %v", trades, filledAt)
	}
}

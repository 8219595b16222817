package matching

import (
	"reflect"
	"testing"
)

func TestTakerMatchesOtherAccountsRestingOrders(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"USDT": "10000"})
	f.fund("b", map[string]string{"TST": "10"})
	maker, _, _ := f.place("b", tst(SideSell, TypeLimitMaker, "", "1", "100.05"))

	taker, fills, ev := f.place("a", tst(SideBuy, TypeMarket, "", "2", ""))
	if got, want := fillsString(fills), "100.05×1 fee 0.001 TST taker; 100.1×1 fee 0.001 TST taker"; got != want {
		t.Errorf("fills %s, want %s", got, want)
	}
	want := []string{
		"a:NEW/NEW",
		"a:TRADE/PARTIALLY_FILLED", "b:TRADE/FILLED",
		"a:TRADE/FILLED",
		"a:POS[TST,USDT]", "b:POS[TST,USDT]",
	}
	if got := eventKinds(ev); !reflect.DeepEqual(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	makerReport := ev[2].(ExecutionReport)
	if !makerReport.LastFill.Maker || makerReport.LastFill.TradeID != fills[0].TradeID ||
		makerReport.LastFill.CommissionAsset != "USDT" || !makerReport.LastFill.Commission.Equal(d("0.10005")) {
		t.Errorf("maker fill %+v, want maker, trade %d, fee 0.10005 USDT", makerReport.LastFill, fills[0].TradeID)
	}
	if makerReport.Order.OrderID != maker.OrderID {
		t.Errorf("maker report for order %d, want %d", makerReport.Order.OrderID, maker.OrderID)
	}
	bTrades := f.e.MyTrades("b", OrderQuery{Symbol: "TSTUSDT"}, 0)
	if len(bTrades) != 1 || !bTrades[0].IsMaker || bTrades[0].IsBuyer || bTrades[0].ID != fills[0].TradeID {
		t.Errorf("b trades %+v", bTrades)
	}
	aTrades := f.e.MyTrades("a", OrderQuery{Symbol: "TSTUSDT"}, taker.OrderID)
	if len(aTrades) != 2 || aTrades[0].IsMaker || !aTrades[0].IsBuyer {
		t.Errorf("a trades %+v", aTrades)
	}
	f.wantBalance("b", "USDT", "99.94995", "0")
	f.wantBalance("b", "TST", "9", "0")
	f.checkInvariants()
}

func TestPartialMakerFillStaysOnTheBook(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"TST": "10"})
	f.fund("b", map[string]string{"USDT": "1000"})
	f.place("b", tst(SideBuy, TypeLimit, GTC, "3", "99.95"))
	f.place("a", tst(SideSell, TypeLimit, IOC, "1", "99.95"))
	open := f.e.OpenOrders("b", "TSTUSDT")
	if len(open) != 1 || open[0].Status != StatusPartiallyFilled || !open[0].ExecutedQty.Equal(d("1")) {
		t.Fatalf("b open orders %+v, want one PARTIALLY_FILLED with 1 executed", open)
	}
	f.wantBalance("b", "USDT", "700.15", "199.9")
	bid, bidQty, _, _, _ := f.e.BookTicker("TSTUSDT")
	wantDec(t, "best bid", bid, "99.95")
	wantDec(t, "best bid qty", bidQty, "2")
	f.checkInvariants()
}

func TestSelfTradePreventionExpiresTheMaker(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"USDT": "10000", "TST": "10"})
	own, _, _ := f.place("a", tst(SideSell, TypeLimitMaker, "", "1", "100.05"))
	f.wantBalance("a", "TST", "9", "1")

	_, fills, ev := f.place("a", tst(SideBuy, TypeMarket, "", "2", ""))
	if got, want := fillsString(fills), "100.1×2 fee 0.002 TST taker"; got != want {
		t.Errorf("fills %s, want %s", got, want)
	}
	want := []string{"a:NEW/NEW", "a:TRADE_PREVENTION/EXPIRED_IN_MATCH", "a:TRADE/FILLED", "a:POS[TST,USDT]"}
	if got := eventKinds(ev); !reflect.DeepEqual(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	got, err := f.e.GetOrder("a", "TSTUSDT", own.OrderID, "")
	if err != nil || got.Status != StatusExpiredInMatch || !got.ExecutedQty.IsZero() {
		t.Errorf("own order %+v, %v; want EXPIRED_IN_MATCH, nothing executed", got, err)
	}
	f.wantBalance("a", "TST", "11.998", "0")
	f.checkInvariants()
}

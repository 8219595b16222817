package matching

import (
	"reflect"
	"testing"
)

func TestSetPriceFillsCrossedRestingOrders(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"USDT": "10000", "TST": "100"})
	f.fund("b", map[string]string{"USDT": "10000", "TST": "100"})
	bid, _, _ := f.place("a", tst(SideBuy, TypeLimit, GTC, "2", "99.5"))
	ask, _, _ := f.place("b", tst(SideSell, TypeLimit, GTC, "3", "100.5"))

	steps := []struct {
		mid        string
		wantEvents []string
	}{
		// best ask 99.6×1.001 = 99.6996 → 99.70, above the bid: nothing
		{"99.6", []string{}},
		// best ask 99.4×1.001 = 99.4994 → 99.50 reaches the bid
		{"99.4", []string{"a:TRADE/FILLED", "a:POS[TST,USDT]"}},
		// best bid 100.6×0.999 = 100.4994 → 100.49, below the ask: nothing
		{"100.6", []string{}},
		// best bid 100.7×0.999 = 100.5993 → 100.59 crosses the ask
		{"100.7", []string{"b:TRADE/FILLED", "b:POS[TST,USDT]"}},
	}
	for _, s := range steps {
		got := eventKinds(f.setPrice("TSTUSDT", s.mid))
		if !reflect.DeepEqual(got, s.wantEvents) {
			t.Errorf("SetPrice(%s) events %v, want %v", s.mid, got, s.wantEvents)
		}
	}

	for _, c := range []struct {
		account string
		id      int64
		price   string
		qty     string
		isBuyer bool
		fee     string
		feeAsst string
	}{
		{"a", bid.OrderID, "99.5", "2", true, "0.002", "TST"},
		{"b", ask.OrderID, "100.5", "3", false, "0.3015", "USDT"},
	} {
		o, err := f.e.GetOrder(c.account, "TSTUSDT", c.id, "")
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != StatusFilled || !o.ExecutedQty.Equal(d(c.qty)) {
			t.Errorf("%s order %+v, want FILLED %s", c.account, o, c.qty)
		}
		trades := f.e.MyTrades(c.account, OrderQuery{Symbol: "TSTUSDT"}, c.id)
		if len(trades) != 1 {
			t.Fatalf("%s trades %+v, want one", c.account, trades)
		}
		tr := trades[0]
		if !tr.Price.Equal(d(c.price)) || !tr.Qty.Equal(d(c.qty)) || !tr.IsMaker || tr.IsBuyer != c.isBuyer ||
			!tr.Commission.Equal(d(c.fee)) || tr.CommissionAsset != c.feeAsst {
			t.Errorf("%s trade %+v, want maker at %s×%s fee %s %s", c.account, tr, c.price, c.qty, c.fee, c.feeAsst)
		}
	}
	f.wantBalance("a", "USDT", "9801", "0")
	f.wantBalance("a", "TST", "101.998", "0")
	f.wantBalance("b", "USDT", "10301.1985", "0")
	f.wantBalance("b", "TST", "97", "0")
	if n := len(f.e.OpenOrders("a", "")) + len(f.e.OpenOrders("b", "")); n != 0 {
		t.Errorf("%d orders still open", n)
	}
	f.checkInvariants()
}

func TestSetPriceFillsThePartiallyFilledRemainder(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"USDT": "10000"})
	// Takes 9.99 at 100.10 and rests 2.01 at 100.15.
	o, _, _ := f.place("a", tst(SideBuy, TypeLimit, GTC, "12", "100.15"))
	if o.Status != StatusPartiallyFilled {
		t.Fatalf("status %s, want PARTIALLY_FILLED", o.Status)
	}
	ev := f.setPrice("TSTUSDT", "100.04") // best ask 100.04×1.001 = 100.14004 → 100.15
	if got, want := eventKinds(ev), []string{"a:TRADE/FILLED", "a:POS[TST,USDT]"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	rep := ev[0].(ExecutionReport)
	if rep.LastFill == nil || !rep.LastFill.Qty.Equal(d("2.01")) || !rep.LastFill.Price.Equal(d("100.15")) || !rep.LastFill.Maker {
		t.Errorf("last fill %+v, want 2.01 at 100.15 as maker", rep.LastFill)
	}
	wantDec(t, "executedQty", rep.Order.ExecutedQty, "12")
	wantDec(t, "cummulativeQuoteQty", rep.Order.CumulativeQuoteQty, "1201.3005") // 999.999 + 201.3015
	f.wantBalance("a", "USDT", "8798.6995", "0")
	f.checkInvariants()
}

func TestSetPriceFillsSeveralOrdersBestFirst(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"USDT": "10000"})
	f.fund("b", map[string]string{"USDT": "10000"})
	low, _, _ := f.place("a", tst(SideBuy, TypeLimit, GTC, "1", "99.0"))
	high, _, _ := f.place("b", tst(SideBuy, TypeLimit, GTC, "1", "99.5"))
	untouched, _, _ := f.place("a", tst(SideBuy, TypeLimit, GTC, "1", "98"))
	ev := f.setPrice("TSTUSDT", "98.5") // best ask 98.5985 → 98.60
	want := []string{"b:TRADE/FILLED", "a:TRADE/FILLED", "b:POS[TST,USDT]", "a:POS[TST,USDT]"}
	if got := eventKinds(ev); !reflect.DeepEqual(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	first, second := ev[0].(ExecutionReport), ev[1].(ExecutionReport)
	if first.Order.OrderID != high.OrderID || second.Order.OrderID != low.OrderID {
		t.Errorf("filled orders %d then %d, want %d then %d", first.Order.OrderID, second.Order.OrderID, high.OrderID, low.OrderID)
	}
	if !(first.LastFill.TradeID < second.LastFill.TradeID) {
		t.Errorf("trade ids %d, %d, want increasing", first.LastFill.TradeID, second.LastFill.TradeID)
	}
	if open := f.e.OpenOrders("a", "TSTUSDT"); len(open) != 1 || open[0].OrderID != untouched.OrderID {
		t.Errorf("open orders %+v, want only %d", open, untouched.OrderID)
	}
	f.checkInvariants()
}

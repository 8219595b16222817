package matching

import (
	"reflect"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

func TestCancelOrder(t *testing.T) {
	type ids struct {
		orderID  int64
		clientID string
	}
	tests := []struct {
		name    string
		account string
		symbol  string
		ids     func(open, filled, canceled Order) ids
		code    int // 0 = success
		msg     string
	}{
		{"by order id", "a", "TSTUSDT", func(o, _, _ Order) ids { return ids{o.OrderID, ""} }, 0, ""},
		{"by client order id", "a", "TSTUSDT", func(o, _, _ Order) ids { return ids{0, o.ClientOrderID} }, 0, ""},
		{"by both, matching", "a", "TSTUSDT", func(o, _, _ Order) ids { return ids{o.OrderID, o.ClientOrderID} }, 0, ""},
		{"by both, not matching", "a", "TSTUSDT", func(o, f, _ Order) ids { return ids{o.OrderID, f.ClientOrderID} },
			apierr.CodeCancelRejected, "Unknown order sent."},
		{"unknown id", "a", "TSTUSDT", func(Order, Order, Order) ids { return ids{999, ""} }, apierr.CodeCancelRejected, "Unknown order sent."},
		{"unknown client id", "a", "TSTUSDT", func(Order, Order, Order) ids { return ids{0, "nope"} }, apierr.CodeCancelRejected, "Unknown order sent."},
		{"already filled", "a", "TSTUSDT", func(_, f, _ Order) ids { return ids{f.OrderID, ""} }, apierr.CodeCancelRejected, "Unknown order sent."},
		{"already canceled", "a", "TSTUSDT", func(_, _, c Order) ids { return ids{c.OrderID, ""} }, apierr.CodeCancelRejected, "Unknown order sent."},
		{"another account's order", "b", "TSTUSDT", func(o, _, _ Order) ids { return ids{o.OrderID, ""} }, apierr.CodeCancelRejected, "Unknown order sent."},
		{"unknown account", "nobody", "TSTUSDT", func(o, _, _ Order) ids { return ids{o.OrderID, ""} }, apierr.CodeCancelRejected, "Unknown order sent."},
		{"same id on another symbol", "a", "BTCUSDT", func(o, _, _ Order) ids { return ids{o.OrderID, ""} }, apierr.CodeCancelRejected, "Unknown order sent."},
		{"no id at all", "a", "TSTUSDT", func(Order, Order, Order) ids { return ids{} }, apierr.CodeMandatoryParam,
			"Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"},
		{"unknown symbol", "a", "NOPE", func(o, _, _ Order) ids { return ids{o.OrderID, ""} }, apierr.CodeInvalidSymbol, "Invalid symbol."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.fund("a", map[string]string{"USDT": "10000"})
			f.fund("b", map[string]string{"USDT": "10000"})
			canceled, _, _ := f.place("a", tst(SideBuy, TypeLimit, GTC, "1", "98"))
			if _, _, err := f.e.CancelOrder("a", "TSTUSDT", canceled.OrderID, ""); err != nil {
				t.Fatal(err)
			}
			filled, _, _ := f.place("a", tst(SideBuy, TypeMarket, "", "1", ""))
			open, _, _ := f.place("a", OrderRequest{Symbol: "TSTUSDT", Side: SideBuy, Type: TypeLimit, TimeInForce: GTC,
				Quantity: d("2"), Price: d("99"), ClientOrderID: "mine-1"})
			f.clock.Advance(1500 * time.Millisecond)

			id := tt.ids(open, filled, canceled)
			got, ev, err := f.e.CancelOrder(tt.account, tt.symbol, id.orderID, id.clientID)
			if tt.code != 0 {
				wantAPIError(t, err, tt.code, tt.msg)
				if still := f.e.OpenOrders("a", "TSTUSDT"); len(still) != 1 {
					t.Errorf("open orders %+v, want the open one untouched", still)
				}
				f.checkInvariants()
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.OrderID != open.OrderID || got.Status != StatusCanceled || !got.UpdateTime.Equal(f.clock.Now()) {
				t.Errorf("canceled %+v", got)
			}
			if kinds, want := eventKinds(ev), []string{"a:CANCELED/CANCELED", "a:POS[USDT]"}; !reflect.DeepEqual(kinds, want) {
				t.Errorf("events %v, want %v", kinds, want)
			}
			pos := ev[1].(AccountPosition)
			if len(pos.Balances) != 1 || !pos.Balances[0].Locked.IsZero() || !pos.Balances[0].Free.Equal(d("9899.9")) {
				t.Errorf("position %+v, want USDT free 9899.9 locked 0", pos)
			}
			f.wantBalance("a", "USDT", "9899.9", "0") // 10000 − 100.1 for the market buy
			if still := f.e.OpenOrders("a", ""); len(still) != 0 {
				t.Errorf("open orders %+v after cancel", still)
			}
			if depth, _ := f.e.Depth("TSTUSDT", 10); depth.Bids[0].Price.Equal(d("99")) {
				t.Error("canceled order still in the depth")
			}
			f.checkInvariants()
		})
	}
}

func TestCancelOpenOrders(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"USDT": "10000", "TST": "10", "BTC": "1"})
	f.place("a", tst(SideBuy, TypeLimit, GTC, "1", "98"))
	f.place("a", tst(SideSell, TypeLimit, GTC, "2", "102"))
	f.place("a", tst(SideBuy, TypeLimitMaker, "", "1", "97"))
	btc, _, _ := f.place("a", OrderRequest{Symbol: "BTCUSDT", Side: SideSell, Type: TypeLimit, TimeInForce: GTC, Quantity: d("0.1"), Price: d("60000")})

	canceled, ev, err := f.e.CancelOpenOrders("a", "TSTUSDT")
	if err != nil {
		t.Fatal(err)
	}
	if len(canceled) != 3 || canceled[0].OrderID != 1 || canceled[1].OrderID != 2 || canceled[2].OrderID != 3 {
		t.Fatalf("canceled %+v, want orders 1, 2, 3", canceled)
	}
	want := []string{"a:CANCELED/CANCELED", "a:CANCELED/CANCELED", "a:CANCELED/CANCELED", "a:POS[TST,USDT]"}
	if got := eventKinds(ev); !reflect.DeepEqual(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	if open := f.e.OpenOrders("a", ""); len(open) != 1 || open[0].OrderID != btc.OrderID || open[0].Symbol != "BTCUSDT" {
		t.Errorf("open orders %+v, want only the BTCUSDT one", open)
	}
	_, _, err = f.e.CancelOpenOrders("a", "TSTUSDT")
	wantAPIError(t, err, apierr.CodeCancelRejected, "Unknown order sent.")
	_, _, err = f.e.CancelOpenOrders("nobody", "TSTUSDT")
	wantAPIError(t, err, apierr.CodeCancelRejected, "Unknown order sent.")
	_, _, err = f.e.CancelOpenOrders("a", "NOPE")
	wantAPIError(t, err, apierr.CodeInvalidSymbol, "Invalid symbol.")
	f.checkInvariants()
}

func TestGetOrderErrors(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"USDT": "1000"})
	o, _, _ := f.place("a", tst(SideBuy, TypeLimit, GTC, "1", "98"))
	tests := []struct {
		name     string
		account  string
		symbol   string
		orderID  int64
		clientID string
		code     int
		msg      string
	}{
		{"unknown id", "a", "TSTUSDT", 42, "", apierr.CodeNoSuchOrder, "Order does not exist."},
		{"unknown client id", "a", "TSTUSDT", 0, "x", apierr.CodeNoSuchOrder, "Order does not exist."},
		{"mismatched ids", "a", "TSTUSDT", o.OrderID, "x", apierr.CodeNoSuchOrder, "Order does not exist."},
		{"unknown account", "b", "TSTUSDT", o.OrderID, "", apierr.CodeNoSuchOrder, "Order does not exist."},
		{"other symbol", "a", "BTCUSDT", o.OrderID, "", apierr.CodeNoSuchOrder, "Order does not exist."},
		{"no ids", "a", "TSTUSDT", 0, "", apierr.CodeMandatoryParam, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"},
		{"unknown symbol", "a", "NOPE", o.OrderID, "", apierr.CodeInvalidSymbol, "Invalid symbol."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.e.GetOrder(tt.account, tt.symbol, tt.orderID, tt.clientID)
			wantAPIError(t, err, tt.code, tt.msg)
		})
	}
}

func TestDuplicateClientOrderID(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"USDT": "10000"})
	f.fund("b", map[string]string{"USDT": "10000"})
	req := tst(SideBuy, TypeLimit, GTC, "1", "98")
	req.ClientOrderID = "bot1-TSTUSDT-7"
	first, _, _ := f.place("a", req)
	if first.ClientOrderID != "bot1-TSTUSDT-7" {
		t.Fatalf("client order id %q", first.ClientOrderID)
	}

	_, _, _, err := f.e.PlaceOrder("a", req)
	wantAPIError(t, err, apierr.CodeNewOrderRejected, "Duplicate order sent.")

	// Another account, or another symbol, may use the same id.
	f.place("b", req)
	other := OrderRequest{Symbol: "BTCUSDT", Side: SideBuy, Type: TypeLimit, TimeInForce: GTC, Quantity: d("0.001"), Price: d("40000"), ClientOrderID: req.ClientOrderID}
	f.place("a", other)

	// Once the first order is closed the id is free again.
	if _, _, err := f.e.CancelOrder("a", "TSTUSDT", 0, req.ClientOrderID); err != nil {
		t.Fatal(err)
	}
	second, _, _ := f.place("a", req)
	byClient, err := f.e.GetOrder("a", "TSTUSDT", 0, req.ClientOrderID)
	if err != nil || byClient.OrderID != second.OrderID {
		t.Errorf("GetOrder by client id = %+v, %v; want the latest order %d", byClient, err, second.OrderID)
	}
	old, err := f.e.GetOrder("a", "TSTUSDT", first.OrderID, "")
	if err != nil || old.Status != StatusCanceled {
		t.Errorf("first order %+v, %v; want it CANCELED", old, err)
	}

	// A client id of an order that completed at once can be reused at once.
	mkt := tst(SideBuy, TypeMarket, "", "1", "")
	mkt.ClientOrderID = "m1"
	f.place("a", mkt)
	f.place("a", mkt)
}

func TestGeneratedClientOrderIDs(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"USDT": "10000"})
	// A user id that looks like the next generated one.
	taken := tst(SideBuy, TypeLimit, GTC, "1", "90")
	taken.ClientOrderID = "sim-2"
	f.place("a", taken)
	o, _, _ := f.place("a", tst(SideBuy, TypeLimit, GTC, "1", "91"))
	if o.OrderID != 2 || o.ClientOrderID == "" || o.ClientOrderID == "sim-2" || !validClientOrderID(o.ClientOrderID) {
		t.Fatalf("generated client order id %q for order %d", o.ClientOrderID, o.OrderID)
	}
	got, err := f.e.GetOrder("a", "TSTUSDT", 0, o.ClientOrderID)
	if err != nil || got.OrderID != o.OrderID {
		t.Errorf("GetOrder by generated id = %+v, %v", got, err)
	}
}

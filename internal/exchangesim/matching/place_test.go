package matching

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

func fillsString(fills []Fill) string {
	parts := make([]string, 0, len(fills))
	for _, f := range fills {
		role := "taker"
		if f.Maker {
			role = "maker"
		}
		parts = append(parts, fmt.Sprintf("%s×%s fee %s %s %s", f.Price, f.Qty, f.Commission, f.CommissionAsset, role))
	}
	return strings.Join(parts, "; ")
}

func tst(side Side, typ OrderType, tif TimeInForce, qty, price string) OrderRequest {
	req := OrderRequest{Symbol: "TSTUSDT", Side: side, Type: typ, TimeInForce: tif}
	if qty != "" {
		req.Quantity = d(qty)
	}
	if price != "" {
		req.Price = d(price)
	}
	return req
}

func tstQuote(side Side, quote string) OrderRequest {
	return OrderRequest{Symbol: "TSTUSDT", Side: side, Type: TypeMarket, QuoteOrderQty: d(quote)}
}

type orderCase struct {
	name         string
	setup        []OrderRequest // placed first by the same account
	req          OrderRequest
	wantStatus   OrderStatus
	wantOrigQty  string
	wantExecuted string
	wantCumQuote string
	wantFills    string
	wantOpen     int
	wantUSDT     [2]string // free, locked after the order
	wantTST      [2]string
}

func runOrderCases(t *testing.T, tests []orderCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.fund("a", map[string]string{"USDT": "10000", "TST": "100"})
			for _, req := range tt.setup {
				f.place("a", req)
			}
			o, fills, _ := f.place("a", tt.req)
			if o.Status != tt.wantStatus {
				t.Errorf("status %s, want %s", o.Status, tt.wantStatus)
			}
			wantDec(t, "origQty", o.OrigQty, tt.wantOrigQty)
			wantDec(t, "executedQty", o.ExecutedQty, tt.wantExecuted)
			wantDec(t, "cummulativeQuoteQty", o.CumulativeQuoteQty, tt.wantCumQuote)
			if fills == nil {
				t.Error("fills is nil, want an empty slice at least")
			}
			if got := fillsString(fills); got != tt.wantFills {
				t.Errorf("fills\n got %s\nwant %s", got, tt.wantFills)
			}
			if got := len(f.e.OpenOrders("a", "TSTUSDT")); got != tt.wantOpen {
				t.Errorf("%d open orders, want %d", got, tt.wantOpen)
			}
			f.wantBalance("a", "USDT", tt.wantUSDT[0], tt.wantUSDT[1])
			f.wantBalance("a", "TST", tt.wantTST[0], tt.wantTST[1])
			got, err := f.e.GetOrder("a", "TSTUSDT", o.OrderID, "")
			if err != nil || got != o {
				t.Errorf("GetOrder = %+v, %v; want %+v", got, err, o)
			}
			f.checkInvariants()
		})
	}
}

// The book at mid 100:
//
//	bids 99.90×10.010  99.80×10.020  99.70×10.030
//	asks 100.10×9.990  100.20×9.980  100.30×9.970
func TestMarketOrders(t *testing.T) {
	runOrderCases(t, []orderCase{
		{
			name: "buy within the best level", req: tst(SideBuy, TypeMarket, "", "5", ""),
			wantStatus: StatusFilled, wantOrigQty: "5", wantExecuted: "5", wantCumQuote: "500.5",
			wantFills: "100.1×5 fee 0.005 TST taker",
			wantUSDT:  [2]string{"9499.5", "0"}, wantTST: [2]string{"104.995", "0"},
		},
		{
			name: "buy walks two levels", req: tst(SideBuy, TypeMarket, "", "12", ""),
			wantStatus: StatusFilled, wantOrigQty: "12", wantExecuted: "12", wantCumQuote: "1201.401",
			wantFills: "100.1×9.99 fee 0.00999 TST taker; 100.2×2.01 fee 0.00201 TST taker",
			wantUSDT:  [2]string{"8798.599", "0"}, wantTST: [2]string{"111.988", "0"},
		},
		{
			name: "sell walks two levels, commission in quote", req: tst(SideSell, TypeMarket, "", "15", ""),
			wantStatus: StatusFilled, wantOrigQty: "15", wantExecuted: "15", wantCumQuote: "1498.001",
			wantFills: "99.9×10.01 fee 0.999999 USDT taker; 99.8×4.99 fee 0.498002 USDT taker",
			wantUSDT:  [2]string{"11496.502999", "0"}, wantTST: [2]string{"85", "0"},
		},
		{
			name: "buy for a quote amount, in whole steps", req: tstQuote(SideBuy, "1500"),
			wantStatus: StatusFilled, wantOrigQty: "14.98", wantExecuted: "14.98", wantCumQuote: "1499.997",
			wantFills: "100.1×9.99 fee 0.00999 TST taker; 100.2×4.99 fee 0.00499 TST taker",
			wantUSDT:  [2]string{"8500.003", "0"}, wantTST: [2]string{"114.96502", "0"},
		},
		{
			name: "sell for a quote amount", req: tstQuote(SideSell, "500"),
			wantStatus: StatusFilled, wantOrigQty: "5.005", wantExecuted: "5.005", wantCumQuote: "499.9995",
			wantFills: "99.9×5.005 fee 0.4999995 USDT taker",
			wantUSDT:  [2]string{"10499.4995005", "0"}, wantTST: [2]string{"94.995", "0"},
		},
		{
			name:  "the book runs out: the rest expires",
			setup: []OrderRequest{tst(SideBuy, TypeMarket, "", "20", "")},
			req:   tst(SideBuy, TypeMarket, "", "15", ""),
			// after the setup only 9.94 is left, at 100.3
			wantStatus: StatusExpired, wantOrigQty: "15", wantExecuted: "9.94", wantCumQuote: "996.982",
			wantFills: "100.3×9.94 fee 0.00994 TST taker",
			wantUSDT:  [2]string{"7000.014", "0"}, wantTST: [2]string{"129.91006", "0"},
		},
		{
			name:       "a quote order that runs out of book expires",
			setup:      []OrderRequest{tst(SideBuy, TypeMarket, "", "20", "")},
			req:        tstQuote(SideBuy, "2000"),
			wantStatus: StatusExpired, wantOrigQty: "9.94", wantExecuted: "9.94", wantCumQuote: "996.982",
			wantFills: "100.3×9.94 fee 0.00994 TST taker",
			wantUSDT:  [2]string{"7000.014", "0"}, wantTST: [2]string{"129.91006", "0"},
		},
		{
			name:       "an empty book: expired without fills",
			setup:      []OrderRequest{tst(SideSell, TypeMarket, "", "25", ""), tst(SideSell, TypeMarket, "", "5.06", "")},
			req:        tst(SideSell, TypeMarket, "", "1", ""),
			wantStatus: StatusExpired, wantOrigQty: "1", wantExecuted: "0", wantCumQuote: "0",
			wantFills: "",
			// the setup sold all 30.06 of bids for 2999.986 less 2.999986 commission
			wantUSDT: [2]string{"12996.986014", "0"}, wantTST: [2]string{"69.94", "0"},
		},
	})
}

func TestLimitOrders(t *testing.T) {
	runOrderCases(t, []orderCase{
		{
			name: "GTC below the ask rests and locks quote", req: tst(SideBuy, TypeLimit, GTC, "1", "99.5"),
			wantStatus: StatusNew, wantOrigQty: "1", wantExecuted: "0", wantCumQuote: "0", wantOpen: 1,
			wantUSDT: [2]string{"9900.5", "99.5"}, wantTST: [2]string{"100", "0"},
		},
		{
			name: "GTC sell above the bid rests and locks base", req: tst(SideSell, TypeLimit, GTC, "2", "100.5"),
			wantStatus: StatusNew, wantOrigQty: "2", wantExecuted: "0", wantCumQuote: "0", wantOpen: 1,
			wantUSDT: [2]string{"10000", "0"}, wantTST: [2]string{"98", "2"},
		},
		{
			name: "GTC crossing fills up to its price and rests the rest", req: tst(SideBuy, TypeLimit, GTC, "12", "100.15"),
			wantStatus: StatusPartiallyFilled, wantOrigQty: "12", wantExecuted: "9.99", wantCumQuote: "999.999", wantOpen: 1,
			wantFills: "100.1×9.99 fee 0.00999 TST taker",
			// locked 2.01×100.15; the 0.05 better price on 9.99 came back
			wantUSDT: [2]string{"8798.6995", "201.3015"}, wantTST: [2]string{"109.98001", "0"},
		},
		{
			name: "GTC crossing fills at the better book price", req: tst(SideBuy, TypeLimit, GTC, "5", "100.3"),
			wantStatus: StatusFilled, wantOrigQty: "5", wantExecuted: "5", wantCumQuote: "500.5",
			wantFills: "100.1×5 fee 0.005 TST taker",
			wantUSDT:  [2]string{"9499.5", "0"}, wantTST: [2]string{"104.995", "0"},
		},
		{
			name: "GTC sell crossing rests its remainder", req: tst(SideSell, TypeLimit, GTC, "12", "99.85"),
			wantStatus: StatusPartiallyFilled, wantOrigQty: "12", wantExecuted: "10.01", wantCumQuote: "999.999", wantOpen: 1,
			wantFills: "99.9×10.01 fee 0.999999 USDT taker",
			wantUSDT:  [2]string{"10998.999001", "0"}, wantTST: [2]string{"88", "1.99"},
		},
		{
			name: "IOC fills what it can and expires the rest", req: tst(SideBuy, TypeLimit, IOC, "12", "100.15"),
			wantStatus: StatusExpired, wantOrigQty: "12", wantExecuted: "9.99", wantCumQuote: "999.999",
			wantFills: "100.1×9.99 fee 0.00999 TST taker",
			wantUSDT:  [2]string{"9000.001", "0"}, wantTST: [2]string{"109.98001", "0"},
		},
		{
			name: "IOC that cannot trade expires", req: tst(SideSell, TypeLimit, IOC, "1", "101"),
			wantStatus: StatusExpired, wantOrigQty: "1", wantExecuted: "0", wantCumQuote: "0",
			wantUSDT: [2]string{"10000", "0"}, wantTST: [2]string{"100", "0"},
		},
		{
			name: "FOK that cannot fill fully expires without fills", req: tst(SideBuy, TypeLimit, FOK, "12", "100.15"),
			wantStatus: StatusExpired, wantOrigQty: "12", wantExecuted: "0", wantCumQuote: "0",
			wantUSDT: [2]string{"10000", "0"}, wantTST: [2]string{"100", "0"},
		},
		{
			name: "FOK that can fill fills", req: tst(SideBuy, TypeLimit, FOK, "12", "100.2"),
			wantStatus: StatusFilled, wantOrigQty: "12", wantExecuted: "12", wantCumQuote: "1201.401",
			wantFills: "100.1×9.99 fee 0.00999 TST taker; 100.2×2.01 fee 0.00201 TST taker",
			wantUSDT:  [2]string{"8798.599", "0"}, wantTST: [2]string{"111.988", "0"},
		},
		{
			name: "LIMIT_MAKER inside the spread rests", req: tst(SideBuy, TypeLimitMaker, "", "1", "100.09"),
			wantStatus: StatusNew, wantOrigQty: "1", wantExecuted: "0", wantCumQuote: "0", wantOpen: 1,
			wantUSDT: [2]string{"9899.91", "100.09"}, wantTST: [2]string{"100", "0"},
		},
	})
}

func TestLimitMakerThatWouldTake(t *testing.T) {
	tests := []struct {
		name string
		req  OrderRequest
	}{
		{"buy at the ask", tst(SideBuy, TypeLimitMaker, "", "1", "100.1")},
		{"buy above the ask", tst(SideBuy, TypeLimitMaker, "", "1", "105")},
		{"sell at the bid", tst(SideSell, TypeLimitMaker, "", "1", "99.9")},
		{"sell at another account's resting bid", tst(SideSell, TypeLimitMaker, "", "1", "99.95")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.fund("a", map[string]string{"USDT": "10000", "TST": "100"})
			f.fund("b", map[string]string{"USDT": "10000"})
			f.place("b", tst(SideBuy, TypeLimit, GTC, "1", "99.95"))
			_, _, _, err := f.e.PlaceOrder("a", tt.req)
			wantAPIError(t, err, apierr.CodeNewOrderRejected, "Order would immediately match and take.")
			f.wantBalance("a", "USDT", "10000", "0")
			f.wantBalance("a", "TST", "100", "0")
			if n := len(f.e.AllOrders("a", OrderQuery{})); n != 0 {
				t.Errorf("a rejected LIMIT_MAKER left %d orders", n)
			}
		})
	}
}

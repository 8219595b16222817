package matching

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// FuzzPlaceOrder feeds arbitrary requests to the engine: it must never
// panic, must answer every refusal with an *apierr.Error, and must keep the
// balance invariants. `go test` runs the seeds; `go test -fuzz` explores.
func FuzzPlaceOrder(f *testing.F) {
	f.Add("BUY", "MARKET", "", "1", "", "", "")
	f.Add("SELL", "LIMIT", "GTC", "12", "", "99.85", "x")
	f.Add("BUY", "LIMIT", "FOK", "0.0000000001", "", "1e-30", "")
	f.Add("BUY", "MARKET", "", "", "1500", "", "")
	f.Add("SELL", "LIMIT_MAKER", "", "99999999999999999999", "", "0.01", "a b")
	f.Add("HOLD", "STOP", "GTX", "-1", "-1", "-1", "")
	f.Fuzz(func(t *testing.T, side, typ, tif, qty, quote, price, clientID string) {
		fx := newFixture(t)
		fx.fund("a", map[string]string{"USDT": "10000", "TST": "100"})
		fx.place("a", tst(SideSell, TypeLimit, GTC, "1", "100.5")) // something to match or cancel
		req := OrderRequest{
			Symbol: "TSTUSDT", Side: Side(side), Type: OrderType(typ), TimeInForce: TimeInForce(tif),
			Quantity: parseOrZero(qty), QuoteOrderQty: parseOrZero(quote), Price: parseOrZero(price),
			ClientOrderID: clientID,
		}
		_, _, _, err := fx.e.PlaceOrder("a", req)
		var apiErr *apierr.Error
		if err != nil && !errors.As(err, &apiErr) {
			t.Fatalf("error %v is not an *apierr.Error", err)
		}
		fx.setPrice("TSTUSDT", "90")
		fx.setPrice("TSTUSDT", "110")
		fx.checkInvariants()
	})
}

func parseOrZero(s string) decimal.Decimal {
	v, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero
	}
	return v
}

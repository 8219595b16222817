package exchange

import (
	"testing"

	"github.com/shopspring/decimal"
)

// TestTradesAfterOrders: the trades of market orders come back from the
// trade list with the fills PlaceOrder reported, and FromID pages on.
func TestTradesAfterOrders(t *testing.T) {
	sim := startSim(t, nil)
	reg := newRegistry(t, RegistryOptions{})
	acct := reg.Account(reg.Endpoint(sim.urls()), demoCreds())
	ctx := ctxTimeout(t)
	p := CallPolicy{}

	var fills []Fill
	for _, id := range []string{"t-trades-1", "t-trades-2"} {
		o, err := acct.PlaceOrder(ctx, p, marketBuy(id))
		if err != nil {
			t.Fatal(err)
		}
		fills = append(fills, o.Fills...)
	}
	trades, err := acct.Trades(ctx, p, TradesQuery{Symbol: "BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	if len(trades) < len(fills) {
		t.Fatalf("%d trades, want at least the %d fills", len(trades), len(fills))
	}
	byID := map[int64]Trade{}
	for _, tr := range trades {
		byID[tr.ID] = tr
	}
	for _, f := range fills {
		tr, ok := byID[f.TradeID]
		if !ok || !tr.Price.Equal(f.Price) || !tr.Qty.Equal(f.Qty) || !tr.Commission.Equal(f.Commission) ||
			tr.CommissionAsset != f.CommissionAsset || !tr.IsBuyer || tr.Symbol != "BTCUSDT" {
			t.Errorf("fill %+v: trade %+v", f, tr)
		}
		if want := tr.Price.Mul(tr.Qty); !tr.QuoteQty.Equal(want) && tr.QuoteQty.Sub(want).Abs().GreaterThan(decimal.New(1, -8)) {
			t.Errorf("trade %d quote %s, want about %s", tr.ID, tr.QuoteQty, want)
		}
	}
	last := fills[len(fills)-1].TradeID
	after, err := acct.Trades(ctx, p, TradesQuery{Symbol: "BTCUSDT", FromID: last})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) == 0 || after[0].ID != last {
		t.Errorf("FromID %d gave %+v", last, after)
	}
}

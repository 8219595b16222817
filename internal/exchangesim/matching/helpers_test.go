package matching

import (
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/clock"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// newTestClock is a manual clock at the engine tests' start time.
func newTestClock() *clock.Fake { return clock.NewFake(time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)) }

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// tstSpec is a symbol with round numbers: at mid 100 and testBook the
// simulated book is
//
//	bids 99.90×10.010  99.80×10.020  99.70×10.030
//	asks 100.10×9.990  100.20×9.980  100.30×9.970
func tstSpec() SymbolSpec {
	return SymbolSpec{
		Symbol: "TSTUSDT", BaseAsset: "TST", QuoteAsset: "USDT",
		BaseAssetPrecision: 8, QuoteAssetPrecision: 8,
		TickSize: d("0.01"), MinPrice: d("0.01"), MaxPrice: d("1000000"),
		StepSize: d("0.001"), MinQty: d("0.001"), MaxQty: d("10000"),
		MarketMaxQty: d("25"),
		MinNotional:  d("5"), MaxNotional: d("100000"),
		ApplyMinToMarket: true, ApplyMaxToMarket: true,
	}
}

// btcSpec mirrors Binance's BTCUSDT filters.
func btcSpec() SymbolSpec {
	return SymbolSpec{
		Symbol: "BTCUSDT", BaseAsset: "BTC", QuoteAsset: "USDT",
		BaseAssetPrecision: 8, QuoteAssetPrecision: 8,
		TickSize: d("0.01"), MinPrice: d("0.01"), MaxPrice: d("1000000"),
		StepSize: d("0.00001"), MinQty: d("0.00001"), MaxQty: d("9000"),
		MarketMaxQty: d("120"),
		MinNotional:  d("5"), MaxNotional: d("9000000"),
		ApplyMinToMarket: true,
	}
}

func testBook() BookConfig {
	return BookConfig{SpreadBps: d("20"), Levels: 3, LevelStepBps: d("10"), LevelNotional: d("1000")}
}

type fixture struct {
	t     *testing.T
	e     *Engine
	clock *clock.Fake
	// initial balances per account, for the conservation invariant
	initial map[string]map[string]decimal.Decimal
}

// newFixture returns an engine with TSTUSDT at mid 100 and BTCUSDT at 50000.
func newFixture(t *testing.T, mutate ...func(*Config)) *fixture {
	t.Helper()
	clk := newTestClock()
	cfg := Config{Symbols: []SymbolSpec{tstSpec(), btcSpec()}, Book: testBook(), Now: clk.Now}
	for _, m := range mutate {
		m(&cfg)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f := &fixture{t: t, e: e, clock: clk, initial: map[string]map[string]decimal.Decimal{}}
	f.setPrice("TSTUSDT", "100")
	f.setPrice("BTCUSDT", "50000")
	return f
}

func (f *fixture) setPrice(symbol, mid string) []Event {
	f.t.Helper()
	ev, err := f.e.SetPrice(symbol, d(mid))
	if err != nil {
		f.t.Fatalf("SetPrice(%s, %s): %v", symbol, mid, err)
	}
	return ev
}

// fund creates an account with the given balances ("ASSET": "amount").
func (f *fixture) fund(id string, balances map[string]string) {
	m := map[string]decimal.Decimal{}
	for a, v := range balances {
		m[a] = d(v)
	}
	f.initial[id] = m
	f.e.UpsertAccount(id, m)
}

func (f *fixture) place(account string, req OrderRequest) (Order, []Fill, []Event) {
	f.t.Helper()
	o, fills, ev, err := f.e.PlaceOrder(account, req)
	if err != nil {
		f.t.Fatalf("PlaceOrder(%s, %+v): %v", account, req, err)
	}
	return o, fills, ev
}

func (f *fixture) balance(account, asset string) Balance {
	f.t.Helper()
	bals, ok := f.e.Balances(account)
	if !ok {
		f.t.Fatalf("account %q missing", account)
	}
	for _, b := range bals {
		if b.Asset == asset {
			return b
		}
	}
	return Balance{Asset: asset}
}

func (f *fixture) wantBalance(account, asset, free, locked string) {
	f.t.Helper()
	b := f.balance(account, asset)
	if !b.Free.Equal(d(free)) || !b.Locked.Equal(d(locked)) {
		f.t.Errorf("%s %s: free %s locked %s, want free %s locked %s", account, asset, b.Free, b.Locked, free, locked)
	}
}

// checkInvariants verifies, for every funded account, that
//   - each balance equals its initial amount plus the effect of every trade
//     (bought base minus base commission, sold base, quote paid and received
//     minus quote commission), i.e. free+locked is conserved minus commission;
//   - each locked amount equals what the account's open orders hold;
//   - nothing is negative.
func (f *fixture) checkInvariants() {
	f.t.Helper()
	for id, initial := range f.initial {
		want := map[string]decimal.Decimal{}
		for a, v := range initial {
			want[a] = v
		}
		wantLocked := map[string]decimal.Decimal{}
		for _, spec := range f.e.Symbols() {
			for _, tr := range f.e.MyTrades(id, OrderQuery{Symbol: spec.Symbol, Limit: MaxQueryLimit}, 0) {
				if tr.IsBuyer {
					want[spec.BaseAsset] = want[spec.BaseAsset].Add(tr.Qty)
					want[spec.QuoteAsset] = want[spec.QuoteAsset].Sub(tr.QuoteQty)
				} else {
					want[spec.BaseAsset] = want[spec.BaseAsset].Sub(tr.Qty)
					want[spec.QuoteAsset] = want[spec.QuoteAsset].Add(tr.QuoteQty)
				}
				want[tr.CommissionAsset] = want[tr.CommissionAsset].Sub(tr.Commission)
			}
			for _, o := range f.e.OpenOrders(id, spec.Symbol) {
				left := o.OrigQty.Sub(o.ExecutedQty)
				if o.Side == SideBuy {
					wantLocked[spec.QuoteAsset] = wantLocked[spec.QuoteAsset].Add(left.Mul(o.Price))
				} else {
					wantLocked[spec.BaseAsset] = wantLocked[spec.BaseAsset].Add(left)
				}
			}
		}
		bals, ok := f.e.Balances(id)
		if !ok {
			f.t.Fatalf("account %q missing", id)
		}
		seen := map[string]bool{}
		for _, b := range bals {
			seen[b.Asset] = true
			if b.Free.IsNegative() || b.Locked.IsNegative() {
				f.t.Errorf("invariant: %s %s negative: %+v", id, b.Asset, b)
			}
			if total := b.Free.Add(b.Locked); !total.Equal(want[b.Asset]) {
				f.t.Errorf("invariant: %s %s free+locked = %s, trades say %s", id, b.Asset, total, want[b.Asset])
			}
			if !b.Locked.Equal(wantLocked[b.Asset]) {
				f.t.Errorf("invariant: %s %s locked = %s, open orders hold %s", id, b.Asset, b.Locked, wantLocked[b.Asset])
			}
		}
		for a, v := range want {
			if !seen[a] && !v.IsZero() {
				f.t.Errorf("invariant: %s has no %s balance, trades say %s", id, a, v)
			}
		}
	}
}

// wantAPIError checks that err is an *apierr.Error with code and message.
func wantAPIError(t *testing.T, err error, code int, msg string) {
	t.Helper()
	var apiErr *apierr.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T), want *apierr.Error %d %q", err, err, code, msg)
	}
	if apiErr.Code != code || apiErr.Msg != msg {
		t.Fatalf("error %d %q, want %d %q", apiErr.Code, apiErr.Msg, code, msg)
	}
}

func wantDec(t *testing.T, name string, got decimal.Decimal, want string) {
	t.Helper()
	if !got.Equal(d(want)) {
		t.Errorf("%s = %s, want %s", name, got, want)
	}
}

// eventKinds renders events compactly: "acct:NEW/NEW", "acct:TRADE/FILLED",
// "acct:POS[TST,USDT]".
func eventKinds(events []Event) []string {
	out := make([]string, 0, len(events))
	for _, ev := range events {
		switch ev := ev.(type) {
		case ExecutionReport:
			out = append(out, ev.Account+":"+string(ev.ExecutionType)+"/"+string(ev.Order.Status))
		case AccountPosition:
			s := ev.Account + ":POS["
			for i, b := range ev.Balances {
				if i > 0 {
					s += ","
				}
				s += b.Asset
			}
			out = append(out, s+"]")
		default:
			out = append(out, "unknown event")
		}
	}
	return out
}

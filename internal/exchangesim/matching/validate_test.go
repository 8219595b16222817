package matching

import (
	"strings"
	"testing"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

func TestOrderRejections(t *testing.T) {
	market := func(qty string) OrderRequest { return tst(SideBuy, TypeMarket, "", qty, "") }
	with := func(req OrderRequest, change func(*OrderRequest)) OrderRequest {
		change(&req)
		return req
	}
	tests := []struct {
		name    string
		account string
		req     OrderRequest
		code    int
		msg     string
	}{
		// parameters
		{"unknown account", "nobody", market("1"), apierr.CodeRejectedAPIKey, "Invalid API-key, IP, or permissions for action."},
		{"unknown symbol", "a", with(market("1"), func(r *OrderRequest) { r.Symbol = "NOPE" }), apierr.CodeInvalidSymbol, "Invalid symbol."},
		{"bad side", "a", with(market("1"), func(r *OrderRequest) { r.Side = "HOLD" }), apierr.CodeInvalidSide, "Invalid side."},
		{"bad type", "a", tst(SideBuy, "STOP_LOSS", "", "1", ""), apierr.CodeInvalidOrderType, "Invalid orderType."},
		{"LIMIT without timeInForce", "a", tst(SideBuy, TypeLimit, "", "1", "99"), apierr.CodeMandatoryParam,
			"Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed."},
		{"LIMIT with a bad timeInForce", "a", tst(SideBuy, TypeLimit, "GTX", "1", "99"), -1115, "Invalid timeInForce."},
		{"LIMIT without quantity", "a", tst(SideBuy, TypeLimit, GTC, "", "99"), apierr.CodeMandatoryParam,
			"Mandatory parameter 'quantity' was not sent, was empty/null, or malformed."},
		{"LIMIT without price", "a", tst(SideBuy, TypeLimit, GTC, "1", ""), apierr.CodeMandatoryParam,
			"Mandatory parameter 'price' was not sent, was empty/null, or malformed."},
		{"LIMIT with quoteOrderQty", "a", with(tst(SideBuy, TypeLimit, GTC, "1", "99"), func(r *OrderRequest) { r.QuoteOrderQty = d("10") }),
			apierr.CodeParamNotRequired, "Parameter 'quoteOrderQty' sent when not required."},
		{"LIMIT_MAKER with timeInForce", "a", tst(SideBuy, TypeLimitMaker, GTC, "1", "99"), apierr.CodeParamNotRequired,
			"Parameter 'timeInForce' sent when not required."},
		{"MARKET with timeInForce", "a", tst(SideBuy, TypeMarket, GTC, "1", ""), apierr.CodeParamNotRequired,
			"Parameter 'timeInForce' sent when not required."},
		{"MARKET with price", "a", tst(SideBuy, TypeMarket, "", "1", "99"), apierr.CodeParamNotRequired,
			"Parameter 'price' sent when not required."},
		{"MARKET without quantity", "a", market(""), apierr.CodeMandatoryParam,
			"Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"},
		{"MARKET with both quantities", "a", with(market("1"), func(r *OrderRequest) { r.QuoteOrderQty = d("10") }),
			apierr.CodeParamNotRequired, "Parameter 'quoteOrderQty' sent when not required."},
		{"negative quantity", "a", market("-1"), apierr.CodeIllegalChars,
			`Illegal characters found in parameter 'quantity'; legal range is '^([0-9]{1,20})(\.[0-9]{1,20})?$'.`},
		{"client order id too long", "a", with(market("1"), func(r *OrderRequest) { r.ClientOrderID = strings.Repeat("x", 37) }),
			apierr.CodeIllegalChars, `Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\.A-Z\:/a-z0-9_-]{1,36}$'.`},
		{"client order id with a space", "a", with(market("1"), func(r *OrderRequest) { r.ClientOrderID = "my order" }),
			apierr.CodeIllegalChars, `Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\.A-Z\:/a-z0-9_-]{1,36}$'.`},
		{"quantity beyond base precision", "a", market("1.000000001"), apierr.CodeTooMuchPrecision,
			"Precision is over the maximum defined for this asset."},
		{"price beyond quote precision", "a", tst(SideBuy, TypeLimit, GTC, "1", "99.000000001"), apierr.CodeTooMuchPrecision,
			"Precision is over the maximum defined for this asset."},
		{"quote amount beyond quote precision", "a", tstQuote(SideBuy, "10.000000001"), apierr.CodeTooMuchPrecision,
			"Precision is over the maximum defined for this asset."},
		// filters
		{"price off the tick", "a", tst(SideBuy, TypeLimit, GTC, "1", "99.005"), apierr.CodeFilterFailure, "Filter failure: PRICE_FILTER"},
		{"price below minPrice", "a", tst(SideBuy, TypeLimit, GTC, "1000", "0.001"), apierr.CodeFilterFailure, "Filter failure: PRICE_FILTER"},
		{"price above maxPrice", "a", tst(SideSell, TypeLimit, GTC, "1", "1000000.01"), apierr.CodeFilterFailure, "Filter failure: PRICE_FILTER"},
		{"quantity off the step", "a", tst(SideBuy, TypeLimit, GTC, "1.0005", "99"), apierr.CodeFilterFailure, "Filter failure: LOT_SIZE"},
		{"quantity below minQty", "a", tst(SideBuy, TypeLimit, GTC, "0.0001", "99"), apierr.CodeFilterFailure, "Filter failure: LOT_SIZE"},
		{"quantity above maxQty", "a", tst(SideSell, TypeLimit, GTC, "10000.001", "99"), apierr.CodeFilterFailure, "Filter failure: LOT_SIZE"},
		{"notional below min", "a", tst(SideBuy, TypeLimit, GTC, "0.05", "99"), apierr.CodeFilterFailure, "Filter failure: NOTIONAL"},
		{"notional above max", "a", tst(SideSell, TypeLimit, GTC, "1001", "100"), apierr.CodeFilterFailure, "Filter failure: NOTIONAL"},
		{"market quantity above market maxQty", "a", market("25.001"), apierr.CodeFilterFailure, "Filter failure: MARKET_LOT_SIZE"},
		{"market quantity off the step", "a", market("1.0001"), apierr.CodeFilterFailure, "Filter failure: MARKET_LOT_SIZE"},
		{"market notional below min at the mid", "a", market("0.04"), apierr.CodeFilterFailure, "Filter failure: NOTIONAL"},
		{"market quote amount below min notional", "a", tstQuote(SideBuy, "4.99"), apierr.CodeFilterFailure, "Filter failure: NOTIONAL"},
		{"market quote amount buys more than market maxQty", "a", tstQuote(SideBuy, "2600"), apierr.CodeFilterFailure, "Filter failure: MARKET_LOT_SIZE"},
		// balances
		{"limit buy beyond free quote", "a", tst(SideBuy, TypeLimit, GTC, "10.051", "99.5"), apierr.CodeNewOrderRejected,
			"Account has insufficient balance for requested action."},
		{"limit sell beyond free base", "a", tst(SideSell, TypeLimit, GTC, "5.001", "101"), apierr.CodeNewOrderRejected,
			"Account has insufficient balance for requested action."},
		{"market buy whose walk costs too much", "a", market("10"), apierr.CodeNewOrderRejected,
			"Account has insufficient balance for requested action."},
		{"market sell beyond free base", "a", tst(SideSell, TypeMarket, "", "5.001", ""), apierr.CodeNewOrderRejected,
			"Account has insufficient balance for requested action."},
		{"market quote buy beyond free quote", "a", tstQuote(SideBuy, "1000.2"), apierr.CodeNewOrderRejected,
			"Account has insufficient balance for requested action."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			// 1000 USDT buys 9.99 at the best ask for 999.999, not 10.
			f.fund("a", map[string]string{"USDT": "1000", "TST": "5"})
			_, _, events, err := f.e.PlaceOrder(tt.account, tt.req)
			wantAPIError(t, err, tt.code, tt.msg)
			if events != nil {
				t.Errorf("rejected order produced events %v", eventKinds(events))
			}
			f.wantBalance("a", "USDT", "1000", "0")
			f.wantBalance("a", "TST", "5", "0")
			if n := len(f.e.AllOrders("a", OrderQuery{})); n != 0 {
				t.Errorf("rejected order left %d orders", n)
			}
			// A rejected order uses no order id.
			o, _, _ := f.place("a", tst(SideBuy, TypeLimit, GTC, "1", "90"))
			if o.OrderID != 1 {
				t.Errorf("next order id %d, want 1", o.OrderID)
			}
		})
	}
}

func TestPrecisionIgnoresTrailingZeros(t *testing.T) {
	f := newFixture(t)
	f.fund("a", map[string]string{"USDT": "1000"})
	o, _, _ := f.place("a", tst(SideBuy, TypeLimit, GTC, "1.0000000000", "90.000000000"))
	wantDec(t, "origQty", o.OrigQty, "1")
}

func TestMarketClosed(t *testing.T) {
	halted := tstSpec()
	halted.Status = "HALT"
	unpriced := btcSpec()
	e, err := New(Config{Symbols: []SymbolSpec{halted, unpriced}, Now: newTestClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.SetPrice("TSTUSDT", d("100")); err != nil {
		t.Fatal(err)
	}
	e.UpsertAccount("a", nil)
	for _, req := range []OrderRequest{
		tst(SideBuy, TypeLimit, GTC, "1", "90"),
		{Symbol: "BTCUSDT", Side: SideSell, Type: TypeLimit, TimeInForce: GTC, Quantity: d("1"), Price: d("50000")},
	} {
		_, _, _, err := e.PlaceOrder("a", req)
		wantAPIError(t, err, apierr.CodeNewOrderRejected, "Market is closed.")
	}
}

func TestMaxNumOrders(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Symbols[0].MaxNumOrders = 2 })
	f.fund("a", map[string]string{"USDT": "1000"})
	f.place("a", tst(SideBuy, TypeLimit, GTC, "1", "90"))
	f.place("a", tst(SideBuy, TypeLimit, GTC, "1", "91"))
	_, _, _, err := f.e.PlaceOrder("a", tst(SideBuy, TypeLimit, GTC, "1", "92"))
	wantAPIError(t, err, apierr.CodeFilterFailure, "Filter failure: MAX_NUM_ORDERS")
	// Another symbol has its own count.
	f.place("a", OrderRequest{Symbol: "BTCUSDT", Side: SideBuy, Type: TypeLimit, TimeInForce: GTC, Quantity: d("0.001"), Price: d("40000")})
	if _, _, err := f.e.CancelOpenOrders("a", "TSTUSDT"); err != nil {
		t.Fatal(err)
	}
	f.place("a", tst(SideBuy, TypeLimit, GTC, "1", "92"))
}

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"no symbols", func(c *Config) { c.Symbols = nil }, "no symbols"},
		{"duplicate symbol", func(c *Config) { c.Symbols = append(c.Symbols, tstSpec()) }, "configured twice"},
		{"missing asset", func(c *Config) { c.Symbols[0].QuoteAsset = "" }, "required"},
		{"same assets", func(c *Config) { c.Symbols[0].QuoteAsset = "TST" }, "both"},
		{"zero tick", func(c *Config) { c.Symbols[0].TickSize = d("0") }, "tick size"},
		{"zero step", func(c *Config) { c.Symbols[0].StepSize = d("0") }, "step size"},
		{"negative min qty", func(c *Config) { c.Symbols[0].MinQty = d("-1") }, "minQty"},
		{"max below min", func(c *Config) { c.Symbols[0].MaxPrice = d("0.001") }, "maxPrice"},
		{"negative spread", func(c *Config) { c.Book.SpreadBps = d("-1") }, "spread"},
		{"negative levels", func(c *Config) { c.Book.Levels = -1 }, "levels"},
		{"commission of 100 %", func(c *Config) { c.CommissionRate = d("1") }, "commission"},
		{"negative history", func(c *Config) { c.MaxTrades = -1 }, "history"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Symbols: []SymbolSpec{tstSpec()}}
			tt.mutate(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestNewAppliesDefaults(t *testing.T) {
	spec := tstSpec()
	spec.BaseAssetPrecision, spec.QuoteAssetPrecision = 0, 0
	symbols := []SymbolSpec{spec}
	e, err := New(Config{Symbols: symbols})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := e.Symbol("TSTUSDT")
	if !ok {
		t.Fatal("Symbol not found")
	}
	if got.Status != "TRADING" || got.MaxNumOrders != 200 || got.BaseAssetPrecision != 8 || got.QuoteAssetPrecision != 8 {
		t.Errorf("defaults not applied: %+v", got)
	}
	if symbols[0].Status != "" {
		t.Error("New changed the caller's symbol slice")
	}
	if _, ok := e.Symbol("NOPE"); ok {
		t.Error("Symbol found an unknown symbol")
	}
	if all := e.Symbols(); len(all) != 1 || all[0].Symbol != "TSTUSDT" {
		t.Errorf("Symbols = %+v", all)
	}
	if !e.cfg.CommissionRate.Equal(d("0.001")) || e.cfg.Book.Levels != 20 || !e.cfg.Book.SpreadBps.Equal(d("2")) ||
		!e.cfg.Book.LevelStepBps.Equal(d("1")) || !e.cfg.Book.LevelNotional.Equal(d("50000")) ||
		e.cfg.MaxClosedOrders != 10000 || e.cfg.MaxTrades != 10000 || e.cfg.Now == nil {
		t.Errorf("engine defaults not applied: %+v", e.cfg)
	}
}

func TestZeroCommission(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.ZeroCommission = true })
	f.fund("a", map[string]string{"USDT": "1000"})
	_, fills, _ := f.place("a", tst(SideBuy, TypeMarket, "", "1", ""))
	if len(fills) != 1 || !fills[0].Commission.IsZero() || fills[0].CommissionAsset != "TST" {
		t.Fatalf("fills %s, want one with zero commission in TST", fillsString(fills))
	}
	f.wantBalance("a", "TST", "1", "0")
}

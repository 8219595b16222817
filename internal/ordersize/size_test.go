package ordersize

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestSizeOrders(t *testing.T) {
	cases := []struct {
		name string
		f    func(*Filters)
		r    func() Request
		// wanted order
		qty, price, notional, spend string
		tif                         string
		by                          Limit
	}{
		{name: "market buy spends maxOrderQuote, rounded down to the step",
			r:   func() Request { return buy(TypeMarket, "65000", "100") },
			qty: "0.00153", price: "0", notional: "99.45", spend: "99.45", by: LimitMaxOrderQuote},
		{name: "market buy at the highest tolerated price",
			r: func() Request {
				r := buy(TypeMarket, "65000", "100")
				r.Tolerance = d("0.01") // 65650 per BTC at worst
				return r
			},
			qty: "0.00152", price: "0", notional: "98.8", spend: "99.788", by: LimitMaxOrderQuote},
		{name: "the average price counts when higher",
			r: func() Request {
				r := buy(TypeMarket, "65000", "100")
				r.AvgPrice = d("66000")
				return r
			},
			qty: "0.00151", price: "0", notional: "98.15", spend: "99.66", by: LimitMaxOrderQuote},
		{name: "room under maxPositionQuote is smaller",
			r: func() Request {
				r := buy(TypeMarket, "65000", "100")
				r.PositionRoom = d("50")
				return r
			},
			qty: "0.00076", price: "0", notional: "49.4", spend: "49.4", by: LimitPositionRoom},
		{name: "free quote is smaller",
			r: func() Request {
				r := buy(TypeLimit, "65000", "100")
				r.FreeQuote = d("20")
				return r
			},
			qty: "0.0003", price: "65000", notional: "19.5", spend: "19.5", tif: "GTC", by: LimitQuoteBalance},
		{name: "limit buy below the last price, tick rounded down",
			r: func() Request {
				r := buy(TypeLimit, "65000.37", "1000")
				r.OffsetBps = d("10") // 64935.36963
				return r
			},
			qty: "0.01539", price: "64935.36", notional: "999.3551904", spend: "999.3551904", tif: "GTC", by: LimitMaxOrderQuote},
		{name: "limit maker sell above the last price, tick rounded up, whole position",
			r: func() Request {
				r := sell(TypeLimitMaker, "65000.37", "0.5")
				r.OffsetBps = d("10") // 65065.37037
				return r
			},
			qty: "0.5", price: "65065.38", notional: "32532.69", spend: "0", by: LimitPosition},
		{name: "sell leaves the dust below the step",
			r:   func() Request { return sell(TypeMarket, "65000", "0.123456789") },
			qty: "0.12345", price: "0", notional: "8024.25", spend: "0", by: LimitPosition},
		{name: "sell is limited by the free base",
			r: func() Request {
				r := sell(TypeMarket, "65000", "1")
				r.FreeBase = d("0.25")
				return r
			},
			qty: "0.25", price: "0", notional: "16250", spend: "0", by: LimitBaseBalance},
		{name: "sell ignores maxOrderQuote",
			r: func() Request {
				r := sell(TypeMarket, "65000", "1")
				r.MaxOrderQuote = d("10")
				return r
			},
			qty: "1", price: "0", notional: "65000", spend: "0", by: LimitPosition},
		{name: "market sell capped at MARKET_LOT_SIZE maxQty",
			r:   func() Request { return sell(TypeMarket, "65000", "500") },
			qty: "120", price: "0", notional: "7800000", spend: "0", by: LimitMaxQty},
		{name: "limit sell capped at LOT_SIZE maxQty only",
			f:   func(f *Filters) { f.Notional.MaxNotional = decimal.Zero },
			r:   func() Request { return sell(TypeLimit, "65000", "10000") },
			qty: "9000", price: "65000", notional: "585000000", spend: "0", tif: "GTC", by: LimitMaxQty},
		{name: "limit capped at maxNotional",
			f:   func(f *Filters) { f.Notional.MaxNotional = d("1000") },
			r:   func() Request { return buy(TypeLimit, "65000", "5000") },
			qty: "0.01538", price: "65000", notional: "999.7", spend: "999.7", tif: "GTC", by: LimitMaxNotional},
		{name: "market maxNotional ignored unless applyMaxToMarket",
			f:   func(f *Filters) { f.Notional.MaxNotional = d("1000") },
			r:   func() Request { return buy(TypeMarket, "65000", "5000") },
			qty: "0.07692", price: "0", notional: "4999.8", spend: "4999.8", by: LimitMaxOrderQuote},
		{name: "market maxNotional at the highest tolerated price",
			f: func(f *Filters) { f.Notional.MaxNotional, f.Notional.ApplyMaxToMarket = d("1000"), true },
			r: func() Request {
				r := sell(TypeMarket, "100", "50")
				r.Tolerance = d("0.1") // worth up to 110 each
				return r
			},
			qty: "9.09090", price: "0", notional: "909.09", spend: "0", by: LimitMaxNotional},
		{name: "steps anchored at minQty",
			f: func(f *Filters) {
				f.LotSize = LotFilter{Set: true, MinQty: d("0.15"), MaxQty: d("100"), StepSize: d("0.1")}
				f.MarketLotSize.Set = false
			},
			r:   func() Request { return sell(TypeMarket, "65000", "1.23") },
			qty: "1.15", price: "0", notional: "74750", spend: "0", by: LimitPosition},
		{name: "market quantity on both lot grids",
			f: func(f *Filters) {
				f.LotSize.StepSize = d("0.001")
				f.LotSize.MinQty = d("0.001")
				f.MarketLotSize.StepSize = d("0.0025")
				f.MarketLotSize.MinQty = d("0.0025")
			},
			r:   func() Request { return sell(TypeMarket, "65000", "0.0999") },
			qty: "0.095", price: "0", notional: "6175", spend: "0", by: LimitPosition},
		{name: "zero step and tick: precision only",
			f: func(f *Filters) {
				f.LotSize.StepSize, f.MarketLotSize.StepSize, f.Price.TickSize = decimal.Zero, decimal.Zero, decimal.Zero
				f.BaseAssetPrecision, f.QuoteAssetPrecision = 6, 2
			},
			r: func() Request {
				r := buy(TypeLimit, "65000.555", "100")
				r.OffsetBps = d("1") // 64994.0549445 → 64994.05
				return r
			},
			qty: "0.001538", price: "64994.05", notional: "99.9608489", spend: "99.9608489", tif: "GTC", by: LimitMaxOrderQuote},
		{name: "negative offset crosses the spread",
			r: func() Request {
				r := buy(TypeLimit, "100", "1000")
				r.OffsetBps = d("-50")
				return r
			},
			qty: "9.95024", price: "100.5", notional: "999.99912", spend: "999.99912", tif: "GTC", by: LimitMaxOrderQuote},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := btcFilters()
			if tc.f != nil {
				tc.f(&f)
			}
			r := tc.r()
			o := mustSize(t, f, r)
			if !o.Quantity.Equal(d(tc.qty)) || !o.Price.Equal(d(tc.price)) || !o.Notional.Equal(d(tc.notional)) ||
				!o.MaxSpend.Equal(d(tc.spend)) || o.TimeInForce != tc.tif || o.LimitedBy != tc.by {
				t.Fatalf("got qty %s price %s notional %s spend %s tif %q by %s;\nwant qty %s price %s notional %s spend %s tif %q by %s",
					o.Quantity, o.Price, o.Notional, o.MaxSpend, o.TimeInForce, o.LimitedBy,
					tc.qty, tc.price, tc.notional, tc.spend, tc.tif, tc.by)
			}
			if o.Symbol != f.Symbol || o.Side != r.Side || o.Type != r.Type {
				t.Fatalf("order %+v does not echo the request", o)
			}
			if err := f.Check(o, r.Prices); err != nil {
				t.Fatalf("sized order fails Check: %v", err)
			}
		})
	}
}

func TestSizeSkips(t *testing.T) {
	cases := []struct {
		name string
		f    func(*Filters)
		r    func() Request
		want Reason
		msg  string // a part of the message
	}{
		{"below min notional", nil, func() Request { return buy(TypeMarket, "65000", "4.9") },
			ReasonBelowMinNotional, "0.00007 BTC at 65000 is worth 4.55 USDT (limited by MaxOrderQuote), below NOTIONAL minimum 5"},
		{"below min notional at the lowest tolerated price", nil, func() Request {
			r := sell(TypeMarket, "100", "0.0505")
			r.Tolerance = d("0.02") // 0.0505 × 98 = 4.949
			return r
		}, ReasonBelowMinNotional, "below NOTIONAL minimum 5"},
		{"room too small for one step", nil, func() Request {
			r := buy(TypeLimit, "65000", "100")
			r.PositionRoom = d("0.5")
			return r
		}, ReasonBelowMinQty, "0.00000769 BTC available (limited by PositionRoom), below LOT_SIZE minQty 0.00001"},
		{"dust position", nil, func() Request { return sell(TypeMarket, "65000", "0.000009") },
			ReasonBelowMinQty, "0.000009 BTC available (limited by Position), below LOT_SIZE minQty 0.00001"},
		{"no position", nil, func() Request { return sell(TypeMarket, "65000", "0") }, ReasonNoPosition, "holds no BTC"},
		{"no free base", nil, func() Request {
			r := sell(TypeMarket, "65000", "1")
			r.FreeBase = decimal.Zero
			return r
		}, ReasonNoBalance, "no free BTC"},
		{"no free quote", nil, func() Request {
			r := buy(TypeMarket, "65000", "100")
			r.FreeQuote = decimal.Zero
			return r
		}, ReasonNoBalance, "no free USDT"},
		{"no room", nil, func() Request {
			r := buy(TypeMarket, "65000", "100")
			r.PositionRoom = decimal.Zero
			return r
		}, ReasonNoRoom, "maxPositionQuote"},
		{"price below minPrice", func(f *Filters) { f.Price.MinPrice = d("1000") }, func() Request {
			r := buy(TypeLimit, "1000", "100")
			r.OffsetBps = d("1")
			return r
		}, ReasonPriceOutOfRange, "999.9 (1 bps from 1000) is below minPrice 1000"},
		{"price above maxPrice", nil, func() Request {
			r := sell(TypeLimit, "999999", "1")
			r.OffsetBps = d("100")
			return r
		}, ReasonPriceOutOfRange, "above maxPrice 1000000"},
		{"price rounds to zero", func(f *Filters) { f.Price.MinPrice = decimal.Zero }, func() Request {
			r := buy(TypeLimit, "0.001", "100")
			return r
		}, ReasonPriceOutOfRange, "not positive"},
		{"buy below the bid band", nil, func() Request {
			r := buy(TypeLimit, "100", "1000")
			r.OffsetBps = d("8500") // 15, below 100 × 0.2
			return r
		}, ReasonPriceOutOfBand, "outside PERCENT_PRICE_BY_SIDE's band [20, 500]"},
		{"band narrowed by the tolerance", nil, func() Request {
			r := buy(TypeLimit, "100", "1000")
			r.OffsetBps = d("7990") // 20.1, inside [20, 500] but not [20.2, 495]
			r.Tolerance = d("0.01")
			return r
		}, ReasonPriceOutOfBand, "[20.2, 495]"},
		{"band around the average price", func(f *Filters) {
			f.PercentPriceBySide = PercentPriceBySideFilter{Set: true, BidMultiplierUp: d("1.1"), BidMultiplierDown: d("0.9"),
				AskMultiplierUp: d("1.1"), AskMultiplierDown: d("0.9")}
		}, func() Request {
			r := sell(TypeLimit, "100", "1")
			r.AvgPrice = d("80") // ask band [72, 88]
			return r
		}, ReasonPriceOutOfBand, "[72, 88] (average price 80"},
		{"older PERCENT_PRICE", func(f *Filters) {
			f.PercentPriceBySide.Set = false
			f.PercentPrice = PercentPriceFilter{Set: true, MultiplierUp: d("1.05"), MultiplierDown: d("0.95")}
		}, func() Request {
			r := sell(TypeLimit, "100", "1")
			r.OffsetBps = d("600")
			return r
		}, ReasonPriceOutOfBand, "PERCENT_PRICE's band [95, 105]"},
		{"limit maker buy through the ask", nil, func() Request {
			r := buy(TypeLimitMaker, "100", "1000")
			r.OffsetBps = d("-1")
			r.BestBid, r.BestAsk = d("99.99"), d("100.01")
			return r
		}, ReasonWouldTake, "100.01 is at or above the best ask 100.01"},
		{"limit maker sell at the bid", nil, func() Request {
			r := sell(TypeLimitMaker, "100", "1")
			r.BestBid, r.BestAsk = d("100"), d("100.02")
			return r
		}, ReasonWouldTake, "at or below the best bid 100"},
		{"not trading", func(f *Filters) { f.Status = "BREAK" }, func() Request { return buy(TypeMarket, "65000", "100") },
			ReasonNotTrading, "BTCUSDT is BREAK"},
		{"type not listed", func(f *Filters) { f.OrderTypes = []string{"LIMIT", "MARKET"} },
			func() Request { return buy(TypeLimitMaker, "65000", "100") }, ReasonOrderTypeNotAllowed, "LIMIT_MAKER"},
		{"lot grids without a common quantity", func(f *Filters) {
			f.LotSize = LotFilter{Set: true, MinQty: d("0.1"), StepSize: d("1")}       // 0.1, 1.1, 2.1, …
			f.MarketLotSize = LotFilter{Set: true, MinQty: d("0.2"), StepSize: d("1")} // 0.2, 1.2, 2.2, …
		}, func() Request { return sell(TypeMarket, "100", "50") }, ReasonStepMismatch, "no quantity from 50 down to 33.2 sits on both"},
		{"no price", nil, func() Request { return buy(TypeMarket, "0", "100") }, ReasonInvalidInput, "last price 0 must be positive"},
		{"unknown side", nil, func() Request {
			r := buy(TypeMarket, "1", "100")
			r.Side = "HOLD"
			return r
		}, ReasonInvalidInput, `not "HOLD"`},
		{"unknown type", nil, func() Request { return buy("STOP", "1", "100") }, ReasonInvalidInput, `not "STOP"`},
		{"negative balance", nil, func() Request {
			r := buy(TypeMarket, "1", "100")
			r.FreeQuote = d("-1")
			return r
		}, ReasonInvalidInput, "free quote -1 is negative"},
		{"buy without maxOrderQuote", nil, func() Request { return buy(TypeMarket, "1", "0") }, ReasonInvalidInput, "positive maxOrderQuote"},
		{"tolerance too large", nil, func() Request {
			r := buy(TypeMarket, "1", "100")
			r.Tolerance = d("0.5")
			return r
		}, ReasonInvalidInput, "tolerance 0.5"},
		{"offset too large", nil, func() Request {
			r := buy(TypeLimit, "1", "100")
			r.OffsetBps = d("10000")
			return r
		}, ReasonInvalidInput, "offset 10000 bps"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := btcFilters()
			if tc.f != nil {
				tc.f(&f)
			}
			s := wantSkip(t, f, tc.r(), tc.want)
			if !strings.Contains(s.Message, tc.msg) {
				t.Fatalf("message %q does not contain %q", s.Message, tc.msg)
			}
			if !strings.HasPrefix(s.Error(), string(tc.want)+": ") {
				t.Fatalf("Error() = %q", s.Error())
			}
		})
	}
}

func TestSizeIsDeterministic(t *testing.T) {
	f := btcFilters()
	r := buy(TypeLimit, "65000.37", "123.45")
	r.OffsetBps = d("7.5")
	a, b := mustSize(t, f, r), mustSize(t, f, r)
	if !a.Quantity.Equal(b.Quantity) || !a.Price.Equal(b.Price) {
		t.Fatalf("two answers: %+v and %+v", a, b)
	}
}

func TestCheckNamesTheFilter(t *testing.T) {
	f := btcFilters()
	p := Prices{LastPrice: d("65000")}
	cases := []struct {
		o      Order
		filter string
	}{
		{Order{Type: TypeLimit, Side: SideBuy, Quantity: d("0.001"), Price: d("65000.005")}, FilterPrice},
		{Order{Type: TypeLimit, Side: SideBuy, Quantity: d("0.001"), Price: d("65000.015")}, FilterPrice},
		{Order{Type: TypeLimit, Side: SideBuy, Quantity: d("0.001"), Price: d("0")}, FilterPrice},
		{Order{Type: TypeLimit, Side: SideBuy, Quantity: d("0.0010001"), Price: d("65000")}, FilterLotSize},
		{Order{Type: TypeLimit, Side: SideBuy, Quantity: d("0.00001"), Price: d("65000")}, FilterNotional},
		{Order{Type: TypeLimit, Side: SideBuy, Quantity: d("1"), Price: d("1000000.01")}, FilterPrice},
		{Order{Type: TypeLimit, Side: SideSell, Quantity: d("1"), Price: d("12000")}, FilterPercentPriceBySide},
		{Order{Type: TypeMarket, Side: SideSell, Quantity: d("121")}, FilterMarketLotSize},
		{Order{Type: TypeMarket, Side: SideSell, Quantity: d("0")}, FilterLotSize},
		{Order{Type: TypeMarket, Side: SideSell, Quantity: d("0.000000001")}, "PRECISION"},
		{Order{Type: TypeLimit, Side: SideSell, Quantity: d("1"), Price: d("65000.000000001")}, "PRECISION"},
	}
	for _, tc := range cases {
		err := f.Check(tc.o, p)
		v, ok := err.(*Violation)
		if !ok || v.Filter != tc.filter {
			t.Errorf("Check(%+v) = %v; want a violation of %s", tc.o, err, tc.filter)
		}
	}
	if err := f.Check(Order{Type: TypeMarket, Side: SideBuy, Quantity: d("0.001")}, p); err != nil {
		t.Errorf("a valid order fails: %v", err)
	}
}

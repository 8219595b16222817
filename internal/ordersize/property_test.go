package ordersize

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// The property tests draw random filters and requests and hold every order
// Size returns to an oracle written independently of it, in exact
// rational arithmetic (math/big), straight from the filter definitions.

func rat(x decimal.Decimal) *big.Rat { return x.Rat() }

func isWhole(r *big.Rat) bool { return r.IsInt() }

// decimalsAtMost reports whether x × 10^places is a whole number.
func decimalsAtMost(x decimal.Decimal, places int) bool {
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil))
	return isWhole(new(big.Rat).Mul(rat(x), scale))
}

// onSteps reports whether (x − lo) / step is a whole number (true for a
// zero step).
func onSteps(x, lo, step decimal.Decimal) bool {
	if step.IsZero() {
		return true
	}
	q := new(big.Rat).Sub(rat(x), rat(lo))
	return isWhole(q.Quo(q, rat(step)))
}

func mul(a, b *big.Rat) *big.Rat { return new(big.Rat).Mul(a, b) }

// oracle returns every rule the order breaks (empty when it keeps them
// all): the filters, the budgets, the side's price direction and, for a
// LIMIT_MAKER, the book.
func oracle(f Filters, r Request, o Order) []string {
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	q := rat(o.Quantity)
	limit := r.Type != TypeMarket
	if o.Quantity.Sign() <= 0 {
		fail("quantity %s not positive", o.Quantity)
	}
	if !decimalsAtMost(o.Quantity, f.BaseAssetPrecision) {
		fail("quantity %s exceeds base precision %d", o.Quantity, f.BaseAssetPrecision)
	}
	tol := rat(r.Tolerance)
	lowT := new(big.Rat).Sub(big.NewRat(1, 1), tol)
	highT := new(big.Rat).Add(big.NewRat(1, 1), tol)
	avg := rat(r.LastPrice)
	if r.AvgPrice.Sign() > 0 {
		avg = rat(r.AvgPrice)
	}
	if limit {
		p := rat(o.Price)
		if o.Price.Sign() <= 0 || !decimalsAtMost(o.Price, f.QuoteAssetPrecision) {
			fail("price %s not positive or over precision", o.Price)
		}
		if pf := f.Price; pf.Set {
			if pf.MinPrice.Sign() > 0 && o.Price.LessThan(pf.MinPrice) || pf.MaxPrice.Sign() > 0 && o.Price.GreaterThan(pf.MaxPrice) {
				fail("price %s outside [%s, %s]", o.Price, pf.MinPrice, pf.MaxPrice)
			}
			if !onSteps(o.Price, pf.MinPrice, pf.TickSize) {
				fail("price %s off tick %s", o.Price, pf.TickSize)
			}
		}
		bands := [][2]decimal.Decimal{}
		if pp := f.PercentPrice; pp.Set {
			bands = append(bands, [2]decimal.Decimal{pp.MultiplierDown, pp.MultiplierUp})
		}
		if b := f.PercentPriceBySide; b.Set {
			if r.Side == SideBuy {
				bands = append(bands, [2]decimal.Decimal{b.BidMultiplierDown, b.BidMultiplierUp})
			} else {
				bands = append(bands, [2]decimal.Decimal{b.AskMultiplierDown, b.AskMultiplierUp})
			}
		}
		for _, b := range bands {
			for _, a := range []*big.Rat{mul(avg, lowT), mul(avg, highT)} {
				if p.Cmp(mul(a, rat(b[0]))) < 0 || p.Cmp(mul(a, rat(b[1]))) > 0 {
					fail("price %s outside band %v around %s", o.Price, b, a.FloatString(10))
				}
			}
		}
		// Never a worse price than asked for.
		asked := mul(rat(r.LastPrice), new(big.Rat).Quo(rat(decimal.NewFromInt(10000).Sub(r.OffsetBps)), big.NewRat(10000, 1)))
		if r.Side == SideSell {
			asked = mul(rat(r.LastPrice), new(big.Rat).Quo(rat(decimal.NewFromInt(10000).Add(r.OffsetBps)), big.NewRat(10000, 1)))
		}
		if r.Side == SideBuy && p.Cmp(asked) > 0 || r.Side == SideSell && p.Cmp(asked) < 0 {
			fail("price %s worse than the asked %s", o.Price, asked.FloatString(12))
		}
		if r.Type == TypeLimitMaker && (r.Side == SideBuy && r.BestAsk.Sign() > 0 && !o.Price.LessThan(r.BestAsk) ||
			r.Side == SideSell && r.BestBid.Sign() > 0 && !o.Price.GreaterThan(r.BestBid)) {
			fail("LIMIT_MAKER %s crosses the book %s/%s", o.Price, r.BestBid, r.BestAsk)
		}
	}
	lots := []LotFilter{f.LotSize}
	if !limit {
		lots = append(lots, f.MarketLotSize)
	}
	for i, l := range lots {
		if !l.Set {
			continue
		}
		switch {
		case o.Quantity.LessThan(l.MinQty):
			fail("quantity %s below minQty of lot filter %d %+v", o.Quantity, i, l)
		case l.MaxQty.Sign() > 0 && o.Quantity.GreaterThan(l.MaxQty):
			fail("quantity %s above maxQty of lot filter %d %+v", o.Quantity, i, l)
		case !onSteps(o.Quantity, l.MinQty, l.StepSize):
			fail("quantity %s off the step of lot filter %d %+v", o.Quantity, i, l)
		}
	}
	// The values the exchange may put on the order.
	var values []*big.Rat
	if limit {
		values = []*big.Rat{mul(rat(o.Price), q)}
	} else {
		for _, ref := range []decimal.Decimal{r.LastPrice, r.AvgPrice} {
			if ref.Sign() > 0 {
				values = append(values, mul(mul(rat(ref), lowT), q), mul(mul(rat(ref), highT), q))
			}
		}
	}
	for _, v := range values {
		if m := f.MinNotional; m.Set && (limit || m.ApplyToMarket) && v.Cmp(rat(m.MinNotional)) < 0 {
			fail("value %s below MIN_NOTIONAL %s", v.FloatString(10), m.MinNotional)
		}
		if n := f.Notional; n.Set {
			if (limit || n.ApplyMinToMarket) && v.Cmp(rat(n.MinNotional)) < 0 {
				fail("value %s below NOTIONAL %s", v.FloatString(10), n.MinNotional)
			}
			if (limit || n.ApplyMaxToMarket) && n.MaxNotional.Sign() > 0 && v.Cmp(rat(n.MaxNotional)) > 0 {
				fail("value %s above NOTIONAL %s", v.FloatString(10), n.MaxNotional)
			}
		}
	}
	// Budgets.
	if r.Side == SideBuy {
		spend := new(big.Rat)
		if limit {
			spend = mul(rat(o.Price), q)
		} else {
			worst := r.LastPrice
			if r.AvgPrice.GreaterThan(worst) {
				worst = r.AvgPrice
			}
			spend = mul(mul(rat(worst), highT), q)
		}
		for name, budget := range map[string]decimal.Decimal{"maxOrderQuote": r.MaxOrderQuote, "room": r.PositionRoom, "free quote": r.FreeQuote} {
			if spend.Cmp(rat(budget)) > 0 {
				fail("spends %s, over %s %s", spend.FloatString(10), name, budget)
			}
		}
		if spend.Cmp(rat(o.MaxSpend)) != 0 {
			fail("MaxSpend %s, but the order can spend %s", o.MaxSpend, spend.FloatString(10))
		}
	} else if o.Quantity.GreaterThan(r.Position) || o.Quantity.GreaterThan(r.FreeBase) {
		fail("sells %s of a position %s with %s free", o.Quantity, r.Position, r.FreeBase)
	}
	return bad
}

// pow10 is 10^-k as a decimal.
func pow10(k int) decimal.Decimal { return decimal.New(1, int32(-k)) }

// randomFilters draws a symbol shaped like a Binance one: steps and ticks
// of 1, 2.5 or 5 × 10^-k, minimums on their grids, optional maximums and
// bands, and now and then an odd one (zero steps, market steps coarser than
// the lot's, low precisions).
func randomFilters(rng *rand.Rand) Filters {
	grain := func(k int) decimal.Decimal {
		return pow10(k).Mul([]decimal.Decimal{d("1"), d("2.5"), d("5")}[rng.IntN(3)])
	}
	prec := 8
	if rng.IntN(10) == 0 {
		prec = rng.IntN(9)
	}
	f := Filters{Symbol: "RNDUSDT", Status: "TRADING", BaseAsset: "RND", QuoteAsset: "USDT",
		BaseAssetPrecision: prec, QuoteAssetPrecision: 8}
	if rng.IntN(8) != 0 {
		tick := grain(rng.IntN(8))
		if rng.IntN(15) == 0 {
			tick = decimal.Zero
		}
		minPrice := tick.Mul(decimal.NewFromInt(int64(rng.IntN(3))))
		maxPrice := decimal.Zero
		if rng.IntN(2) == 0 {
			maxPrice = d("1000000")
		}
		f.Price = PriceFilter{Set: true, MinPrice: minPrice, MaxPrice: maxPrice, TickSize: tick}
	}
	if rng.IntN(10) != 0 {
		step := grain(rng.IntN(7))
		if rng.IntN(15) == 0 {
			step = decimal.Zero
		}
		minQty := step.Mul(decimal.NewFromInt(int64(rng.IntN(3))))
		maxQty := decimal.Zero
		if rng.IntN(2) == 0 {
			maxQty = decimal.NewFromInt(int64(1 + rng.IntN(100000)))
		}
		f.LotSize = LotFilter{Set: true, MinQty: minQty, MaxQty: maxQty, StepSize: step}
		if rng.IntN(3) != 0 {
			ml := f.LotSize
			switch rng.IntN(4) {
			case 0:
				ml.StepSize = decimal.Zero
			case 1:
				ml.StepSize = ml.StepSize.Mul(decimal.NewFromInt(int64(1 + rng.IntN(4))))
				ml.MinQty = ml.StepSize
			}
			if ml.MaxQty.IsPositive() {
				ml.MaxQty = ml.MaxQty.Div(decimal.NewFromInt(int64(1 + rng.IntN(10)))).Floor()
			}
			ml.Set = true
			f.MarketLotSize = ml
		}
	}
	if rng.IntN(3) != 0 {
		f.Notional = NotionalFilter{Set: true, MinNotional: decimal.NewFromInt(int64(rng.IntN(20))),
			ApplyMinToMarket: rng.IntN(4) != 0, ApplyMaxToMarket: rng.IntN(2) == 0}
		if rng.IntN(2) == 0 {
			f.Notional.MaxNotional = decimal.NewFromInt(int64(100 + rng.IntN(100000)))
		}
	} else if rng.IntN(2) == 0 {
		f.MinNotional = MinNotionalFilter{Set: true, MinNotional: d("0.5").Mul(decimal.NewFromInt(int64(rng.IntN(30)))), ApplyToMarket: rng.IntN(2) == 0}
	}
	if rng.IntN(2) == 0 {
		f.PercentPriceBySide = PercentPriceBySideFilter{Set: true,
			BidMultiplierUp: d("1.2"), BidMultiplierDown: d("0.8").Add(pow10(2).Mul(decimal.NewFromInt(int64(rng.IntN(19))))),
			AskMultiplierUp: d("1.01").Add(pow10(2).Mul(decimal.NewFromInt(int64(rng.IntN(20))))), AskMultiplierDown: d("0.8")}
	}
	if rng.IntN(6) == 0 {
		f.PercentPrice = PercentPriceFilter{Set: true, MultiplierUp: d("1.1"), MultiplierDown: d("0.9")}
	}
	return f
}

// randomAmount is a decimal of about 10^lo to 10^hi with 8 decimals, or
// now and then zero.
func randomAmount(rng *rand.Rand, lo, hi int) decimal.Decimal {
	if rng.IntN(25) == 0 {
		return decimal.Zero
	}
	mantissa := decimal.NewFromInt(rng.Int64N(100000000) + 1).Shift(-8) // (0, 1]
	return mantissa.Shift(int32(lo + rng.IntN(hi-lo+1))).Truncate(8)
}

func randomRequest(rng *rand.Rand, f Filters) Request {
	price := randomAmount(rng, -4, 5)
	if f.Price.Set && f.Price.TickSize.IsPositive() && rng.IntN(4) != 0 {
		price = f.Price.TickSize.Mul(randomAmount(rng, 2, 6)).Truncate(8) // tens to millions of ticks
	}
	if price.IsZero() {
		price = d("1")
	}
	if f.Price.Set && f.Price.TickSize.IsPositive() && rng.IntN(2) == 0 {
		price = floorToGrid(price, f.Price.MinPrice, f.Price.TickSize) // a price as the exchange quotes it
		if !price.IsPositive() {
			price = f.Price.TickSize
		}
	}
	r := Request{
		Side: []Side{SideBuy, SideSell}[rng.IntN(2)],
		Type: []Type{TypeMarket, TypeLimit, TypeLimitMaker}[rng.IntN(3)],
		Prices: Prices{LastPrice: price,
			Tolerance: pow10(4).Mul(decimal.NewFromInt(int64(rng.IntN(500))))},
		OffsetBps:     decimal.NewFromInt(int64(rng.IntN(600) - 100)).Div(decimal.NewFromInt(int64(1 + rng.IntN(4)))),
		MaxOrderQuote: randomAmount(rng, 0, 5),
		PositionRoom:  randomAmount(rng, 0, 6),
		FreeQuote:     randomAmount(rng, 0, 6),
		FreeBase:      randomAmount(rng, 0, 6).Div(price).Truncate(8), // worth up to a million
		Position:      randomAmount(rng, 0, 6).Div(price).Truncate(8),
	}
	if rng.IntN(2) == 0 {
		r.AvgPrice = price.Mul(d("0.97").Add(pow10(3).Mul(decimal.NewFromInt(int64(rng.IntN(61)))))) // ±3 %
	}
	if rng.IntN(2) == 0 {
		half := price.Mul(pow10(4)).Mul(decimal.NewFromInt(int64(1 + rng.IntN(20))))
		r.BestBid, r.BestAsk = price.Sub(half), price.Add(half)
	}
	if r.Side == SideBuy && r.MaxOrderQuote.IsZero() {
		r.MaxOrderQuote = d("1")
	}
	return r
}

func TestSizePropertyEveryOrderKeepsEveryRule(t *testing.T) {
	rng := rand.New(rand.NewPCG(20260701, 7))
	const rounds = 30000
	orders := 0
	skips := map[Reason]int{}
	for i := range rounds {
		f := randomFilters(rng)
		r := randomRequest(rng, f)
		o, err := f.Size(r)
		if err != nil {
			s, ok := err.(*Skip)
			if !ok {
				t.Fatalf("round %d: error %v is not a *Skip", i, err)
			}
			if s.Reason == ReasonFilterCheckFailed || s.Reason == ReasonInvalidInput {
				t.Fatalf("round %d: %v\nfilters %+v\nrequest %+v", i, s, f, r)
			}
			skips[s.Reason]++
			continue
		}
		orders++
		if bad := oracle(f, r, o); len(bad) > 0 {
			t.Fatalf("round %d: order %+v breaks %v\nfilters %+v\nrequest %+v", i, o, bad, f, r)
		}
		if err := f.Check(o, r.Prices); err != nil {
			t.Fatalf("round %d: Check: %v", i, err)
		}
		checkNotUndersized(t, i, f, r, o)
	}
	t.Logf("%d orders, skips %v", orders, skips)
	if orders < rounds/3 {
		t.Fatalf("only %d of %d requests gave an order: the test hardly tests anything", orders, rounds)
	}
}

// checkNotUndersized: where one grid decides the quantity, one more step
// must break a budget, the position or a maximum — rounding down must not
// have thrown away a whole step.
func checkNotUndersized(t *testing.T, i int, f Filters, r Request, o Order) {
	t.Helper()
	if !f.LotSize.Set || !f.LotSize.StepSize.IsPositive() || r.Type == TypeMarket && f.MarketLotSize.Set ||
		!decimalsAtMost(f.LotSize.StepSize, f.BaseAssetPrecision) {
		return
	}
	bigger := o
	bigger.Quantity = o.Quantity.Add(f.LotSize.StepSize)
	if r.Side == SideBuy {
		if r.Type == TypeMarket {
			_, hi := marketPrices(r.Prices)
			bigger.MaxSpend = hi.Mul(bigger.Quantity)
		} else {
			bigger.MaxSpend = bigger.Price.Mul(bigger.Quantity)
		}
	}
	if len(oracle(f, r, bigger)) == 0 {
		t.Fatalf("round %d: %s would also have been fine, %s was sized\nfilters %+v\nrequest %+v", i, bigger.Quantity, o.Quantity, f, r)
	}
}

func TestSizePropertySkipsNeverHideAnOrder(t *testing.T) {
	// A BelowMinQty or BelowMinNotional skip means no quantity on the grid
	// keeps the rules: the smallest quantity that passes the minimums
	// must break a budget.
	rng := rand.New(rand.NewPCG(20260701, 8))
	checked := 0
	for range 20000 {
		f := randomFilters(rng)
		f.MarketLotSize.Set = false
		r := randomRequest(rng, f)
		_, err := f.Size(r)
		s, ok := err.(*Skip)
		if !ok || s.Reason != ReasonBelowMinQty && s.Reason != ReasonBelowMinNotional || !f.LotSize.Set || !f.LotSize.StepSize.IsPositive() {
			continue
		}
		price, perr := f.limitPrice(r)
		if r.Type == TypeMarket {
			price, perr = decimal.Zero, nil
		}
		if perr != nil {
			continue
		}
		if !decimalsAtMost(f.LotSize.StepSize, f.BaseAssetPrecision) || !decimalsAtMost(f.LotSize.MinQty, f.BaseAssetPrecision) {
			continue
		}
		// The smallest quantity on the grid that reaches every minimum,
		// worked out in rationals: it must break a budget (or a maximum).
		unit := rat(price)
		if r.Type == TypeMarket {
			lo, _ := marketPrices(r.Prices)
			unit = rat(lo)
		}
		need := rat(f.LotSize.MinQty)
		if f.LotSize.StepSize.GreaterThan(f.LotSize.MinQty) && f.LotSize.MinQty.IsZero() {
			need = rat(f.LotSize.StepSize)
		}
		for _, m := range []struct {
			set bool
			min decimal.Decimal
		}{
			{f.MinNotional.Set && (r.Type != TypeMarket || f.MinNotional.ApplyToMarket), f.MinNotional.MinNotional},
			{f.Notional.Set && (r.Type != TypeMarket || f.Notional.ApplyMinToMarket), f.Notional.MinNotional},
		} {
			if m.set {
				if n := new(big.Rat).Quo(rat(m.min), unit); n.Cmp(need) > 0 {
					need = n
				}
			}
		}
		steps := new(big.Rat).Quo(new(big.Rat).Sub(need, rat(f.LotSize.MinQty)), rat(f.LotSize.StepSize))
		k := new(big.Int).Quo(steps.Num(), steps.Denom())
		if !steps.IsInt() {
			k.Add(k, big.NewInt(1))
		}
		q := f.LotSize.MinQty.Add(f.LotSize.StepSize.Mul(decimal.NewFromBigInt(k, 0)))
		o := Order{Side: r.Side, Type: r.Type, Quantity: q, Price: price}
		if r.Side == SideBuy {
			_, hi := marketPrices(r.Prices)
			if r.Type != TypeMarket {
				hi = price
			}
			o.MaxSpend = hi.Mul(q)
		}
		bad := oracle(f, r, o)
		if len(bad) == 0 {
			t.Fatalf("skipped (%v) but %s keeps every rule\nfilters %+v\nrequest %+v", s, q, f, r)
		}
		if belowMinimum(bad) {
			t.Fatalf("the smallest quantity reaching the minimums, %s, is still below one: %v", q, bad)
		}
		checked++
	}
	if checked < 100 {
		t.Fatalf("only %d skips checked", checked)
	}
}

// belowMinimum: every broken rule is a minimum (notional or quantity), so a
// bigger quantity may still pass.
func belowMinimum(bad []string) bool {
	for _, b := range bad {
		if !strings.Contains(b, "below") {
			return false
		}
	}
	return true
}

// FuzzParseSymbolNeverPanics feeds ParseSymbol filters of every JSON type.
func FuzzParseSymbolNeverPanics(f *testing.F) {
	f.Add("LOT_SIZE", "minQty", "0.001", int8(0))
	f.Add("NOTIONAL", "applyMinToMarket", "x", int8(2))
	f.Add("PERCENT_PRICE_BY_SIDE", "avgPriceMins", "5", int8(1))
	f.Fuzz(func(t *testing.T, typ, key, value string, kind int8) {
		var v any
		switch kind % 5 {
		case 0:
			v = value
		case 1:
			v = float64(len(value)) - 2.5
		case 2:
			v = len(value)%2 == 0
		case 3:
			v = nil
		default:
			v = []any{value}
		}
		s := btcSymbol()
		s.Filters = append(s.Filters, map[string]interface{}{"filterType": typ, key: v})
		_, _ = ParseSymbol(&s) // must not panic
	})
}

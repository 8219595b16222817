package ordersize

import (
	"errors"

	"github.com/shopspring/decimal"
)

// maxTolerance bounds Prices.Tolerance: half the price is already absurd.
var maxTolerance = decimal.RequireFromString("0.5")

// gridRounds bounds the alternation between LOT_SIZE's and
// MARKET_LOT_SIZE's grids when a MARKET quantity must sit on both.
const gridRounds = 16

// Size turns a signal into an order that passes every filter of f, or says
// why there is none: the error is then always a *Skip and nothing may be
// sent. Size is pure: the same filters and request give the same answer.
//
// The rules, in the order they apply:
//
//  1. The request must be well formed (ReasonInvalidInput), the symbol
//     TRADING (ReasonNotTrading) and the type one it lists
//     (ReasonOrderTypeNotAllowed).
//  2. A BUY needs free quote (ReasonNoBalance) and room under
//     maxPositionQuote (ReasonNoRoom); a SELL needs a position
//     (ReasonNoPosition) and free base (ReasonNoBalance).
//  3. LIMIT and LIMIT_MAKER are priced OffsetBps away from LastPrice on the
//     passive side (see Request.OffsetBps), then moved onto PRICE_FILTER's
//     tick in the direction that is never worse for the side: a BUY's price
//     down, a SELL's up (and likewise to the quote precision). The price
//     must lie within [minPrice, maxPrice] (ReasonPriceOutOfRange) and the
//     percent-price bands (ReasonPriceOutOfBand); it is never moved into
//     them, since that would change what the strategy asked for. A
//     LIMIT_MAKER at or through the best opposite price, when known, is
//     ReasonWouldTake.
//  4. A BUY spends at most min(MaxOrderQuote, PositionRoom, FreeQuote),
//     valued at its limit price, or for MARKET at the highest tolerated
//     price (see Prices.Tolerance). A SELL sells min(Position, FreeBase),
//     the whole position when the balance allows.
//  5. The quantity is capped at maxQty (LOT_SIZE, and MARKET_LOT_SIZE for
//     MARKET) and at NOTIONAL's maxNotional where it applies, then rounded
//     DOWN onto every step that applies and to the base precision. Rounding
//     is always down, so no budget, balance or position is ever exceeded.
//  6. The result must reach minQty (ReasonBelowMinQty) and the minimum
//     notional (ReasonBelowMinNotional). Size never rounds a quantity up to
//     reach a minimum: that would spend more than the budget allows.
//  7. The order is checked against every filter once more (Check); a
//     failure there is a bug and gives ReasonFilterCheckFailed.
func (f *Filters) Size(r Request) (Order, error) {
	if err := f.validate(r); err != nil {
		return Order{}, err
	}
	limit := r.Type != TypeMarket
	o := Order{Symbol: f.Symbol, Side: r.Side, Type: r.Type}
	if r.Type == TypeLimit {
		o.TimeInForce = TimeInForceGTC
	}
	if limit {
		price, err := f.limitPrice(r)
		if err != nil {
			return Order{}, err
		}
		o.Price = price
	}

	// What the quantity is worth per unit, at the lowest and highest price
	// the exchange may value it at.
	lo, hi := o.Price, o.Price
	if !limit {
		lo, hi = marketPrices(r.Prices)
	}

	qty, limitedBy, err := f.available(r, hi)
	if err != nil {
		return Order{}, err
	}
	capTo := func(max decimal.Decimal, by Limit) {
		if max.LessThan(qty) {
			qty, limitedBy = max, by
		}
	}
	if f.LotSize.MaxQty.IsPositive() { // zero: no maximum
		capTo(f.LotSize.MaxQty, LimitMaxQty)
	}
	if !limit && f.MarketLotSize.Set && f.MarketLotSize.MaxQty.IsPositive() {
		capTo(f.MarketLotSize.MaxQty, LimitMaxQty)
	}
	if n := f.Notional; n.Set && n.MaxNotional.IsPositive() && (limit || n.ApplyMaxToMarket) {
		capTo(quoFloor(n.MaxNotional, hi, f.BaseAssetPrecision), LimitMaxNotional)
	}

	qty, err = f.roundQuantity(qty, limit)
	if err != nil {
		return Order{}, err
	}
	if err := f.checkMinimums(r, qty, lo, limitedBy); err != nil {
		return Order{}, err
	}

	o.Quantity = qty
	o.LimitedBy = limitedBy
	if limit {
		o.Notional = o.Price.Mul(qty)
	} else {
		o.Notional = r.LastPrice.Mul(qty)
	}
	if r.Side == SideBuy {
		o.MaxSpend = hi.Mul(qty)
	}
	if err := f.Check(o, r.Prices); err != nil {
		return Order{}, skipf(ReasonFilterCheckFailed, "%s %s %s: the sized order %s at %s fails its own check: %v",
			r.Side, r.Type, f.Symbol, qty, o.Price, err)
	}
	return o, nil
}

func (f *Filters) validate(r Request) error {
	var errs []error
	bad := func(cond bool, msg string) {
		if cond {
			errs = append(errs, errors.New(msg))
		}
	}
	bad(r.Side != SideBuy && r.Side != SideSell, "side must be BUY or SELL, not "+quote(string(r.Side)))
	bad(r.Type != TypeMarket && r.Type != TypeLimit && r.Type != TypeLimitMaker,
		"type must be MARKET, LIMIT or LIMIT_MAKER, not "+quote(string(r.Type)))
	bad(!r.LastPrice.IsPositive(), "last price "+r.LastPrice.String()+" must be positive")
	for _, a := range []struct {
		name string
		v    decimal.Decimal
	}{
		{"average price", r.AvgPrice}, {"best bid", r.BestBid}, {"best ask", r.BestAsk},
		{"maxOrderQuote", r.MaxOrderQuote}, {"position room", r.PositionRoom},
		{"free quote", r.FreeQuote}, {"free base", r.FreeBase}, {"position", r.Position},
	} {
		bad(a.v.IsNegative(), a.name+" "+a.v.String()+" is negative")
	}
	bad(r.Tolerance.IsNegative() || !r.Tolerance.LessThan(maxTolerance),
		"tolerance "+r.Tolerance.String()+" must be in [0, 0.5)")
	bad(r.Type != TypeMarket && !r.OffsetBps.Abs().LessThan(bpsPerUnit),
		"offset "+r.OffsetBps.String()+" bps must be in (-10000, 10000)")
	bad(r.Side == SideBuy && !r.MaxOrderQuote.IsPositive(), "a BUY needs a positive maxOrderQuote")
	if err := errors.Join(errs...); err != nil {
		return skipf(ReasonInvalidInput, "%s %s %s: %v", r.Side, r.Type, f.Symbol, err)
	}
	if !f.Trading() {
		return skipf(ReasonNotTrading, "%s is %s, not TRADING", f.Symbol, f.Status)
	}
	if !f.Allows(r.Type) {
		return skipf(ReasonOrderTypeNotAllowed, "%s does not accept %s orders (it lists %v)", f.Symbol, r.Type, f.OrderTypes)
	}
	if r.Side == SideBuy {
		switch {
		case !r.FreeQuote.IsPositive():
			return skipf(ReasonNoBalance, "BUY %s: no free %s", f.Symbol, f.QuoteAsset)
		case !r.PositionRoom.IsPositive():
			return skipf(ReasonNoRoom, "BUY %s: no room left under maxPositionQuote", f.Symbol)
		}
		return nil
	}
	switch {
	case !r.Position.IsPositive():
		return skipf(ReasonNoPosition, "SELL %s: the position holds no %s", f.Symbol, f.BaseAsset)
	case !r.FreeBase.IsPositive():
		return skipf(ReasonNoBalance, "SELL %s: no free %s (position %s)", f.Symbol, f.BaseAsset, r.Position)
	}
	return nil
}

func quote(s string) string { return `"` + s + `"` }

// limitPrice places a LIMIT or LIMIT_MAKER price (rule 3 of Size).
func (f *Filters) limitPrice(r Request) (decimal.Decimal, error) {
	factor := bpsPerUnit.Sub(r.OffsetBps) // BUY: below the last price
	if r.Side == SideSell {
		factor = bpsPerUnit.Add(r.OffsetBps) // SELL: above it
	}
	raw := r.LastPrice.Mul(factor).Shift(-4) // exact, unlike Div
	pf := f.Price
	var price decimal.Decimal
	if r.Side == SideBuy {
		price = floorToGrid(raw, pf.MinPrice, pf.TickSize).RoundFloor(int32(f.QuoteAssetPrecision))
	} else {
		price = ceilToGrid(raw, pf.MinPrice, pf.TickSize).RoundCeil(int32(f.QuoteAssetPrecision))
	}
	switch {
	case !price.IsPositive():
		return decimal.Zero, skipf(ReasonPriceOutOfRange, "%s %s %s: price %s (%s bps from %s) is not positive",
			r.Side, r.Type, f.Symbol, price, r.OffsetBps, r.LastPrice)
	case pf.Set && pf.MinPrice.IsPositive() && price.LessThan(pf.MinPrice):
		return decimal.Zero, skipf(ReasonPriceOutOfRange, "%s %s %s: price %s (%s bps from %s) is below minPrice %s",
			r.Side, r.Type, f.Symbol, price, r.OffsetBps, r.LastPrice, pf.MinPrice)
	case pf.Set && pf.MaxPrice.IsPositive() && price.GreaterThan(pf.MaxPrice):
		return decimal.Zero, skipf(ReasonPriceOutOfRange, "%s %s %s: price %s (%s bps from %s) is above maxPrice %s",
			r.Side, r.Type, f.Symbol, price, r.OffsetBps, r.LastPrice, pf.MaxPrice)
	}
	if name, lo, hi, ok := f.band(r.Side, r.Prices); ok && (price.LessThan(lo) || price.GreaterThan(hi)) {
		return decimal.Zero, skipf(ReasonPriceOutOfBand, "%s %s %s: price %s is outside %s's band [%s, %s] (average price %s, tolerance %s)",
			r.Side, r.Type, f.Symbol, price, name, lo, hi, firstPositive(r.AvgPrice, r.LastPrice), r.Tolerance)
	}
	if r.Type == TypeLimitMaker {
		if r.Side == SideBuy && r.BestAsk.IsPositive() && !price.LessThan(r.BestAsk) {
			return decimal.Zero, skipf(ReasonWouldTake, "BUY LIMIT_MAKER %s: price %s is at or above the best ask %s",
				f.Symbol, price, r.BestAsk)
		}
		if r.Side == SideSell && r.BestBid.IsPositive() && !price.GreaterThan(r.BestBid) {
			return decimal.Zero, skipf(ReasonWouldTake, "SELL LIMIT_MAKER %s: price %s is at or below the best bid %s",
				f.Symbol, price, r.BestBid)
		}
	}
	return price, nil
}

func firstPositive(a, b decimal.Decimal) decimal.Decimal {
	if a.IsPositive() {
		return a
	}
	return b
}

// available is the quantity the budgets allow before any filter (rule 4 of
// Size), and what limits it. unit is the highest price a BUY may pay per
// unit.
func (f *Filters) available(r Request, unit decimal.Decimal) (decimal.Decimal, Limit, error) {
	if r.Side == SideSell {
		if r.FreeBase.LessThan(r.Position) {
			return r.FreeBase, LimitBaseBalance, nil
		}
		return r.Position, LimitPosition, nil
	}
	budget, by := r.MaxOrderQuote, LimitMaxOrderQuote
	if r.PositionRoom.LessThan(budget) {
		budget, by = r.PositionRoom, LimitPositionRoom
	}
	if r.FreeQuote.LessThan(budget) {
		budget, by = r.FreeQuote, LimitQuoteBalance
	}
	return quoFloor(budget, unit, f.BaseAssetPrecision), by, nil
}

// roundQuantity rounds qty down to the base precision and onto every step
// that applies (rule 5 of Size). For MARKET the quantity must sit on
// LOT_SIZE's grid and MARKET_LOT_SIZE's at once; flooring onto one then the
// other only ever lowers it, and stops where both hold.
func (f *Filters) roundQuantity(qty decimal.Decimal, limit bool) (decimal.Decimal, error) {
	lots := []LotFilter{f.LotSize}
	if !limit {
		lots = append(lots, f.MarketLotSize)
	}
	qty = qty.RoundFloor(int32(f.BaseAssetPrecision))
	start := qty
	for range gridRounds {
		before := qty
		for _, l := range lots {
			if l.Set {
				qty = floorToGrid(qty, l.MinQty, l.StepSize)
			}
		}
		qty = qty.RoundFloor(int32(f.BaseAssetPrecision))
		if qty.Equal(before) {
			return qty, nil
		}
	}
	for _, l := range lots {
		if l.Set && qty.GreaterThanOrEqual(l.MinQty) && !onGrid(qty, l.MinQty, l.StepSize) {
			return decimal.Zero, skipf(ReasonStepMismatch, "%s: no quantity from %s down to %s sits on both LOT_SIZE's steps (%s from %s) and MARKET_LOT_SIZE's (%s from %s)",
				f.Symbol, start, qty, f.LotSize.StepSize, f.LotSize.MinQty, f.MarketLotSize.StepSize, f.MarketLotSize.MinQty)
		}
	}
	return qty, nil
}

// checkMinimums applies minQty and the minimum notionals (rule 6 of Size);
// lo is the lowest price the order may be valued at.
func (f *Filters) checkMinimums(r Request, qty, lo decimal.Decimal, by Limit) error {
	limit := r.Type != TypeMarket
	what := func() string {
		return string(r.Side) + " " + string(r.Type) + " " + f.Symbol
	}
	minQty := decimal.Zero
	filter := FilterLotSize
	if f.LotSize.Set {
		minQty = f.LotSize.MinQty
	}
	if !limit && f.MarketLotSize.Set && f.MarketLotSize.MinQty.GreaterThan(minQty) {
		minQty, filter = f.MarketLotSize.MinQty, FilterMarketLotSize
	}
	if !qty.IsPositive() || qty.LessThan(minQty) {
		return skipf(ReasonBelowMinQty, "%s: %s %s available (limited by %s), below %s minQty %s",
			what(), qty, f.BaseAsset, by, filter, minQty)
	}
	notional := lo.Mul(qty)
	minimum, filter := decimal.Zero, ""
	if m := f.MinNotional; m.Set && (limit || m.ApplyToMarket) && m.MinNotional.GreaterThan(minimum) {
		minimum, filter = m.MinNotional, FilterMinNotional
	}
	if n := f.Notional; n.Set && (limit || n.ApplyMinToMarket) && n.MinNotional.GreaterThan(minimum) {
		minimum, filter = n.MinNotional, FilterNotional
	}
	if notional.LessThan(minimum) {
		return skipf(ReasonBelowMinNotional, "%s: %s %s at %s is worth %s %s (limited by %s), below %s minimum %s",
			what(), qty, f.BaseAsset, lo, notional, f.QuoteAsset, by, filter, minimum)
	}
	return nil
}

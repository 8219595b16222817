package ordersize

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// Check tests a sized order against every filter of the symbol, with the
// market known as p: it is what Size runs last, and what a caller can run
// on an order built elsewhere. It returns nil or a *Violation naming the
// first filter broken. Budgets and balances are not filters and are not
// checked here.
//
// The rules, for the enabled parts of each filter the symbol lists:
//   - PRECISION: Quantity has at most BaseAssetPrecision decimals, Price at
//     most QuoteAssetPrecision.
//   - PRICE_FILTER (LIMIT, LIMIT_MAKER): minPrice <= Price <= maxPrice,
//     (Price − minPrice) a whole number of tickSize. Binance states the
//     tick rule as Price % tickSize == 0; the two agree whenever minPrice
//     is a multiple of tickSize, as on every symbol we know of, and the
//     simulator checks the first.
//   - PERCENT_PRICE (LIMIT, LIMIT_MAKER): Price within [avg × down,
//     avg × up]; PERCENT_PRICE_BY_SIDE the same with the bid multipliers
//     for a BUY and the ask multipliers for a SELL. avg is p.AvgPrice (or
//     p.LastPrice) and the band is narrowed by p.Tolerance at both ends.
//   - LOT_SIZE (every order) and MARKET_LOT_SIZE (MARKET, as well):
//     minQty <= Quantity <= maxQty, (Quantity − minQty) a whole number of
//     stepSize.
//   - MIN_NOTIONAL and NOTIONAL: a limit's Price × Quantity must reach the
//     minimum and (NOTIONAL) stay within the maximum. A MARKET order is
//     valued at the lowest tolerated reference price for the minimum (when
//     applyToMarket / applyMinToMarket) and at the highest for the maximum
//     (when applyMaxToMarket); the reference prices are p.LastPrice and
//     p.AvgPrice, moved by p.Tolerance.
func (f *Filters) Check(o Order, p Prices) error {
	if !o.Quantity.IsPositive() {
		return &Violation{Filter: FilterLotSize, Detail: fmt.Sprintf("quantity %s is not positive", o.Quantity)}
	}
	if !withinPrecision(o.Quantity, f.BaseAssetPrecision) {
		return &Violation{Filter: "PRECISION", Detail: fmt.Sprintf("quantity %s has more than %d decimals", o.Quantity, f.BaseAssetPrecision)}
	}
	limit := o.Type != TypeMarket
	if limit {
		if err := f.checkPrice(o, p); err != nil {
			return err
		}
	}
	if err := checkLot(FilterLotSize, f.LotSize, o.Quantity); err != nil {
		return err
	}
	if !limit {
		if err := checkLot(FilterMarketLotSize, f.MarketLotSize, o.Quantity); err != nil {
			return err
		}
	}
	lo, hi := notionalBounds(o, p)
	if m := f.MinNotional; m.Set && (limit || m.ApplyToMarket) && lo.LessThan(m.MinNotional) {
		return &Violation{Filter: FilterMinNotional, Detail: fmt.Sprintf("notional %s below %s", lo, m.MinNotional)}
	}
	if n := f.Notional; n.Set {
		if (limit || n.ApplyMinToMarket) && lo.LessThan(n.MinNotional) {
			return &Violation{Filter: FilterNotional, Detail: fmt.Sprintf("notional %s below %s", lo, n.MinNotional)}
		}
		if (limit || n.ApplyMaxToMarket) && n.MaxNotional.IsPositive() && hi.GreaterThan(n.MaxNotional) {
			return &Violation{Filter: FilterNotional, Detail: fmt.Sprintf("notional %s above %s", hi, n.MaxNotional)}
		}
	}
	return nil
}

func (f *Filters) checkPrice(o Order, p Prices) error {
	price := o.Price
	if !price.IsPositive() {
		return &Violation{Filter: FilterPrice, Detail: fmt.Sprintf("price %s is not positive", price)}
	}
	if !withinPrecision(price, f.QuoteAssetPrecision) {
		return &Violation{Filter: "PRECISION", Detail: fmt.Sprintf("price %s has more than %d decimals", price, f.QuoteAssetPrecision)}
	}
	if pf := f.Price; pf.Set {
		switch {
		case pf.MinPrice.IsPositive() && price.LessThan(pf.MinPrice):
			return &Violation{Filter: FilterPrice, Detail: fmt.Sprintf("price %s below minPrice %s", price, pf.MinPrice)}
		case pf.MaxPrice.IsPositive() && price.GreaterThan(pf.MaxPrice):
			return &Violation{Filter: FilterPrice, Detail: fmt.Sprintf("price %s above maxPrice %s", price, pf.MaxPrice)}
		case !onGrid(price, pf.MinPrice, pf.TickSize):
			return &Violation{Filter: FilterPrice, Detail: fmt.Sprintf("price %s not on tick %s from %s", price, pf.TickSize, pf.MinPrice)}
		}
	}
	if name, lo, hi, ok := f.band(o.Side, p); ok && (price.LessThan(lo) || price.GreaterThan(hi)) {
		return &Violation{Filter: name, Detail: fmt.Sprintf("price %s outside [%s, %s]", price, lo, hi)}
	}
	return nil
}

// band returns the narrowest percent-price band that applies to side, with
// the tolerance taken off both ends, and the name of the filter that sets
// its tighter end (ok false when neither filter is listed).
func (f *Filters) band(side Side, p Prices) (name string, lo, hi decimal.Decimal, ok bool) {
	avg := p.AvgPrice
	if !avg.IsPositive() {
		avg = p.LastPrice
	}
	narrow := func(n string, down, up decimal.Decimal) {
		l, h := bandLimits(avg, down, up, p.Tolerance)
		if !ok || l.GreaterThan(lo) || h.LessThan(hi) {
			name = n
		}
		if !ok || l.GreaterThan(lo) {
			lo = l
		}
		if !ok || h.LessThan(hi) {
			hi = h
		}
		ok = true
	}
	if pp := f.PercentPrice; pp.Set {
		narrow(FilterPercentPrice, pp.MultiplierDown, pp.MultiplierUp)
	}
	if b := f.PercentPriceBySide; b.Set {
		if side == SideBuy {
			narrow(FilterPercentPriceBySide, b.BidMultiplierDown, b.BidMultiplierUp)
		} else {
			narrow(FilterPercentPriceBySide, b.AskMultiplierDown, b.AskMultiplierUp)
		}
	}
	return name, lo, hi, ok
}

func checkLot(name string, l LotFilter, qty decimal.Decimal) error {
	if !l.Set {
		return nil
	}
	switch {
	case qty.LessThan(l.MinQty):
		return &Violation{Filter: name, Detail: fmt.Sprintf("quantity %s below minQty %s", qty, l.MinQty)}
	case l.MaxQty.IsPositive() && qty.GreaterThan(l.MaxQty):
		return &Violation{Filter: name, Detail: fmt.Sprintf("quantity %s above maxQty %s", qty, l.MaxQty)}
	case !onGrid(qty, l.MinQty, l.StepSize):
		return &Violation{Filter: name, Detail: fmt.Sprintf("quantity %s not on step %s from %s", qty, l.StepSize, l.MinQty)}
	}
	return nil
}

// notionalBounds is the lowest and highest value the exchange may put on
// the order: Price × Quantity for a limit; for MARKET, Quantity at the
// lower and higher of LastPrice and AvgPrice, moved out by the tolerance.
func notionalBounds(o Order, p Prices) (lo, hi decimal.Decimal) {
	if o.Type != TypeMarket {
		n := o.Price.Mul(o.Quantity)
		return n, n
	}
	pl, ph := marketPrices(p)
	return o.Quantity.Mul(pl), o.Quantity.Mul(ph)
}

// marketPrices are the lowest and highest price a MARKET order may be
// valued or filled at: the lower and higher of LastPrice and AvgPrice
// (when set), moved out by the tolerance.
func marketPrices(p Prices) (lo, hi decimal.Decimal) {
	lo, hi = p.LastPrice, p.LastPrice
	if p.AvgPrice.IsPositive() {
		lo, hi = decimal.Min(lo, p.AvgPrice), decimal.Max(hi, p.AvgPrice)
	}
	return lo.Mul(one.Sub(p.Tolerance)), hi.Mul(one.Add(p.Tolerance))
}

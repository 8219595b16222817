package ledger

import "github.com/shopspring/decimal"

// costPlaces is the number of decimal places the cost removed by a partial
// sell is rounded to.
const costPlaces = 18

// book is a position under the average-cost rule. The ledger keeps two per
// symbol: the lifetime book, and the day book whose opening cost is the
// opening quantity at the day-start price.
type book struct {
	qty, cost, realized, fees, oversold decimal.Decimal
}

// apply adds one fill's effect.
func (b *book) apply(e effect) {
	if e.buy {
		b.qty = b.qty.Add(e.qty)
		b.cost = b.cost.Add(e.value)
	} else {
		matched, proceeds := e.qty, e.value
		if e.qty.GreaterThan(b.qty) {
			matched = b.qty
			b.oversold = b.oversold.Add(e.qty.Sub(b.qty))
			proceeds = e.price.Mul(matched)
		}
		removed := b.cost
		if !matched.Equal(b.qty) {
			removed = b.cost.Mul(matched).DivRound(b.qty, costPlaces)
		}
		b.qty = b.qty.Sub(matched)
		b.cost = b.cost.Sub(removed)
		b.realized = b.realized.Add(proceeds.Sub(removed))
	}
	b.chargeFee(e.fee)
}

// chargeFee expenses a fee in the quote asset.
func (b *book) chargeFee(fee decimal.Decimal) {
	if fee.IsZero() {
		return
	}
	b.fees = b.fees.Add(fee)
	b.realized = b.realized.Sub(fee)
}

// unrealized is the book's open profit at price.
func (b *book) unrealized(price decimal.Decimal) decimal.Decimal {
	return b.qty.Mul(price).Sub(b.cost)
}

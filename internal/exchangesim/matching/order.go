package matching

import "github.com/shopspring/decimal"

// order is the engine's mutable view of an order; Order is its public state.
type order struct {
	Order
	account *account

	// The part of the account's balance this order still holds locked:
	// quote for a LIMIT BUY (price × remaining qty), base for a LIMIT SELL.
	lockAsset string
	locked    decimal.Decimal

	// quoteShort marks a quoteOrderQty MARKET order that ran out of book
	// before spending its quote: it ends EXPIRED rather than FILLED.
	quoteShort bool
}

func (o *order) snapshot() Order { return o.Order }

func (o *order) remaining() decimal.Decimal { return o.OrigQty.Sub(o.ExecutedQty) }

// statusAfterFill is the status an order has right after one of its fills.
func (o *order) statusAfterFill() OrderStatus {
	if o.remaining().IsPositive() || o.quoteShort {
		return StatusPartiallyFilled
	}
	return StatusFilled
}

type orderKey struct {
	symbol string
	id     int64
}

type clientKey struct {
	symbol, clientOrderID string
}

func (o *order) key() orderKey { return orderKey{o.Symbol, o.OrderID} }

func (o *order) clientKey() clientKey { return clientKey{o.Symbol, o.ClientOrderID} }

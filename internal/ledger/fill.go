package ledger

import (
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Side is the side of a fill, spelled like a Binance order side.
type Side string

// Fill sides.
const (
	Buy  Side = "BUY"
	Sell Side = "SELL"
)

// Market names a symbol's base and quote assets, for example BTCUSDT with
// base BTC and quote USDT; the ledger needs them to tell which asset a fee
// was charged in.
type Market struct {
	Symbol, Base, Quote string
}

// Fill is one trade of the bot's account, as the user-data stream or the
// REST trade list reports it.
type Fill struct {
	// TradeID is the exchange's trade id, unique within the symbol.
	TradeID int64
	// OrderID is the order the trade belongs to; kept for the caller.
	OrderID int64
	Symbol  string
	Side    Side
	// Price and Qty are the trade's price and base quantity, both positive.
	Price, Qty decimal.Decimal
	// QuoteQty is the trade's notional in the quote asset; zero means
	// Price×Qty.
	QuoteQty decimal.Decimal
	// Commission is the fee charged, in CommissionAsset.
	Commission      decimal.Decimal
	CommissionAsset string
	Time            time.Time
}

// Errors returned by the ledger; they are wrapped with details.
var (
	ErrUnknownSymbol = errors.New("unknown symbol")
	ErrInvalidFill   = errors.New("invalid fill")
	ErrNoDay         = errors.New("no day begun")
	ErrMissingMark   = errors.New("no day-start price")
	ErrBeforeDay     = errors.New("fill before the day start")
	ErrNoPendingFee  = errors.New("no pending fee")
	ErrInvalidDay    = errors.New("invalid day start")
)

// effect is what a fill does to a book, computed once per fill.
type effect struct {
	buy bool
	// qty is the base quantity received (buy) or given up (sell), fees in
	// base included.
	qty decimal.Decimal
	// value is, on a buy, the cost basis added; on a sell, the value of the
	// units given up.
	value decimal.Decimal
	price decimal.Decimal
	// fee is the fee in the quote asset; zero while a fee in another asset
	// is pending.
	fee decimal.Decimal
}

// feeKind says which asset a fill's fee was charged in.
type feeKind int

const (
	feeNone feeKind = iota
	feeBase
	feeQuote
	feeOther
)

// classifyFee tells which asset the fee is in, relative to the market.
func classifyFee(m Market, f Fill) feeKind {
	switch {
	case f.Commission.IsZero():
		return feeNone
	case f.CommissionAsset == m.Base:
		return feeBase
	case f.CommissionAsset == m.Quote:
		return feeQuote
	default:
		return feeOther
	}
}

// validate checks a fill against its market.
func validate(m Market, f Fill) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s trade %d: %s", ErrInvalidFill, f.Symbol, f.TradeID, fmt.Sprintf(format, args...))
	}
	switch {
	case f.Side != Buy && f.Side != Sell:
		return bad("side %q", f.Side)
	case !f.Price.IsPositive():
		return bad("price %s is not positive", f.Price)
	case !f.Qty.IsPositive():
		return bad("quantity %s is not positive", f.Qty)
	case f.QuoteQty.IsNegative():
		return bad("quote quantity %s is negative", f.QuoteQty)
	case f.Commission.IsNegative():
		return bad("commission %s is negative", f.Commission)
	case f.Commission.IsPositive() && f.CommissionAsset == "":
		return bad("commission without an asset")
	case f.Time.IsZero():
		return bad("no time")
	}
	if f.Side == Buy && classifyFee(m, f) == feeBase && f.Commission.GreaterThanOrEqual(f.Qty) {
		return bad("base fee %s is not below the quantity %s", f.Commission, f.Qty)
	}
	return nil
}

// effectOf computes a valid fill's effect; pending is true when its fee is
// in a third asset and still needs a price.
func effectOf(m Market, f Fill) (e effect, pending bool) {
	notional := f.QuoteQty
	if notional.IsZero() {
		notional = f.Price.Mul(f.Qty)
	}
	e = effect{buy: f.Side == Buy, qty: f.Qty, value: notional, price: f.Price}
	switch classifyFee(m, f) {
	case feeBase:
		feeValue := f.Commission.Mul(f.Price)
		e.fee = feeValue
		if e.buy {
			e.qty = f.Qty.Sub(f.Commission)
			e.value = notional.Sub(feeValue)
		} else {
			e.qty = f.Qty.Add(f.Commission)
			e.value = notional.Add(feeValue)
		}
	case feeQuote:
		e.fee = f.Commission
	case feeOther:
		pending = true
	}
	return e, pending
}

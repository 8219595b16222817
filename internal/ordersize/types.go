package ordersize

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// Side is an order's side, spelled as Binance spells it.
type Side string

const (
	SideBuy  Side = "BUY"
	SideSell Side = "SELL"
)

// Type is an order type, spelled as Binance spells it.
type Type string

const (
	// TypeMarket takes liquidity at once; it carries a quantity, no price.
	TypeMarket Type = "MARKET"
	// TypeLimit rests at its price (GTC) or fills at it or better.
	TypeLimit Type = "LIMIT"
	// TypeLimitMaker is a LIMIT order that the exchange refuses rather than
	// let it take liquidity.
	TypeLimitMaker Type = "LIMIT_MAKER"
)

// TimeInForceGTC is the time in force Size gives LIMIT orders.
const TimeInForceGTC = "GTC"

// Prices is what is known of the market when an order is sized.
type Prices struct {
	// LastPrice is the symbol's last price (a ticker or the signal's
	// close); required, positive.
	LastPrice decimal.Decimal
	// AvgPrice is the exchange's average price over the filters'
	// avgPriceMins (GET /api/v3/avgPrice), which Binance values MARKET
	// notionals and the percent-price bands at. Optional: zero means
	// LastPrice stands in for it.
	AvgPrice decimal.Decimal
	// BestBid and BestAsk are the top of the book. Optional: when set, a
	// LIMIT_MAKER that would cross them is skipped (WouldTake) instead of
	// being refused by the exchange.
	BestBid, BestAsk decimal.Decimal
	// Tolerance is the fraction, in [0, 0.5), by which the exchange's
	// reference prices may move between sizing and matching (for example
	// 0.01 for 1 %). Every check that depends on a moving price holds
	// anywhere within it: a MARKET BUY is sized at the highest tolerated
	// price so it never spends more than its budget, MARKET notionals must
	// pass at the lowest (minimum) and highest (maximum) tolerated price,
	// and percent-price bands are narrowed by it. Zero trusts the prices
	// exactly. For a MARKET BUY it must also cover the half spread and the
	// depth the order walks, since the fill price, not LastPrice, is what
	// is spent; and when AvgPrice is not given it must cover the distance
	// between LastPrice and Binance's average price.
	Tolerance decimal.Decimal
}

// Request is everything Size needs besides the symbol's filters. Amounts
// are exact decimals in the quote asset (…Quote, PositionRoom) or the base
// asset (FreeBase, Position); none may be negative.
type Request struct {
	Side Side
	Type Type
	Prices
	// OffsetBps places a LIMIT or LIMIT_MAKER price away from LastPrice, in
	// basis points, on the passive side: a BUY at LastPrice × (1 −
	// OffsetBps/10000), a SELL at LastPrice × (1 + OffsetBps/10000). Zero
	// prices at LastPrice; a negative offset crosses the spread (a
	// marketable LIMIT). Must lie in (−10000, 10000). Ignored for MARKET.
	OffsetBps decimal.Decimal

	// MaxOrderQuote is spec.risk.maxOrderQuote, the most quote one BUY may
	// spend. Required (positive) for a BUY; a SELL ignores it, since
	// leaving a position must not be limited by the entry budget.
	MaxOrderQuote decimal.Decimal
	// PositionRoom is what a BUY may still add under
	// spec.risk.maxPositionQuote (max − the position's value), in quote.
	PositionRoom decimal.Decimal
	// FreeQuote and FreeBase are the account's free balances.
	FreeQuote, FreeBase decimal.Decimal
	// Position is the base quantity the bot's position holds: what a SELL
	// sells (spot: there is no short).
	Position decimal.Decimal
}

// Limit names what decided an order's size.
type Limit string

const (
	LimitMaxOrderQuote Limit = "MaxOrderQuote" // spec.risk.maxOrderQuote
	LimitPositionRoom  Limit = "PositionRoom"  // room under spec.risk.maxPositionQuote
	LimitQuoteBalance  Limit = "QuoteBalance"  // the free quote balance
	LimitPosition      Limit = "Position"      // the position held (SELL)
	LimitBaseBalance   Limit = "BaseBalance"   // the free base balance (SELL)
	LimitMaxQty        Limit = "MaxQty"        // LOT_SIZE or MARKET_LOT_SIZE maxQty
	LimitMaxNotional   Limit = "MaxNotional"   // NOTIONAL maxNotional
)

// Order is a sized order that satisfies every filter of its symbol.
type Order struct {
	Symbol string
	Side   Side
	Type   Type
	// TimeInForce is GTC for LIMIT and empty otherwise (Binance refuses a
	// timeInForce on MARKET and LIMIT_MAKER orders).
	TimeInForce string
	// Quantity is in the base asset, a whole number of every step that
	// applies, within the asset's precision.
	Quantity decimal.Decimal
	// Price is the limit price, zero for MARKET.
	Price decimal.Decimal
	// Notional is the expected value in quote: Price × Quantity, or
	// LastPrice × Quantity for MARKET.
	Notional decimal.Decimal
	// MaxSpend is the most quote a BUY can cost before fees: Price ×
	// Quantity for a limit, Quantity at the highest tolerated price for
	// MARKET. It never exceeds MaxOrderQuote, PositionRoom or FreeQuote.
	// Zero for a SELL.
	MaxSpend decimal.Decimal
	// LimitedBy is the budget, balance or filter bound that decided the
	// quantity (before rounding down to the step).
	LimitedBy Limit
}

// Reason says why an order was not sized. The values are CamelCase so they
// can serve as event reasons and metric labels.
type Reason string

const (
	// ReasonInvalidInput: the request itself is wrong (a missing price, a
	// negative amount, an unknown side or type); a bug in the caller.
	ReasonInvalidInput Reason = "InvalidInput"
	// ReasonNotTrading: the symbol's status is not TRADING.
	ReasonNotTrading Reason = "NotTrading"
	// ReasonOrderTypeNotAllowed: the symbol does not list the order type.
	ReasonOrderTypeNotAllowed Reason = "OrderTypeNotAllowed"
	// ReasonNoPosition: a SELL with nothing held.
	ReasonNoPosition Reason = "NoPosition"
	// ReasonNoBalance: no free balance of the asset the order spends.
	ReasonNoBalance Reason = "NoBalance"
	// ReasonNoRoom: a BUY with no room left under maxPositionQuote.
	ReasonNoRoom Reason = "NoRoom"
	// ReasonPriceOutOfRange: the limit price is outside PRICE_FILTER's
	// [minPrice, maxPrice].
	ReasonPriceOutOfRange Reason = "PriceOutOfRange"
	// ReasonPriceOutOfBand: the limit price is outside the PERCENT_PRICE
	// or PERCENT_PRICE_BY_SIDE band around the average price.
	ReasonPriceOutOfBand Reason = "PriceOutOfBand"
	// ReasonWouldTake: a LIMIT_MAKER priced through the best opposite
	// price; the exchange would refuse it.
	ReasonWouldTake Reason = "WouldTake"
	// ReasonBelowMinQty: the affordable quantity, rounded down to the
	// step, is below minQty (or zero).
	ReasonBelowMinQty Reason = "BelowMinQty"
	// ReasonBelowMinNotional: the affordable order is worth less than
	// MIN_NOTIONAL or NOTIONAL's minimum.
	ReasonBelowMinNotional Reason = "BelowMinNotional"
	// ReasonStepMismatch: LOT_SIZE and MARKET_LOT_SIZE have no common
	// quantity at or below the affordable one.
	ReasonStepMismatch Reason = "StepMismatch"
	// ReasonFilterCheckFailed: the sized order failed the final check
	// against the filters. It means a bug here; the order is not sent.
	ReasonFilterCheckFailed Reason = "FilterCheckFailed"
)

// Skip is the error Size returns for an order it will not produce: it must
// not be sent. Count it by Reason and show Message (which names the
// numbers) in an event.
type Skip struct {
	Reason  Reason
	Message string
}

func (s *Skip) Error() string { return string(s.Reason) + ": " + s.Message }

func skipf(reason Reason, format string, args ...any) *Skip {
	return &Skip{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Violation is the error Check returns: the order breaks Filter.
type Violation struct {
	// Filter is Binance's name of the filter, as in "Filter failure:
	// <name>", or PRECISION for too many decimals.
	Filter string
	Detail string
}

func (v *Violation) Error() string { return "filter " + v.Filter + ": " + v.Detail }

package matching

import (
	"time"

	"github.com/shopspring/decimal"
)

// Side is an order side.
type Side string

// Order sides.
const (
	SideBuy  Side = "BUY"
	SideSell Side = "SELL"
)

// OrderType is an order type the engine accepts.
type OrderType string

// Order types.
const (
	TypeMarket     OrderType = "MARKET"
	TypeLimit      OrderType = "LIMIT"
	TypeLimitMaker OrderType = "LIMIT_MAKER"
)

// TimeInForce says how long a LIMIT order works; empty for MARKET and
// LIMIT_MAKER.
type TimeInForce string

// Times in force.
const (
	GTC TimeInForce = "GTC"
	IOC TimeInForce = "IOC"
	FOK TimeInForce = "FOK"
)

// OrderStatus is an order's state.
type OrderStatus string

// Order statuses.
const (
	StatusNew             OrderStatus = "NEW"
	StatusPartiallyFilled OrderStatus = "PARTIALLY_FILLED"
	StatusFilled          OrderStatus = "FILLED"
	StatusCanceled        OrderStatus = "CANCELED"
	StatusRejected        OrderStatus = "REJECTED"
	StatusExpired         OrderStatus = "EXPIRED"
	StatusExpiredInMatch  OrderStatus = "EXPIRED_IN_MATCH"
)

// open reports whether an order with this status is still on the book.
func (s OrderStatus) open() bool {
	return s == StatusNew || s == StatusPartiallyFilled
}

// ExecutionType is what happened to an order in an ExecutionReport.
type ExecutionType string

// Execution types.
const (
	ExecNew             ExecutionType = "NEW"
	ExecCanceled        ExecutionType = "CANCELED"
	ExecTrade           ExecutionType = "TRADE"
	ExecRejected        ExecutionType = "REJECTED"
	ExecExpired         ExecutionType = "EXPIRED"
	ExecTradePrevention ExecutionType = "TRADE_PREVENTION"
)

// Level is one price level of a book.
type Level struct{ Price, Qty decimal.Decimal }

// Depth is an order book snapshot: bids high to low, asks low to high,
// rounded to the symbol's tick and step, resting user orders included.
type Depth struct {
	LastUpdateID int64
	Bids, Asks   []Level
}

// Balance is one asset of an account.
type Balance struct {
	Asset        string
	Free, Locked decimal.Decimal
}

// OrderRequest is a new order.
type OrderRequest struct {
	Symbol        string
	Side          Side
	Type          OrderType
	TimeInForce   TimeInForce
	Quantity      decimal.Decimal // base quantity (zero if QuoteOrderQty is used)
	QuoteOrderQty decimal.Decimal // MARKET only: spend or receive this much quote
	Price         decimal.Decimal // LIMIT and LIMIT_MAKER
	ClientOrderID string          // generated when empty
}

// Order is a snapshot of an order.
type Order struct {
	Symbol             string
	OrderID            int64 // increasing per symbol
	ClientOrderID      string
	Price              decimal.Decimal // zero for MARKET
	OrigQty            decimal.Decimal // for a quoteOrderQty MARKET order: the quantity its quote bought or sold
	ExecutedQty        decimal.Decimal
	CumulativeQuoteQty decimal.Decimal
	OrigQuoteOrderQty  decimal.Decimal
	Status             OrderStatus
	TimeInForce        TimeInForce
	Type               OrderType
	Side               Side
	Time               time.Time // placed
	UpdateTime         time.Time // last change
	WorkingTime        time.Time // began working (at placement: there are no stop orders)
	IsWorking          bool
}

// Fill is one execution of an order.
type Fill struct {
	Price, Qty, Commission decimal.Decimal
	CommissionAsset        string
	TradeID                int64
	Maker                  bool
}

// Trade is one of an account's trades (myTrades).
type Trade struct {
	Symbol                           string
	ID, OrderID                      int64
	Price, Qty, QuoteQty, Commission decimal.Decimal
	CommissionAsset                  string
	Time                             time.Time
	IsBuyer, IsMaker                 bool
}

// OrderQuery selects orders or trades of one account. Zero fields are unset.
// Entries are filtered by id >= FromID and by Start <= time <= End; with
// FromID or Start set the oldest Limit matches are returned, otherwise the
// newest. Results are oldest first. Limit defaults to 500, at most 1000.
type OrderQuery struct {
	Symbol     string
	FromID     int64
	Start, End time.Time
	Limit      int
}

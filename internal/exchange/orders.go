package exchange

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/adshao/go-binance/v2"
	"github.com/shopspring/decimal"
)

const (
	pathOrder      = "/api/v3/order"
	pathOpenOrders = "/api/v3/openOrders"
	pathAccount    = "/api/v3/account"
)

// Request weights of the account endpoints. A successful order or cancel
// costs nothing and a failed one 1; 1 is reserved.
const (
	weightNewOrder       = 1
	weightCancel         = 1
	weightGetOrder       = 4
	weightOpenOrders     = 6
	weightOpenOrdersAll  = 80
	weightAccount        = 20
	maxClientOrderIDSize = 36
)

// OrderRequest is a new order. Money and quantities are exact decimals.
type OrderRequest struct {
	Symbol string
	Side   binance.SideType
	Type   binance.OrderType
	// TimeInForce is for LIMIT orders (e.g. GTC).
	TimeInForce binance.TimeInForceType
	// Quantity is in the base asset; for a MARKET order, QuoteQuantity may
	// be given instead.
	Quantity      decimal.Decimal
	QuoteQuantity decimal.Decimal
	Price         decimal.Decimal
	// ClientOrderID is required: a deterministic id (bot, symbol, signal)
	// is what lets an order with a lost answer be looked up instead of
	// sent twice. A lookup returns whatever order carries the id, so one
	// id must never stand for two different orders (Binance lets a closed
	// order's id be used again). 1 to 36 of A-Z a-z 0-9 . : / _ -
	ClientOrderID string
	// RecvWindow is how long after its timestamp the exchange may still
	// accept the order: whole milliseconds up to 60s, zero for the
	// exchange's default (5s). It also bounds how long an order whose
	// answer is lost takes to be known as not placed.
	RecvWindow time.Duration
}

func (r OrderRequest) validate() error {
	var errs []error
	if r.Symbol == "" || r.Side == "" || r.Type == "" {
		errs = append(errs, errors.New("symbol, side and type are required"))
	}
	if r.RecvWindow < 0 || r.RecvWindow > maxRecvWindow || r.RecvWindow%time.Millisecond != 0 {
		errs = append(errs, fmt.Errorf("recvWindow %v must be whole milliseconds up to %v", r.RecvWindow, maxRecvWindow))
	}
	if !validClientOrderID(r.ClientOrderID) {
		errs = append(errs, fmt.Errorf("client order id %q must be 1-%d of A-Z a-z 0-9 . : / _ -", r.ClientOrderID, maxClientOrderIDSize))
	}
	return errors.Join(errs...)
}

func validClientOrderID(id string) bool {
	if id == "" || len(id) > maxClientOrderIDSize {
		return false
	}
	for _, c := range id {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == ':' || c == '/' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// Order is an order as the exchange reports it.
type Order struct {
	Symbol        string
	OrderID       int64
	ClientOrderID string
	Side          binance.SideType
	Type          binance.OrderType
	TimeInForce   binance.TimeInForceType
	Status        binance.OrderStatusType
	Price         decimal.Decimal
	OrigQty       decimal.Decimal
	ExecutedQty   decimal.Decimal
	// CumulativeQuoteQty is the quote asset spent or received so far.
	CumulativeQuoteQty decimal.Decimal
	// Time is when the order was placed (transactTime for a new order),
	// UpdateTime when it last changed.
	Time, UpdateTime time.Time
	// Fills are only reported by PlaceOrder, and only from the answer to
	// the placement itself.
	Fills []Fill
	// FoundByLookup is set by PlaceOrder and ResolveOrder on an order whose
	// placement went unanswered and which was then found by its client
	// order id. It carries no Fills: read its trades separately.
	FoundByLookup bool
}

// Fill is one trade of a new order.
type Fill struct {
	TradeID         int64
	Price, Qty      decimal.Decimal
	Commission      decimal.Decimal
	CommissionAsset string
}

// Balance is one asset of the account.
type Balance struct {
	Asset        string
	Free, Locked decimal.Decimal
}

// PlaceOrder sends a new order after the account's order budget (and the
// bot's share) allow it, and never places it twice. Every error it returns
// means the order is not on the exchange, except one wrapping
// ErrOutcomeUnknown.
//
// The request is sent once. It is sent again only when it provably never
// left the process (net/http asked for a connection and got none: a refused
// dial, a DNS or TLS handshake failure), within the policy's attempts; and
// once after a -1021, which the exchange refused unseen, with the clock
// re-synchronised. A request that never left gives an error wrapping
// ErrOrderNotPlaced.
//
// When the request may have reached the exchange but no answer says what
// became of it (a reset or timeout once a connection was handed to it, a
// 5xx, an answer that cannot be read, ctx ending), the order is resolved as
// ResolveOrder does, from the timestamp and recvWindow the request was
// actually signed with: it is looked up by client order id, with backoff,
// until a lookup finds it (the Order comes back with FoundByLookup set), or
// a lookup sent after the exchange's own clock (read from it, not
// estimated) passed timestamp + recvWindow finds nothing (the error wraps
// ErrOrderNotPlaced). If neither happens before ctx ends, or before the
// exchange's clock is a further recvWindow (at least a second) past that
// deadline, the error wraps ErrOutcomeUnknown and an *UnresolvedOrderError
// whose PendingOrder ResolveOrder settles later: until then the order may
// exist, and nothing new may be sent for it.
//
// An error wrapping neither was the exchange's answer (a rejection, an auth
// error, a rate limit), or came before anything was sent (an invalid
// request, a spent budget, ctx ending): not placed, and sending the same
// request again will not help by itself.
func (a *Account) PlaceOrder(ctx context.Context, p CallPolicy, req OrderRequest) (Order, error) {
	if err := req.validate(); err != nil {
		return Order{}, &Error{Class: ClassRejected, Path: pathOrder, Err: err}
	}
	p = p.withDefaults()
	if err := a.waitPause(ctx); err != nil {
		return Order{}, err
	}
	share, err := p.Share.acquireOrder(ctx)
	if err != nil {
		return Order{}, &Error{Class: ClassCanceled, Path: pathOrder, Err: err}
	}
	ticket, err := a.orders.acquire(ctx, a.e.clock, a.e, *a.e.orderLimits.Load())
	if err != nil {
		share.refund()
		return Order{}, err
	}
	var resp *binance.CreateOrderResponse
	var pending PendingOrder // of the latest attempt: only it can be unresolved
	err = a.call(ctx, p, Call{Path: pathOrder, Weight: weightNewOrder,
		Fn: func(ctx context.Context, c *binance.Client) error {
			s := c.NewCreateOrderService().Symbol(req.Symbol).Side(req.Side).Type(req.Type).
				NewClientOrderID(req.ClientOrderID).NewOrderRespType(binance.NewOrderRespTypeFULL)
			if req.TimeInForce != "" {
				s = s.TimeInForce(req.TimeInForce)
			}
			if !req.Quantity.IsZero() {
				s = s.Quantity(req.Quantity.String())
			}
			if !req.QuoteQuantity.IsZero() {
				s = s.QuoteOrderQty(req.QuoteQuantity.String())
			}
			if !req.Price.IsZero() {
				s = s.Price(req.Price.String())
			}
			var opts []binance.RequestOption
			if req.RecvWindow > 0 {
				opts = append(opts, binance.WithRecvWindow(req.RecvWindow.Milliseconds()))
			}
			before := a.e.serverNow()
			var err error
			resp, err = s.Do(ctx, opts...)
			pending = pendingOrder(req, before, recordOf(ctx))
			return err
		}})
	if err == nil {
		o, cerr := orderFromCreate(resp)
		if cerr == nil {
			a.accepted()
			return o, nil
		}
		err = cerr // accepted, but unreadable: find out what it became
	}
	if !mayHaveSent(err) {
		// Refused before a byte of it left: definitely not placed.
		share.refund()
		ticket.refund()
		return Order{}, rewrap(err, func(cause error) error {
			return fmt.Errorf("%w: the request never left: %w", ErrOrderNotPlaced, cause)
		})
	}
	if !outcomeUnknown(err) {
		return Order{}, err
	}
	o, err := a.resolve(ctx, p, pending, err)
	if err == nil {
		a.accepted()
	}
	return o, err
}

// pendingOrder describes the order request just sent, with the timestamp and
// recvWindow its request carried. Without a recorded timestamp (go-binance
// always sends one) it assumes the worst the exchange allows: a timestamp a
// second ahead of the server's clock as estimated before sending, and the
// largest recvWindow.
func pendingOrder(req OrderRequest, before time.Time, rec *callRecord) PendingOrder {
	p := PendingOrder{Symbol: req.Symbol, ClientOrderID: req.ClientOrderID,
		Timestamp: before.Add(maxAhead), RecvWindow: maxRecvWindow}
	if rec != nil && !rec.stamp.at.IsZero() {
		p.Timestamp, p.RecvWindow = rec.stamp.at, rec.stamp.window
	}
	return p
}

func (a *Account) accepted() {
	a.placed.Add(1)
	a.e.reg.opts.Metrics.order(a.e.shown, a.id)
}

// outcomeUnknown: the request may have reached the exchange, and no answer
// says what became of it.
func outcomeUnknown(err error) bool {
	var xe *Error
	return errors.As(err, &xe) && xe.delivery > notSent && (xe.Class == ClassTransient || xe.Class == ClassCanceled)
}

// rewrap returns a copy of err (an *Error) whose cause is wrap(cause).
func rewrap(err error, wrap func(error) error) error {
	var xe *Error
	if !errors.As(err, &xe) {
		return &Error{Class: ClassOf(err), Path: pathOrder, Err: wrap(err)}
	}
	c := *xe
	c.Err = wrap(xe.Err)
	return &c
}

// mayHaveSent: the request behind err may have reached the exchange. An
// error of unknown origin may have.
func mayHaveSent(err error) bool {
	var xe *Error
	return !errors.As(err, &xe) || xe.delivery > notSent
}

// GetOrder looks an order up by its client order id.
func (a *Account) GetOrder(ctx context.Context, p CallPolicy, symbol, clientOrderID string) (Order, error) {
	p = p.withDefaults()
	var raw *binance.Order
	err := a.call(ctx, p, Call{Path: pathOrder, Weight: weightGetOrder, Idempotent: true,
		Fn: func(ctx context.Context, c *binance.Client) error {
			var err error
			raw, err = c.NewGetOrderService().Symbol(symbol).OrigClientOrderID(clientOrderID).Do(ctx)
			return err
		}})
	if err != nil {
		return Order{}, err
	}
	return orderFromOrder(raw)
}

// CancelOrder cancels an order by its client order id. A cancel whose
// answer is lost is not sent again; the order is looked up and returned if
// it is canceled, otherwise the error stands.
func (a *Account) CancelOrder(ctx context.Context, p CallPolicy, symbol, clientOrderID string) (Order, error) {
	p = p.withDefaults()
	var resp *binance.CancelOrderResponse
	err := a.call(ctx, p, Call{Path: pathOrder, Weight: weightCancel,
		Fn: func(ctx context.Context, c *binance.Client) error {
			var err error
			resp, err = c.NewCancelOrderService().Symbol(symbol).OrigClientOrderID(clientOrderID).Do(ctx)
			return err
		}})
	if err == nil {
		return orderFromCancel(resp)
	}
	if !outcomeUnknown(err) || ctx.Err() != nil {
		return Order{}, err
	}
	o, lerr := a.GetOrder(ctx, p, symbol, clientOrderID)
	if lerr == nil && o.Status == binance.OrderStatusTypeCanceled {
		return o, nil
	}
	if lerr != nil {
		return Order{}, &Error{Class: ClassTransient, Path: pathOrder,
			Err: fmt.Errorf("%w: canceling: %w; looking it up: %v", ErrOutcomeUnknown, err, lerr)} //nolint:errorlint // the look-up's error is context, not a cause to match
	}
	return Order{}, err
}

// OpenOrders returns the account's open orders on symbol, or on every
// symbol when symbol is "" (weight 80 instead of 6).
func (a *Account) OpenOrders(ctx context.Context, p CallPolicy, symbol string) ([]Order, error) {
	p = p.withDefaults()
	weight := weightOpenOrders
	if symbol == "" {
		weight = weightOpenOrdersAll
	}
	var raw []*binance.Order
	err := a.call(ctx, p, Call{Path: pathOpenOrders, Weight: weight, Idempotent: true,
		Fn: func(ctx context.Context, c *binance.Client) error {
			s := c.NewListOpenOrdersService()
			if symbol != "" {
				s = s.Symbol(symbol)
			}
			var err error
			raw, err = s.Do(ctx)
			return err
		}})
	if err != nil {
		return nil, err
	}
	return ordersFrom(raw)
}

// ordersFrom converts an order list answer.
func ordersFrom(raw []*binance.Order) ([]Order, error) {
	out := make([]Order, 0, len(raw))
	for _, r := range raw {
		o, err := orderFromOrder(r)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// Balances returns the account's assets with a non-zero balance.
func (a *Account) Balances(ctx context.Context, p CallPolicy) ([]Balance, error) {
	p = p.withDefaults()
	var raw *binance.Account
	err := a.call(ctx, p, Call{Path: pathAccount, Weight: weightAccount, Idempotent: true,
		Fn: func(ctx context.Context, c *binance.Client) error {
			var err error
			raw, err = c.NewGetAccountService().OmitZeroBalances(true).Do(ctx)
			return err
		}})
	if err != nil {
		return nil, err
	}
	out := make([]Balance, 0, len(raw.Balances))
	var d decimals
	for _, b := range raw.Balances {
		out = append(out, Balance{Asset: b.Asset, Free: d.parse("free", b.Free), Locked: d.parse("locked", b.Locked)})
	}
	if d.err != nil {
		return nil, badResponse(pathAccount, d.err)
	}
	return out, nil
}

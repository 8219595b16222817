package matching

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// PlaceOrder places an order for an account and returns its state after
// matching, the taker fills, and the events of every account involved.
// Errors are *apierr.Error; a rejected order changes nothing and uses no id.
func (e *Engine) PlaceOrder(account string, req OrderRequest) (Order, []Fill, []Event, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o, fills, events, err := e.place(account, req)
	if err != nil {
		return Order{}, nil, nil, err
	}
	return o, fills, events, nil
}

func (e *Engine) place(accountID string, req OrderRequest) (Order, []Fill, []Event, *apierr.Error) {
	acc := e.accounts[accountID]
	if acc == nil {
		return Order{}, nil, nil, errUnknownAccount()
	}
	b := e.books[req.Symbol]
	if b == nil {
		return Order{}, nil, nil, apierr.InvalidSymbol()
	}
	spec := b.spec
	if err := checkParams(spec, req); err != nil {
		return Order{}, nil, nil, err
	}
	if spec.Status != SymbolTrading || !b.hasPrice {
		return Order{}, nil, nil, errNewOrderRejected(msgMarketClosed)
	}
	if err := checkFilters(spec, req, b.mid); err != nil {
		return Order{}, nil, nil, err
	}
	if acc.openCount[spec.Symbol] >= spec.MaxNumOrders {
		return Order{}, nil, nil, errFilter(filterMaxNumOrders)
	}
	if req.ClientOrderID != "" && acc.hasOpenClientID(spec.Symbol, req.ClientOrderID) {
		return Order{}, nil, nil, errNewOrderRejected(msgDuplicateOrder)
	}

	now := e.now()
	// Every accepted order works at once: the engine has no stop orders.
	o := &order{
		Order: Order{
			Symbol: spec.Symbol, ClientOrderID: req.ClientOrderID,
			Price: req.Price, OrigQty: req.Quantity, OrigQuoteOrderQty: req.QuoteOrderQty,
			ExecutedQty: decimal.Zero, CumulativeQuoteQty: decimal.Zero,
			Status: StatusNew, TimeInForce: req.TimeInForce, Type: req.Type, Side: req.Side,
			Time: now, UpdateTime: now, WorkingTime: now, IsWorking: true,
		},
		account: acc,
		locked:  decimal.Zero,
	}
	log := newEventLog(now)
	var fills []Fill
	var err *apierr.Error
	switch req.Type {
	case TypeLimitMaker:
		err = e.placeLimitMaker(b, o, log)
	case TypeLimit:
		fills, err = e.placeLimit(b, o, log)
	case TypeMarket:
		fills, err = e.placeMarket(b, o, log)
	}
	if err != nil {
		return Order{}, nil, nil, err
	}
	if fills == nil {
		fills = []Fill{} // a FULL response lists "fills": [] rather than null
	}
	return o.snapshot(), fills, log.finish(), nil
}

func (a *account) hasOpenClientID(symbol, clientOrderID string) bool {
	prev := a.byClientID[clientKey{symbol, clientOrderID}]
	return prev != nil && prev.Status.open()
}

// admit gives an accepted order its id (and a client id if it has none) and
// logs its NEW report. Nothing may reject the order after this.
func (e *Engine) admit(b *book, o *order, log *eventLog) {
	b.nextOrderID++
	o.OrderID = b.nextOrderID
	if o.ClientOrderID == "" {
		o.ClientOrderID = fmt.Sprintf("sim-%d", o.OrderID)
		for n := 2; o.account.hasOpenClientID(o.Symbol, o.ClientOrderID); n++ {
			o.ClientOrderID = fmt.Sprintf("sim-%d-%d", o.OrderID, n)
		}
	}
	log.report(o.account, o, ExecNew, nil)
}

// limitLock is what a LIMIT order must hold: quote at its price for a BUY,
// base for a SELL.
func limitLock(spec SymbolSpec, o *order) (string, decimal.Decimal) {
	if o.Side == SideBuy {
		return spec.QuoteAsset, o.Price.Mul(o.OrigQty)
	}
	return spec.BaseAsset, o.OrigQty
}

func (a *account) canAfford(asset string, amount decimal.Decimal) bool {
	return !a.balance(asset).Free.LessThan(amount)
}

func (e *Engine) placeLimitMaker(b *book, o *order, log *eventLog) *apierr.Error {
	opposite := SideSell // the asks, for a buyer
	if o.Side == SideSell {
		opposite = SideBuy
	}
	if best, ok := b.best(opposite); ok && !worsePrice(o.Side, best.Price, o.Price) {
		return errNewOrderRejected(msgWouldTake)
	}
	asset, amount := limitLock(b.spec, o)
	if !o.account.canAfford(asset, amount) {
		return errNewOrderRejected(msgInsufficientBalance)
	}
	e.admit(b, o, log)
	e.lock(o, asset, amount, log)
	e.restOrder(b, o)
	return nil
}

func (e *Engine) placeLimit(b *book, o *order, log *eventLog) ([]Fill, *apierr.Error) {
	asset, amount := limitLock(b.spec, o)
	if !o.account.canAfford(asset, amount) {
		return nil, errNewOrderRejected(msgInsufficientBalance)
	}
	p := b.planTaker(o.account, o.Side, want{qty: o.OrigQty, limit: o.Price})
	e.admit(b, o, log)
	if o.TimeInForce == FOK && p.short {
		e.expire(o, log)
		o.account.remember(o, e.cfg.MaxClosedOrders)
		return nil, nil
	}
	e.lock(o, asset, amount, log)
	fills := e.execute(b, o, p, log)
	switch {
	case o.Status == StatusFilled:
		o.account.remember(o, e.cfg.MaxClosedOrders)
	case o.TimeInForce == GTC:
		e.restOrder(b, o)
	default:
		e.release(o, log)
		e.expire(o, log)
		o.account.remember(o, e.cfg.MaxClosedOrders)
	}
	return fills, nil
}

func (e *Engine) placeMarket(b *book, o *order, log *eventLog) ([]Fill, *apierr.Error) {
	spec := b.spec
	step, _, _ := marketLot(spec)
	p := b.planTaker(o.account, o.Side, want{qty: o.OrigQty, quote: o.OrigQuoteOrderQty, step: step})
	if !o.OrigQuoteOrderQty.IsZero() {
		// A quote-sized order becomes the base quantity the book gives it,
		// which must pass MARKET_LOT_SIZE unless the book is simply empty.
		if !(p.short && p.qty.IsZero()) && !marketLotOK(spec, p.qty) {
			return nil, errFilter(filterMarketLot)
		}
		o.OrigQty = p.qty
		o.quoteShort = p.short
	}
	if o.Side == SideBuy && !o.account.canAfford(spec.QuoteAsset, p.quote) ||
		o.Side == SideSell && !o.account.canAfford(spec.BaseAsset, o.OrigQty) {
		return nil, errNewOrderRejected(msgInsufficientBalance)
	}
	e.admit(b, o, log)
	fills := e.execute(b, o, p, log)
	if o.Status != StatusFilled {
		e.expire(o, log)
	}
	o.account.remember(o, e.cfg.MaxClosedOrders)
	return fills, nil
}

// expire ends a taker order that will not rest (IOC, FOK or MARKET
// remainder).
func (e *Engine) expire(o *order, log *eventLog) {
	o.Status = StatusExpired
	o.UpdateTime = log.now
	log.report(o.account, o, ExecExpired, nil)
}

func (e *Engine) restOrder(b *book, o *order) {
	o.account.addOpen(o)
	b.rest(o)
}

// worsePrice reports whether price a is worse than b for a taker on side.
func worsePrice(side Side, a, b decimal.Decimal) bool {
	if side == SideBuy {
		return a.GreaterThan(b)
	}
	return a.LessThan(b)
}

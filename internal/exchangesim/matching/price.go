package matching

import (
	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// Depth limits, as Binance's depth endpoint applies them.
const (
	DefaultDepthLimit = 100
	MaxDepthLimit     = 5000
)

// SetPrice moves a symbol's mid price and rebuilds the simulated book with
// fresh liquidity. Resting orders the new book crosses (a bid at or above
// the new best simulated ask, an ask at or below the new best simulated bid)
// fill completely at their own limit price as maker; the events of those
// fills are returned.
func (e *Engine) SetPrice(symbol string, mid decimal.Decimal) ([]Event, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.books[symbol]
	if b == nil {
		return nil, apierr.InvalidSymbol()
	}
	if !mid.IsPositive() {
		return nil, apierr.BadParam("Parameter 'price' must be positive.")
	}
	b.mid, b.hasPrice = mid, true
	b.rebuild(e.cfg.Book)

	log := newEventLog(e.now())
	if ask, ok := bestSim(b.simAsks); ok {
		for len(b.bids) > 0 && b.bids[0].Price.GreaterThanOrEqual(ask.Price) {
			e.fillResting(b, b.bids[0], log)
		}
	}
	if bid, ok := bestSim(b.simBids); ok {
		for len(b.asks) > 0 && b.asks[0].Price.LessThanOrEqual(bid.Price) {
			e.fillResting(b, b.asks[0], log)
		}
	}
	return log.finish(), nil
}

// fillResting fills what is left of a resting order at its own price, as
// maker; the fill takes it off the book.
func (e *Engine) fillResting(b *book, o *order, log *eventLog) {
	b.nextTradeID++
	b.updateID++
	e.fill(b, o, o.Price, o.remaining(), b.nextTradeID, true, log)
}

// Price returns a symbol's mid price; false before the first SetPrice or
// for an unknown symbol.
func (e *Engine) Price(symbol string) (decimal.Decimal, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.books[symbol]
	if b == nil || !b.hasPrice {
		return decimal.Zero, false
	}
	return b.mid, true
}

// Depth returns up to limit price levels per side (default 100, at most
// 5000), simulated liquidity and resting user orders merged.
func (e *Engine) Depth(symbol string, limit int) (Depth, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.books[symbol]
	if b == nil {
		return Depth{}, apierr.InvalidSymbol()
	}
	if limit <= 0 {
		limit = DefaultDepthLimit
	}
	limit = min(limit, MaxDepthLimit)
	return Depth{
		LastUpdateID: b.updateID,
		Bids:         nonNil(b.levels(SideBuy, limit)),
		Asks:         nonNil(b.levels(SideSell, limit)),
	}, nil
}

// BookTicker returns the best bid and ask over simulated and user
// liquidity, with their quantities; zeros for an empty side.
func (e *Engine) BookTicker(symbol string) (bid, bidQty, ask, askQty decimal.Decimal, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.books[symbol]
	if b == nil {
		return decimal.Zero, decimal.Zero, decimal.Zero, decimal.Zero, apierr.InvalidSymbol()
	}
	bestBid, _ := b.best(SideBuy)
	bestAsk, _ := b.best(SideSell)
	return bestBid.Price, bestBid.Qty, bestAsk.Price, bestAsk.Qty, nil
}

func nonNil(levels []Level) []Level {
	if levels == nil {
		return []Level{}
	}
	return levels
}

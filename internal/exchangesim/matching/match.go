package matching

import (
	"github.com/shopspring/decimal"
)

// match is one planned execution of a taker against a price level.
type match struct {
	price, qty decimal.Decimal
	maker      *order // nil: simulated liquidity
	level      int    // index into the simulated side when maker is nil
}

// plan is what a taker order would do against the current book. Planning
// changes nothing, so an order can be checked (funds, FOK) before it runs.
type plan struct {
	matches []match
	expire  []*order        // the taker's own resting orders met on the way
	qty     decimal.Decimal // base filled
	quote   decimal.Decimal // quote exchanged
	short   bool            // the book ran out (or hit the limit) before the target
}

// want is what a taker asks for: a base quantity, or (MARKET only) a quote
// amount spent in whole steps of base. limit zero means no price limit.
type want struct {
	qty, quote decimal.Decimal
	limit      decimal.Decimal
	step       decimal.Decimal // for quote targets
}

// planTaker walks the side opposite to a taker, best price first; at one
// price, resting user orders (in arrival order) go before the simulated
// level.
func (b *book) planTaker(acc *account, side Side, w want) plan {
	sim, users := b.simAsks, b.asks
	worse := decimal.Decimal.GreaterThan // for a buyer, higher prices are worse
	if side == SideSell {
		sim, users = b.simBids, b.bids
		worse = decimal.Decimal.LessThan
	}
	p := plan{qty: decimal.Zero, quote: decimal.Zero, short: true}
	i, j := 0, 0
	for {
		for i < len(sim) && !sim[i].Qty.IsPositive() {
			i++
		}
		haveSim, haveUser := i < len(sim), j < len(users)
		if !haveSim && !haveUser {
			return p
		}
		m := match{level: i}
		var avail decimal.Decimal
		if haveUser && (!haveSim || !worse(users[j].Price, sim[i].Price)) {
			m.maker, m.price, avail = users[j], users[j].Price, users[j].remaining()
		} else {
			m.price, avail = sim[i].Price, sim[i].Qty
		}
		if !w.limit.IsZero() && worse(m.price, w.limit) {
			return p
		}
		if m.maker != nil {
			j++
			if m.maker.account == acc {
				p.expire = append(p.expire, m.maker)
				continue
			}
		} else {
			i++
		}
		if w.quote.IsZero() {
			m.qty = decimal.Min(avail, w.qty.Sub(p.qty))
		} else {
			affordable := floorTo(w.quote.Sub(p.quote).Div(m.price), w.step)
			m.qty = decimal.Min(avail, affordable)
			if !m.qty.IsPositive() {
				p.short = false
				return p
			}
		}
		p.matches = append(p.matches, m)
		p.qty = p.qty.Add(m.qty)
		p.quote = p.quote.Add(m.qty.Mul(m.price))
		if w.quote.IsZero() && p.qty.Equal(w.qty) {
			p.short = false
			return p
		}
	}
}

// execute runs a plan for a taker order: own resting orders met on the way
// expire (self-trade prevention), then each match trades. It returns the
// taker's fills.
func (e *Engine) execute(b *book, taker *order, p plan, log *eventLog) []Fill {
	for _, o := range p.expire {
		e.closeResting(b, o, StatusExpiredInMatch, ExecTradePrevention, log)
	}
	fills := make([]Fill, 0, len(p.matches))
	for _, m := range p.matches {
		b.nextTradeID++
		b.updateID++
		tradeID := b.nextTradeID
		if m.maker == nil {
			lvl := &b.simAsks[m.level]
			if taker.Side == SideSell {
				lvl = &b.simBids[m.level]
			}
			lvl.Qty = lvl.Qty.Sub(m.qty)
		}
		f := e.fill(b, taker, m.price, m.qty, tradeID, false, log)
		fills = append(fills, f)
		if m.maker != nil {
			e.fill(b, m.maker, m.price, m.qty, tradeID, true, log)
		}
	}
	return fills
}

// fill executes qty of an order at price: balances move, commission is
// charged in the asset received, the trade is recorded, a TRADE report is
// logged, and a resting order that is now complete leaves the book.
func (e *Engine) fill(b *book, o *order, price, qty decimal.Decimal, tradeID int64, maker bool, log *eventLog) Fill {
	spec, acc := b.spec, o.account
	quote := price.Mul(qty)
	log.touch(acc, spec.BaseAsset)
	log.touch(acc, spec.QuoteAsset)
	base, quoteBal := acc.entry(spec.BaseAsset), acc.entry(spec.QuoteAsset)

	f := Fill{Price: price, Qty: qty, TradeID: tradeID, Maker: maker}
	if o.Side == SideBuy {
		f.CommissionAsset = spec.BaseAsset
		f.Commission = qty.Mul(e.cfg.CommissionRate).Round(int32(spec.BaseAssetPrecision))
		if o.lockAsset != "" {
			// The lock was taken at the limit price; a better fill price
			// hands the difference back.
			held := o.Price.Mul(qty)
			o.locked = o.locked.Sub(held)
			quoteBal.Locked = quoteBal.Locked.Sub(held)
			quoteBal.Free = quoteBal.Free.Add(held.Sub(quote))
		} else {
			quoteBal.Free = quoteBal.Free.Sub(quote)
		}
		base.Free = base.Free.Add(qty.Sub(f.Commission))
	} else {
		f.CommissionAsset = spec.QuoteAsset
		f.Commission = quote.Mul(e.cfg.CommissionRate).Round(int32(spec.QuoteAssetPrecision))
		if o.lockAsset != "" {
			o.locked = o.locked.Sub(qty)
			base.Locked = base.Locked.Sub(qty)
		} else {
			base.Free = base.Free.Sub(qty)
		}
		quoteBal.Free = quoteBal.Free.Add(quote.Sub(f.Commission))
	}

	o.ExecutedQty = o.ExecutedQty.Add(qty)
	o.CumulativeQuoteQty = o.CumulativeQuoteQty.Add(quote)
	o.UpdateTime = log.now
	o.Status = o.statusAfterFill()
	acc.addTrade(Trade{
		Symbol: o.Symbol, ID: tradeID, OrderID: o.OrderID,
		Price: price, Qty: qty, QuoteQty: quote,
		Commission: f.Commission, CommissionAsset: f.CommissionAsset,
		Time: log.now, IsBuyer: o.Side == SideBuy, IsMaker: maker,
	}, e.cfg.MaxTrades)
	fc := f
	log.report(acc, o, ExecTrade, &fc)
	if maker && o.Status == StatusFilled {
		b.remove(o)
		acc.closeOpen(o, e.cfg.MaxClosedOrders)
	}
	return f
}

// closeResting takes an open order off the book with a final status,
// releasing whatever it still holds locked.
func (e *Engine) closeResting(b *book, o *order, status OrderStatus, exec ExecutionType, log *eventLog) {
	b.remove(o)
	e.release(o, log)
	o.Status = status
	o.UpdateTime = log.now
	log.report(o.account, o, exec, nil)
	o.account.closeOpen(o, e.cfg.MaxClosedOrders)
}

// lock moves amount of asset from free to locked for an order.
func (e *Engine) lock(o *order, asset string, amount decimal.Decimal, log *eventLog) {
	log.touch(o.account, asset)
	bal := o.account.entry(asset)
	bal.Free = bal.Free.Sub(amount)
	bal.Locked = bal.Locked.Add(amount)
	o.lockAsset, o.locked = asset, amount
}

// release returns whatever an order still holds locked to free.
func (e *Engine) release(o *order, log *eventLog) {
	if o.lockAsset == "" || o.locked.IsZero() {
		return
	}
	log.touch(o.account, o.lockAsset)
	bal := o.account.entry(o.lockAsset)
	bal.Locked = bal.Locked.Sub(o.locked)
	bal.Free = bal.Free.Add(o.locked)
	o.locked = decimal.Zero
}

package trading

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/adshao/go-binance/v2"
	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/ledger"
	"github.com/tradebot-operator/tradebot-operator/internal/ordersize"
	"github.com/tradebot-operator/tradebot-operator/internal/risk"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
	"github.com/tradebot-operator/tradebot-operator/internal/userdata"
)

// Counts are the executor's order counters for the UTC day: reset at
// 00:00 UTC; after a restart, Placed, Filled and Canceled are read back
// from the day's orders on the exchange.
type Counts struct {
	// Placed: the exchange accepted the order. Filled: it filled
	// completely. Rejected: refused by the risk checks or the exchange.
	// Skipped: no order could meet the filters or balances. Canceled:
	// LIMIT orders canceled after cancelAfter. Expired: signals given up
	// because no order could be placed in time.
	Placed, Filled, Rejected, Skipped, Canceled, Expired int64
}

// priceTolerance is how far the exchange's reference prices may move
// between sizing and matching; sizing holds anywhere within it.
var priceTolerance = decimal.New(1, -2)

// state is the executor's own, owned by Run's goroutine.
type state struct {
	quote   string
	filters map[string]ordersize.Filters
	ledger  *ledger.Ledger
	checker *risk.Checker
	// free balances by asset, from the account and its events.
	free map[string]decimal.Decimal
	// pending are signals whose order is not placed yet, oldest first.
	pending []*pending
	// orders are this bot's orders not yet final (open, or outcome
	// unknown), by client order id.
	orders map[string]*tracked
	// lastTrade is the newest trade id seen per symbol.
	lastTrade map[string]int64
	// used are the client order ids of the day's orders (read at start,
	// then every order sent): a signal whose id was used already gives
	// no second order, whatever the exchange's duplicate rules.
	used    map[string]bool
	counts  Counts
	last    *OrderSummary
	resumed string
	// resyncAt, when set, is when a failed reconciliation is tried again.
	resyncAt time.Time
	// feesAt, when set, is when fees waiting for a price are tried again.
	feesAt time.Time
}

// pending is a signal waiting for its order.
type pending struct {
	sig      signal.Signal
	entryID  string
	id       string // client order id, fixed before the first attempt
	since    time.Time
	attempts int
	nextTry  time.Time
}

// tracked is an order not yet final.
type tracked struct {
	OrderSummary
	// unknown: the placement's answer was lost and the lookup has not
	// settled it yet.
	unknown  bool
	nextLook time.Time
	// pend is the unknown order's request as the exchange layer reported
	// it (timestamp and recvWindow), when it did.
	pend  *exchange.PendingOrder
	p     *pending // for unknown orders found not placed: tried again
	quote decimal.Decimal
}

// start reads the exchange's rules and the account, and rebuilds the ledger
// from today's trades.
func (e *Executor) start(ctx context.Context) (*state, error) {
	x := e.cfg.Exchange
	now := e.cfg.Now()
	st := &state{filters: map[string]ordersize.Filters{}, free: map[string]decimal.Decimal{},
		orders: map[string]*tracked{}, lastTrade: map[string]int64{}, used: map[string]bool{}, resumed: e.cfg.ResumedWith}
	var markets []ledger.Market
	for _, sym := range e.cfg.Symbols {
		f, err := x.Filters(ctx, sym)
		if err != nil {
			return nil, fmt.Errorf("reading %s's trading rules: %w", sym, err)
		}
		if st.quote == "" {
			st.quote = f.QuoteAsset
		} else if f.QuoteAsset != st.quote {
			return nil, fmt.Errorf("%s is quoted in %s, the bot's other symbols in %s: one bot trades one quote asset", sym, f.QuoteAsset, st.quote)
		}
		st.filters[sym] = f
		markets = append(markets, ledger.Market{Symbol: sym, Base: f.BaseAsset, Quote: f.QuoteAsset})
	}
	balances, err := x.Balances(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the balances: %w", err)
	}
	held := map[string]decimal.Decimal{}
	for _, b := range balances {
		st.free[b.Asset] = b.Free
		held[b.Asset] = b.Free.Add(b.Locked)
	}
	fills, err := e.rebuildLedger(ctx, st, markets, held, now)
	if err != nil {
		return nil, err
	}
	day := st.ledger.Day()
	st.checker, err = risk.NewChecker(e.cfg.Limits)
	if err != nil {
		return nil, err
	}
	if r := e.cfg.Restore; r != nil && r.Halted {
		st.checker.Restore(*r)
	}
	// Orders placed before a restart still count for the rate, the
	// cooldown and the position room.
	for _, f := range fills {
		if now.Sub(f.Time) < time.Minute {
			st.checker.Record(f.Time, risk.Order{ID: fmt.Sprintf("trade-%d", f.TradeID), Symbol: f.Symbol, Side: risk.Side(f.Side)})
		}
	}
	for _, sym := range e.cfg.Symbols {
		orders, err := x.OrdersSince(ctx, sym, day.Add(-time.Hour))
		if err != nil {
			return nil, fmt.Errorf("reading %s's orders: %w", sym, err)
		}
		for _, o := range orders {
			st.used[o.ClientOrderID] = true
			if isOwnOrder(o.ClientOrderID, e.cfg.BotUID) && !o.Time.Before(day) {
				st.countToday(o)
			}
		}
		open, err := x.OpenOrders(ctx, sym)
		if err != nil {
			return nil, fmt.Errorf("reading %s's open orders: %w", sym, err)
		}
		for _, o := range open {
			if !isOwnOrder(o.ClientOrderID, e.cfg.BotUID) {
				continue
			}
			t := &tracked{OrderSummary: summaryOf(o)}
			if o.Side == binance.SideTypeBuy {
				t.quote = o.OrigQty.Sub(o.ExecutedQty).Mul(o.Price)
				st.checker.Record(o.Time, risk.Order{ID: o.ClientOrderID, Symbol: sym, Side: risk.Buy, Quote: t.quote})
			}
			st.orders[o.ClientOrderID] = t
		}
	}
	e.markPrices(st)
	return st, nil
}

// maxCatchUp is how old persisted openings may be: a restart reads the
// trades of every day since, and one day-start price per symbol and day.
const maxCatchUp = 7 * 24 * time.Hour

// rebuildLedger rebuilds the ledger from the openings an earlier process
// persisted, if they are recent enough, and the trades since; symbols
// without one are valued from the balance at today's start. It returns the
// fills it read.
func (e *Executor) rebuildLedger(ctx context.Context, st *state, markets []ledger.Market, held map[string]decimal.Decimal, now time.Time) ([]ledger.Fill, error) {
	x := e.cfg.Exchange
	today := ledger.DayStart(now)
	from, persisted := e.usableOpenings(today)
	var openings []ledger.Opening
	var fills []ledger.Fill
	for _, m := range markets {
		symFills, err := e.tradesFromDay(ctx, m.Symbol, from, today)
		if err != nil {
			return nil, err
		}
		op, ok := persisted[m.Symbol]
		if !ok {
			dayOpen, err := x.OpenAt(ctx, m.Symbol, from)
			if err != nil {
				return nil, fmt.Errorf("reading %s's day-start price: %w", m.Symbol, err)
			}
			if op, err = ledger.OpeningFromBalance(m, from, dayOpen, held[m.Base], symFills); err != nil {
				return nil, fmt.Errorf("opening %s: %w", m.Symbol, err)
			}
		}
		openings = append(openings, op)
		fills = append(fills, symFills...)
		for _, f := range symFills {
			st.lastTrade[m.Symbol] = max(st.lastTrade[m.Symbol], f.TradeID)
		}
	}
	l, err := ledger.Rebuild(st.quote, markets, from, openings, fills)
	if err != nil {
		return nil, fmt.Errorf("rebuilding positions: %w", err)
	}
	// Carry the books over each midnight since, as a running bot would
	// have, at each day's start price.
	for day := from.Add(24 * time.Hour); !day.After(today); day = day.Add(24 * time.Hour) {
		marks := make(map[string]decimal.Decimal, len(markets))
		for _, m := range markets {
			p, err := x.OpenAt(ctx, m.Symbol, day)
			if err != nil {
				return nil, fmt.Errorf("reading %s's day-start price of %s: %w", m.Symbol, day.Format(time.DateOnly), err)
			}
			marks[m.Symbol] = p
		}
		if err := l.BeginDay(day, marks); err != nil {
			return nil, fmt.Errorf("carrying positions over to %s: %w", day.Format(time.DateOnly), err)
		}
	}
	st.ledger = l
	return fills, nil
}

// usableOpenings returns the day to rebuild from and the persisted openings
// by symbol: those of Config.Openings when they describe a day start at
// most maxCatchUp before today, else today and none.
func (e *Executor) usableOpenings(today time.Time) (time.Time, map[string]ledger.Opening) {
	day := e.cfg.OpeningsDay.UTC()
	switch {
	case len(e.cfg.Openings) == 0:
		return today, nil
	case !day.Equal(ledger.DayStart(day)) || day.After(today):
		e.cfg.Logger.Info("ignoring the persisted openings: their day is not a past 00:00 UTC", "day", day)
		return today, nil
	case today.Sub(day) > maxCatchUp:
		e.cfg.Logger.Info("ignoring the persisted openings: too old to catch up; entry prices are estimated", "day", day, "maxCatchUp", maxCatchUp)
		return today, nil
	}
	byID := make(map[string]ledger.Opening, len(e.cfg.Openings))
	for _, o := range e.cfg.Openings {
		byID[o.Symbol] = o
	}
	return day, byID
}

// tradesFromDay reads symbol's trades from the start of day from until now.
// Each earlier day is read from its own start, so that the answer does not
// depend on how far past its startTime the exchange answers a trade query.
func (e *Executor) tradesFromDay(ctx context.Context, symbol string, from, today time.Time) ([]ledger.Fill, error) {
	var out []ledger.Fill
	for day := from; day.Before(today); day = day.Add(24 * time.Hour) {
		fills, err := e.tradesBetween(ctx, symbol, day, day.Add(24*time.Hour), 0)
		if err != nil {
			return nil, err
		}
		out = append(out, fills...)
	}
	fills, err := e.tradesSince(ctx, symbol, today, 0)
	if err != nil {
		return nil, err
	}
	return append(out, fills...), nil
}

// countToday counts one of the bot's orders of the day, read from the
// exchange at start, as the executor counted it when it placed it: the
// day's order counts and the last order survive a restart. Refusals and
// skips leave nothing on the exchange and restart from zero.
func (st *state) countToday(o exchange.Order) {
	st.counts.Placed++
	switch o.Status {
	case binance.OrderStatusTypeFilled:
		st.counts.Filled++
	case binance.OrderStatusTypeCanceled:
		st.counts.Canceled++
	}
	if st.last == nil || o.Time.After(st.last.Time) {
		sum := summaryOf(o)
		st.last = &sum
	}
}

// tradesSince reads symbol's trades from since (or after trade id fromID),
// every page of them, as ledger fills.
func (e *Executor) tradesSince(ctx context.Context, symbol string, since time.Time, fromID int64) ([]ledger.Fill, error) {
	return e.tradesBetween(ctx, symbol, since, time.Time{}, fromID)
}

// tradesBetween reads symbol's trades from since (or after trade id
// fromID) and before until (zero: no end), as ledger fills.
func (e *Executor) tradesBetween(ctx context.Context, symbol string, since, until time.Time, fromID int64) ([]ledger.Fill, error) {
	var out []ledger.Fill
	q := exchange.TradesQuery{Symbol: symbol, Since: since, FromID: fromID}
	for {
		trades, err := e.cfg.Exchange.Trades(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("reading %s's trades: %w", symbol, err)
		}
		past := false
		for _, t := range trades {
			if !until.IsZero() && !t.Time.Before(until) {
				past = true
				continue
			}
			if t.ID < fromID || t.Time.Before(since) {
				continue
			}
			out = append(out, fillOf(t))
		}
		if len(trades) < exchange.MaxTradesPerCall || past {
			return out, nil
		}
		q = exchange.TradesQuery{Symbol: symbol, FromID: trades[len(trades)-1].ID + 1}
	}
}

func fillOf(t exchange.Trade) ledger.Fill {
	side := ledger.Sell
	if t.IsBuyer {
		side = ledger.Buy
	}
	return ledger.Fill{TradeID: t.ID, OrderID: t.OrderID, Symbol: t.Symbol, Side: side, Price: t.Price, Qty: t.Qty,
		QuoteQty: t.QuoteQty, Commission: t.Commission, CommissionAsset: t.CommissionAsset, Time: t.Time}
}

// reconcile reads what the user-data stream may have missed: trades after
// the newest seen, and the tracked orders' states.
func (e *Executor) reconcile(ctx context.Context) error {
	st := e.st
	if st == nil {
		return nil
	}
	var errs []error
	for _, sym := range e.cfg.Symbols {
		fills, err := e.tradesSince(ctx, sym, st.ledger.Day(), st.lastTrade[sym]+1)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, f := range fills {
			e.applyFill(f, "")
		}
	}
	for id, t := range st.orders {
		if t.unknown {
			continue // settled by lookups in onTick
		}
		o, err := e.cfg.Exchange.GetOrder(ctx, t.Symbol, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		e.orderChanged(summaryOf(o))
	}
	if balances, err := e.cfg.Exchange.Balances(ctx); err == nil {
		for _, b := range balances {
			st.free[b.Asset] = b.Free
		}
	} else {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		st.resyncAt = e.cfg.Now().Add(5 * time.Second)
		return err
	}
	st.resyncAt = time.Time{}
	return nil
}

// enqueue adds an accepted signal to the pending list.
func (st *state) enqueue(p signal.Prepared, now time.Time) {
	st.pending = append(st.pending, &pending{sig: p.Signal(), entryID: p.Signal().ID(), since: now})
}

// work places the pending signals' orders that may go now.
func (e *Executor) work(ctx context.Context) {
	st := e.st
	now := e.cfg.Now()
	kept := st.pending[:0]
	for _, p := range st.pending {
		if ctx.Err() != nil {
			kept = append(kept, p)
			continue
		}
		if now.Before(p.nextTry) {
			kept = append(kept, p)
			continue
		}
		if now.Sub(p.since) > e.cfg.SignalMaxAge {
			st.counts.Expired++
			e.mark(p.entryID, signal.StateFailed, fmt.Sprintf("no order placed within %s (%d attempts)", e.cfg.SignalMaxAge, p.attempts))
			continue
		}
		if ok, why := e.cfg.Gate(); !ok {
			p.nextTry = now.Add(tickEvery)
			if p.attempts == 0 {
				e.mark(p.entryID, signal.StateAccepted, "waiting: "+why)
			}
			kept = append(kept, p)
			continue
		}
		if retry := e.place(ctx, p, now); retry {
			kept = append(kept, p)
		}
	}
	clear(st.pending[len(kept):])
	st.pending = kept
}

// place sizes, checks and sends p's order. It reports whether p stays
// pending (its order was certainly not placed and may be tried again).
func (e *Executor) place(ctx context.Context, p *pending, now time.Time) (retry bool) {
	st := e.st
	sig := p.sig
	f, ok := st.filters[sig.Symbol]
	if !ok {
		e.skip(p, "UnknownSymbol", "the bot does not trade "+sig.Symbol)
		return false
	}
	side := ordersize.SideBuy
	if sig.Side == signal.Sell {
		side = ordersize.SideSell
	}
	last := sig.Price
	if lp, ok := e.cfg.LastPrice(sig.Symbol); ok && lp.IsPositive() {
		last = lp
	}
	pos, _ := st.ledger.Position(sig.Symbol)
	room := e.cfg.Limits.MaxPositionQuote.Sub(st.ledger.PositionCost(sig.Symbol)).Sub(st.checker.Outstanding(sig.Symbol))
	req := ordersize.Request{
		Side: side, Type: e.cfg.Orders.Type,
		Prices:        ordersize.Prices{LastPrice: last, Tolerance: priceTolerance},
		OffsetBps:     decimal.NewFromInt32(e.cfg.Orders.OffsetBps),
		MaxOrderQuote: e.cfg.Limits.MaxOrderQuote,
		PositionRoom:  decimal.Max(room, decimal.Zero),
		FreeQuote:     st.free[f.QuoteAsset],
		FreeBase:      st.free[f.BaseAsset],
		Position:      pos.Qty,
	}
	if side == ordersize.SideSell {
		req.MaxOrderQuote = decimal.Zero
		req.PositionRoom = decimal.Zero
	}
	order, err := f.Size(req)
	if err != nil {
		var skip *ordersize.Skip
		if errors.As(err, &skip) {
			e.skip(p, string(skip.Reason), skip.Message)
		} else {
			e.skip(p, "Sizing", err.Error())
		}
		return false
	}
	if p.id == "" {
		p.id = OrderID(e.cfg.BotUID, sig.Symbol, sig.KlineOpen, string(sig.Side))
		if st.used[p.id] {
			e.mark(p.entryID, signal.StateActed, "order "+p.id+" was placed already")
			return false
		}
		st.used[p.id] = true
	}
	rq := risk.Order{ID: p.id, Symbol: sig.Symbol, Side: risk.Side(sig.Side), Quote: order.Notional}
	if side == ordersize.SideBuy {
		rq.Quote = order.MaxSpend
	} else {
		// A SELL is sized to the whole position: leaving a position is
		// not limited by the entry budget. The checker's per-order cap
		// would refuse every SELL of a position worth more than
		// maxOrderQuote (two BUYs in a row), and the bot could never
		// leave it; the other checks still apply.
		rq.Quote = decimal.Min(rq.Quote, e.cfg.Limits.MaxOrderQuote)
	}
	if p.attempts == 0 {
		d := st.checker.Admit(now, rq, st.ledger)
		if !d.Allowed {
			st.counts.Rejected++
			e.metricOrder("risk_" + string(d.Reason))
			e.mark(p.entryID, signal.StateIgnored, "risk: "+d.Message)
			if d.Halted {
				e.halted(now)
			}
			return false
		}
	}
	p.attempts++
	req2 := exchange.OrderRequest{Symbol: sig.Symbol, Side: binance.SideType(order.Side), Type: binance.OrderType(order.Type),
		TimeInForce: binance.TimeInForceType(order.TimeInForce), Quantity: order.Quantity, Price: order.Price, ClientOrderID: p.id}
	sent := e.cfg.Now()
	o, err := e.cfg.Exchange.PlaceOrder(ctx, req2)
	sum := OrderSummary{ClientOrderID: p.id, Symbol: sig.Symbol, Side: string(sig.Side), Type: string(order.Type),
		Quantity: order.Quantity, Price: order.Price, Time: sent, Status: "UNKNOWN"}
	switch {
	case err == nil:
		e.placed(p, o, rq.Quote)
		return false
	case errors.Is(err, exchange.ErrOutcomeUnknown):
		// Looked up in onTick until the exchange says; never sent again
		// before it has said the order does not exist.
		t := &tracked{OrderSummary: sum, unknown: true, nextLook: e.cfg.Now().Add(time.Second), p: p, quote: rq.Quote}
		var ue *exchange.UnresolvedOrderError
		if errors.As(err, &ue) {
			t.pend = &ue.Order
		}
		st.orders[p.id] = t
		st.last = &sum
		e.mark(p.entryID, signal.StateAccepted, "order "+p.id+" sent; its outcome is being looked up")
		return false
	case isRejection(err):
		st.checker.Closed(p.id)
		st.counts.Rejected++
		e.metricOrder("rejected")
		sum.Status = "REJECTED"
		st.last = &sum
		e.mark(p.entryID, signal.StateFailed, "order "+p.id+" refused: "+err.Error())
		e.announce(true, "OrderRejected", "REJECTED "+p.id, fmt.Sprintf("%s %s %s refused by the exchange: %v", sig.Side, order.Quantity, sig.Symbol, err))
		return false
	default:
		// Certainly not placed (never sent, or looked up and absent after
		// the exchange's window): the same id may be sent again.
		p.nextTry = e.cfg.Now().Add(time.Duration(min(p.attempts, 10)) * time.Second)
		e.mark(p.entryID, signal.StateAccepted, fmt.Sprintf("order %s not placed (attempt %d): %v; trying again", p.id, p.attempts, err))
		return true
	}
}

// isRejection: the exchange understood the order and refused it; sending
// it again would be refused again.
func isRejection(err error) bool {
	var xe *exchange.Error
	return errors.As(err, &xe) && (xe.Class == exchange.ClassRejected || xe.Class == exchange.ClassAuth)
}

func (e *Executor) placed(p *pending, o exchange.Order, quote decimal.Decimal) {
	st := e.st
	st.counts.Placed++
	e.metricOrder("placed")
	e.cfg.Metrics.acked(e.cfg.Now().Sub(p.since))
	sum := summaryOf(o)
	st.last = &sum
	if e.cfg.Record != nil {
		e.cfg.Record.Order(sum)
	}
	e.mark(p.entryID, signal.StateActed, "order "+o.ClientOrderID+" "+string(o.Status))
	e.announce(false, "OrderPlaced", string(o.Side)+" "+o.ClientOrderID,
		fmt.Sprintf("%s %s %s %s: %s, %s filled for %s %s", o.Side, o.Type, o.OrigQty, o.Symbol, o.Status, o.ExecutedQty, o.CumulativeQuoteQty, st.quote))
	if o.FoundByLookup {
		// Its answer was lost, and with it the fills: read them.
		st.resyncAt = e.cfg.Now()
	}
	if !terminal(string(o.Status)) {
		st.orders[o.ClientOrderID] = &tracked{OrderSummary: sum, quote: quote}
	} else {
		e.finished(sum, quote)
	}
	for _, f := range o.Fills {
		side := ledger.Buy
		if o.Side == binance.SideTypeSell {
			side = ledger.Sell
		}
		e.applyFill(ledger.Fill{TradeID: f.TradeID, OrderID: o.OrderID, Symbol: o.Symbol, Side: side, Price: f.Price, Qty: f.Qty,
			Commission: f.Commission, CommissionAsset: f.CommissionAsset, Time: o.Time}, o.ClientOrderID)
	}
}

func terminal(status string) bool {
	switch status {
	case "FILLED", "CANCELED", "REJECTED", "EXPIRED", "EXPIRED_IN_MATCH":
		return true
	}
	return false
}

// finished closes an order's accounting once it is final.
func (e *Executor) finished(sum OrderSummary, quote decimal.Decimal) {
	st := e.st
	if sum.Status == "FILLED" {
		st.counts.Filled++
		e.metricOrder("filled")
	}
	st.checker.Closed(sum.ClientOrderID)
	delete(st.orders, sum.ClientOrderID)
}

// orderChanged applies a new state of one of the bot's orders.
func (e *Executor) orderChanged(sum OrderSummary) {
	st := e.st
	t, ok := st.orders[sum.ClientOrderID]
	if !ok {
		return
	}
	if t.unknown {
		// The stream proves an order whose answer was lost exists. Look it
		// up at the next tick: the lookup marks the signal Acted and counts
		// the order as placed; closing it here would leave the signal
		// waiting for a lookup that no longer happens.
		t.nextLook = e.cfg.Now()
		return
	}
	changed := t.Status != sum.Status || !t.ExecutedQuantity.Equal(sum.ExecutedQuantity)
	t.Status, t.ExecutedQuantity = sum.Status, sum.ExecutedQuantity
	if changed && e.cfg.Record != nil {
		e.cfg.Record.Order(t.OrderSummary)
	}
	if st.last != nil && st.last.ClientOrderID == sum.ClientOrderID {
		l := t.OrderSummary
		st.last = &l
	}
	if terminal(sum.Status) {
		e.finished(t.OrderSummary, t.quote)
	}
}

// skip gives up a signal whose order cannot meet the rules.
func (e *Executor) skip(p *pending, reason, msg string) {
	e.st.counts.Skipped++
	e.metricOrder("skipped_" + reason)
	e.mark(p.entryID, signal.StateIgnored, "no order: "+msg)
	e.announce(false, "OrderSkipped", "SKIP "+p.sig.Symbol+" "+p.sig.KlineClose.UTC().Format(time.RFC3339), fmt.Sprintf("%s %s: no order (%s): %s", p.sig.Side, p.sig.Symbol, reason, msg))
}

// applyFill adds a trade to the ledger (once, whatever the source).
func (e *Executor) applyFill(f ledger.Fill, clientOrderID string) {
	st := e.st
	applied, err := st.ledger.Apply(f)
	if err != nil {
		e.cfg.Logger.Info("a fill could not be applied", "symbol", f.Symbol, "trade", f.TradeID, "error", err.Error())
		return
	}
	st.lastTrade[f.Symbol] = max(st.lastTrade[f.Symbol], f.TradeID)
	if !applied {
		return
	}
	if f.Side == ledger.Buy {
		st.checker.Filled(clientOrderID, f.Price.Mul(f.Qty))
	}
	if e.cfg.Record != nil {
		e.cfg.Record.Fill(f, clientOrderID)
	}
	_ = st.ledger.Mark(f.Symbol, f.Price)
	if st.checker.Evaluate(e.cfg.Now(), st.ledger) {
		e.halted(e.cfg.Now())
	}
}

// onAccount applies one user-data event.
func (e *Executor) onAccount(ctx context.Context, ev userdata.Event) {
	st := e.st
	if st == nil {
		return
	}
	switch ev.Kind {
	case userdata.KindBalances:
		for _, b := range ev.Balances {
			st.free[b.Asset] = b.Free
		}
	case userdata.KindOrder:
		u := ev.Order
		if _, ours := st.filters[u.Symbol]; !ours {
			return
		}
		if u.ExecutionType == "TRADE" && u.TradeID >= 0 {
			side := ledger.Buy
			if u.Side == "SELL" {
				side = ledger.Sell
			}
			e.applyFill(ledger.Fill{TradeID: u.TradeID, OrderID: u.OrderID, Symbol: u.Symbol, Side: side, Price: u.LastPrice,
				Qty: u.LastQty, QuoteQty: u.LastQuote, Commission: u.Commission, CommissionAsset: u.CommissionAsset,
				Time: u.TransactionTime}, u.ClientOrderID)
		}
		id := u.ClientOrderID
		if u.ExecutionType == "CANCELED" && u.OrigClientOrderID != "" {
			id = u.OrigClientOrderID
		}
		e.orderChanged(OrderSummary{ClientOrderID: id, Symbol: u.Symbol, Status: u.Status, ExecutedQuantity: u.CumulativeQty})
	}
}

// onTick looks up unknown outcomes, cancels LIMIT orders past cancelAfter,
// starts a new UTC day, marks prices and re-checks the daily loss.
func (e *Executor) onTick(ctx context.Context) {
	st := e.st
	now := e.cfg.Now()
	if !st.resyncAt.IsZero() && now.After(st.resyncAt) {
		_ = e.reconcile(ctx)
	}
	for id, t := range st.orders {
		switch {
		case t.unknown && !now.Before(t.nextLook):
			e.lookUp(ctx, id, t, now)
		case !t.unknown && t.Type != string(ordersize.TypeMarket) && now.Sub(t.Time) > e.cfg.Orders.CancelAfter:
			o, err := e.cfg.Exchange.CancelOrder(ctx, t.Symbol, id)
			if err == nil {
				st.counts.Canceled++
				e.metricOrder("canceled")
				e.orderChanged(summaryOf(o))
			} else if exchange.APICode(err) == -2011 { // already gone: read what it became
				if o, err := e.cfg.Exchange.GetOrder(ctx, t.Symbol, id); err == nil {
					e.orderChanged(summaryOf(o))
				}
			}
		}
	}
	if day := ledger.DayStart(now); day.After(st.ledger.Day()) {
		marks := map[string]decimal.Decimal{}
		for _, sym := range e.cfg.Symbols {
			p, err := e.cfg.Exchange.OpenAt(ctx, sym, day)
			if err != nil {
				break
			}
			marks[sym] = p
		}
		if len(marks) == len(e.cfg.Symbols) {
			if err := st.ledger.BeginDay(day, marks); err != nil {
				e.cfg.Logger.Info("could not start the new day", "error", err.Error())
			} else {
				// The order counts are the day's, like the day's PnL.
				st.counts = Counts{}
			}
		}
	}
	e.convertFees(ctx, now)
	e.markPrices(st)
	if st.checker.Evaluate(now, st.ledger) {
		e.halted(now)
	}
}

// feeRetry is how long fees whose price could not be read wait before
// the next try.
const feeRetry = 30 * time.Second

// convertFees charges fees paid in a third asset (BNB, say) at the open of
// the one-minute kline of their trade on that asset's market in the quote
// asset (BNBUSDT): a price fixed by the trade alone, so a restart, reading
// the same trades, converts them to the same figures. A fee whose asset
// has no such market stays pending (status shows it as not yet charged).
func (e *Executor) convertFees(ctx context.Context, now time.Time) {
	st := e.st
	if now.Before(st.feesAt) {
		return
	}
	pending := st.ledger.PendingFees()
	if len(pending) == 0 {
		return
	}
	prices := map[string]decimal.Decimal{}
	unpriced := map[string]bool{}
	st.feesAt = time.Time{}
	for _, pf := range pending {
		at := pf.Time.UTC().Truncate(time.Minute)
		market := pf.Asset + st.quote
		key := market + "@" + at.Format(time.RFC3339)
		if unpriced[key] {
			continue
		}
		price, ok := prices[key]
		if !ok {
			p, err := e.cfg.Exchange.OpenAt(ctx, market, at)
			if err != nil {
				unpriced[key] = true
				st.feesAt = now.Add(feeRetry)
				e.cfg.Logger.Info("a fee paid in another asset could not be priced yet", "asset", pf.Asset,
					"market", market, "trade", pf.TradeID, "error", err.Error())
				continue
			}
			prices[key], price = p, p
		}
		if err := st.ledger.ConvertFee(pf.Symbol, pf.TradeID, price); err != nil {
			e.cfg.Logger.Info("a fee could not be converted", "symbol", pf.Symbol, "trade", pf.TradeID, "error", err.Error())
		}
	}
}

// lookUp asks the exchange what became of an order whose answer was lost.
func (e *Executor) lookUp(ctx context.Context, id string, t *tracked, now time.Time) {
	st := e.st
	if r, ok := e.cfg.Exchange.(Resolver); ok && t.pend != nil {
		// The exchange's clock, not ours, says when a request can no
		// longer be accepted: once it has passed the request's timestamp +
		// recvWindow and a lookup finds nothing, the order was not placed.
		rctx, cancel := context.WithTimeout(ctx, resolveWait)
		o, err := r.ResolveOrder(rctx, *t.pend)
		cancel()
		switch {
		case err == nil:
			delete(st.orders, id)
			e.placed(t.p, o, t.quote)
		case errors.Is(err, exchange.ErrOrderNotPlaced):
			e.notPlaced(id, t, now)
		default:
			t.nextLook = now.Add(2 * time.Second)
		}
		return
	}
	o, err := e.cfg.Exchange.GetOrder(ctx, t.Symbol, id)
	switch {
	case err == nil:
		delete(st.orders, id)
		e.placed(t.p, o, t.quote)
	case exchange.APICode(err) == -2013 && now.Sub(t.Time) > lookupWindow:
		// The exchange has not got it, and a request that old would now be
		// refused for its timestamp: it was not placed. Send it again, with
		// the same id.
		e.notPlaced(id, t, now)
	default:
		t.nextLook = now.Add(2 * time.Second)
	}
}

// notPlaced puts an unknown order found not placed back among the pending
// signals, to be sent again with the same id.
func (e *Executor) notPlaced(id string, t *tracked, now time.Time) {
	st := e.st
	delete(st.orders, id)
	st.checker.Closed(id)
	t.p.nextTry = now
	st.pending = append(st.pending, t.p)
}

// lookupWindow is past any recvWindow the exchange layer sends with; it
// settles unknown orders when the exchange cannot resolve them itself.
const lookupWindow = time.Minute

// resolveWait bounds one attempt to settle an unknown order, which may
// wait for the request's deadline on the exchange's clock.
const resolveWait = 3 * time.Second

// markPrices marks every symbol at its latest market price.
func (e *Executor) markPrices(st *state) {
	for _, sym := range e.cfg.Symbols {
		if p, ok := e.cfg.LastPrice(sym); ok && p.IsPositive() {
			_ = st.ledger.Mark(sym, p)
		}
	}
}

func (e *Executor) onResume(token string) {
	st := e.st
	if st == nil || token == "" || token == st.resumed {
		return
	}
	now := e.cfg.Now()
	if err := st.checker.Resume(now, st.ledger); err != nil {
		e.announce(true, "ResumeRefused", "RESUME "+token, "the bot stays halted: "+err.Error())
		return
	}
	st.resumed = token
	e.announce(false, "Resumed", "RESUME "+token, "trading resumed by the resume annotation")
}

func (e *Executor) halted(now time.Time) {
	s := e.st.checker.State()
	e.announce(true, "RiskHalted", "HALT "+s.HaltDay.Format("2006-01-02"),
		fmt.Sprintf("daily loss limit reached (day PnL %s %s): no new orders until resumed", s.HaltPnL, e.st.quote))
}

func (e *Executor) mark(entryID string, state signal.EntryState, note string) {
	if e.cfg.Store == nil {
		return
	}
	e.cfg.Store.Update(entryID, func(en *signal.Entry) { en.State, en.Note = state, note })
}

func (e *Executor) announce(warning bool, reason, action, note string) {
	if e.cfg.Announce != nil {
		e.cfg.Announce(warning, reason, action, note)
	}
}

func (e *Executor) metricOrder(result string) {
	e.cfg.Metrics.orderInc(e.cfg.Name, result)
}

// sortedOrders lists the tracked orders by client id.
func (st *state) sortedOrders() []OrderSummary {
	out := make([]OrderSummary, 0, len(st.orders))
	for _, t := range st.orders {
		out = append(out, t.OrderSummary)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ClientOrderID < out[j].ClientOrderID })
	return out
}

package risk

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// Window is the span over which MaxOrdersPerMinute is counted.
const Window = time.Minute

// Side is an order side, spelled like a Binance order side.
type Side string

// Order sides.
const (
	Buy  Side = "BUY"
	Sell Side = "SELL"
)

// Limits are a bot's risk limits, converted by the caller from the
// TradingBot's spec.risk. All money is in the quote asset.
type Limits struct {
	MaxOrderQuote      decimal.Decimal
	MaxPositionQuote   decimal.Decimal
	MaxOrdersPerMinute int
	Cooldown           time.Duration
	MaxDailyLossQuote  decimal.Decimal
}

// Validate reports limits that cannot be enforced.
func (l Limits) Validate() error {
	var errs []error
	if !l.MaxOrderQuote.IsPositive() {
		errs = append(errs, fmt.Errorf("maxOrderQuote %s is not positive", l.MaxOrderQuote))
	}
	if !l.MaxPositionQuote.IsPositive() {
		errs = append(errs, fmt.Errorf("maxPositionQuote %s is not positive", l.MaxPositionQuote))
	}
	if l.MaxOrdersPerMinute < 1 {
		errs = append(errs, fmt.Errorf("maxOrdersPerMinute %d is below 1", l.MaxOrdersPerMinute))
	}
	if l.Cooldown < 0 {
		errs = append(errs, fmt.Errorf("cooldown %s is negative", l.Cooldown))
	}
	if !l.MaxDailyLossQuote.IsPositive() {
		errs = append(errs, fmt.Errorf("maxDailyLossQuote %s is not positive", l.MaxDailyLossQuote))
	}
	return errors.Join(errs...)
}

// Order is a proposed order.
type Order struct {
	// ID is the client order id, fixed before the first attempt; Filled
	// and Closed refer to it. Admit refuses an order without one, or with
	// the id of a buy still open.
	ID     string
	Symbol string
	Side   Side
	// Quote is the order's notional in the quote asset.
	Quote decimal.Decimal
}

// Book is what the checker reads of the bot's positions; *ledger.Ledger
// provides it.
type Book interface {
	// PositionCost is the symbol's position valued at entry.
	PositionCost(symbol string) decimal.Decimal
	// DayPnL is the start of the day the figure belongs to and the
	// realized plus unrealized PnL since then, fees included.
	DayPnL() (day time.Time, pnl decimal.Decimal)
}

// Reason says why an order was refused.
type Reason string

// Refusal reasons.
const (
	ReasonHalted             Reason = "Halted"
	ReasonDailyLoss          Reason = "MaxDailyLossQuote"
	ReasonStaleDay           Reason = "StaleDayFigures"
	ReasonInvalidOrder       Reason = "InvalidOrder"
	ReasonMaxOrderQuote      Reason = "MaxOrderQuote"
	ReasonMaxPositionQuote   Reason = "MaxPositionQuote"
	ReasonMaxOrdersPerMinute Reason = "MaxOrdersPerMinute"
	ReasonCooldown           Reason = "Cooldown"
)

// Decision is the answer for one order.
type Decision struct {
	Allowed bool
	// Reason and Message say why the order was refused.
	Reason  Reason
	Message string
	// RetryAt is the earliest time the same order could pass, for the rate
	// and the cooldown; zero otherwise.
	RetryAt time.Time
	// Halted is true when this decision halted the checker.
	Halted bool
}

// State is the checker's halt state, for status and for persisting.
type State struct {
	Halted bool
	// HaltedAt is when the halt happened, HaltDay the start of its UTC
	// day, HaltPnL the day PnL that tripped it.
	HaltedAt, HaltDay time.Time
	HaltPnL           decimal.Decimal
	// ResumedAt is the time of the last successful Resume.
	ResumedAt time.Time
}

// ErrStillBeyondLimit is returned by Resume while the day's loss is still
// at or beyond MaxDailyLossQuote.
var ErrStillBeyondLimit = errors.New("the day's loss is still at or beyond maxDailyLossQuote")

// Checker enforces one bot's limits. The zero value is not usable; call
// NewChecker.
type Checker struct {
	limits Limits
	state  State
	// placed are the admission times, ascending, of orders within the last
	// Window (older ones are dropped as time passes).
	placed []time.Time
	// last is the latest admission per symbol.
	last map[string]time.Time
	// open are the admitted buys not yet filled or closed, by order id,
	// and outstanding their remaining notional per symbol.
	open        map[string]openBuy
	outstanding map[string]decimal.Decimal
}

type openBuy struct {
	symbol    string
	remaining decimal.Decimal
}

// NewChecker returns a checker for valid limits, not halted, with no
// orders recorded.
func NewChecker(l Limits) (*Checker, error) {
	if err := l.Validate(); err != nil {
		return nil, fmt.Errorf("risk: %w", err)
	}
	return &Checker{
		limits:      l,
		last:        map[string]time.Time{},
		open:        map[string]openBuy{},
		outstanding: map[string]decimal.Decimal{},
	}, nil
}

// Limits returns the limits in force.
func (c *Checker) Limits() Limits { return c.limits }

// SetLimits replaces the limits (the spec changed). It does not end a
// halt; a halt ends only with Resume.
func (c *Checker) SetLimits(l Limits) error {
	if err := l.Validate(); err != nil {
		return fmt.Errorf("risk: %w", err)
	}
	c.limits = l
	return nil
}

// State returns the halt state.
func (c *Checker) State() State { return c.state }

// dayStart is the start of the UTC day of t.
func dayStart(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

// Check tells whether Admit would admit the order now, changing nothing.
func (c *Checker) Check(now time.Time, o Order, b Book) Decision {
	d, _ := c.decide(now, o, b)
	return d
}

// Admit checks the order and, when it passes, records it as placed at now.
// A refusal for the daily loss halts the checker (Decision.Halted).
func (c *Checker) Admit(now time.Time, o Order, b Book) Decision {
	d, pnl := c.decide(now, o, b)
	if d.Reason == ReasonDailyLoss {
		c.halt(now, pnl)
		d.Halted = true
		return d
	}
	if d.Allowed {
		c.prune(now)
		c.Record(now, o)
	}
	return d
}

// Evaluate applies the daily loss test without an order and reports
// whether it halted the checker now.
func (c *Checker) Evaluate(now time.Time, b Book) bool {
	if c.state.Halted {
		return false
	}
	if _, pnl := b.DayPnL(); c.lossReached(pnl) {
		c.halt(now, pnl)
		return true
	}
	return false
}

// Resume ends a halt; it is what a person's resume action maps to. It
// refuses with ErrStillBeyondLimit while the book's day PnL is at or below
// −MaxDailyLossQuote. Resuming a checker that is not halted does nothing.
func (c *Checker) Resume(now time.Time, b Book) error {
	if !c.state.Halted {
		return nil
	}
	if _, pnl := b.DayPnL(); c.lossReached(pnl) {
		return fmt.Errorf("risk: %w (day PnL %s, limit -%s)", ErrStillBeyondLimit, pnl, c.limits.MaxDailyLossQuote)
	}
	c.state.Halted = false
	c.state.ResumedAt = now
	return nil
}

// Restore puts back a persisted halt state after a restart.
func (c *Checker) Restore(s State) { c.state = s }

// Record counts an order as placed at the given time without checking it:
// Admit calls it, and after a restart the caller uses it for the orders
// placed before (open orders, with Quote their unfilled notional, and
// orders of the last minute).
func (c *Checker) Record(at time.Time, o Order) {
	i := sort.Search(len(c.placed), func(i int) bool { return c.placed[i].After(at) })
	c.placed = append(c.placed, time.Time{})
	copy(c.placed[i+1:], c.placed[i:])
	c.placed[i] = at
	if prev, ok := c.last[o.Symbol]; !ok || at.After(prev) {
		c.last[o.Symbol] = at
	}
	if o.Side == Buy && o.Quote.IsPositive() && o.ID != "" {
		if prev, ok := c.open[o.ID]; ok {
			c.release(o.ID, prev)
		}
		c.open[o.ID] = openBuy{symbol: o.Symbol, remaining: o.Quote}
		c.outstanding[o.Symbol] = c.outstanding[o.Symbol].Add(o.Quote)
	}
}

// Filled tells the checker that quote of an admitted buy's notional was
// filled (and is now in the book's position); it no longer counts as
// outstanding. Unknown ids and sells are ignored.
func (c *Checker) Filled(id string, quote decimal.Decimal) {
	ob, ok := c.open[id]
	if !ok || !quote.IsPositive() {
		return
	}
	q := decimal.Min(quote, ob.remaining)
	ob.remaining = ob.remaining.Sub(q)
	c.outstanding[ob.symbol] = c.outstanding[ob.symbol].Sub(q)
	if ob.remaining.IsPositive() {
		c.open[id] = ob
		return
	}
	delete(c.open, id)
	c.cleanOutstanding(ob.symbol)
}

// Closed tells the checker an admitted order will fill no more (filled,
// canceled, expired, rejected, or confirmed never placed); what was left of
// a buy stops counting as outstanding.
func (c *Checker) Closed(id string) {
	if ob, ok := c.open[id]; ok {
		c.release(id, ob)
	}
}

func (c *Checker) release(id string, ob openBuy) {
	c.outstanding[ob.symbol] = c.outstanding[ob.symbol].Sub(ob.remaining)
	delete(c.open, id)
	c.cleanOutstanding(ob.symbol)
}

func (c *Checker) cleanOutstanding(symbol string) {
	if c.outstanding[symbol].IsZero() {
		delete(c.outstanding, symbol)
	}
}

// Outstanding returns the notional of a symbol's admitted buys not yet
// filled or closed.
func (c *Checker) Outstanding(symbol string) decimal.Decimal { return c.outstanding[symbol] }

func (c *Checker) lossReached(pnl decimal.Decimal) bool {
	return pnl.LessThanOrEqual(c.limits.MaxDailyLossQuote.Neg())
}

func (c *Checker) halt(now time.Time, pnl decimal.Decimal) {
	c.state.Halted = true
	c.state.HaltedAt = now
	c.state.HaltDay = dayStart(now)
	c.state.HaltPnL = pnl
}

// prune drops admission times that can no longer count.
func (c *Checker) prune(now time.Time) {
	k := c.firstInWindow(now)
	if k > 0 {
		c.placed = append(c.placed[:0], c.placed[k:]...)
	}
}

// firstInWindow is the index of the first admission after now−Window.
func (c *Checker) firstInWindow(now time.Time) int {
	from := now.Add(-Window)
	return sort.Search(len(c.placed), func(i int) bool { return c.placed[i].After(from) })
}

func refuse(r Reason, format string, args ...any) Decision {
	return Decision{Reason: r, Message: fmt.Sprintf(format, args...)}
}

// decide runs the checks in order; it also returns the day PnL it read.
func (c *Checker) decide(now time.Time, o Order, b Book) (Decision, decimal.Decimal) {
	l := c.limits
	if c.state.Halted {
		return refuse(ReasonHalted, "halted since %s (day PnL %s); a person must resume the bot",
			c.state.HaltedAt.UTC().Format(time.RFC3339), c.state.HaltPnL), decimal.Zero
	}
	day, pnl := b.DayPnL()
	if c.lossReached(pnl) {
		return refuse(ReasonDailyLoss, "day PnL %s is at or below -%s", pnl, l.MaxDailyLossQuote), pnl
	}
	if today := dayStart(now); !day.Equal(today) {
		return refuse(ReasonStaleDay, "day figures are for %s, not %s",
			day.UTC().Format(time.DateOnly), today.Format(time.DateOnly)), pnl
	}
	switch {
	case o.ID == "":
		return refuse(ReasonInvalidOrder, "no order id"), pnl
	case o.Symbol == "":
		return refuse(ReasonInvalidOrder, "no symbol"), pnl
	case o.Side != Buy && o.Side != Sell:
		return refuse(ReasonInvalidOrder, "side %q", o.Side), pnl
	case !o.Quote.IsPositive():
		return refuse(ReasonInvalidOrder, "notional %s is not positive", o.Quote), pnl
	}
	if _, dup := c.open[o.ID]; dup {
		return refuse(ReasonInvalidOrder, "order id %q is already open", o.ID), pnl
	}
	if o.Quote.GreaterThan(l.MaxOrderQuote) {
		return refuse(ReasonMaxOrderQuote, "notional %s exceeds %s", o.Quote, l.MaxOrderQuote), pnl
	}
	if o.Side == Buy {
		cost := b.PositionCost(o.Symbol)
		after := cost.Add(c.outstanding[o.Symbol]).Add(o.Quote)
		if after.GreaterThan(l.MaxPositionQuote) {
			return refuse(ReasonMaxPositionQuote, "%s position at entry %s plus open buys %s plus %s exceeds %s",
				o.Symbol, cost, c.outstanding[o.Symbol], o.Quote, l.MaxPositionQuote), pnl
		}
	}
	k := c.firstInWindow(now)
	if n := len(c.placed) - k; n >= l.MaxOrdersPerMinute {
		d := refuse(ReasonMaxOrdersPerMinute, "%d orders in the last minute, limit %d", n, l.MaxOrdersPerMinute)
		d.RetryAt = c.placed[k+n-l.MaxOrdersPerMinute].Add(Window)
		return d, pnl
	}
	if last, ok := c.last[o.Symbol]; ok && now.Sub(last) < l.Cooldown {
		d := refuse(ReasonCooldown, "last %s order at %s, cooldown %s", o.Symbol,
			last.UTC().Format(time.RFC3339Nano), l.Cooldown)
		d.RetryAt = last.Add(l.Cooldown)
		return d, pnl
	}
	return Decision{Allowed: true}, pnl
}

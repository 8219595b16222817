package ledger

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// Ledger holds one bot's positions, one per market. Create it with New (a
// new bot) or Rebuild (after a restart); call BeginDay before the first
// fill and at every 00:00 UTC.
type Ledger struct {
	quote   string
	symbols []string // sorted
	pos     map[string]*position
	day     time.Time // start of the current UTC day; zero before BeginDay
}

// position is one symbol's state.
type position struct {
	market  Market
	opening Opening
	// fills are the day's fills, ascending by trade id.
	fills []record
	// seen holds the trade ids of fills; prevSeen those of the previous
	// day, so that a late duplicate is still recognized.
	seen, prevSeen map[int64]struct{}
	// prevExact is true when prevSeen holds every trade in the opening's
	// last day; after Rebuild it is false and the opening's LastTradeID
	// (or EntryEstimated) decides instead.
	prevExact bool
	life, day book
	last      decimal.Decimal
}

// record is a fill with its computed effect.
type record struct {
	fill    Fill
	eff     effect
	pending bool
}

// PendingFee is a fee charged in an asset that is neither the base nor the
// quote, waiting for ConvertFee.
type PendingFee struct {
	Symbol  string
	TradeID int64
	Asset   string
	Amount  decimal.Decimal
	Time    time.Time
}

// DayStart returns the start (00:00 UTC) of the UTC day that contains t.
func DayStart(t time.Time) time.Time {
	return t.UTC().Truncate(24 * time.Hour)
}

// New returns an empty ledger for markets that all have the quote asset
// quote. Call BeginDay before applying fills.
func New(quote string, markets ...Market) (*Ledger, error) {
	if quote == "" {
		return nil, fmt.Errorf("ledger: empty quote asset")
	}
	if len(markets) == 0 {
		return nil, fmt.Errorf("ledger: no markets")
	}
	l := &Ledger{quote: quote, pos: make(map[string]*position, len(markets))}
	for _, m := range markets {
		switch {
		case m.Symbol == "" || m.Base == "" || m.Quote == "":
			return nil, fmt.Errorf("ledger: incomplete market %+v", m)
		case m.Quote != quote:
			return nil, fmt.Errorf("ledger: market %s has quote %s, the ledger %s", m.Symbol, m.Quote, quote)
		case m.Base == m.Quote:
			return nil, fmt.Errorf("ledger: market %s has the same base and quote", m.Symbol)
		}
		if _, dup := l.pos[m.Symbol]; dup {
			return nil, fmt.Errorf("ledger: market %s listed twice", m.Symbol)
		}
		l.pos[m.Symbol] = &position{
			market:    m,
			opening:   Opening{Symbol: m.Symbol},
			seen:      map[int64]struct{}{},
			prevSeen:  map[int64]struct{}{},
			prevExact: true,
		}
		l.symbols = append(l.symbols, m.Symbol)
	}
	sort.Strings(l.symbols)
	return l, nil
}

// Quote returns the quote asset all figures are in.
func (l *Ledger) Quote() string { return l.quote }

// Day returns the start of the day the day figures belong to; zero before
// BeginDay.
func (l *Ledger) Day() time.Time { return l.day }

// BeginDay starts the UTC day beginning at start (a 00:00 UTC later than
// the current day). marks must hold a positive day-start price for every
// market: positions held at start are marked at it, and it is each
// symbol's last price until Mark gives another. Fills already applied with
// a time before start become part of the opening; those at or after start
// stay in the new day. On error nothing changes.
func (l *Ledger) BeginDay(start time.Time, marks map[string]decimal.Decimal) error {
	if !start.Equal(DayStart(start)) {
		return fmt.Errorf("ledger: %w: %s is not 00:00 UTC", ErrInvalidDay, start)
	}
	if !l.day.IsZero() && !start.After(l.day) {
		return fmt.Errorf("ledger: %w: %s is not after the current day %s", ErrInvalidDay, start.UTC(), l.day)
	}
	for _, s := range l.symbols {
		if m, ok := marks[s]; !ok || !m.IsPositive() {
			return fmt.Errorf("ledger: %w for %s", ErrMissingMark, s)
		}
	}
	for _, s := range l.symbols {
		l.pos[s].begin(start, marks[s])
	}
	l.day = DayStart(start)
	return nil
}

// begin moves the position to the day starting at start.
func (p *position) begin(start time.Time, mark decimal.Decimal) {
	ob := p.opening.book()
	prevSeen := make(map[int64]struct{})
	seen := make(map[int64]struct{})
	var kept []record
	for _, r := range p.fills {
		if r.fill.Time.Before(start) {
			p.opening.fold(&ob, r)
			prevSeen[r.fill.TradeID] = struct{}{}
			continue
		}
		kept = append(kept, r)
		seen[r.fill.TradeID] = struct{}{}
	}
	p.opening.setBook(ob)
	p.opening.DayStartPrice = mark
	p.fills, p.seen, p.prevSeen, p.prevExact = kept, seen, prevSeen, true
	p.last = mark
	p.replay()
}

// replay recomputes both books from the opening and the day's fills.
func (p *position) replay() {
	p.life = p.opening.book()
	p.day = book{qty: p.opening.Qty, cost: p.opening.Qty.Mul(p.opening.DayStartPrice)}
	for _, r := range p.fills {
		p.life.apply(r.eff)
		p.day.apply(r.eff)
	}
}

// Apply adds a fill. It reports false, and changes nothing, when the
// fill's trade id was already applied for its symbol. A fill dated before
// the current day is folded into the day's opening.
func (l *Ledger) Apply(f Fill) (bool, error) {
	if l.day.IsZero() {
		return false, fmt.Errorf("ledger: %w", ErrNoDay)
	}
	p, ok := l.pos[f.Symbol]
	if !ok {
		return false, fmt.Errorf("ledger: %w %q", ErrUnknownSymbol, f.Symbol)
	}
	if err := validate(p.market, f); err != nil {
		return false, fmt.Errorf("ledger: %w", err)
	}
	if _, dup := p.seen[f.TradeID]; dup {
		return false, nil
	}
	eff, pending := effectOf(p.market, f)
	r := record{fill: f, eff: eff, pending: pending}
	if f.Time.Before(l.day) {
		if p.countedInOpening(f.TradeID, f.Time, l.day) {
			return false, nil
		}
		ob := p.opening.book()
		p.opening.fold(&ob, r)
		p.opening.setBook(ob)
		p.prevSeen[f.TradeID] = struct{}{}
		p.replay()
		return true, nil
	}
	p.seen[f.TradeID] = struct{}{}
	if n := len(p.fills); n == 0 || p.fills[n-1].fill.TradeID < f.TradeID {
		p.fills = append(p.fills, r)
		p.life.apply(eff)
		p.day.apply(eff)
		return true, nil
	}
	i, _ := slices.BinarySearchFunc(p.fills, f.TradeID, func(r record, id int64) int {
		return compareInt64(r.fill.TradeID, id)
	})
	p.fills = slices.Insert(p.fills, i, r)
	p.replay()
	return true, nil
}

// countedInOpening tells whether a trade dated before the day start is
// already in the opening: known exactly by id in a ledger that began its day
// itself; after Rebuild, every trade up to the opening's LastTradeID is, and
// a balance-derived opening holds every earlier trade.
// Ids are kept for one day only, so a trade dated before the previous day
// is judged by LastTradeID too.
func (p *position) countedInOpening(id int64, at, day time.Time) bool {
	if _, ok := p.prevSeen[id]; ok {
		return true
	}
	if p.prevExact && !at.Before(day.Add(-24*time.Hour)) {
		return false
	}
	return p.opening.EntryEstimated || id <= p.opening.LastTradeID
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Mark sets a symbol's last price, at which unrealized PnL is computed.
func (l *Ledger) Mark(symbol string, price decimal.Decimal) error {
	p, ok := l.pos[symbol]
	if !ok {
		return fmt.Errorf("ledger: %w %q", ErrUnknownSymbol, symbol)
	}
	if !price.IsPositive() {
		return fmt.Errorf("ledger: price %s for %s is not positive", price, symbol)
	}
	p.last = price
	return nil
}

// PendingFees lists the fees still waiting for a price, by symbol and
// trade id.
func (l *Ledger) PendingFees() []PendingFee {
	var out []PendingFee
	for _, s := range l.symbols {
		p := l.pos[s]
		out = append(out, p.opening.PendingFees...)
		for _, r := range p.fills {
			if r.pending {
				out = append(out, r.pendingFee())
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Symbol != out[j].Symbol {
			return out[i].Symbol < out[j].Symbol
		}
		return out[i].TradeID < out[j].TradeID
	})
	return out
}

func (r record) pendingFee() PendingFee {
	return PendingFee{Symbol: r.fill.Symbol, TradeID: r.fill.TradeID, Asset: r.fill.CommissionAsset,
		Amount: r.fill.Commission, Time: r.fill.Time}
}

// ConvertFee prices a pending fee: price is the value of one unit of the
// fee's asset in the quote asset. The fee, Commission×price, is then
// charged to the fill's day (or to the opening, for an earlier day's fill).
func (l *Ledger) ConvertFee(symbol string, tradeID int64, price decimal.Decimal) error {
	p, ok := l.pos[symbol]
	if !ok {
		return fmt.Errorf("ledger: %w %q", ErrUnknownSymbol, symbol)
	}
	if !price.IsPositive() {
		return fmt.Errorf("ledger: fee price %s is not positive", price)
	}
	i, found := slices.BinarySearchFunc(p.fills, tradeID, func(r record, id int64) int {
		return compareInt64(r.fill.TradeID, id)
	})
	if found && p.fills[i].pending {
		r := &p.fills[i]
		v := r.fill.Commission.Mul(price)
		r.eff.fee, r.pending = v, false
		p.life.chargeFee(v)
		p.day.chargeFee(v)
		return nil
	}
	for j, pf := range p.opening.PendingFees {
		if pf.TradeID != tradeID {
			continue
		}
		v := pf.Amount.Mul(price)
		ob := p.opening.book()
		ob.chargeFee(v)
		p.opening.setBook(ob)
		p.life.chargeFee(v)
		p.opening.PendingFees = slices.Delete(slices.Clone(p.opening.PendingFees), j, j+1)
		return nil
	}
	return fmt.Errorf("ledger: %w for %s trade %d", ErrNoPendingFee, symbol, tradeID)
}

// PositionCost returns the symbol's position valued at entry (its cost
// basis), zero for an unknown symbol.
func (l *Ledger) PositionCost(symbol string) decimal.Decimal {
	if p, ok := l.pos[symbol]; ok {
		return p.life.cost
	}
	return decimal.Zero
}

// DayPnL returns the current day's start and the realized plus unrealized
// PnL since then, fees included, over all symbols. Pending fees are not in
// it.
func (l *Ledger) DayPnL() (time.Time, decimal.Decimal) {
	total := decimal.Zero
	for _, p := range l.pos {
		total = total.Add(p.day.realized).Add(p.day.unrealized(p.last))
	}
	return l.day, total
}

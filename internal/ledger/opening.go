package ledger

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// Opening is a symbol's state at the start of a UTC day: what a bot
// persists once a day so that Rebuild can reproduce its figures.
type Opening struct {
	Symbol string
	// Qty and CostBasis are the position held at 00:00 UTC and its cost.
	Qty, CostBasis decimal.Decimal
	// Realized and Fees are the lifetime figures up to 00:00 UTC.
	Realized, Fees decimal.Decimal
	// Oversold is the lifetime excess sold (see the package doc).
	Oversold decimal.Decimal
	// DayStartPrice marks Qty for the day's figures.
	DayStartPrice decimal.Decimal
	// LastTradeID is the highest trade id counted in the opening. After a
	// Rebuild, a trade dated before the day with an id up to it is taken
	// as already counted; a higher one is folded in.
	LastTradeID int64
	// PendingFees are fees of earlier days' fills still waiting for
	// ConvertFee; they are carried so that a rebuilt ledger can convert
	// them too.
	PendingFees []PendingFee
	// EntryEstimated is set when CostBasis was not known and the
	// position was valued at DayStartPrice (OpeningFromBalance). After a
	// Rebuild from such an opening every trade dated before the day is
	// taken as already counted, since the balance holds it.
	EntryEstimated bool
}

func (o Opening) book() book {
	return book{qty: o.Qty, cost: o.CostBasis, realized: o.Realized, fees: o.Fees, oversold: o.Oversold}
}

func (o *Opening) setBook(b book) {
	o.Qty, o.CostBasis, o.Realized, o.Fees, o.Oversold = b.qty, b.cost, b.realized, b.fees, b.oversold
}

// fold adds a fill dated before the day to the opening's book b, keeping
// the opening's trade id and pending fees current; the caller stores b.
func (o *Opening) fold(b *book, r record) {
	b.apply(r.eff)
	if r.fill.TradeID > o.LastTradeID {
		o.LastTradeID = r.fill.TradeID
	}
	if r.pending {
		o.PendingFees = append(slices.Clone(o.PendingFees), r.pendingFee())
	}
}

// Openings returns every symbol's opening of the current day, sorted by
// symbol.
func (l *Ledger) Openings() []Opening {
	out := make([]Opening, 0, len(l.symbols))
	for _, s := range l.symbols {
		o := l.pos[s].opening
		o.PendingFees = slices.Clone(o.PendingFees)
		out = append(out, o)
	}
	return out
}

// Rebuild returns a ledger for the day starting at day, from the openings
// persisted for that day (one per market) and the day's fills, in any
// order and possibly repeated. A fill dated before day is an error: it is
// already in the openings. The day's pending fees must be converted again
// with the same prices, and last prices marked again, for the figures to
// match a ledger fed live; earlier days' pending fees travel in the
// openings.
func Rebuild(quote string, markets []Market, day time.Time, openings []Opening, fills []Fill) (*Ledger, error) {
	l, err := New(quote, markets...)
	if err != nil {
		return nil, err
	}
	if !day.Equal(DayStart(day)) {
		return nil, fmt.Errorf("ledger: %w: %s is not 00:00 UTC", ErrInvalidDay, day)
	}
	given := make(map[string]bool, len(openings))
	for _, o := range openings {
		p, ok := l.pos[o.Symbol]
		if !ok {
			return nil, fmt.Errorf("ledger: opening of %w %q", ErrUnknownSymbol, o.Symbol)
		}
		if given[o.Symbol] {
			return nil, fmt.Errorf("ledger: two openings for %s", o.Symbol)
		}
		if !o.DayStartPrice.IsPositive() {
			return nil, fmt.Errorf("ledger: %w in the opening of %s", ErrMissingMark, o.Symbol)
		}
		if o.Qty.IsNegative() || o.CostBasis.IsNegative() {
			return nil, fmt.Errorf("ledger: negative opening of %s", o.Symbol)
		}
		given[o.Symbol] = true
		o.PendingFees = slices.Clone(o.PendingFees)
		p.opening = o
		p.prevExact = false
		p.last = o.DayStartPrice
		p.replay()
	}
	for _, s := range l.symbols {
		if !given[s] {
			return nil, fmt.Errorf("ledger: no opening for %s", s)
		}
	}
	l.day = DayStart(day)
	sorted := append([]Fill(nil), fills...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Symbol != sorted[j].Symbol {
			return sorted[i].Symbol < sorted[j].Symbol
		}
		return sorted[i].TradeID < sorted[j].TradeID
	})
	for _, f := range sorted {
		if f.Time.Before(l.day) {
			return nil, fmt.Errorf("ledger: %w: %s trade %d at %s", ErrBeforeDay, f.Symbol, f.TradeID, f.Time.UTC())
		}
		if _, err := l.Apply(f); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// OpeningFromBalance derives an opening for market m when none was
// persisted: the quantity held at day is baseBalance (free plus locked, now)
// minus what the day's fills added, and it is valued at dayStartPrice
// (EntryEstimated). Fills of other symbols are ignored, repeated trade ids
// count once, and a fill before day is an error. The rule assumes the whole
// base balance belongs to this bot.
func OpeningFromBalance(m Market, day time.Time, dayStartPrice, baseBalance decimal.Decimal, fills []Fill) (Opening, error) {
	if !dayStartPrice.IsPositive() {
		return Opening{}, fmt.Errorf("ledger: %w for %s", ErrMissingMark, m.Symbol)
	}
	qty := baseBalance
	seen := map[int64]struct{}{}
	for _, f := range fills {
		if f.Symbol != m.Symbol {
			continue
		}
		if _, dup := seen[f.TradeID]; dup {
			continue
		}
		seen[f.TradeID] = struct{}{}
		if err := validate(m, f); err != nil {
			return Opening{}, fmt.Errorf("ledger: %w", err)
		}
		if f.Time.Before(day) {
			return Opening{}, fmt.Errorf("ledger: %w: %s trade %d", ErrBeforeDay, f.Symbol, f.TradeID)
		}
		e, _ := effectOf(m, f)
		if e.buy {
			qty = qty.Sub(e.qty)
		} else {
			qty = qty.Add(e.qty)
		}
	}
	if qty.IsNegative() {
		return Opening{}, fmt.Errorf("ledger: balance %s %s is less than the day's net buys; the balance does not explain the trades", baseBalance, m.Base)
	}
	return Opening{
		Symbol:         m.Symbol,
		Qty:            qty,
		CostBasis:      qty.Mul(dayStartPrice),
		DayStartPrice:  dayStartPrice,
		EntryEstimated: true,
	}, nil
}

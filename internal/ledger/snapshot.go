package ledger

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// avgPlaces is the number of decimal places of the displayed average
// entry; Binance prices have at most eight.
const avgPlaces = 8

// Position is one symbol's figures, in the ledger's quote asset.
type Position struct {
	Symbol string
	// Qty is the base quantity held.
	Qty decimal.Decimal
	// AvgEntry is CostBasis/Qty rounded to 8 places; zero when flat.
	AvgEntry, CostBasis decimal.Decimal
	// LastPrice is the price unrealized PnL is computed at.
	LastPrice decimal.Decimal
	// Realized (net of fees), Unrealized and Fees are lifetime figures,
	// since the ledger's first opening.
	Realized, Unrealized, Fees decimal.Decimal
	// DayStartPrice and the Day figures cover the current UTC day; DayPnL
	// is DayRealized plus DayUnrealized, fees included.
	DayStartPrice                               decimal.Decimal
	DayRealized, DayUnrealized, DayFees, DayPnL decimal.Decimal
	// Oversold is the quantity sold beyond the position (a flag).
	Oversold decimal.Decimal
	// PendingFees counts fees not yet converted to the quote asset.
	PendingFees    int
	EntryEstimated bool
}

// PnL is Realized plus Unrealized.
func (p Position) PnL() decimal.Decimal { return p.Realized.Add(p.Unrealized) }

// Totals sums the positions.
type Totals struct {
	CostBasis, Realized, Unrealized, Fees       decimal.Decimal
	DayRealized, DayUnrealized, DayFees, DayPnL decimal.Decimal
	PendingFees                                 int
}

// PnL is Realized plus Unrealized.
func (t Totals) PnL() decimal.Decimal { return t.Realized.Add(t.Unrealized) }

// Snapshot is a copy of the ledger's figures, for status and metrics.
type Snapshot struct {
	Day       time.Time
	Quote     string
	Positions []Position // sorted by symbol
	Totals    Totals
}

// Snapshot returns the current figures.
func (l *Ledger) Snapshot() Snapshot {
	s := Snapshot{Day: l.day, Quote: l.quote, Positions: make([]Position, 0, len(l.symbols))}
	t := Totals{}
	for _, sym := range l.symbols {
		p := l.pos[sym].figures()
		s.Positions = append(s.Positions, p)
		t.CostBasis = t.CostBasis.Add(p.CostBasis)
		t.Realized = t.Realized.Add(p.Realized)
		t.Unrealized = t.Unrealized.Add(p.Unrealized)
		t.Fees = t.Fees.Add(p.Fees)
		t.DayRealized = t.DayRealized.Add(p.DayRealized)
		t.DayUnrealized = t.DayUnrealized.Add(p.DayUnrealized)
		t.DayFees = t.DayFees.Add(p.DayFees)
		t.DayPnL = t.DayPnL.Add(p.DayPnL)
		t.PendingFees += p.PendingFees
	}
	s.Totals = t
	return s
}

// Position returns one symbol's figures.
func (l *Ledger) Position(symbol string) (Position, bool) {
	p, ok := l.pos[symbol]
	if !ok {
		return Position{}, false
	}
	return p.figures(), true
}

func (p *position) figures() Position {
	out := Position{
		Symbol:         p.market.Symbol,
		Qty:            p.life.qty,
		CostBasis:      p.life.cost,
		LastPrice:      p.last,
		Realized:       p.life.realized,
		Unrealized:     p.life.unrealized(p.last),
		Fees:           p.life.fees,
		DayStartPrice:  p.opening.DayStartPrice,
		DayRealized:    p.day.realized,
		DayUnrealized:  p.day.unrealized(p.last),
		DayFees:        p.day.fees,
		Oversold:       p.life.oversold,
		PendingFees:    len(p.opening.PendingFees),
		EntryEstimated: p.opening.EntryEstimated,
	}
	if p.life.qty.IsPositive() {
		out.AvgEntry = p.life.cost.DivRound(p.life.qty, avgPlaces)
	}
	out.DayPnL = out.DayRealized.Add(out.DayUnrealized)
	for _, r := range p.fills {
		if r.pending {
			out.PendingFees++
		}
	}
	return out
}

// String renders the position on one line, decimals in full.
func (p Position) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s qty=%s avgEntry=%s cost=%s last=%s realized=%s unrealized=%s fees=%s dayStart=%s dayRealized=%s dayUnrealized=%s dayFees=%s dayPnL=%s",
		p.Symbol, p.Qty, p.AvgEntry, p.CostBasis, p.LastPrice, p.Realized, p.Unrealized, p.Fees,
		p.DayStartPrice, p.DayRealized, p.DayUnrealized, p.DayFees, p.DayPnL)
	if !p.Oversold.IsZero() {
		fmt.Fprintf(&b, " oversold=%s", p.Oversold)
	}
	if p.PendingFees > 0 {
		fmt.Fprintf(&b, " pendingFees=%d", p.PendingFees)
	}
	if p.EntryEstimated {
		b.WriteString(" entryEstimated")
	}
	return b.String()
}

// String renders the totals on one line.
func (t Totals) String() string {
	s := fmt.Sprintf("total cost=%s realized=%s unrealized=%s pnl=%s fees=%s dayRealized=%s dayUnrealized=%s dayFees=%s dayPnL=%s",
		t.CostBasis, t.Realized, t.Unrealized, t.PnL(), t.Fees, t.DayRealized, t.DayUnrealized, t.DayFees, t.DayPnL)
	if t.PendingFees > 0 {
		s += fmt.Sprintf(" pendingFees=%d", t.PendingFees)
	}
	return s
}

// String renders the snapshot, one line per position and one for the
// totals, all in the quote asset.
func (s Snapshot) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "day %s quote %s\n", s.Day.UTC().Format(time.DateOnly), s.Quote)
	for _, p := range s.Positions {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	b.WriteString(s.Totals.String())
	return b.String()
}

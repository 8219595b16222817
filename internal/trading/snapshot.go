package trading

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/ledger"
	"github.com/tradebot-operator/tradebot-operator/internal/risk"
)

// OrderSummary is one order as status and recording show it.
type OrderSummary struct {
	ClientOrderID    string
	Symbol           string
	Side, Type       string
	Status           string
	Quantity, Price  decimal.Decimal
	ExecutedQuantity decimal.Decimal
	// QuoteQuantity is what the fills cost or brought, in the quote asset.
	QuoteQuantity decimal.Decimal
	Time          time.Time
}

func summaryOf(o exchange.Order) OrderSummary {
	return OrderSummary{ClientOrderID: o.ClientOrderID, Symbol: o.Symbol, Side: string(o.Side), Type: string(o.Type),
		Status: string(o.Status), Quantity: o.OrigQty, Price: o.Price, ExecutedQuantity: o.ExecutedQty,
		QuoteQuantity: o.CumulativeQuoteQty, Time: o.Time}
}

// Snapshot is the executor's state for status. It is immutable.
type Snapshot struct {
	// Starting is true until the executor has read the account once;
	// Error is why it could not.
	Starting bool
	Error    string
	Counts   Counts
	// Pending counts signals whose order is not placed yet.
	Pending    int
	OpenOrders []OrderSummary
	Last       *OrderSummary
	Ledger     ledger.Snapshot
	Risk       risk.State
	// ResumedWith is the resume token last acted on.
	ResumedWith string
	// Dropped counts signals and account events refused by a full queue.
	Dropped int64
	// Openings are the books at the start of the current UTC day
	// (Ledger.Day), what a restarted executor is given back as
	// Config.Openings.
	Openings []ledger.Opening
}

func (e *Executor) publish() {
	st := e.st
	if st == nil {
		return
	}
	s := &Snapshot{
		Counts:      st.counts,
		Pending:     len(st.pending),
		OpenOrders:  st.sortedOrders(),
		Ledger:      st.ledger.Snapshot(),
		Risk:        st.checker.State(),
		ResumedWith: st.resumed,
		Openings:    st.ledger.Openings(),
	}
	if st.last != nil {
		l := *st.last
		s.Last = &l
	}
	s.Dropped = e.dropped.Load()
	if old := e.snap.Load(); !old.sameAs(s) {
		e.snap.Store(s)
		e.cfg.Metrics.observe(e.cfg.Name, s)
		e.cfg.Changed()
	}
}

func (e *Executor) publishError(err error) {
	s := *e.snap.Load()
	s.Error = err.Error()
	e.snap.Store(&s)
	e.cfg.Changed()
}

// sameAs reports whether b shows what a shows, so that an unchanged state
// does not ask for a status update.
func (a *Snapshot) sameAs(b *Snapshot) bool {
	if a.Starting != b.Starting || a.Error != b.Error || a.Counts != b.Counts || a.Pending != b.Pending ||
		len(a.OpenOrders) != len(b.OpenOrders) || a.ResumedWith != b.ResumedWith || a.Dropped != b.Dropped ||
		a.Risk.Halted != b.Risk.Halted || !a.Risk.HaltedAt.Equal(b.Risk.HaltedAt) {
		return false
	}
	if (a.Last == nil) != (b.Last == nil) || (a.Last != nil && (a.Last.ClientOrderID != b.Last.ClientOrderID ||
		a.Last.Status != b.Last.Status || !a.Last.ExecutedQuantity.Equal(b.Last.ExecutedQuantity))) {
		return false
	}
	return a.Ledger.String() == b.Ledger.String() && sameOpenings(a.Openings, b.Openings)
}

func sameOpenings(a, b []ledger.Opening) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Symbol != y.Symbol || x.LastTradeID != y.LastTradeID || x.EntryEstimated != y.EntryEstimated ||
			len(x.PendingFees) != len(y.PendingFees) || !x.Qty.Equal(y.Qty) || !x.CostBasis.Equal(y.CostBasis) ||
			!x.Realized.Equal(y.Realized) || !x.Fees.Equal(y.Fees) || !x.Oversold.Equal(y.Oversold) ||
			!x.DayStartPrice.Equal(y.DayStartPrice) {
			return false
		}
	}
	return true
}

package botgroup

import (
	"sync/atomic"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/eventbudget"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
)

// SignalState is what a resource's signals leave behind: its signal store,
// its event budget and the counts of signals that were not reported. It
// outlives the resource's groups (a spec change restarts the group, not the
// history), so the controller keeps one per resource and hands it to each
// generation of the group.
type SignalState struct {
	Store  *signal.Store
	Budget *eventbudget.Budget

	belowConfidence atomic.Int64
	stale           atomic.Int64
	warmupFailures  atomic.Int64
	// ignoredBefore is what an earlier operator process counted as ignored
	// (from status), so the count never goes back after a restart.
	ignoredBefore atomic.Int64
}

// SeedIgnored starts the ignored count from n, the count an earlier
// operator process reported in status.
func (s *SignalState) SeedIgnored(n int64) { s.ignoredBefore.Store(n) }

// NewSignalState returns an empty state whose store keeps signals for
// retention. now is the store's clock (nil: time.Now).
func NewSignalState(retention time.Duration, now func() time.Time) *SignalState {
	return &SignalState{
		Store:  signal.NewStore(signal.StoreOptions{TTL: retention, Now: now}),
		Budget: eventbudget.New(eventbudget.Options{}),
	}
}

// SignalSnapshot is the signal part of a group's state, read live from its
// SignalState.
type SignalSnapshot struct {
	// Enabled is true when the group runs a strategy.
	Enabled bool
	Counts  signal.Counts
	// BelowConfidence and Stale count computed signals that were not
	// reported: under minConfidence, or from stale market data; IgnoredBefore
	// is the count an earlier operator process reported, of either kind.
	BelowConfidence, Stale, IgnoredBefore int64
	// WarmupFailures counts symbols whose REST warm-up failed (they warm up
	// from live klines instead).
	WarmupFailures int64
	// Last is the latest signal of each symbol, sorted by symbol.
	Last []signal.Entry
}

// snapshot reads the state; a nil state is a group without signals.
func (s *SignalState) snapshot() SignalSnapshot {
	if s == nil {
		return SignalSnapshot{}
	}
	return SignalSnapshot{
		Enabled:         true,
		Counts:          s.Store.Counts(),
		BelowConfidence: s.belowConfidence.Load(),
		Stale:           s.stale.Load(),
		IgnoredBefore:   s.ignoredBefore.Load(),
		WarmupFailures:  s.warmupFailures.Load(),
		Last:            s.Store.LastPerSymbol(),
	}
}

package botgroup

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
	"github.com/tradebot-operator/tradebot-operator/internal/signalfeed"
	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
	"github.com/tradebot-operator/tradebot-operator/internal/trading"
)

// TaskSignals is the signal task's name in status.tasks.
const TaskSignals = "signals"

// Signal freshness: a closed kline that reaches the task later than
// signalStaleAfter past its close (a backfilled one, or one from a stream
// that stalled) still feeds the indicators, but no signal is reported from
// it: acting on old prices is worse than not acting.
const (
	signalStaleAfter = 10 * time.Second
	signalPruneEvery = time.Minute
)

// SignalOptions configure a group's signal task.
type SignalOptions struct {
	// Strategy is the parsed spec.strategy (or a SymbolWatch's spec.signals).
	Strategy signal.Config
	// Interval is the kline interval the strategy reads, such as "1m".
	Interval string
	// State is the resource's signal store, event budget and counters.
	State *SignalState
	// Announce emits a Kubernetes Event about a signal; it must not block.
	// action names the signal ("BUY BTCUSDT 2026-12-04T17:23:14Z"): Events
	// that differ only in their note are merged into one series by the
	// events library, so each signal needs an action of its own. nil: no
	// events.
	Announce func(reason, action, note string)
	// Metrics receives the signal figures (nil: none).
	Metrics *SignalMetrics
}

func (g *Group) runSignals(ctx context.Context) error {
	so := g.cfg.Signals
	if g.cfg.Feeds == nil {
		return supervisor.Permanent(errors.New("signals need the process's signal feeds"))
	}
	sink := g.newSignalSink()
	defer g.dropSignalSink(sink)
	keys := make([]signalfeed.Key, len(g.cfg.Symbols))
	for i, sym := range g.cfg.Symbols {
		keys[i] = signalfeed.Key{Stream: g.cfg.Endpoint.URLs().Stream, Symbol: sym, Interval: so.Interval, Strategy: so.Strategy}
	}
	// One feed per symbol and strategy, shared with every resource that
	// runs the same strategy on the same market: the strategy is computed
	// once, and the signal handed to each.
	sub, err := g.cfg.Feeds.Subscribe(keys, sink, g.warmupKlines)
	if err != nil {
		return supervisor.Permanent(fmt.Errorf("subscribing to signals: %w", err))
	}
	defer sub.Close()

	prune := time.NewTicker(signalPruneEvery)
	defer prune.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-sub.Done():
			if ctx.Err() != nil {
				return nil
			}
			return sub.Err()
		case <-prune.C:
			so.State.Store.Prune(g.cfg.Now())
			sink.reserve() // for the symbols pruning emptied
		}
	}
}

// warmupKlines fetches a feed's warm-up through the endpoint's coalesced,
// budgeted warm-up, on this group's call policy.
func (g *Group) warmupKlines(ctx context.Context, symbol, interval string, n int) ([]signal.Kline, error) {
	klines, err := g.cfg.Endpoint.RecentClosedKlines(ctx, g.cfg.Policy, symbol, interval, min(n, exchange.MaxRecentKlines), g.cfg.Now())
	if err != nil {
		return nil, err
	}
	out := make([]signal.Kline, len(klines))
	for i, k := range klines {
		out[i] = signal.Kline{Symbol: symbol, OpenTime: k.OpenTime, CloseTime: k.CloseTime,
			Open: k.Open, High: k.High, Low: k.Low, Close: k.Close}
	}
	return out, nil
}

// signalSink is a group's end of its signal feeds. Deliver runs for every
// subscriber of a feed before the last one has the signal, so it does no
// more than put the signal in the store; what it reads is copied here,
// first in the struct, rather than reached through the group: a feed
// delivers to each of its subscribers in turn, each one's memory cold
// after a second of other work, so every line read costs a miss.
type signalSink struct {
	store *signal.Store
	// clockOffset is the health view's ClockOffset, copied here by
	// publishHealth: reading it through the view cost two more misses.
	clockOffset atomic.Int64
	// minConfidence is strategy.MinConfidence (see signal.Config.Accepts).
	minConfidence float64

	ex *trading.Executor // nil: the group does not trade
	// counters are the group's tradebot_signals_total children, by symbol
	// and side (BUY, SELL), resolved once.
	counters []symbolCounters
	g        *Group
	state    *SignalState
	metrics  *SignalMetrics
	res      resource
}

type symbolCounters struct {
	symbol string
	side   [2]prometheus.Counter
}

func (g *Group) newSignalSink() *signalSink {
	so := g.cfg.Signals
	s := &signalSink{g: g, minConfidence: so.Strategy.MinConfidence,
		state: so.State, store: so.State.Store, metrics: so.Metrics, res: resourceLabels(g.cfg.Meta)}
	if g.trading != nil {
		s.ex = g.trading.ex
	}
	if m := so.Metrics; m != nil {
		for _, sym := range g.cfg.Symbols {
			s.counters = append(s.counters, symbolCounters{symbol: sym, side: [2]prometheus.Counter{
				m.signals.WithLabelValues(s.res.namespace, s.res.kind, s.res.name, sym, string(signal.Buy)),
				m.signals.WithLabelValues(s.res.namespace, s.res.kind, s.res.name, sym, string(signal.Sell)),
			}})
		}
	}
	s.reserve()
	// Under sinkMu, so that an offset published meanwhile is not
	// overwritten by an older one: the view holds it before publishing.
	g.sinkMu.Lock()
	s.clockOffset.Store(int64(g.health.ClockOffset()))
	g.sink = s
	g.sinkMu.Unlock()
	return s
}

// reserve makes room in the store for each symbol's next signal, so that
// Deliver allocates nothing (see signal.Store.Reserve).
func (s *signalSink) reserve() {
	for _, sym := range s.g.cfg.Symbols {
		s.store.Reserve(sym)
	}
}

// dropSignalSink stops publishHealth's updates of s.
func (g *Group) dropSignalSink(s *signalSink) {
	g.sinkMu.Lock()
	if g.sink == s {
		g.sink = nil
	}
	g.sinkMu.Unlock()
}

// What Deliver made of a signal, for Settle.
const (
	signalStored signalfeed.Outcome = iota + 1
	signalStale
	signalBelowConfidence
)

// Deliver stores a signal worth reporting, one from fresh data at or above
// minConfidence, recorded at the feed's now. Everything else waits for
// Settle. It allocates nothing: the store had room made for the signal
// when the sink started or when it settled the one before.
func (s *signalSink) Deliver(d *signalfeed.Delivery, now time.Time) signalfeed.Outcome {
	switch {
	case klineIsStale(d, time.Duration(s.clockOffset.Load())):
		return signalStale
	case d.Signal.Confidence < s.minConfidence:
		return signalBelowConfidence
	}
	s.store.PutPreparedAt(d.Prepared, now)
	return signalStored
}

func (s *signalSink) symbolCounters(symbol string) *symbolCounters {
	for i := range s.counters {
		if s.counters[i].symbol == symbol {
			return &s.counters[i]
		}
	}
	return nil
}

// Settle counts an ignored signal; or counts a stored one and its latency
// (to stored, when the feed saw Deliver done), offers it to the trading
// executor, records and announces it and asks for a status refresh. None
// of it is in Deliver, so that none of it delays the next group's store:
// the executor's hand-off wakes its goroutine, and every group observing
// one shared latency histogram made the CPUs serving a feed's subscribers
// contend for its counters.
func (s *signalSink) Settle(d *signalfeed.Delivery, o signalfeed.Outcome, stored time.Time) {
	switch o {
	case signalStale:
		s.state.stale.Add(1)
		s.metrics.ignoredInc(s.res, "stale_data")
		return
	case signalBelowConfidence:
		s.state.belowConfidence.Add(1)
		s.metrics.ignoredInc(s.res, "below_confidence")
		return
	}
	// Room for this symbol's next signal, now rather than in its Deliver.
	s.store.Reserve(d.Signal.Symbol)
	if s.ex != nil {
		s.ex.Offer(d.Prepared)
	}
	if c := s.symbolCounters(d.Signal.Symbol); c != nil {
		side := 0
		if d.Signal.Side == signal.Sell {
			side = 1
		}
		c.side[side].Inc()
		s.metrics.latency.Observe(max(stored.Sub(d.Received), 0).Seconds())
	}
	g, sig := s.g, d.Signal
	// The point is built only for a recorder: a thousand groups building
	// one each for nothing on every signal was most of the garbage a
	// signal left, and so of the collections that could stall the next.
	if g.cfg.Recorder != nil {
		g.record(recording.SignalPoint(g.cfg.Meta, recording.Signal{
			Symbol: sig.Symbol, Strategy: sig.Strategy, Side: string(sig.Side),
			Confidence: sig.Confidence, Price: sig.Price, Reason: sig.Reason(), Time: sig.KlineClose,
		}))
	}
	g.announce(sig, g.cfg.Now())
	g.cfg.Notify()
}

func (s *signalSink) WarmupFailed() { s.g.cfg.Signals.State.warmupFailures.Add(1) }

// klineIsStale reports whether a closed kline is too old to act on: it was
// backfilled after a gap, or arrived long after it closed (by the
// exchange's clock, corrected by the measured offset).
func klineIsStale(d *signalfeed.Delivery, clockOffset time.Duration) bool {
	if d.Backfilled {
		return true
	}
	closedAt := d.Signal.KlineClose.Add(-clockOffset)
	return d.Received.Sub(closedAt) > signalStaleAfter
}

// announce emits an Event for sig unless the resource's event budget says
// to fold it into a later one.
func (g *Group) announce(sig signal.Signal, now time.Time) {
	so := g.cfg.Signals
	if so.Announce == nil {
		return
	}
	d := so.State.Budget.Allow(sig.Symbol+"/"+string(sig.Side), now)
	if !d.Emit {
		so.Metrics.eventInc("folded")
		return
	}
	so.Metrics.eventInc("emitted")
	note := fmt.Sprintf("%s %s at %s, confidence %.4f: %s%s", sig.Side, sig.Symbol, sig.Price, sig.Confidence, sig.Reason(), d.Suffix())
	action := fmt.Sprintf("%s %s %s", sig.Side, sig.Symbol, sig.KlineClose.UTC().Format(time.RFC3339))
	so.Announce("Signal", action, note)
}

// resource names a group's resource in metrics.
type resource struct{ namespace, kind, name string }

func resourceLabels(m recording.Meta) resource { return resource{m.Namespace, m.Kind, m.Name} }

func (m *SignalMetrics) ignoredInc(r resource, reason string) {
	if m != nil {
		m.ignored.WithLabelValues(r.namespace, r.kind, r.name, reason).Inc()
	}
}

func (m *SignalMetrics) eventInc(result string) {
	if m != nil {
		m.events.WithLabelValues(result).Inc()
	}
}

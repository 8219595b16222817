package botgroup

import (
	"context"
	"fmt"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/marketdata"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
	"github.com/tradebot-operator/tradebot-operator/internal/runtime"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
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
	// warmupTimeout bounds one symbol's REST warm-up; a symbol whose
	// warm-up fails warms up from live klines instead.
	warmupTimeout = 30 * time.Second
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

// symbolSeries is one symbol's strategy and the newest kline it has read.
type symbolSeries struct {
	strategy signal.Strategy
	lastOpen time.Time
}

func (g *Group) runSignals(ctx context.Context) error {
	so := g.cfg.Signals
	streams := make([]string, len(g.cfg.Symbols))
	for i, s := range g.cfg.Symbols {
		streams[i] = marketdata.KlineStream(s, so.Interval)
	}
	// Closed klines only, pulled: a thousand bots on one stream are woken
	// once per closed kline each, not also at every kline update.
	sub, err := g.cfg.Hub.Subscribe(g.cfg.Endpoint.URLs().Stream, streams,
		marketdata.SubscribeOptions{OnlyClosedKlines: true, Pull: true})
	if err != nil {
		return runtime.Permanent(fmt.Errorf("subscribing to klines for signals: %w", err))
	}
	defer sub.Close()

	// Subscribed first, warmed up second: klines that close during the
	// warm-up wait in the subscription and are skipped if the warm-up
	// already had them, so nothing is missed or read twice.
	series := make(map[string]*symbolSeries, len(g.cfg.Symbols))
	for _, sym := range g.cfg.Symbols {
		s, err := g.newSeries(ctx, sym)
		if err != nil {
			return runtime.Permanent(err)
		}
		series[sym] = s
	}

	prune := time.NewTicker(signalPruneEvery)
	defer prune.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-sub.Done():
			return subscriptionEnded(ctx, "kline")
		case <-sub.Ready():
			for ev, ok := sub.Next(); ok; ev, ok = sub.Next() {
				s := series[ev.Symbol]
				switch {
				case s == nil:
				case ev.Kind == marketdata.KindGap:
					// Klines were lost for good: indicators computed
					// across the hole would be wrong, so the symbol
					// starts over.
					fresh, err := g.newSeries(ctx, ev.Symbol)
					if err != nil {
						return runtime.Permanent(err)
					}
					series[ev.Symbol] = fresh
				case ev.Kind == marketdata.KindKline && ev.Kline.Closed:
					g.onClosedKline(s, ev)
				}
			}
		case <-prune.C:
			so.State.Store.Prune(g.cfg.Now())
		}
	}
}

// newSeries builds a symbol's strategy and warms it up with the last closed
// klines over REST, through the endpoint's coalesced, budgeted warm-up.
func (g *Group) newSeries(ctx context.Context, symbol string) (*symbolSeries, error) {
	so := g.cfg.Signals
	st, err := signal.New(so.Strategy, symbol)
	if err != nil {
		return nil, fmt.Errorf("strategy for %s: %w", symbol, err)
	}
	s := &symbolSeries{strategy: st}
	n := st.WarmupKlines()
	if n == 0 {
		return s, nil
	}
	wctx, cancel := context.WithTimeout(ctx, warmupTimeout)
	defer cancel()
	klines, err := g.cfg.Endpoint.RecentClosedKlines(wctx, g.cfg.Policy, symbol, so.Interval, min(n, exchange.MaxRecentKlines), g.cfg.Now())
	if err != nil {
		if ctx.Err() == nil {
			so.State.warmupFailures.Add(1)
		}
		return s, nil
	}
	for _, k := range klines {
		// Signals of the past are not reported: they only prime the
		// indicators.
		s.strategy.Update(signal.Kline{
			Symbol: symbol, OpenTime: k.OpenTime, CloseTime: k.CloseTime,
			Open: k.Open, High: k.High, Low: k.Low, Close: k.Close,
		})
		s.lastOpen = k.OpenTime
	}
	return s, nil
}

// onClosedKline feeds one closed kline to its symbol's strategy and reports
// the signal it gives, if it is worth reporting.
func (g *Group) onClosedKline(s *symbolSeries, ev marketdata.Event) {
	k := ev.Kline
	if !k.OpenTime.After(s.lastOpen) {
		return // already read during the warm-up
	}
	s.lastOpen = k.OpenTime
	sig, ok := s.strategy.Update(signal.Kline{
		Symbol: ev.Symbol, OpenTime: k.OpenTime, CloseTime: k.CloseTime,
		Open: k.Open, High: k.High, Low: k.Low, Close: k.Close,
	})
	if !ok {
		return
	}
	so := g.cfg.Signals
	res := resourceLabels(g.cfg.Meta)
	switch {
	case g.klineIsStale(ev):
		so.State.stale.Add(1)
		so.Metrics.ignoredInc(res, "stale_data")
		return
	case !so.Strategy.Accepts(sig):
		so.State.belowConfidence.Add(1)
		so.Metrics.ignoredInc(res, "below_confidence")
		return
	}
	so.State.Store.Put(sig)
	now := g.cfg.Now()
	so.Metrics.signalObserved(res, sig, now.Sub(ev.Received))
	g.record(recording.SignalPoint(g.cfg.Meta, recording.Signal{
		Symbol: sig.Symbol, Strategy: sig.Strategy, Side: string(sig.Side),
		Confidence: sig.Confidence, Price: sig.Price, Reason: sig.Reason, Time: sig.KlineClose,
	}))
	g.announce(sig, now)
	g.cfg.Notify()
}

// klineIsStale reports whether a closed kline is too old to act on: it was
// backfilled after a gap, or arrived long after it closed (by the
// exchange's clock, corrected by the measured offset).
func (g *Group) klineIsStale(ev marketdata.Event) bool {
	if ev.Backfilled {
		return true
	}
	closedAt := ev.Kline.CloseTime.Add(-g.prober.ClockOffset())
	return ev.Received.Sub(closedAt) > signalStaleAfter
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
	note := fmt.Sprintf("%s %s at %s, confidence %.4f: %s%s", sig.Side, sig.Symbol, sig.Price, sig.Confidence, sig.Reason, d.Suffix())
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

func (m *SignalMetrics) signalObserved(r resource, s signal.Signal, latency time.Duration) {
	if m != nil {
		m.signals.WithLabelValues(r.namespace, r.kind, r.name, s.Symbol, string(s.Side)).Inc()
		m.latency.Observe(max(latency, 0).Seconds())
	}
}

func (m *SignalMetrics) eventInc(result string) {
	if m != nil {
		m.events.WithLabelValues(result).Inc()
	}
}

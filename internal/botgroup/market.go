package botgroup

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/shopspring/decimal"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/marketdata"
	"github.com/tradebot-operator/tradebot-operator/internal/marketrecord"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
	"github.com/tradebot-operator/tradebot-operator/internal/redact"
	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
)

// How often the market-data task takes its pending events and republishes
// the group's snapshot: events may arrive hundreds of times a second. A
// group that trades sizes its orders from the snapshot's prices; one that
// only watches is read for status every few seconds, and waking ten
// thousand of them four times a second was most of the operator's CPU.
// The first event is published as soon as it comes either way.
const (
	marketPublishEvery         = 250 * time.Millisecond
	marketPublishEveryWatching = time.Second
)

// SymbolMarket is the latest market state of one symbol.
type SymbolMarket struct {
	LastPrice decimal.Decimal
	// PriceChangePercent24h is from the 24 h ticker (zero without one).
	PriceChangePercent24h decimal.Decimal
	UpdatedAt             time.Time
}

// MarketSnapshot is what the group's market-data task has seen.
type MarketSnapshot struct {
	// Subscribed is true once the hub accepted the group's streams.
	Subscribed bool
	Streams    int
	// Reconnects counts lost connections that carried the group's streams.
	Reconnects int64
	// LastEvent is when the newest event arrived; Lag is how far it
	// trailed the exchange's event time.
	LastEvent time.Time
	Lag       time.Duration
	// ClosedKlines counts closed klines received (live and backfilled).
	ClosedKlines int64
	// Dropped counts events lost to a full queue; Gaps the gaps reported.
	Dropped, Gaps int64
	// Symbols maps a symbol to its latest prices, when the group keeps
	// them (Config.Prices; nil otherwise). The map is never modified once
	// published.
	Symbols map[string]SymbolMarket
	// Stale is how many of the group's streams have been silent for longer
	// than their kind's bound, StaleStreams names the first few, and
	// Redials counts silent connections the hub dialled again.
	Stale        int
	StaleStreams []string
	Redials      int64
	// LastError is why the subscription failed, if it did.
	LastError string
}

// marketState is the market-data task's own, unpublished state.
type marketState struct {
	snap  MarketSnapshot
	dirty bool
	// prices: keep snap.Symbols (Config.Prices).
	prices bool
	// ownCopy: the group records its own copy of market data; seqs rank
	// its ticker points within their millisecond, per stream.
	ownCopy bool
	seqs    map[string]*recording.MilliSeq
}

// marketMode is the group's market-data recording mode, the API's
// default when unset.
func (g *Group) marketMode() tradingv1alpha1.MarketDataRecording {
	if g.cfg.MarketData == "" {
		return tradingv1alpha1.MarketDataShared
	}
	return g.cfg.MarketData
}

// leaseSharedMarket has the group's streams recorded once for everyone
// sharing them, when the group records and its mode is Shared.
func (g *Group) leaseSharedMarket() (*marketrecord.Lease, error) {
	if g.cfg.Recorder == nil || g.cfg.SharedMarket == nil || g.marketMode() != tradingv1alpha1.MarketDataShared {
		return nil, nil
	}
	return g.cfg.SharedMarket.Acquire(g.cfg.MarketTarget, g.cfg.Streams)
}

// published is a copy of the state that is safe to publish: the task keeps
// writing its own Symbols map, so readers get a clone.
func (st *marketState) published() MarketSnapshot {
	snap := st.snap
	if st.prices {
		snap.Symbols = maps.Clone(st.snap.Symbols)
	}
	return snap
}

func (g *Group) runMarketData(ctx context.Context) error {
	// Pulled, not pushed: a wake-up takes everything pending, with no
	// goroutine hand-off per event (thousands of bots share a few
	// symbols' events). Open-kline updates are skipped where a ticker
	// stream of the symbol gives its price anyway.
	sub, err := g.cfg.Hub.Subscribe(g.cfg.Endpoint.URLs().Stream, g.cfg.Streams,
		marketdata.SubscribeOptions{Pull: true, OnlyClosedKlines: tickersCoverKlines(g.cfg.Streams)})
	if err != nil {
		// Stream names come from a validated spec: retrying cannot help.
		g.publishMarket(func(m *MarketSnapshot) { m.LastError = redact.URLsIn(err.Error()) })
		return supervisor.Permanent(fmt.Errorf("subscribing to market data: %w", err))
	}
	defer sub.Close()
	lease, err := g.leaseSharedMarket()
	if err != nil {
		return fmt.Errorf("recording shared market data: %w", err)
	}
	defer lease.Release()

	st := &marketState{snap: MarketSnapshot{Subscribed: true, Streams: len(g.cfg.Streams)},
		prices:  g.cfg.Prices,
		ownCopy: g.cfg.Recorder != nil && g.marketMode() == tradingv1alpha1.MarketDataPerResource,
		seqs:    map[string]*recording.MilliSeq{}}
	if st.prices {
		st.snap.Symbols = map[string]SymbolMarket{}
	}
	g.publishMarket(func(m *MarketSnapshot) { *m = st.published() })
	every := marketPublishEveryWatching
	if g.trading != nil {
		every = marketPublishEvery
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	// Until the first event is published, one wakes the task at once;
	// after it, pending events wait for the tick that publishes them (they
	// carry their own arrival time), so a bot wakes once per tick rather
	// than once more per event of each of its streams.
	ready := sub.Ready()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-sub.Done():
			return subscriptionEnded(ctx, "market data")
		case <-ready:
		case <-tick.C:
		}
		for {
			ev, ok := sub.Next()
			if !ok {
				break
			}
			g.applyEvent(st, ev)
		}
		// Staleness is news even when no event comes: that is when
		// it matters.
		fr := sub.Freshness(g.cfg.Now())
		if fr.Stale != st.snap.Stale || fr.Redials != st.snap.Redials {
			st.snap.Stale, st.snap.StaleStreams, st.snap.Redials = fr.Stale, fr.StaleStreams, fr.Redials
			st.dirty = true
			g.cfg.Notify()
		}
		if !st.dirty {
			continue
		}
		stats := sub.Stats()
		st.snap.Reconnects, st.snap.Dropped, st.snap.Gaps = stats.Reconnects, stats.Dropped, stats.Gaps
		snap := st.published()
		first := g.market.Load().LastEvent.IsZero()
		g.publishMarket(func(m *MarketSnapshot) { *m = snap })
		st.dirty = false
		if first {
			g.cfg.Notify()
		}
		if !snap.LastEvent.IsZero() {
			ready = nil
		}
	}
}

// tickersCoverKlines reports whether every symbol with a kline stream among
// streams also has a ticker stream: then open-kline updates add nothing
// the task needs (closed klines still come, and the ticker gives the last
// price every second).
func tickersCoverKlines(streams []string) bool {
	tickers := map[string]bool{}
	var klines []string
	for _, s := range streams {
		n, err := marketdata.ParseStream(s)
		if err != nil {
			return false
		}
		switch n.Kind {
		case marketdata.KindTicker, marketdata.KindMiniTicker:
			tickers[n.Symbol] = true
		case marketdata.KindKline:
			klines = append(klines, n.Symbol)
		}
	}
	for _, sym := range klines {
		if !tickers[sym] {
			return false
		}
	}
	return true
}

// applyEvent folds one event into the task's state and records it.
func (g *Group) applyEvent(st *marketState, ev marketdata.Event) {
	now := ev.Received
	st.dirty = true
	if !ev.Backfilled {
		st.snap.LastEvent = now
		if !ev.EventTime.IsZero() {
			st.snap.Lag = max(now.Sub(ev.EventTime), 0)
		}
	}
	switch ev.Kind {
	case marketdata.KindGap:
		return
	case marketdata.KindKline:
		if ev.Kline.Closed {
			st.snap.ClosedKlines++
		}
	}
	if st.prices && ev.Symbol != "" {
		st.snap.Symbols[ev.Symbol] = priceAfter(st.snap.Symbols[ev.Symbol], ev)
	}
	if st.ownCopy {
		g.recordOwnCopy(st, ev)
	}
}

// priceAfter is a symbol's latest prices updated by ev, one of its events.
func priceAfter(sym SymbolMarket, ev marketdata.Event) SymbolMarket {
	now := ev.Received
	switch ev.Kind {
	case marketdata.KindTicker, marketdata.KindMiniTicker:
		t := ev.Ticker
		sym.LastPrice, sym.UpdatedAt = t.LastPrice, now
		if ev.Kind == marketdata.KindTicker {
			sym.PriceChangePercent24h = t.PriceChangePercent
		}
	case marketdata.KindTrade, marketdata.KindAggTrade:
		sym.LastPrice, sym.UpdatedAt = ev.Trade.Price, now
	case marketdata.KindBookTicker:
		b := ev.BookTicker
		if sym.LastPrice.IsZero() {
			sym.LastPrice = b.BidPrice.Add(b.AskPrice).Div(decimal.NewFromInt(2))
		}
		sym.UpdatedAt = now
	case marketdata.KindKline:
		if sym.LastPrice.IsZero() || !ev.Backfilled {
			sym.LastPrice, sym.UpdatedAt = ev.Kline.Close, now
		}
	}
	return sym
}

// recordOwnCopy writes the group's own copy of a market event (marketData
// PerResource), tagged by the resource, with the timestamps shared points
// get (see docs/recording.md).
func (g *Group) recordOwnCopy(st *marketState, ev marketdata.Event) {
	seq := st.seqs[ev.Stream]
	if seq == nil {
		seq = &recording.MilliSeq{}
		st.seqs[ev.Stream] = seq
	}
	switch ev.Kind {
	case marketdata.KindTicker, marketdata.KindMiniTicker:
		at := marketrecord.EventTime(ev)
		t := ev.Ticker
		g.record(recording.TickPoint(g.cfg.Meta, recording.Tick{
			Symbol: ev.Symbol, Source: ev.Kind.String(), Price: t.LastPrice,
			Bid: t.BidPrice, Ask: t.AskPrice, Seq: seq.Next(at), Time: at,
		}))
	case marketdata.KindTrade, marketdata.KindAggTrade:
		t := ev.Trade
		g.record(recording.TickPoint(g.cfg.Meta, recording.Tick{
			Symbol: ev.Symbol, Source: ev.Kind.String(), Price: t.Price, Quantity: t.Qty,
			TradeID: t.ID, HasTradeID: true, Time: t.Time,
		}))
	case marketdata.KindKline:
		if ev.Kline.Closed {
			g.record(recording.KlinePoint(g.cfg.Meta, marketrecord.KlineOf(ev.Kline)))
		}
	}
}

// subscriptionEnded is what a task returns when its subscription's events
// stop: nothing when the task itself is being stopped, otherwise an error,
// so that the supervisor restarts it with a new subscription.
func subscriptionEnded(ctx context.Context, what string) error {
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("the market-data hub stopped the %s subscription", what)
}

func (g *Group) record(p recording.Point) {
	if g.cfg.Recorder != nil {
		g.cfg.Recorder.Write(p)
	}
}

// publishMarket publishes the market snapshot f makes of the last one.
func (g *Group) publishMarket(f func(*MarketSnapshot)) {
	now := g.cfg.Now()
	g.market.Update(func(old *publishedMarket) *publishedMarket {
		next := &publishedMarket{MarketSnapshot: old.MarketSnapshot, at: now}
		f(&next.MarketSnapshot)
		return next
	})
}

// publishedMarket is a published MarketSnapshot and when it was published.
type publishedMarket struct {
	MarketSnapshot
	at time.Time
}

package marketdata

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// stream is one subscribed stream of a feed, shared by all its subscribers.
// It orders and de-duplicates the stream's events (a rotation overlaps two
// connections; a reconnect repeats or skips events) before fanning them out.
type stream struct {
	name   string
	parsed StreamName
	feed   *feed
	conn   *conn // guarded by feed.mu
	// bound is how long the stream may be silent before it is stale, by
	// its kind; created is when it was first subscribed (hub clock, unix
	// ns), the reference for its silence until a message arrives.
	bound   time.Duration
	created int64

	lastMsg   atomic.Int64 // hub clock, unix ns, of the last message
	since     atomic.Int64 // hub clock, unix ns, of the last (re)subscription
	lastLag   atomic.Int64 // ns, of the last message
	lastResub atomic.Int64 // hub clock, unix ns, of the last stale resubscribe
	stale     atomic.Bool
	rejected  atomic.Bool // the exchange refused the stream
	// resubs counts stale resubscribes since the last message; once one
	// has not helped, the watchdog considers redialling the connection.
	resubs atomic.Int32

	mu   sync.Mutex // guards the fields below and orders fan-out
	subs []*Subscription
	// latest is the last latest-value event delivered (ticker, book ticker,
	// open kline), handed to new subscribers so they need not wait for the
	// next one; nil once a closed kline supersedes it.
	latest *Event
	// lastSeq is the newest trade id, aggregate id, book update id or
	// ticker event time (ms) delivered; seen says whether there is one.
	lastSeq       int64
	seen          bool
	lastTradeTime time.Time
	klines        *klineSeq // nil unless a kline stream
}

func newStream(f *feed, parsed StreamName, now time.Time) *stream {
	st := &stream{name: parsed.String(), parsed: parsed, feed: f,
		bound: f.hub.bounds.of(parsed.Kind), created: now.UnixNano()}
	st.since.Store(now.UnixNano())
	if parsed.Kind == KindKline {
		st.klines = &klineSeq{interval: parsed.Interval}
	}
	return st
}

func (st *stream) addSub(sub *Subscription) {
	st.mu.Lock()
	st.subs = append(st.subs, sub)
	if st.latest != nil {
		sub.putLatest(*st.latest)
	}
	st.mu.Unlock()
}

// removeSub removes sub and reports how many subscribers remain.
func (st *stream) removeSub(sub *Subscription) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.subs = slices.DeleteFunc(st.subs, func(s *Subscription) bool { return s == sub })
	return len(st.subs)
}

// touch records a message's arrival.
func (st *stream) touch(received, eventTime time.Time) {
	st.lastMsg.Store(received.UnixNano())
	st.lastLag.Store(int64(received.Sub(eventTime)))
	if st.stale.Load() {
		st.stale.Store(false)
	}
	if st.resubs.Load() != 0 {
		st.resubs.Store(0)
	}
}

func (st *stream) lastReceived() time.Time {
	if ns := st.lastMsg.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

func (st *stream) lag() time.Duration { return time.Duration(st.lastLag.Load()) }

// silentSince is the later of the last message and the last subscription:
// the watchdog gives a stream just (re)subscribed a full bound to speak.
func (st *stream) silentSince() time.Time {
	return time.Unix(0, max(st.lastMsg.Load(), st.since.Load()))
}

// staleAt reports whether the stream has delivered nothing for longer than
// its bound at now, counting from its last message or, before the first,
// from when it was first subscribed. Resubscribing does not make it fresh:
// only data does.
func (st *stream) staleAt(now time.Time) bool {
	return now.Sub(time.Unix(0, max(st.lastMsg.Load(), st.created))) >= st.bound
}

// handle orders one live event and fans it out.
func (st *stream) handle(ev Event) {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch ev.Kind {
	case KindKline:
		st.klines.process(st, ev)
	case KindTicker, KindMiniTicker:
		if st.advance(ev.EventTime.UnixMilli()) {
			st.emitLatest(ev)
		}
	case KindBookTicker:
		if st.advance(ev.BookTicker.UpdateID) {
			st.emitLatest(ev)
		}
	case KindTrade, KindAggTrade:
		st.handleTrade(ev)
	}
}

// advance accepts a sequence number newer than the last one.
func (st *stream) advance(seq int64) bool {
	if st.seen && seq <= st.lastSeq {
		return false
	}
	st.lastSeq, st.seen = seq, true
	return true
}

// handleTrade drops repeated trades and reports skipped trade ids, which
// Binance numbers consecutively per symbol, as a gap.
func (st *stream) handleTrade(ev Event) {
	t := ev.Trade
	if st.seen && t.ID <= st.lastSeq {
		return
	}
	if st.seen && t.ID > st.lastSeq+1 {
		st.emitGap(ev, &Gap{Reason: GapMissed, Dropped: t.ID - st.lastSeq - 1, From: st.lastTradeTime, To: t.Time})
	}
	st.lastSeq, st.seen, st.lastTradeTime = t.ID, true, t.Time
	st.emitQueued(ev)
}

func (st *stream) emitLatest(ev Event) {
	st.latest = &ev
	for _, sub := range st.subs {
		sub.putLatest(ev)
	}
}

func (st *stream) emitQueued(ev Event) {
	if ev.Kind == KindKline {
		st.latest = nil // the open kline it replaces is history now
	}
	for _, sub := range st.subs {
		sub.putQueued(ev)
	}
}

// rejectedGap is the marker telling a subscriber that the stream was
// refused.
func (st *stream) rejectedGap(now time.Time) Event {
	return Event{Stream: st.name, Symbol: st.parsed.Symbol, Kind: KindGap,
		Gap: &Gap{Reason: GapRejected, From: now, To: now}, EventTime: now, Received: now}
}

// emitGap sends a gap marker, shaped after the event that revealed it.
func (st *stream) emitGap(at Event, gap *Gap) {
	ev := Event{Stream: st.name, Symbol: st.parsed.Symbol, Kind: KindGap, Gap: gap,
		EventTime: at.EventTime, Received: at.Received}
	for _, sub := range st.subs {
		sub.putGap(ev)
	}
}

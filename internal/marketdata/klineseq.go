package marketdata

import (
	"time"
)

// maxHeldKlines bounds the closed klines held while a backfill runs; ones
// beyond it are dropped and fetched by the next backfill instead, since they
// leave a gap behind the last delivered kline.
const maxHeldKlines = 1024

// klineSeq makes a kline stream deliver every closed kline once, in order.
// A kline that opens later than the one after the last closed kline reveals
// a gap (a reconnect, a stall, a skipped close); the missing closed klines
// are fetched over REST while newer live ones are held, then delivered
// first. Its fields are guarded by the stream's lock.
type klineSeq struct {
	interval string
	// lastClosed is the open time of the last closed kline delivered (or,
	// before the first, of the kline before the first one seen).
	lastClosed time.Time
	// lastOpenEvent is the event time of the last open kline delivered, to
	// drop repeats while two connections overlap.
	lastOpenEvent time.Time

	backfilling bool
	held        []Event // closed klines that arrived during a backfill
	heldOpen    *Event  // the newest open kline that arrived during it
}

// process handles one live kline event.
func (ks *klineSeq) process(st *stream, ev Event) {
	if ks.backfilling {
		ks.hold(ev)
		return
	}
	k := ev.Kline
	if ks.lastClosed.IsZero() {
		// The first event sets the baseline: nothing before it is owed.
		ks.lastClosed = prevOpen(ks.interval, k.OpenTime)
	}
	next := nextOpen(ks.interval, ks.lastClosed)
	if k.OpenTime.Before(next) {
		return // already closed and delivered: a repeat or a late update
	}
	if k.OpenTime.After(next) {
		// The klines from next up to this one have closed unseen.
		if ks.startBackfill(st, next, k.OpenTime) {
			ks.hold(ev)
			return
		}
	}
	ks.deliver(st, ev)
}

// deliver fans out a kline that follows the last closed one.
func (ks *klineSeq) deliver(st *stream, ev Event) {
	k := ev.Kline
	if k.Closed {
		ks.lastClosed = k.OpenTime
		st.emitQueued(ev)
		return
	}
	if !ev.EventTime.After(ks.lastOpenEvent) {
		return
	}
	ks.lastOpenEvent = ev.EventTime
	st.emitLatest(ev)
}

func (ks *klineSeq) hold(ev Event) {
	if !ev.Kline.Closed {
		ks.heldOpen = &ev
		return
	}
	if len(ks.held) < maxHeldKlines {
		ks.held = append(ks.held, ev)
	}
}

// startBackfill starts fetching the closed klines opening in [from, until).
// Without a fetcher it reports the gap at once and returns false, so the
// caller delivers the event that revealed it.
func (ks *klineSeq) startBackfill(st *stream, from, until time.Time) bool {
	f := st.feed
	if f.fetcher == nil {
		ks.reportGap(st, from, until)
		return false
	}
	ks.backfilling = true
	f.hub.wg.Add(1)
	go f.backfill(st, from, until)
	return true
}

// reportGap tells subscribers that the klines opening in [from, until) are
// lost, and moves past them.
func (ks *klineSeq) reportGap(st *stream, from, until time.Time) {
	now := st.feed.hub.opts.Now()
	st.emitGap(Event{EventTime: now, Received: now}, &Gap{Reason: GapBackfillFailed, From: from, To: until})
	ks.lastClosed = prevOpen(ks.interval, until)
}

// finishBackfill delivers the fetched klines that close the gap up to
// until, reports what could not be fetched, then replays the events held
// meanwhile (which may start another backfill).
func (ks *klineSeq) finishBackfill(st *stream, klines []Kline, until time.Time) {
	ks.backfilling = false
	now := st.feed.hub.opts.Now()
	delivered := 0
	for i := range klines {
		k := klines[i]
		if !k.OpenTime.After(ks.lastClosed) || !k.OpenTime.Before(until) {
			continue
		}
		if next := nextOpen(ks.interval, ks.lastClosed); k.OpenTime.After(next) {
			ks.reportGap(st, next, k.OpenTime)
		}
		k.Symbol, k.Interval, k.Closed = st.parsed.Symbol, ks.interval, true
		ks.lastClosed = k.OpenTime
		st.emitQueued(Event{
			Stream: st.name, Symbol: st.parsed.Symbol, Kind: KindKline, Kline: &k,
			EventTime: k.CloseTime, Received: now, Backfilled: true,
		})
		delivered++
	}
	st.feed.noteBackfilled(delivered)
	if next := nextOpen(ks.interval, ks.lastClosed); next.Before(until) {
		ks.reportGap(st, next, until)
	}
	held, heldOpen := ks.held, ks.heldOpen
	ks.held, ks.heldOpen = nil, nil
	for _, ev := range held {
		ks.process(st, ev)
	}
	if heldOpen != nil {
		ks.process(st, *heldOpen)
	}
}

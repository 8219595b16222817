package marketdata

import (
	"sync"
	"time"
)

// itemClass says how a mailbox treats an event.
type itemClass uint8

const (
	// classLatest events (tickers, book tickers, open klines) replace the
	// stream's previous undelivered latest value.
	classLatest itemClass = iota + 1
	// classQueued events (closed klines, trades, gaps a stream reported)
	// must each be delivered; they count against the mailbox's capacity.
	classQueued
	// classGap is an overflow marker counting the queued events dropped
	// for a stream; at most one is pending per stream.
	classGap
)

type mailItem struct {
	ev    Event
	class itemClass
}

// mailbox is a subscriber's bounded, conflating queue. Events are delivered
// in the order they were put, except that a pending latest value is updated
// in place. Its length is bounded by twice the capacity plus three items per
// stream: queued items and reported gaps (at most capacity), one
// replaceable latest item and one overflow marker per stream, and latest
// items sealed by a later queued item or marker of their stream (at most one
// per such item).
type mailbox struct {
	capacity int
	wake     chan struct{} // capacity 1: "something was put"

	mu     sync.Mutex
	items  []mailItem
	head   int               // items[head:] are pending
	base   uint64            // absolute position of items[0]
	latest map[string]uint64 // stream -> absolute position of its replaceable latest item
	gaps   map[string]uint64 // stream -> absolute position of its pending overflow marker
	queued int               // pending classQueued items
	closed bool

	conflated, dropped, gapCount int64
}

func newMailbox(capacity int) *mailbox {
	return &mailbox{
		capacity: capacity,
		wake:     make(chan struct{}, 1),
		latest:   make(map[string]uint64),
		gaps:     make(map[string]uint64),
	}
}

func (m *mailbox) notify() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// putLatest stores ev as its stream's latest value. It reports whether an
// older undelivered value was replaced.
func (m *mailbox) putLatest(ev Event) (conflated bool) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return false
	}
	if pos, ok := m.latest[ev.Stream]; ok {
		m.items[pos-m.base].ev = ev
		m.conflated++
		m.mu.Unlock()
		return true
	}
	m.latest[ev.Stream] = m.push(mailItem{ev: ev, class: classLatest})
	m.mu.Unlock()
	m.notify()
	return false
}

// putQueued appends ev, or drops it when the queue is full and records the
// loss in the stream's pending gap marker. It reports whether ev was dropped
// and whether that added a gap marker.
func (m *mailbox) putQueued(ev Event) (dropped, newGap bool) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return false, false
	}
	if m.queued >= m.capacity {
		m.dropped++
		at := eventPosition(ev)
		newGap = m.markGapLocked(ev, 1, at, at)
		m.mu.Unlock()
		if newGap {
			m.notify()
		}
		return true, newGap
	}
	m.pushQueuedLocked(ev)
	m.mu.Unlock()
	m.notify()
	return false, false
}

// putGap queues a gap the stream reported (missed trades, klines that could
// not be backfilled). It takes a queue slot like any queued event; when
// there is none it is folded into the stream's overflow marker. It returns
// the reason of the marker it added, if any.
func (m *mailbox) putGap(ev Event) (added GapReason) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ""
	}
	if m.queued < m.capacity {
		m.pushQueuedLocked(ev)
		added = ev.Gap.Reason
	} else if m.markGapLocked(ev, ev.Gap.Dropped, ev.Gap.From, ev.Gap.To) {
		added = GapOverflow
	}
	m.mu.Unlock()
	m.notify()
	return added
}

func (m *mailbox) pushQueuedLocked(ev Event) {
	// A later value of the stream must not overtake this event.
	delete(m.latest, ev.Stream)
	m.push(mailItem{ev: ev, class: classQueued})
	m.queued++
	if ev.Kind == KindGap {
		m.gapCount++
	}
}

// markGapLocked records lost events of ev's stream, between from and to, in
// the stream's pending overflow marker, adding one if there is none (and
// reporting so). Only adding a marker seals the stream's latest value, which
// keeps the number of sealed items bounded by the queued items and markers.
func (m *mailbox) markGapLocked(ev Event, dropped int64, from, to time.Time) (added bool) {
	if pos, ok := m.gaps[ev.Stream]; ok {
		g := m.items[pos-m.base].ev.Gap
		g.Dropped += dropped
		if to.After(g.To) {
			g.To = to
		}
		return false
	}
	delete(m.latest, ev.Stream)
	gap := Event{
		Stream: ev.Stream, Symbol: ev.Symbol, Kind: KindGap,
		Gap:       &Gap{Reason: GapOverflow, Dropped: dropped, From: from, To: to},
		EventTime: ev.EventTime, Received: ev.Received,
	}
	m.gaps[ev.Stream] = m.push(mailItem{ev: gap, class: classGap})
	m.gapCount++
	return true
}

// eventPosition is where an event sits in its stream: a kline's open time or
// a trade's time, else the event time.
func eventPosition(ev Event) time.Time {
	switch {
	case ev.Kline != nil:
		return ev.Kline.OpenTime
	case ev.Trade != nil:
		return ev.Trade.Time
	}
	return ev.EventTime
}

// push appends an item and returns its absolute position.
func (m *mailbox) push(it mailItem) uint64 {
	if m.head > 0 && m.head >= len(m.items)/2 {
		n := copy(m.items, m.items[m.head:])
		clear(m.items[n:])
		m.items = m.items[:n]
		m.base += uint64(m.head)
		m.head = 0
	}
	m.items = append(m.items, it)
	return m.base + uint64(len(m.items)-1)
}

// take removes and returns the oldest pending event.
func (m *mailbox) take() (Event, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.head >= len(m.items) {
		return Event{}, false
	}
	pos := m.base + uint64(m.head)
	it := m.items[m.head]
	m.items[m.head] = mailItem{}
	m.head++
	switch it.class {
	case classLatest:
		if p, ok := m.latest[it.ev.Stream]; ok && p == pos {
			delete(m.latest, it.ev.Stream)
		}
	case classQueued:
		m.queued--
	case classGap:
		if p, ok := m.gaps[it.ev.Stream]; ok && p == pos {
			delete(m.gaps, it.ev.Stream)
		}
	}
	if m.head == len(m.items) {
		m.items, m.head = m.items[:0], 0
		m.base = pos + 1
	}
	return it.ev, true
}

// close drops every pending event and refuses later ones.
func (m *mailbox) close() {
	m.mu.Lock()
	m.closed = true
	m.items, m.head = nil, 0
	clear(m.latest)
	clear(m.gaps)
	m.queued = 0
	m.mu.Unlock()
}

// pending is the number of undelivered items.
func (m *mailbox) pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items) - m.head
}

func (m *mailbox) counts() (conflated, dropped, gaps int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.conflated, m.dropped, m.gapCount
}

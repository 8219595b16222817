package marketdata

import (
	"sync"
	"sync/atomic"
	"time"
)

// SubscribeOptions tune one subscription.
type SubscribeOptions struct {
	// Buffer is how many queued events (closed klines, trades) may wait for
	// the subscriber before further ones are dropped and reported as a gap
	// (default Options.SubscriberBuffer). Latest-value events (tickers, book
	// tickers, open klines) take one slot per stream whatever their rate.
	Buffer int
	// OnlyClosedKlines drops open-kline updates for this subscriber: a
	// strategy reads closed klines only, and waking a thousand of them at
	// every kline update (every second or two) to drop it costs more than
	// all their arithmetic.
	OnlyClosedKlines bool
	// Pull starts no goroutine for the subscription: instead of reading
	// Events (nil then), the subscriber waits on Ready and takes what is
	// pending with Next. That saves a goroutine hand-off per event, which
	// is most of the cost of a fan-out to a thousand subscribers.
	Pull bool
}

// Subscription is one subscriber's view of a set of streams on one
// endpoint. Its events arrive on Events (or, with SubscribeOptions.Pull,
// through Ready and Next) until Close is called or the hub stops, when the
// channel is closed (and Done is).
type Subscription struct {
	feed    *feed
	streams []*stream // fixed at Subscribe
	mb      *mailbox
	out     chan Event // nil in pull mode
	// closedOnly: open-kline updates are not delivered.
	closedOnly bool

	done      chan struct{} // closed by Close: the pump stops
	pumpDone  chan struct{}
	closeOnce sync.Once

	delivered atomic.Int64
	// reconnects and redials count lost and redialled connections that
	// carried the subscription's streams.
	reconnects, redials connEvents
}

// connEvents counts connection events (losses, redials) that touched a
// subscription, once per event however many of its streams the
// connection carried.
type connEvents struct {
	n    atomic.Int64
	last atomic.Uint64 // the feed's epoch of the last event counted here
}

// note counts the feed's event epoch unless it was counted already.
func (c *connEvents) note(epoch uint64) {
	if c.last.Swap(epoch) != epoch {
		c.n.Add(1)
	}
}

// Load is the number of events counted.
func (c *connEvents) Load() int64 { return c.n.Load() }

func newSubscription(f *feed, opts SubscribeOptions) *Subscription {
	s := &Subscription{
		feed:       f,
		mb:         newMailbox(opts.Buffer),
		closedOnly: opts.OnlyClosedKlines,
		done:       make(chan struct{}),
		pumpDone:   make(chan struct{}),
	}
	if opts.Pull {
		close(s.pumpDone) // no pump
	} else {
		s.out = make(chan Event)
	}
	return s
}

// start starts the pump of a subscription that has one.
func (s *Subscription) start() {
	if s.out != nil {
		go s.pump()
	}
}

// Ready receives a value when events may be pending for Next (pull mode):
// take them all with Next, then wait again.
func (s *Subscription) Ready() <-chan struct{} { return s.mb.wake }

// Next takes the next pending event, in the order Events would deliver it
// (pull mode). It reports false when none is pending.
func (s *Subscription) Next() (Event, bool) {
	ev, ok := s.mb.take()
	if ok {
		s.delivered.Add(1)
	}
	return ev, ok
}

// Done is closed when the subscription ends: Close was called or the hub
// stopped.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Events delivers the subscription's events: for each stream in order, with
// latest-value events conflated while the subscriber is busy. It is closed
// when the subscription ends.
func (s *Subscription) Events() <-chan Event { return s.out }

// Streams returns the names of the subscription's streams, as Binance spells
// them.
func (s *Subscription) Streams() []string {
	names := make([]string, len(s.streams))
	for i, st := range s.streams {
		names[i] = st.name
	}
	return names
}

// Close ends the subscription: streams nobody else wants are unsubscribed,
// pending events are dropped and Events is closed. It is safe to call more
// than once and from the goroutine reading Events.
func (s *Subscription) Close() {
	s.closeOnce.Do(func() {
		s.feed.unsubscribe(s)
		s.mb.close()
		close(s.done)
	})
	<-s.pumpDone
}

// pump hands events from the mailbox to Events, one at a time, so the
// mailbox can keep conflating while the subscriber is busy.
func (s *Subscription) pump() {
	defer close(s.pumpDone)
	defer close(s.out)
	for {
		ev, ok := s.mb.take()
		if !ok {
			select {
			case <-s.mb.wake:
				continue
			case <-s.done:
				return
			}
		}
		select {
		case s.out <- ev:
			s.delivered.Add(1)
		case <-s.done:
			return
		}
	}
}

// putLatest, putQueued and putGap are called by the stream with its lock
// held; they never block.

func (s *Subscription) putLatest(ev Event) {
	if s.closedOnly && ev.Kind == KindKline {
		return
	}
	if s.mb.putLatest(ev) {
		s.feed.fm.conflated.Inc()
	}
}

func (s *Subscription) putQueued(ev Event) {
	dropped, newGap := s.mb.putQueued(ev)
	if dropped {
		s.feed.fm.dropped.Inc()
	}
	if newGap {
		s.feed.fm.gap(GapOverflow).Inc()
	}
}

func (s *Subscription) putGap(ev Event) {
	if reason := s.mb.putGap(ev); reason != "" {
		s.feed.fm.gap(reason).Inc()
	}
}

// MaxStaleStreams bounds Freshness.StaleStreams.
const MaxStaleStreams = 8

// Freshness says whether a subscription's streams deliver data, each judged
// by its kind's staleness bound (Options.StaleAfterByKind).
type Freshness struct {
	// Streams is the number of streams subscribed. Stale is how many have
	// delivered nothing for at least their kind's bound, counted from their
	// last event or, before the first, from when the hub was first asked
	// for the stream; a resubscribe or a redial does not make a stream fresh,
	// only data does. Rejected is how many the exchange refused; they are
	// not counted as stale.
	Streams, Stale, Rejected int
	// StaleStreams names the first MaxStaleStreams stale streams, in the
	// order they were subscribed; nil when none is stale.
	StaleStreams []string
	// NewestEvent is when the newest event of any of the streams arrived
	// (hub clock); zero before the first.
	NewestEvent time.Time
	// Redials counts connections carrying the subscription's streams that
	// were closed and dialled again because they had gone silent.
	Redials int64
}

// Fresh reports whether every stream is subscribed and none is stale.
func (f Freshness) Fresh() bool { return f.Stale == 0 && f.Rejected == 0 }

// Freshness reports on the subscription's streams as of now, which must
// come from the hub's clock (Options.Now). It takes no lock and allocates
// only to name stale streams, so a bot may call it before acting on every
// event.
func (s *Subscription) Freshness(now time.Time) Freshness {
	fr := Freshness{Streams: len(s.streams), Redials: s.redials.Load()}
	var newest int64
	for _, st := range s.streams {
		newest = max(newest, st.lastMsg.Load())
		switch {
		case st.rejected.Load():
			fr.Rejected++
		case st.staleAt(now):
			fr.Stale++
			if len(fr.StaleStreams) < MaxStaleStreams {
				fr.StaleStreams = append(fr.StaleStreams, st.name)
			}
		}
	}
	if newest != 0 {
		fr.NewestEvent = time.Unix(0, newest)
	}
	return fr
}

// SubscriptionStats describe one subscription.
type SubscriptionStats struct {
	// Streams is the number of streams subscribed.
	Streams int
	// Delivered counts events read from Events; Conflated counts
	// latest-value events replaced before they were read; Dropped counts
	// queued events lost to a full queue; Gaps counts gap markers queued.
	Delivered, Conflated, Dropped, Gaps int64
	// Pending is the number of events waiting to be read.
	Pending int
	// Reconnects counts lost connections that carried the subscription's
	// streams (rotations excluded); Redials connections closed and dialled
	// again because they had gone silent.
	Reconnects, Redials int64
	// LastEvent is when the newest event of any of its streams arrived,
	// and Lag that event's delay from the exchange's event time.
	LastEvent time.Time
	Lag       time.Duration
	// Stale is the number of its streams silent for their kind's staleness
	// bound, as the hub's watchdog last saw them (Freshness computes it at
	// a given time instead); Rejected the number the exchange refused.
	Stale, Rejected int
}

// Stats returns the subscription's figures.
func (s *Subscription) Stats() SubscriptionStats {
	conflated, dropped, gaps := s.mb.counts()
	st := SubscriptionStats{
		Streams:    len(s.streams),
		Delivered:  s.delivered.Load(),
		Conflated:  conflated,
		Dropped:    dropped,
		Gaps:       gaps,
		Pending:    s.mb.pending(),
		Reconnects: s.reconnects.Load(),
		Redials:    s.redials.Load(),
	}
	for _, str := range s.streams {
		if last := str.lastReceived(); last.After(st.LastEvent) {
			st.LastEvent, st.Lag = last, str.lag()
		}
		if str.stale.Load() {
			st.Stale++
		}
		if str.rejected.Load() {
			st.Rejected++
		}
	}
	return st
}

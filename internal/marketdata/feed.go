package marketdata

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/redact"
)

// feed is the hub's state for one stream URL: its streams, the connections
// carrying them and the subscriptions reading them.
type feed struct {
	hub     *Hub
	url     string // normalized: ws(s)://host[:port]
	shown   string // url without secrets, for logs and metric labels
	fm      *feedMetrics
	fetcher KlineFetcher

	backfillSlots chan struct{}

	mu         sync.RWMutex
	streams    map[string]*stream
	conns      []*conn
	subs       map[*Subscription]struct{}
	nextConnID int

	messages, reconnects, rotations atomic.Int64
	resubscribes, backfilled        atomic.Int64
	reconnectEpoch                  atomic.Uint64
	redials                         atomic.Int64
	redialEpoch                     atomic.Uint64
	lastEvent, lastLag              atomic.Int64 // unix ns; ns
	staleCount                      atomic.Int64
	pings                           atomic.Int64 // server pings answered
}

func newFeed(h *Hub, url string) *feed {
	f := &feed{
		hub:           h,
		url:           url,
		shown:         redact.URL(url),
		fm:            h.opts.Metrics.forURL(redact.URL(url)),
		backfillSlots: make(chan struct{}, maxConcurrentBackfills),
		streams:       make(map[string]*stream),
		subs:          make(map[*Subscription]struct{}),
	}
	if h.opts.Backfill != nil {
		f.fetcher = h.opts.Backfill(url)
	}
	return f
}

// subscribe registers sub for names, creating and assigning streams nobody
// had yet. The hub's lock is held, so its phase is stable.
func (f *feed) subscribe(sub *Subscription, names []StreamName) {
	now := f.hub.opts.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range names {
		key := n.String()
		st := f.streams[key]
		if st == nil {
			st = newStream(f, n, now)
			f.streams[key] = st
			f.assignLocked(st)
		}
		st.addSub(sub)
		sub.streams = append(sub.streams, st)
		if st.rejected.Load() {
			sub.putGap(st.rejectedGap(now))
		}
	}
	f.subs[sub] = struct{}{}
	f.fm.streams.Set(float64(len(f.streams)))
	f.fm.subscribers.Set(float64(len(f.subs)))
}

// assignLocked puts a new stream on the first connection with room, or on a
// new connection.
func (f *feed) assignLocked(st *stream) {
	var c *conn
	for _, candidate := range f.conns {
		if len(candidate.desired) < f.hub.opts.MaxStreamsPerConn {
			c = candidate
			break
		}
	}
	if c == nil {
		f.nextConnID++
		c = newConn(f, f.nextConnID)
		f.conns = append(f.conns, c)
		f.hub.startConnLocked(c)
	}
	c.desired[st.name] = st
	st.conn = c
	c.poke()
}

// unsubscribe removes sub; streams left without subscribers are
// unsubscribed, and connections left without streams are closed.
func (f *feed) unsubscribe(sub *Subscription) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.subs[sub]; !ok {
		return
	}
	delete(f.subs, sub)
	for _, st := range sub.streams {
		if st.removeSub(sub) > 0 {
			continue
		}
		delete(f.streams, st.name)
		c := st.conn
		delete(c.desired, st.name)
		if len(c.desired) == 0 {
			f.conns = slices.DeleteFunc(f.conns, func(x *conn) bool { return x == c })
			c.stop()
		} else {
			c.poke()
		}
	}
	f.fm.streams.Set(float64(len(f.streams)))
	f.fm.subscribers.Set(float64(len(f.subs)))
}

func (f *feed) lookup(name string) *stream {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.streams[name]
}

// dispatch decodes one message read by sess and hands it to its stream.
func (f *feed) dispatch(sess *session, msg []byte, received time.Time) {
	env, err := splitEnvelope(msg)
	if err != nil {
		f.fm.decodeErrors.Inc()
		f.hub.log.V(1).Info("undecodable message", "url", f.shown, "error", err.Error())
		return
	}
	switch {
	case env.reply != nil:
		if env.reply.Error != nil {
			f.hub.log.V(1).Info("control request refused", "url", f.shown, "id", string(env.reply.ID),
				"code", env.reply.Error.Code, "msg", env.reply.Error.Msg)
		}
		sess.gotReply(env.reply.ID, env.reply.Error != nil)
		return
	case env.stream == shutdownStream:
		sess.signalShutdown()
		return
	}
	st := f.lookup(env.stream)
	if st == nil {
		return // unsubscribed meanwhile, or a stream of the other connection in a rotation
	}
	sess.markData()
	ev, err := decodeEvent(st.parsed, env.data)
	if err != nil {
		f.fm.decodeErrors.Inc()
		f.hub.log.V(1).Info("undecodable event", "url", f.shown, "stream", st.name, "error", err.Error())
		return
	}
	ev.Stream, ev.Received = st.name, received
	if ev.EventTime.IsZero() {
		ev.EventTime = received
	}
	lag := received.Sub(ev.EventTime)
	st.touch(received, ev.EventTime)
	f.messages.Add(1)
	f.lastEvent.Store(received.UnixNano())
	f.lastLag.Store(int64(lag))
	f.fm.messages.Inc()
	f.fm.lag.Set(lag.Seconds())
	st.handle(ev)
}

// noteReconnect counts a lost connection for the feed and for every
// subscriber of the streams it carried.
func (f *feed) noteReconnect(c *conn) {
	f.reconnects.Add(1)
	f.fm.reconnects.Inc()
	f.noteSubscribers(c, f.reconnectEpoch.Add(1), func(s *Subscription) *connEvents { return &s.reconnects })
}

// reject marks a stream the exchange refused and tells its subscribers.
func (f *feed) reject(c *conn, name string) {
	f.mu.RLock()
	st := c.desired[name]
	f.mu.RUnlock()
	if st == nil || st.rejected.Swap(true) {
		return
	}
	f.hub.log.Error(nil, "the exchange refused a stream; its subscribers get a Rejected gap", "url", f.shown, "stream", name)
	gap := st.rejectedGap(f.hub.opts.Now())
	st.mu.Lock()
	for _, sub := range st.subs {
		sub.putGap(gap)
	}
	st.mu.Unlock()
}

func (f *feed) noteRotation() {
	f.rotations.Add(1)
	f.fm.rotations.Inc()
}

func (f *feed) noteBackfilled(n int) {
	if n > 0 {
		f.backfilled.Add(int64(n))
		f.fm.backfilled.Add(float64(n))
	}
}

// resubscribesBeforeRedial is how many stale resubscribes a stream gets
// before its connection is considered for a redial.
const resubscribesBeforeRedial = 1

// checkStale flags streams silent for their kind's bound and acts on them,
// at most once per bound each. A silent stream is first resubscribed on its
// connection. If it is still silent a bound later, and no other stream of
// the connection has delivered anything for that long either, the
// connection is redialled (with the reconnect backoff, which grows while
// redials bring nothing back). While another stream of the connection
// talks, the socket works and redialling would interrupt that stream, so
// the silent one is only resubscribed again.
func (f *feed) checkStale(now time.Time) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	stale := 0
	var overdue map[*conn][]*stream // silent after a resubscribe
	for _, st := range f.streams {
		if st.rejected.Load() {
			continue // nothing will come: its subscribers were told
		}
		silent := now.Sub(st.silentSince()) >= st.bound
		if silent {
			st.stale.Store(true) // cleared by the stream's next message
		}
		if st.stale.Load() {
			stale++
		}
		c := st.conn
		if !silent || !c.connected.Load() || now.Sub(time.Unix(0, st.lastResub.Load())) < st.bound {
			continue
		}
		st.lastResub.Store(now.UnixNano())
		if st.resubs.Load() < resubscribesBeforeRedial {
			st.resubs.Add(1)
			c.requestResubscribe(st.name)
			continue
		}
		if overdue == nil {
			overdue = make(map[*conn][]*stream)
		}
		overdue[c] = append(overdue[c], st)
	}
	for c, streams := range overdue {
		bound := streams[0].bound
		for _, st := range streams[1:] {
			bound = min(bound, st.bound)
		}
		if now.Sub(c.newestMessageLocked()) >= bound {
			c.requestRedial(now)
			continue
		}
		for _, st := range streams {
			c.requestResubscribe(st.name)
		}
	}
	f.staleCount.Store(int64(stale))
	f.fm.stale.Set(float64(stale))
}

// noteRedial counts a connection closed for silence, for the feed and for
// every subscriber of the streams it carried.
func (f *feed) noteRedial(c *conn) {
	f.redials.Add(1)
	f.fm.redials.Inc()
	f.noteSubscribers(c, f.redialEpoch.Add(1), func(s *Subscription) *connEvents { return &s.redials })
}

// noteSubscribers counts the event of epoch, once, for every subscriber of
// the streams c carried.
func (f *feed) noteSubscribers(c *conn, epoch uint64, counter func(*Subscription) *connEvents) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	for _, st := range c.desired {
		st.mu.Lock()
		for _, sub := range st.subs {
			counter(sub).note(epoch)
		}
		st.mu.Unlock()
	}
}

// FeedStats describe the hub's connections to one stream URL.
type FeedStats struct {
	// URL is the stream endpoint, ws(s)://host[:port].
	URL string
	// Connections is how many connections are open now; Streams and
	// Subscribers count distinct streams and open subscriptions.
	Connections, Streams, Subscribers int
	// Reconnects counts lost connections, Rotations planned replacements
	// (lifetime, serverShutdown), Redials connections closed and dialled
	// again because none of their streams delivered data even after a
	// resubscribe, Messages stream messages decoded, StaleResubscribes
	// streams resubscribed for silence and Backfilled closed klines
	// fetched over REST.
	Reconnects, Rotations, Redials, Messages, StaleResubscribes, Backfilled int64
	// LastEvent is when the newest message arrived and Lag its delay from
	// the exchange's event time.
	LastEvent time.Time
	Lag       time.Duration
	// Stale is the number of streams silent for their kind's staleness
	// bound (see Options.StaleAfterByKind), as the watchdog last saw them;
	// Rejected the number the exchange refused to subscribe.
	Stale, Rejected int
}

func (f *feed) stats() FeedStats {
	f.mu.RLock()
	s := FeedStats{URL: f.url, Streams: len(f.streams), Subscribers: len(f.subs)}
	for _, c := range f.conns {
		if c.connected.Load() {
			s.Connections++
		}
	}
	for _, st := range f.streams {
		if st.rejected.Load() {
			s.Rejected++
		}
	}
	f.mu.RUnlock()
	s.Reconnects = f.reconnects.Load()
	s.Rotations = f.rotations.Load()
	s.Redials = f.redials.Load()
	s.Messages = f.messages.Load()
	s.StaleResubscribes = f.resubscribes.Load()
	s.Backfilled = f.backfilled.Load()
	if ns := f.lastEvent.Load(); ns != 0 {
		s.LastEvent = time.Unix(0, ns)
	}
	s.Lag = time.Duration(f.lastLag.Load())
	s.Stale = int(f.staleCount.Load())
	return s
}

// desiredNames returns the names of the streams assigned to c that the
// exchange has not refused, sorted.
func (f *feed) desiredNames(c *conn) []string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	names := make([]string, 0, len(c.desired))
	for name, st := range c.desired {
		if !st.rejected.Load() {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// markSubscribed resets the staleness clock of streams just subscribed on a
// connection.
func (f *feed) markSubscribed(names []string, now time.Time) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	for _, n := range names {
		if st := f.streams[n]; st != nil {
			st.since.Store(now.UnixNano())
		}
	}
}

// combinedURL is the URL of a combined-stream connection carrying names.
func combinedURL(base string, names []string) string {
	if len(names) == 0 {
		return base + "/stream"
	}
	return base + "/stream?streams=" + strings.Join(names, "/")
}

package signalfeed

import (
	"context"
	"errors"
	"fmt"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"

	"github.com/tradebot-operator/tradebot-operator/internal/marketdata"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
)

// Key names one feed. Two subscriptions with equal keys share a feed.
type Key struct {
	// Stream is the market-data hub's stream endpoint (base URL).
	Stream   string
	Symbol   string
	Interval string
	// Strategy is the strategy and its parameters. MinConfidence is not
	// part of the key (Subscribe sets it to 1 for every feed): each
	// subscriber applies its own.
	Strategy signal.Config
}

// Delivery is one signal of a feed, as each subscriber receives it.
type Delivery struct {
	Signal signal.Signal
	// Prepared is Signal with its ID computed once for every subscriber's
	// store.
	Prepared signal.Prepared
	// Received is when the hub read the closed kline the signal was
	// computed on; Backfilled marks a kline fetched over REST after a gap.
	Received   time.Time
	Backfilled bool
}

// Subscriber receives a feed's signals. Its methods are called on the
// feed's goroutines; a subscriber of several feeds (several symbols) is
// called from each of them, concurrently.
type Subscriber interface {
	// Deliver receives a signal as soon as it is computed, before any
	// subscriber's Settle. d is shared by every subscriber: read it, never
	// modify or keep it. now is the feed's clock (Options.Now), read once
	// for a few subscribers just before their Deliver: the time to record
	// the signal at, so that each need not read the clock. Deliver must
	// be quick and must never block: other subscribers of the feed wait
	// for it. Anything that can wait (counting, hand-offs to other
	// goroutines) belongs in Settle. It returns what Settle needs to know
	// of the delivery, Skip for no Settle.
	Deliver(d *Delivery, now time.Time) Outcome
	// Settle does the slower work about a delivered signal (events,
	// recording, status, hand-offs). o is what Deliver returned; stored is
	// the feed's clock read after Deliver had returned: whatever Deliver
	// did was done by then. Settle must not block either.
	Settle(d *Delivery, o Outcome, stored time.Time)
	// WarmupFailed reports that the feed's REST warm-up failed: the
	// strategy warms up from live klines instead.
	WarmupFailed()
}

// Outcome is what a subscriber's Deliver made of a signal, handed back to
// its Settle. The feed tells only Skip from the rest, which mean what the
// subscriber makes them mean.
type Outcome uint8

// Skip: Settle is not wanted.
const Skip Outcome = 0

// WarmupFunc fetches the n most recent closed klines of symbol and interval,
// oldest first.
type WarmupFunc func(ctx context.Context, symbol, interval string, n int) ([]signal.Kline, error)

// Options configure a Feeds.
type Options struct {
	// Hub is the shared market-data hub. Required.
	Hub *marketdata.Hub
	// Logger receives panics recovered from subscribers.
	Logger logr.Logger
	// WarmupTimeout bounds one warm-up (default 30 s).
	WarmupTimeout time.Duration
	// Now is the clock of Deliver's now and Settle's stored (default
	// time.Now).
	Now func() time.Time
}

// Feeds runs the process's feeds. A feed starts with its first subscriber
// and stops with its last.
type Feeds struct {
	opts Options

	mu     sync.Mutex
	feeds  map[Key]*feed
	closed bool
	wg     sync.WaitGroup
}

// New returns an empty Feeds.
func New(o Options) *Feeds {
	if o.WarmupTimeout <= 0 {
		o.WarmupTimeout = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Feeds{opts: o, feeds: make(map[Key]*feed)}
}

// ErrClosed is the error of subscriptions ended by Close.
var ErrClosed = errors.New("signalfeed: closed")

// Close stops every feed and waits for their goroutines. Subscriptions
// still open end with ErrClosed.
func (fs *Feeds) Close() {
	fs.mu.Lock()
	fs.closed = true
	feeds := make([]*feed, 0, len(fs.feeds))
	for k, f := range fs.feeds {
		feeds = append(feeds, f)
		delete(fs.feeds, k)
	}
	fs.mu.Unlock()
	for _, f := range feeds {
		f.stop(ErrClosed)
	}
	fs.wg.Wait()
}

// Active reports how many feeds run: one per distinct Key subscribed.
func (fs *Feeds) Active() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.feeds)
}

// Subscribe adds s to the feed of each key, starting the feeds that do not
// run yet. warmup fetches the klines a new feed warms up with (nil: no
// REST warm-up); a feed keeps the warm-up of a subscriber still subscribed,
// for when it has to start over after a gap.
func (fs *Feeds) Subscribe(keys []Key, s Subscriber, warmup WarmupFunc) (*Subscription, error) {
	if len(keys) == 0 {
		return nil, errors.New("signalfeed: no keys to subscribe")
	}
	sub := &Subscription{fs: fs, s: s, warmup: warmup, done: make(chan struct{})}
	fs.mu.Lock()
	if fs.closed {
		fs.mu.Unlock()
		return nil, ErrClosed
	}
	for _, k := range keys {
		k.Strategy.MinConfidence = 1
		f := fs.feeds[k]
		if f == nil {
			var err error
			if f, err = fs.start(k, sub); err != nil {
				// Feeds started for the keys before this one stop again.
				stopped := fs.unsubscribeLocked(sub)
				fs.mu.Unlock()
				for _, f := range stopped {
					f.stop(nil)
				}
				return nil, err
			}
		} else {
			f.add(sub)
		}
		sub.feeds = append(sub.feeds, f)
	}
	fs.mu.Unlock()
	return sub, nil
}

// start creates and runs the feed of k with first as its subscriber.
// fs.mu is held. first is in place before the feed's goroutine starts, so
// that its warm-up finds first's WarmupFunc.
func (fs *Feeds) start(k Key, first *Subscription) (*feed, error) {
	st, err := signal.New(k.Strategy, k.Symbol)
	if err != nil {
		return nil, fmt.Errorf("signalfeed: strategy for %s: %w", k.Symbol, err)
	}
	hs, err := fs.opts.Hub.Subscribe(k.Stream, []string{marketdata.KlineStream(k.Symbol, k.Interval)},
		marketdata.SubscribeOptions{OnlyClosedKlines: true, Pull: true})
	if err != nil {
		return nil, fmt.Errorf("signalfeed: subscribing to %s klines of %s: %w", k.Interval, k.Symbol, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &feed{fs: fs, key: k, hub: hs, first: st, ctx: ctx, cancel: cancel, exited: make(chan struct{})}
	f.members.Store(newMembers([]*Subscription{first}))
	fs.feeds[k] = f
	fs.wg.Add(1)
	go func() {
		defer fs.wg.Done()
		defer close(f.exited)
		f.run()
	}()
	return f, nil
}

// unsubscribeLocked removes sub from its feeds, stopping those left
// without subscribers. fs.mu is held.
func (fs *Feeds) unsubscribeLocked(sub *Subscription) []*feed {
	var stopped []*feed
	for _, f := range sub.feeds {
		if f.remove(sub) == 0 && fs.feeds[f.key] == f {
			delete(fs.feeds, f.key)
			stopped = append(stopped, f)
		}
	}
	sub.feeds = nil
	return stopped
}

// Subscription is one subscriber's membership of one or more feeds.
type Subscription struct {
	// s and failed come first, in one cache line: the only fields a
	// delivery reads.
	s      Subscriber
	failed atomic.Bool // set before done closes; the feed skips it

	fs     *Feeds
	warmup WarmupFunc
	feeds  []*feed // guarded by fs.mu

	once sync.Once
	err  error
	done chan struct{}
}

// Done is closed when one of the subscription's feeds has ended (its
// market-data subscription failed, or the Feeds was closed) or the
// subscriber panicked; Err says why. A subscription closed by its owner is
// not Done.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Err is why Done was closed; nil before.
func (s *Subscription) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

func (s *Subscription) fail(err error) {
	s.once.Do(func() {
		s.failed.Store(true)
		s.err = err
		close(s.done)
	})
}

// Close leaves the subscription's feeds. Feeds left without subscribers
// stop, and Close waits for their goroutines, so that nothing the
// subscriber handed over is used afterwards. Close may be called more than
// once, but not from a Subscriber method.
func (s *Subscription) Close() {
	s.fs.mu.Lock()
	stopped := s.fs.unsubscribeLocked(s)
	s.fs.mu.Unlock()
	for _, f := range stopped {
		f.stop(nil)
	}
}

// feed is one strategy over one symbol's closed klines.
type feed struct {
	fs     *Feeds
	key    Key
	hub    *marketdata.Subscription
	first  signal.Strategy // the strategy built by start, before its warm-up
	ctx    context.Context
	cancel context.CancelFunc
	exited chan struct{}

	// members is replaced on every change (under fs.mu) and read without
	// a lock by the feed's goroutine.
	members atomic.Pointer[members]

	// deliver's results, reused from one signal to the next; owned by the
	// feed's goroutine.
	outcomes []Outcome
	stored   []time.Time // by piece
}

// members is a feed's subscribers.
type members struct {
	subs []*Subscription
	// to is each one's Subscriber, side by side, so that a delivery
	// reaches it without waiting for the Subscription (one more cold cache
	// line per subscriber), whose failed flag is loaded meanwhile.
	to []Subscriber
}

func newMembers(subs []*Subscription) *members {
	m := &members{subs: subs, to: make([]Subscriber, len(subs))}
	for i, s := range subs {
		m.to[i] = s.s
	}
	return m
}

func (f *feed) subs() []*Subscription { return f.members.Load().subs }

func (f *feed) add(s *Subscription) {
	old := f.subs()
	next := make([]*Subscription, len(old), len(old)+1)
	copy(next, old)
	f.members.Store(newMembers(append(next, s)))
}

// remove drops s and returns how many subscribers are left.
func (f *feed) remove(s *Subscription) int {
	old := f.subs()
	next := make([]*Subscription, 0, len(old))
	for _, o := range old {
		if o != s {
			next = append(next, o)
		}
	}
	f.members.Store(newMembers(next))
	return len(next)
}

// stop ends the feed and waits for its goroutine. err, when set, ends the
// subscriptions still attached.
func (f *feed) stop(err error) {
	f.cancel()
	<-f.exited
	if err != nil {
		for _, s := range f.subs() {
			s.fail(err)
		}
	}
}

// warmupFunc is the warm-up of a current subscriber.
func (f *feed) warmupFunc() WarmupFunc {
	for _, s := range f.subs() {
		if s.warmup != nil {
			return s.warmup
		}
	}
	return nil
}

// series is the feed's strategy and the newest kline it has read.
type series struct {
	strategy signal.Strategy
	lastOpen time.Time
}

func (f *feed) run() {
	defer f.hub.Close()
	// The hub subscription came first, the warm-up second: klines that
	// close during the warm-up wait in the subscription and are skipped if
	// the warm-up already had them.
	s := f.warm(f.first)
	for {
		select {
		case <-f.ctx.Done():
			return
		case <-f.hub.Done():
			f.end(fmt.Errorf("signalfeed: the market-data hub stopped the %s klines of %s", f.key.Interval, f.key.Symbol))
			return
		case <-f.hub.Ready():
			for ev, ok := f.hub.Next(); ok; ev, ok = f.hub.Next() {
				switch {
				case ev.Kind == marketdata.KindGap:
					// Klines were lost for good: indicators computed across
					// the hole would be wrong, so the series starts over.
					st, err := signal.New(f.key.Strategy, f.key.Symbol)
					if err != nil { // cannot happen: start built one
						f.end(err)
						return
					}
					s = f.warm(st)
				case ev.Kind == marketdata.KindKline && ev.Kline.Closed:
					f.onClosedKline(&s, ev)
				}
			}
		}
	}
}

// end fails every subscription and leaves the Feeds' map, so that the next
// Subscribe starts a fresh feed.
func (f *feed) end(err error) {
	f.fs.mu.Lock()
	if f.fs.feeds[f.key] == f {
		delete(f.fs.feeds, f.key)
	}
	f.fs.mu.Unlock()
	for _, s := range f.subs() {
		s.fail(err)
	}
}

// warm primes st with the most recent closed klines over REST. Signals of
// the past are not delivered.
func (f *feed) warm(st signal.Strategy) series {
	s := series{strategy: st}
	n := st.WarmupKlines()
	warmup := f.warmupFunc()
	if n == 0 || warmup == nil {
		return s
	}
	ctx, cancel := context.WithTimeout(f.ctx, f.fs.opts.WarmupTimeout)
	defer cancel()
	klines, err := warmup(ctx, f.key.Symbol, f.key.Interval, n)
	if err != nil {
		if f.ctx.Err() == nil {
			for _, sub := range f.subs() {
				f.call(sub, func() { sub.s.WarmupFailed() })
			}
		}
		return s
	}
	for _, k := range klines {
		st.Update(k)
		s.lastOpen = k.OpenTime
	}
	return s
}

func (f *feed) onClosedKline(s *series, ev marketdata.Event) {
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
	d := Delivery{Signal: sig, Prepared: signal.Prepare(sig), Received: ev.Received, Backfilled: ev.Backfilled}
	m := f.members.Load()
	// Every subscriber has the signal before any does its slower work.
	outcomes, stored := f.deliver(m, &d)
	for i, sub := range m.subs {
		if o := outcomes[i]; o != Skip {
			f.call(sub, func() { sub.s.Settle(&d, o, stored[i/deliverPiece]) })
		}
	}
}

// deliverChunk is the fewest subscribers worth a helper goroutine when a
// signal is delivered: below it, waking one costs more than it saves.
const deliverChunk = 128

// deliverPiece is how many subscribers a goroutine serves before it takes
// the next piece.
const deliverPiece = 16

// deliver calls Deliver for every subscriber and returns their outcomes,
// and for each piece of deliverPiece subscribers the time by
// which their Deliver had returned (both reused from one signal to the
// next). Many subscribers are served by the feed's goroutine and up to
// GOMAXPROCS−1 helpers, each taking the next piece until none is left: so
// that a helper that is slow to be scheduled, or descheduled midway,
// holds back one piece rather than its share of the subscribers (a fixed
// split left half of them waiting on it).
//
// The clock is read twice a piece, not by each subscriber: on a virtual
// machine a clock read waits for every memory load before it, and each
// subscriber's memory is cold, so reading it per subscriber made every
// cache miss of one wait for those of the one before.
func (f *feed) deliver(m *members, d *Delivery) ([]Outcome, []time.Time) {
	subs := m.subs
	pieces := (len(subs) + deliverPiece - 1) / deliverPiece
	if cap(f.outcomes) < len(subs) {
		f.outcomes = make([]Outcome, len(subs))
	}
	if cap(f.stored) < pieces {
		f.stored = make([]time.Time, pieces)
	}
	outcomes, stored := f.outcomes[:len(subs)], f.stored[:pieces]
	clear(outcomes)
	var next atomic.Int64
	run := func() {
		for {
			p := int(next.Add(1)) - 1
			if p >= pieces {
				return
			}
			lo := p * deliverPiece
			hi := min(lo+deliverPiece, len(subs))
			now := f.fs.opts.Now()
			for i := lo; i < hi; {
				i = f.deliverFrom(m, d, now, outcomes, i, hi)
			}
			stored[p] = f.fs.opts.Now()
		}
	}
	helpers := 0
	if len(subs) >= deliverChunk {
		helpers = min(goruntime.GOMAXPROCS(0)-1, pieces-1)
	}
	var wg sync.WaitGroup
	for range helpers {
		wg.Go(run)
	}
	if helpers > 0 {
		// A new goroutine waits in this P's run queue, where no other P
		// looks while its own is empty and the garbage collector's idle
		// mark worker runs there: during a collection a helper waited
		// milliseconds, all its pieces held back. Yielding puts the feed
		// in the global queue, which that worker checks, and runs a
		// helper here at once.
		goruntime.Gosched()
	}
	run()
	wg.Wait()
	return outcomes, stored
}

// deliverFrom calls Deliver for subs[i:hi], recording their outcomes, and
// returns hi; or, when one panics, ends its subscription (the
// others are spared) and returns the index after it. One deferred recover
// serves a whole piece.
func (f *feed) deliverFrom(m *members, d *Delivery, now time.Time, outcomes []Outcome, i, hi int) (next int) {
	defer func() {
		if r := recover(); r != nil {
			f.failed(m.subs[i], r)
			next = i + 1
		}
	}()
	for ; i < hi; i++ {
		if !m.subs[i].failed.Load() {
			outcomes[i] = m.to[i].Deliver(d, now)
		}
	}
	return hi
}

// call runs one subscriber method. A panic ends that subscription (its
// owner sees Done and restarts) and spares the others.
func (f *feed) call(sub *Subscription, fn func()) {
	if sub.failed.Load() {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			f.failed(sub, r)
		}
	}()
	fn()
}

// failed ends the subscription of a subscriber that panicked with r.
func (f *feed) failed(sub *Subscription, r any) {
	err := fmt.Errorf("signalfeed: subscriber panicked on %s: %v", f.key.Symbol, r)
	f.fs.opts.Logger.Error(err, "signal subscriber failed", "symbol", f.key.Symbol, "interval", f.key.Interval)
	sub.fail(err)
}

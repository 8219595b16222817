package marketrecord

import (
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/marketdata"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
)

// Target says where a resource wants its shared market data recorded: the
// exchange endpoint its streams come from, and its recording settings. The
// database and retention policy choose the target; every distinct target
// named by some lease gets its own single copy of each stream.
type Target struct {
	// Exchange is the exchange's name, such as "binance"; StreamURL the
	// endpoint's stream URL (ws(s)://host[:port]).
	Exchange, StreamURL string
	Writer              recording.WriterOptions
}

// Recorder records shared market streams. Its methods are safe for
// concurrent use.
type Recorder struct {
	hub  *marketdata.Hub
	sink *recording.Sink

	mu     sync.Mutex
	closed bool
	taps   map[tapKey]*tap
	dests  map[destKey]*dest
	wg     sync.WaitGroup
}

// tapKey names one recorded stream of one endpoint for one target.
type tapKey struct {
	streamURL, exchange string
	dest                destKey
	stream              string
}

type destKey struct{ database, rp string }

// tap is one recorded stream: its hub subscription and the goroutine
// writing its events.
type tap struct {
	refs int
	sub  *marketdata.Subscription
	done chan struct{} // closed when the goroutine has returned
}

// dest is the shared writer of one target and the settings its leases ask
// for.
type dest struct {
	key    string
	w      *recording.Writer
	leases map[*Lease]recording.WriterOptions
}

// New returns a Recorder subscribing on hub and writing through sink.
func New(hub *marketdata.Hub, sink *recording.Sink) *Recorder {
	return &Recorder{hub: hub, sink: sink, taps: map[tapKey]*tap{}, dests: map[destKey]*dest{}}
}

// ErrClosed: the Recorder was closed.
var ErrClosed = errors.New("marketrecord: recorder closed")

// WriterKey is the recording writer key of a target's shared market data
// ("market-data:<database>[:<retention policy>]"); its figures appear in
// the recording metrics under that name, with no namespace.
func WriterKey(database, rp string) string {
	if database == "" {
		database = recording.DefaultDatabase
	}
	if rp == "" {
		return "market-data:" + database
	}
	return "market-data:" + database + ":" + rp
}

// Lease holds streams recorded for one resource until Release.
type Lease struct {
	r    *Recorder
	dest destKey
	keys []tapKey
	once sync.Once
}

// Acquire records streams (hub stream names) of t's endpoint to t's
// database until the Lease is released. Streams already recorded there for
// another resource are shared.
func (r *Recorder) Acquire(t Target, streams []string) (*Lease, error) {
	endpoint, err := endpointOf(t.StreamURL)
	if err != nil {
		return nil, err
	}
	dk := destKey{database: t.Writer.Database, rp: t.Writer.RetentionPolicy}
	if dk.database == "" {
		dk.database = recording.DefaultDatabase
	}
	meta := recording.MarketMeta{Exchange: t.Exchange, Endpoint: endpoint}

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	l := &Lease{r: r, dest: dk}
	d := r.dests[dk]
	if d == nil {
		d = &dest{key: WriterKey(dk.database, dk.rp), leases: map[*Lease]recording.WriterOptions{}}
		r.dests[dk] = d
	}
	d.leases[l] = t.Writer
	d.w = r.sink.Writer(d.key, d.options())
	seen := map[string]bool{}
	for _, s := range streams {
		if seen[s] {
			continue
		}
		seen[s] = true
		k := tapKey{streamURL: t.StreamURL, exchange: t.Exchange, dest: dk, stream: s}
		tp := r.taps[k]
		if tp == nil {
			sub, err := r.hub.Subscribe(t.StreamURL, []string{s},
				marketdata.SubscribeOptions{Pull: true, OnlyClosedKlines: true, Buffer: subscriberBuffer})
			if err != nil {
				// Their goroutines never take r.mu: stopping them here
				// cannot deadlock.
				stopTaps(r.dropLocked(l))
				r.settleDestLocked(dk)
				return nil, fmt.Errorf("recording market stream %s: %w", s, err)
			}
			tp = &tap{sub: sub, done: make(chan struct{})}
			r.taps[k] = tp
			r.wg.Add(1)
			go r.run(tp, d.w, meta)
		}
		tp.refs++
		l.keys = append(l.keys, k)
	}
	return l, nil
}

// subscriberBuffer is the queue of a recorded stream: trades come in
// bursts, and each lost one is a missing point.
const subscriberBuffer = 8192

// options are the settings of a target's shared writer: the shortest
// flush interval and the largest batch any of its leases asks for.
func (d *dest) options() recording.WriterOptions {
	var o recording.WriterOptions
	for _, lo := range d.leases {
		o.Database, o.RetentionPolicy = lo.Database, lo.RetentionPolicy
		o.BatchSize = max(o.BatchSize, lo.BatchSize)
		if o.FlushInterval == 0 || (lo.FlushInterval > 0 && lo.FlushInterval < o.FlushInterval) {
			o.FlushInterval = lo.FlushInterval
		}
	}
	return o
}

// Release stops recording the lease's streams unless other leases hold
// them. It is safe to call more than once.
func (l *Lease) Release() {
	if l == nil {
		return
	}
	l.once.Do(func() {
		r := l.r
		r.mu.Lock()
		stopped := r.dropLocked(l)
		r.mu.Unlock()
		// The taps' last writes land before their writer may be released.
		stopTaps(stopped)
		r.mu.Lock()
		r.settleDestLocked(l.dest)
		r.mu.Unlock()
	})
}

// dropLocked drops l's references and returns the taps nobody holds any
// more, for the caller to stop.
func (r *Recorder) dropLocked(l *Lease) []*tap {
	var stopped []*tap
	for _, k := range l.keys {
		tp := r.taps[k]
		if tp == nil {
			continue
		}
		if tp.refs--; tp.refs == 0 {
			delete(r.taps, k)
			stopped = append(stopped, tp)
		}
	}
	l.keys = nil
	if d := r.dests[l.dest]; d != nil {
		delete(d.leases, l)
	}
	return stopped
}

// settleDestLocked releases the shared writer of a target no lease names
// any more (what it holds is still delivered), or applies the settings of
// the leases left.
func (r *Recorder) settleDestLocked(dk destKey) {
	d := r.dests[dk]
	switch {
	case d == nil:
	case len(d.leases) == 0:
		delete(r.dests, dk)
		r.sink.Release(d.key)
	default:
		r.sink.Writer(d.key, d.options())
	}
}

// stopTaps ends the taps' subscriptions and waits for their goroutines,
// which never take the Recorder's lock.
func stopTaps(taps []*tap) {
	for _, tp := range taps {
		tp.sub.Close()
		<-tp.done
	}
}

// Streams returns how many streams are recorded, over every target.
func (r *Recorder) Streams() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.taps)
}

// Close stops every recorded stream and waits for their goroutines. Later
// Acquires fail.
func (r *Recorder) Close() {
	r.mu.Lock()
	r.closed = true
	taps := make([]*tap, 0, len(r.taps))
	for _, tp := range r.taps {
		taps = append(taps, tp)
	}
	r.mu.Unlock()
	for _, tp := range taps {
		tp.sub.Close()
	}
	r.wg.Wait()
}

// run writes the events of one recorded stream until its subscription
// ends.
func (r *Recorder) run(tp *tap, w *recording.Writer, meta recording.MarketMeta) {
	defer r.wg.Done()
	defer close(tp.done)
	var seq recording.MilliSeq
	for {
		select {
		case <-tp.sub.Done():
			return
		case <-tp.sub.Ready():
			for {
				ev, ok := tp.sub.Next()
				if !ok {
					break
				}
				if p, ok := Point(meta, ev, &seq); ok {
					w.Write(p)
				}
			}
		}
	}
}

// Point is the shared point of a market event, if it has one: tickers and
// trades in "price", closed klines in "kline". seq ranks the ticks of the
// event's stream that carry no id within their millisecond.
func Point(meta recording.MarketMeta, ev marketdata.Event, seq *recording.MilliSeq) (recording.Point, bool) {
	switch ev.Kind {
	case marketdata.KindTicker, marketdata.KindMiniTicker:
		at := EventTime(ev)
		t := ev.Ticker
		return recording.MarketTickPoint(meta, recording.Tick{
			Symbol: ev.Symbol, Source: ev.Kind.String(), Price: t.LastPrice,
			Bid: t.BidPrice, Ask: t.AskPrice, Seq: seq.Next(at), Time: at,
		}), true
	case marketdata.KindTrade, marketdata.KindAggTrade:
		t := ev.Trade
		return recording.MarketTickPoint(meta, recording.Tick{
			Symbol: ev.Symbol, Source: ev.Kind.String(), Price: t.Price, Quantity: t.Qty,
			TradeID: t.ID, HasTradeID: true, Time: t.Time,
		}), true
	case marketdata.KindKline:
		if k := ev.Kline; k.Closed {
			return recording.MarketKlinePoint(meta, KlineOf(k)), true
		}
	}
	return recording.Point{}, false
}

// KlineOf is the recording of a closed kline.
func KlineOf(k *marketdata.Kline) recording.Kline {
	return recording.Kline{
		Symbol: k.Symbol, Interval: k.Interval, OpenTime: k.OpenTime,
		Open: k.Open, High: k.High, Low: k.Low, Close: k.Close,
		Volume: k.Volume, QuoteVolume: k.QuoteVolume, Trades: k.Trades,
	}
}

// EventTime is the exchange's time of an event, or when it arrived if it
// carries none.
func EventTime(ev marketdata.Event) time.Time {
	if ev.EventTime.IsZero() {
		return ev.Received
	}
	return ev.EventTime
}

// endpointOf is the tag naming a stream endpoint: its host and port.
func endpointOf(streamURL string) (string, error) {
	u, err := url.Parse(streamURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("marketrecord: stream URL %q has no host", streamURL)
	}
	return u.Host, nil
}

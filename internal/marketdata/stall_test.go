package marketdata

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestStaleBoundsPerKind(t *testing.T) {
	all := []Kind{KindKline, KindTicker, KindMiniTicker, KindBookTicker, KindTrade, KindAggTrade}
	tests := []struct {
		name string
		opts Options
		want map[Kind]time.Duration
	}{
		{"defaults", Options{}, map[Kind]time.Duration{
			KindKline: 10 * time.Second, KindTicker: 10 * time.Second, KindMiniTicker: 10 * time.Second,
			KindBookTicker: 30 * time.Second, KindTrade: 5 * time.Minute, KindAggTrade: 5 * time.Minute,
		}},
		{"StaleAfter for every kind", Options{StaleAfter: time.Second}, map[Kind]time.Duration{
			KindKline: time.Second, KindTicker: time.Second, KindMiniTicker: time.Second,
			KindBookTicker: time.Second, KindTrade: time.Second, KindAggTrade: time.Second,
		}},
		{"by kind over StaleAfter", Options{
			StaleAfter:       time.Second,
			StaleAfterByKind: map[Kind]time.Duration{KindTrade: time.Hour, KindKline: -1},
		}, map[Kind]time.Duration{
			KindKline: time.Second, KindTicker: time.Second, KindMiniTicker: time.Second,
			KindBookTicker: time.Second, KindTrade: time.Hour, KindAggTrade: time.Second,
		}},
		{"by kind over defaults", Options{StaleAfterByKind: map[Kind]time.Duration{KindBookTicker: time.Minute}},
			map[Kind]time.Duration{
				KindKline: 10 * time.Second, KindTicker: 10 * time.Second, KindMiniTicker: 10 * time.Second,
				KindBookTicker: time.Minute, KindTrade: 5 * time.Minute, KindAggTrade: 5 * time.Minute,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.opts.withDefaults().staleBounds()
			for _, k := range all {
				if got := b.of(k); got != tt.want[k] {
					t.Errorf("%s: bound %v, want %v", k, got, tt.want[k])
				}
			}
			if got, want := b.shortest(), slices.Min(mapValues(tt.want)); got != want {
				t.Errorf("shortest %v, want %v", got, want)
			}
		})
	}
}

func mapValues(m map[Kind]time.Duration) []time.Duration {
	out := make([]time.Duration, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// The watchdog's decision, on a hub that never dials and a clock the test
// sets: a silent stream is resubscribed; still silent, it is resubscribed
// again while another stream of its connection talks, and its connection is
// redialled only once nothing on it talks. A trade stream silent for as
// long is left alone, and Freshness agrees.
func TestWatchdogRedialsOnlyQuietConnections(t *testing.T) {
	h := NewHub(Options{StaleAfterByKind: map[Kind]time.Duration{KindKline: 10 * time.Second}})
	streams := []string{"btcusdt@kline_1m", "ethusdt@kline_1m", "btcusdt@trade"}
	sub, err := h.Subscribe("ws://exchange.test", streams, SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	f := sub.feed
	btc, eth, trade := sub.streams[0], sub.streams[1], sub.streams[2]
	c := btc.conn
	if eth.conn != c || trade.conn != c {
		t.Fatal("the streams do not share a connection")
	}
	c.connected.Store(true) // as if a session were open
	t0 := time.Unix(0, btc.created)
	for _, st := range sub.streams {
		st.touch(t0, t0)
	}
	check := func(at time.Duration) (resub []string, redial bool) {
		t.Helper()
		f.checkStale(t0.Add(at))
		c.mu.Lock()
		for n := range c.resub {
			resub = append(resub, n)
		}
		clear(c.resub)
		c.mu.Unlock()
		slices.Sort(resub)
		return resub, c.redialAt.Swap(0) != 0
	}

	// eth keeps talking; btc goes silent.
	eth.touch(t0.Add(9*time.Second), t0)
	if resub, redial := check(10 * time.Second); !slices.Equal(resub, []string{btc.name}) || redial {
		t.Fatalf("first silence: resubscribe %v, redial %v; want btc resubscribed only", resub, redial)
	}
	if resub, redial := check(15 * time.Second); len(resub) != 0 || redial {
		t.Fatalf("within a bound of the resubscribe: resubscribe %v, redial %v; want nothing", resub, redial)
	}
	eth.touch(t0.Add(19*time.Second), t0)
	if resub, redial := check(20 * time.Second); !slices.Equal(resub, []string{btc.name}) || redial {
		t.Fatalf("silent while eth talks: resubscribe %v, redial %v; want btc resubscribed again", resub, redial)
	}
	if fr := sub.Freshness(t0.Add(20 * time.Second)); fr.Stale != 1 || !slices.Equal(fr.StaleStreams, []string{btc.name}) ||
		!fr.NewestEvent.Equal(t0.Add(19*time.Second)) {
		t.Fatalf("Freshness with btc silent: %+v", fr)
	}

	// Now nothing talks: eth becomes stale too, and the connection is
	// redialled once a silent, already resubscribed stream is due again.
	resub, redial := check(30 * time.Second)
	if !slices.Equal(resub, []string{eth.name}) || !redial {
		t.Fatalf("nothing talks: resubscribe %v, redial %v; want eth resubscribed and a redial", resub, redial)
	}
	if trade.stale.Load() || trade.lastResub.Load() != 0 {
		t.Fatal("a trade stream silent for 30s was treated as stale")
	}
	fr := sub.Freshness(t0.Add(30 * time.Second))
	if fr.Stale != 2 || !slices.Equal(fr.StaleStreams, []string{btc.name, eth.name}) || fr.Fresh() {
		t.Fatalf("Freshness with both klines silent: %+v", fr)
	}
	if fs := f.stats(); fs.Stale != 2 {
		t.Fatalf("FeedStats.Stale = %d, want 2", fs.Stale)
	}
	// The trade stream's own bound, five minutes, ends its freshness.
	if fr := sub.Freshness(t0.Add(5*time.Minute - time.Nanosecond)); fr.Stale != 2 {
		t.Fatalf("Freshness just before the trade bound: %+v", fr)
	}
	if fr := sub.Freshness(t0.Add(5 * time.Minute)); fr.Stale != 3 {
		t.Fatalf("Freshness at the trade bound: %+v", fr)
	}
	// Data makes a stream fresh and gives it a resubscribe again before
	// any redial.
	btc.touch(t0.Add(31*time.Second), t0)
	if fr := sub.Freshness(t0.Add(31 * time.Second)); fr.Stale != 1 || !slices.Equal(fr.StaleStreams, []string{eth.name}) {
		t.Fatalf("Freshness after btc spoke: %+v", fr)
	}
	if btc.resubs.Load() != 0 {
		t.Fatal("a message did not reset the stream's resubscribe count")
	}
}

// A stall drill against the simulator: its streams stall (the connection
// stays open and pinged), the subscription turns stale, the streams are
// resubscribed, then the connection is redialled, repeatedly; when the
// stall ends, data flows again, the subscription is fresh, and the klines
// that closed meanwhile are backfilled with no gap and no repeat.
func TestStallDrill(t *testing.T) {
	e := newSimEnv(t, nil)
	gate := &gatedDial{}
	fetcher := &restFetcher{env: e}
	metrics, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	const bound = 150 * time.Millisecond
	h := testHub(t, func(o *Options) {
		o.StaleAfterByKind = map[Kind]time.Duration{KindKline: bound, KindTicker: bound}
		o.Dial = gate.dial
		o.Backfill = func(string) KlineFetcher { return fetcher }
		o.Metrics = metrics
	})
	streams := []string{"btcusdt@kline_1m", "btcusdt@ticker"}
	sub, err := h.Subscribe(e.wsURL, streams, SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := collect(sub)
	eventually(t, "the connection", func() bool { return e.wsStats().Streams == 2 })
	e.step(90, time.Second)
	waitClosedUpTo(t, e, c, streams[0], "1m")
	eventually(t, "fresh data", func() bool {
		e.step(1, time.Second)
		return sub.Freshness(time.Now()).Fresh()
	})
	dialsBefore := gate.dials.Load()

	e.fault(map[string]any{"stallStreams": true})
	eventually(t, "the stalled subscription to be stale and its connection redialled", func() bool {
		e.step(1, time.Second)
		fr := sub.Freshness(time.Now())
		fs, _ := h.FeedStats(e.wsURL)
		return fr.Stale == 2 && fr.Redials >= 2 && fs.Redials >= 2 && gate.dials.Load() >= dialsBefore+2
	})
	fr := sub.Freshness(time.Now())
	if !slices.Equal(fr.StaleStreams, streams) || fr.Fresh() {
		t.Fatalf("Freshness during the stall: %+v", fr)
	}
	fs, _ := h.FeedStats(e.wsURL)
	if fs.StaleResubscribes < 2 || fs.Reconnects != 0 || fs.Stale != 2 {
		t.Fatalf("FeedStats during the stall: %+v; want both streams resubscribed before the redials, no lost connection", fs)
	}
	if st := sub.Stats(); st.Stale != 2 || st.Redials < 2 {
		t.Fatalf("subscription stats during the stall: %+v", st)
	}
	e.step(150, time.Second) // klines close while nothing is sent

	e.fault(map[string]any{})
	eventually(t, "the subscription to be fresh again", func() bool {
		e.step(1, time.Second)
		fs, _ := h.FeedStats(e.wsURL)
		return sub.Freshness(time.Now()).Fresh() && fs.Stale == 0 && sub.Stats().Stale == 0
	})
	e.step(70, time.Second)
	waitClosedUpTo(t, e, c, streams[0], "1m")

	checkKlinesMatchREST(t, e, "BTCUSDT", "1m", c.closedKlines(streams[0]))
	if g := c.gaps(); len(g) != 0 {
		t.Fatalf("gap markers: %+v", g[0].Gap)
	}
	// The redialled connections replaced the stalled one: one is open.
	eventually(t, "one connection at the simulator", func() bool { return e.wsStats().Connections == 1 })
	fs, _ = h.FeedStats(e.wsURL)
	if fs.Backfilled == 0 || fs.Reconnects != 0 {
		t.Fatalf("FeedStats after the stall: %+v; want the missed klines backfilled", fs)
	}
	// The counters move together (the market is still now, so more redials
	// may come; poll until a moment they agree).
	eventually(t, "the redial counters to agree", func() bool {
		fs, _ := h.FeedStats(e.wsURL)
		m := testutil.ToFloat64(metrics.redials.WithLabelValues(fs.URL))
		fs2, _ := h.FeedStats(e.wsURL)
		return fs.Redials == fs2.Redials && m == float64(fs.Redials) && sub.Freshness(time.Now()).Redials == fs.Redials
	})
}

// A trade stream silent past the kline bound is not stale: the kline
// stream next to it (on its own connection) is resubscribed and redialled,
// the trade stream is left alone and reported fresh.
func TestQuietTradeStreamIsNotStale(t *testing.T) {
	e := newSimEnv(t, nil)
	const klineBound = 100 * time.Millisecond
	h := testHub(t, func(o *Options) {
		o.MaxStreamsPerConn = 1
		o.StaleAfterByKind = map[Kind]time.Duration{KindKline: klineBound}
	})
	tradeSub, err := h.Subscribe(e.wsURL, []string{"btcusdt@trade"}, SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tradeSub.Close()
	klineSub, err := h.Subscribe(e.wsURL, []string{"btcusdt@kline_1m"}, SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer klineSub.Close()
	eventually(t, "two connections", func() bool { return e.wsStats().Streams == 2 })
	e.step(1, time.Second) // one step: trades and a kline, then a still market
	eventually(t, "an event on both streams", func() bool {
		return !tradeSub.Freshness(time.Now()).NewestEvent.IsZero() && !klineSub.Freshness(time.Now()).NewestEvent.IsZero()
	})
	eventually(t, "the kline stream to be stale and redialled", func() bool {
		fr := klineSub.Freshness(time.Now())
		return fr.Stale == 1 && fr.Redials >= 1
	})
	now := time.Now()
	fr := tradeSub.Freshness(now)
	if silent := now.Sub(fr.NewestEvent); silent < klineBound {
		t.Fatalf("the trade stream was silent only %v", silent)
	}
	if fr.Stale != 0 || fr.Redials != 0 || !fr.Fresh() {
		t.Fatalf("quiet trade stream: %+v", fr)
	}
	if st := tradeSub.Stats(); st.Stale != 0 || st.Redials != 0 {
		t.Fatalf("quiet trade stream stats: %+v", st)
	}
	if tradeSub.streams[0].lastResub.Load() != 0 {
		t.Fatal("the quiet trade stream was resubscribed")
	}
	// Its own bound, five minutes, is what makes it stale.
	if got := tradeSub.Freshness(fr.NewestEvent.Add(DefaultTradeStaleAfter)); got.Stale != 1 {
		t.Fatalf("trade stream at its bound: %+v", got)
	}
}

// Against a server that stays stalled, redials back off: each waits about
// twice as long as the one before (the waits the hub chose, read from its
// log, and the dials themselves spaced at least that far apart); once data
// flows again, the backoff starts over.
func TestRedialsBackOffWhileStalled(t *testing.T) {
	e := newSimEnv(t, nil)
	dials := &timedDial{}
	logs := &logRecorder{}
	const base = 50 * time.Millisecond
	h := testHub(t, func(o *Options) {
		o.StaleAfter = 50 * time.Millisecond
		o.ReconnectBase, o.ReconnectMax = base, 10*time.Second
		o.Dial = dials.dial
		o.Logger = logr.New(logSink{rec: logs})
	})
	sub, err := h.Subscribe(e.wsURL, []string{"btcusdt@kline_1m"}, SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	flowing := func() bool {
		e.step(1, time.Second)
		return sub.Freshness(time.Now()).Fresh()
	}
	eventually(t, "data", flowing)

	e.fault(map[string]any{"stallStreams": true})
	const stalls = 5
	eventually(t, "five redials", func() bool { return len(logs.redialWaits()) >= stalls })
	waits := logs.redialWaits()[:stalls]
	for k, w := range waits {
		// The k-th wait since the last reset is drawn from
		// [0.5, 1.5] × base × 2^k.
		if low := base << k / 2; w < low {
			t.Fatalf("redial %d waited %v, less than %v: the backoff does not grow (waits %v)", k+1, w, low, waits)
		}
	}
	// Each redial dialled again, no sooner than its wait.
	eventually(t, "the dials of the redials", func() bool { return len(dials.times()) >= 1+stalls })
	times := dials.times()
	for k := range stalls {
		if gap := times[k+1].Sub(times[k]); gap < waits[k] {
			t.Fatalf("dial %d came %v after the one before, sooner than its wait %v", k+2, gap, waits[k])
		}
	}

	e.fault(map[string]any{})
	eventually(t, "data after the stall", flowing)
	before := len(logs.redialWaits())
	e.fault(map[string]any{"stallStreams": true})
	eventually(t, "a redial in the second stall", func() bool { return len(logs.redialWaits()) > before })
	if w := logs.redialWaits()[before]; w > base*3/2 {
		t.Fatalf("first redial of a new stall waited %v, more than 1.5 × %v: the backoff was not reset by data", w, base)
	}
}

// timedDial dials the simulator and records when.
type timedDial struct {
	mu sync.Mutex
	at []time.Time
}

func (d *timedDial) dial(ctx context.Context, url string, opts *websocket.DialOptions) (*websocket.Conn, *http.Response, error) {
	d.mu.Lock()
	d.at = append(d.at, time.Now())
	d.mu.Unlock()
	return websocket.Dial(ctx, url, opts)
}

func (d *timedDial) times() []time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.at)
}

// logRecorder keeps the hub's info messages with their key-value pairs.
type logRecorder struct {
	mu      sync.Mutex
	entries []logEntry
}

type logEntry struct {
	msg string
	kv  []any
}

// redialWaits returns the backoff waits of the redials logged so far.
func (r *logRecorder) redialWaits() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []time.Duration
	for _, e := range r.entries {
		if e.msg != logRedial {
			continue
		}
		for i := 0; i+1 < len(e.kv); i += 2 {
			if e.kv[i] == "in" {
				if d, ok := e.kv[i+1].(time.Duration); ok {
					out = append(out, d)
				}
			}
		}
	}
	return out
}

// logSink is a logr.LogSink writing to a logRecorder.
type logSink struct {
	rec    *logRecorder
	values []any
}

func (logSink) Init(logr.RuntimeInfo) {}

func (logSink) Enabled(level int) bool { return level == 0 }

func (s logSink) Info(_ int, msg string, kv ...any) {
	s.rec.mu.Lock()
	s.rec.entries = append(s.rec.entries, logEntry{msg: msg, kv: append(slices.Clone(s.values), kv...)})
	s.rec.mu.Unlock()
}

func (logSink) Error(error, string, ...any) {}

func (s logSink) WithValues(kv ...any) logr.LogSink {
	return logSink{rec: s.rec, values: append(slices.Clone(s.values), kv...)}
}

func (s logSink) WithName(string) logr.LogSink { return s }

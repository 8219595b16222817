package marketdata

import (
	"context"
	"net/http"
	"time"

	"github.com/coder/websocket"
	"github.com/go-logr/logr"
)

// KlineFetcher fetches klines over REST for backfill. The exchange endpoint
// implements it (through a small adapter), so backfill requests share the
// endpoint's weight budget.
type KlineFetcher interface {
	// Klines returns up to limit klines of symbol (upper case) and interval
	// whose open time is at or after start, oldest first. It may include the
	// kline that is still open; the hub ignores it. It must return when ctx
	// ends: the hub waits for its backfills when it stops.
	Klines(ctx context.Context, symbol, interval string, start time.Time, limit int) ([]Kline, error)
}

// DialFunc opens a WebSocket connection. websocket.Dial is one; tests wrap it
// to inject failures. opts carries the hub's ping observer and must be
// passed on.
type DialFunc func(ctx context.Context, url string, opts *websocket.DialOptions) (*websocket.Conn, *http.Response, error)

// Options configure a Hub. Zero fields take the defaults below.
type Options struct {
	// Now is the clock for event arrival times, lag and staleness
	// (default time.Now).
	Now    func() time.Time
	Logger logr.Logger
	// Metrics receives the hub's figures; nil keeps them unregistered.
	Metrics *Metrics

	// Dial opens connections (default websocket.Dial); DialTimeout bounds
	// each handshake (default 10s).
	Dial        DialFunc
	DialTimeout time.Duration

	// MaxStreamsPerConn is how many streams share a connection (default
	// 200; Binance allows 1024).
	MaxStreamsPerConn int
	// ControlRate is how many SUBSCRIBE/UNSUBSCRIBE messages a connection
	// sends per second (default 4: Binance closes connections above 5
	// incoming messages a second, pongs included).
	ControlRate float64
	// ConnAttempts connection attempts are allowed per ConnAttemptWindow,
	// for the whole hub (default 250 per 5 minutes; Binance allows 300 per
	// IP).
	ConnAttempts      int
	ConnAttemptWindow time.Duration

	// StaleAfter, when set, is how long a stream of any kind without an
	// entry in StaleAfterByKind may stay silent before it counts as stale
	// and is resubscribed; still silent a bound later, with nothing else on
	// its connection talking, it has the connection redialled. When zero, each kind takes its own default
	// (DefaultStaleAfterFor): a quiet trade stream is not a broken one.
	StaleAfter time.Duration
	// StaleAfterByKind sets the staleness bound of particular kinds,
	// overriding StaleAfter; zero or negative entries are ignored.
	StaleAfterByKind map[Kind]time.Duration
	// IdleTimeout is how long a connection may receive nothing at all, not
	// even a ping, before it is redialled (default 90s; Binance pings every
	// 20s).
	IdleTimeout time.Duration
	// MaxLifetime is when a connection is replaced by a fresh one, before
	// Binance's 24 h limit (default 23h).
	MaxLifetime time.Duration
	// RotationOverlap is how long a replaced connection stays open while its
	// successor starts delivering (default 5s); duplicates are dropped.
	RotationOverlap time.Duration

	// ReconnectBase and ReconnectMax bound the jittered exponential backoff
	// between connection attempts (defaults 500ms and 60s).
	ReconnectBase, ReconnectMax time.Duration

	// Backfill returns the REST client for the endpoint of a stream URL;
	// nil, or a nil result, disables backfill (gaps are then reported as
	// KindGap events).
	Backfill func(streamURL string) KlineFetcher
	// MaxBackfill is the most klines fetched to close one gap (default
	// 1000); older missed klines are reported as a gap.
	MaxBackfill int
	// BackfillAttempts is how many times a failed backfill is tried
	// (default 4).
	BackfillAttempts int

	// SubscriberBuffer is the default queue capacity of a subscription
	// (default 1024 events).
	SubscriberBuffer int
}

// Defaults of Options.
const (
	DefaultDialTimeout       = 10 * time.Second
	DefaultMaxStreamsPerConn = 200
	DefaultControlRate       = 4
	DefaultConnAttempts      = 250
	DefaultConnAttemptWindow = 5 * time.Minute
	DefaultStaleAfter        = 30 * time.Second // book tickers, and any kind without a default of its own
	DefaultKlineStaleAfter   = 10 * time.Second // klines are pushed every 1–2 s, trades or not
	DefaultTickerStaleAfter  = 10 * time.Second // tickers and mini tickers: every 1 s
	DefaultTradeStaleAfter   = 5 * time.Minute  // trades and aggTrades come only when someone trades
	DefaultIdleTimeout       = 90 * time.Second
	DefaultMaxLifetime       = 23 * time.Hour
	DefaultRotationOverlap   = 5 * time.Second
	DefaultReconnectBase     = 500 * time.Millisecond
	DefaultReconnectMax      = time.Minute
	DefaultMaxBackfill       = 1000
	DefaultBackfillAttempts  = 4
	DefaultSubscriberBuffer  = 1024

	// maxStreamsPerConn is Binance's limit.
	maxStreamsPerConn = 1024
	// maxKlinesPerRequest is the REST klines endpoint's largest limit.
	maxKlinesPerRequest = 1000
)

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Metrics == nil {
		o.Metrics = newUnregisteredMetrics()
	}
	if o.Dial == nil {
		o.Dial = websocket.Dial
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.MaxStreamsPerConn <= 0 {
		o.MaxStreamsPerConn = DefaultMaxStreamsPerConn
	}
	o.MaxStreamsPerConn = min(o.MaxStreamsPerConn, maxStreamsPerConn)
	if o.ControlRate <= 0 {
		o.ControlRate = DefaultControlRate
	}
	if o.ConnAttempts <= 0 {
		o.ConnAttempts = DefaultConnAttempts
	}
	if o.ConnAttemptWindow <= 0 {
		o.ConnAttemptWindow = DefaultConnAttemptWindow
	}
	if o.StaleAfter < 0 {
		o.StaleAfter = 0
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxLifetime <= 0 {
		o.MaxLifetime = DefaultMaxLifetime
	}
	if o.RotationOverlap <= 0 {
		o.RotationOverlap = DefaultRotationOverlap
	}
	if o.ReconnectBase <= 0 {
		o.ReconnectBase = DefaultReconnectBase
	}
	if o.ReconnectMax <= 0 {
		o.ReconnectMax = DefaultReconnectMax
	}
	o.ReconnectMax = max(o.ReconnectMax, o.ReconnectBase)
	if o.MaxBackfill <= 0 {
		o.MaxBackfill = DefaultMaxBackfill
	}
	if o.BackfillAttempts <= 0 {
		o.BackfillAttempts = DefaultBackfillAttempts
	}
	if o.SubscriberBuffer <= 0 {
		o.SubscriberBuffer = DefaultSubscriberBuffer
	}
	return o
}

// DefaultStaleAfterFor is the staleness bound of kind k when Options set
// none. Binance pushes klines, tickers and mini tickers on a timer whatever
// the market does, book tickers on every change of the best prices, and
// trades only when they happen, so each waits for silence in proportion.
// The simulator publishes klines, tickers and book tickers on every market
// step (one a second by default) and one to four trades a step.
func DefaultStaleAfterFor(k Kind) time.Duration {
	switch k {
	case KindKline:
		return DefaultKlineStaleAfter
	case KindTicker, KindMiniTicker:
		return DefaultTickerStaleAfter
	case KindTrade, KindAggTrade:
		return DefaultTradeStaleAfter
	}
	return DefaultStaleAfter
}

// staleBounds are the resolved staleness bounds, indexed by Kind.
type staleBounds [KindGap]time.Duration

func (o Options) staleBounds() staleBounds {
	var b staleBounds
	for k := KindKline; k < KindGap; k++ {
		b[k] = DefaultStaleAfterFor(k)
		if o.StaleAfter > 0 {
			b[k] = o.StaleAfter
		}
		if d := o.StaleAfterByKind[k]; d > 0 {
			b[k] = d
		}
	}
	return b
}

func (b *staleBounds) of(k Kind) time.Duration {
	if k >= KindKline && k < KindGap {
		return b[k]
	}
	return DefaultStaleAfter
}

// shortest is the smallest bound, which sets the watchdog's pace.
func (b *staleBounds) shortest() time.Duration {
	d := b[KindKline]
	for k := KindKline; k < KindGap; k++ {
		d = min(d, b[k])
	}
	return d
}

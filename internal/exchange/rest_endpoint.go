package exchange

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/adshao/go-binance/v2"
	"github.com/go-logr/logr"
	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/redact"
)

// Endpoint is one exchange REST base URL, shared by every bot that uses it:
// its weight budget, 429 pause and 418 ban, breakers, exchangeInfo cache and
// coalesced price requests. Get one from Registry.Endpoint.
type Endpoint struct {
	reg    *Registry
	urls   URLs
	shown  string // urls.REST without secrets, for logs, status and metrics
	clock  clock
	log    logr.Logger
	http   *http.Client
	public *binance.Client // for unsigned calls; never modified once built

	budget      *weightBudget
	offset      atomic.Int64 // server time minus Now, in ns
	signOffset  atomic.Int64 // server time minus the wall clock, in ns
	orderLimits atomic.Pointer[orderLimits]
	requests    atomic.Int64
	coalesced   atomic.Int64
	changed     atomic.Bool
	breakers    breakerSet

	mu          sync.Mutex // guards the fields below
	pausedUntil time.Time
	bannedUntil time.Time
	throttled   int64
	pauseWaits  int64

	info    infoCache
	prices  *coalescer[decimal.Decimal]
	tickers *coalescer[Ticker24h]
	warm    *warmups
	health  *healthProber
}

// orderLimits are ORDERS per 10 seconds and per day from exchangeInfo.
type orderLimits struct{ per10s, perDay int }

// Binance's current order limits, assumed until exchangeInfo says otherwise.
const (
	defaultOrderLimit10s = 100
	defaultOrderLimitDay = 200000
)

func newEndpoint(r *Registry, urls URLs) *Endpoint {
	e := &Endpoint{
		reg:    r,
		urls:   urls,
		shown:  redact.URL(urls.REST),
		clock:  r.clock(),
		budget: newWeightBudget(defaultWeightLimit, r.opts.WeightSafety),
	}
	e.log = r.opts.Logger.WithValues("endpoint", e.shown)
	e.orderLimits.Store(&orderLimits{per10s: defaultOrderLimit10s, perDay: defaultOrderLimitDay})
	e.http = &http.Client{Transport: &ObservingTransport{Base: r.transport, Now: r.opts.Now, Consume: true}}
	e.public = NewRESTClient(urls.REST, nil, e.http)
	e.breakers = breakerSet{name: e.shown, now: r.opts.Now, changed: func(key string, from, to BreakerState) {
		e.log.Info("circuit breaker changed state", "settings", key, "from", from, "to", to)
		e.notify()
	}}
	e.prices = newPriceCoalescer(e)
	e.tickers = newTickerCoalescer(e)
	e.warm = newWarmups(e, r.opts.WarmupConcurrency)
	e.health = newHealthProber(e)
	return e
}

// URLs returns the endpoint's base URLs.
func (e *Endpoint) URLs() URLs { return e.urls }

// windowTime maps the local clock to the time our limit windows are
// counted in: the server's time, held back by windowGuard.
func (e *Endpoint) windowTime(now time.Time) time.Time {
	return now.Add(time.Duration(e.offset.Load()) - windowGuard)
}

// notify marks a change for OnChange; flushChange delivers it once no lock
// is held.
func (e *Endpoint) notify() { e.changed.Store(true) }

func (e *Endpoint) flushChange() {
	if e.changed.Swap(false) && e.reg.opts.OnChange != nil {
		e.reg.opts.OnChange(e.urls.REST)
	}
}

// EndpointState is an immutable snapshot of an endpoint, for status and
// metrics.
type EndpointState struct {
	URL string
	// UsedWeight1m is the weight spent in the current minute as far as we
	// know (ours, or the server's count when larger); WeightLimit1m is the
	// server's limit, from exchangeInfo (6000 until known).
	UsedWeight1m, WeightLimit1m int
	// OrderLimit10s is ORDERS per 10 seconds per account, from exchangeInfo.
	OrderLimit10s int
	// Throttled counts 429 and 418 responses received.
	Throttled int64
	// Waits counts calls our own weight budget delayed (so that the server
	// never has reason to answer 429), WaitTime their total delay.
	Waits    int64
	WaitTime time.Duration
	// PauseWaits counts calls held back by a 429's Retry-After.
	PauseWaits int64
	// PausedUntil ends the pause after a 429; BannedUntil a 418 ban.
	PausedUntil, BannedUntil time.Time
	// Breakers are the endpoint's breakers keyed by BreakerSettings.Key.
	Breakers map[string]BreakerStatus
	// Requests counts requests sent.
	Requests int64
	// Coalesced counts price, ticker and kline warm-up calls answered by a
	// request made for several callers, or by its cached result, instead
	// of their own.
	Coalesced int64
	// ClockOffset is the server's clock minus ours, from the last
	// ServerTime call.
	ClockOffset time.Duration
}

// Paused reports whether a 429 pause is in force at now.
func (s EndpointState) Paused(now time.Time) bool { return now.Before(s.PausedUntil) }

// Banned reports whether a 418 ban is in force at now.
func (s EndpointState) Banned(now time.Time) bool { return now.Before(s.BannedUntil) }

// State returns a snapshot of the endpoint.
func (e *Endpoint) State() EndpointState {
	now := e.clock.now()
	used, limit, waits, waitTime := e.budget.snapshot(windowIndex(e.windowTime(now), minute))
	st := EndpointState{
		URL:           e.shown,
		UsedWeight1m:  used,
		WeightLimit1m: limit,
		OrderLimit10s: e.orderLimits.Load().per10s,
		Waits:         waits,
		WaitTime:      waitTime,
		Requests:      e.requests.Load(),
		Coalesced:     e.coalesced.Load(),
		ClockOffset:   time.Duration(e.offset.Load()),
		Breakers:      e.breakers.all(),
	}
	e.mu.Lock()
	st.Throttled, st.PauseWaits = e.throttled, e.pauseWaits
	st.PausedUntil, st.BannedUntil = e.pausedUntil, e.bannedUntil
	e.mu.Unlock()
	// Reading the breakers may have turned an open one half-open.
	e.flushChange()
	return st
}

// BreakerStatus returns the status of the breaker for settings (Closed if
// no call has used it yet).
func (e *Endpoint) BreakerStatus(s BreakerSettings) BreakerStatus { return e.breakers.status(s) }

// setLimits applies exchangeInfo's rate limits.
func (e *Endpoint) setLimits(weight1m, orders10s, orders1d int) {
	if weight1m > 0 {
		e.budget.setLimit(weight1m, e.clock.now())
	}
	cur := *e.orderLimits.Load()
	if orders10s > 0 {
		cur.per10s = orders10s
	}
	if orders1d > 0 {
		cur.perDay = orders1d
	}
	e.orderLimits.Store(&cur)
}

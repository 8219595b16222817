package exchange

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/adshao/go-binance/v2"
	"github.com/sony/gobreaker/v2"
)

// BreakerState is a circuit breaker's state as the API shows it.
type BreakerState string

const (
	BreakerClosed   BreakerState = "Closed"
	BreakerOpen     BreakerState = "Open"
	BreakerHalfOpen BreakerState = "HalfOpen"
)

// BreakerSettings configure a circuit breaker (spec.circuitBreaker).
type BreakerSettings struct {
	// FailureThreshold consecutive failures open the breaker.
	FailureThreshold uint32
	// OpenDuration is how long it stays open before letting a probe through.
	OpenDuration time.Duration
	// HalfOpenMaxRequests may pass while half-open; that many successes close it.
	HalfOpenMaxRequests uint32
}

func (s BreakerSettings) withDefaults() BreakerSettings {
	if s.FailureThreshold == 0 {
		s.FailureThreshold = 5
	}
	if s.OpenDuration <= 0 {
		s.OpenDuration = 30 * time.Second
	}
	if s.HalfOpenMaxRequests == 0 {
		s.HalfOpenMaxRequests = 1
	}
	return s
}

// BreakerStatus is a breaker's state at one moment.
type BreakerStatus struct {
	State          BreakerState
	Failures       uint32
	LastTransition time.Time
	// OpenUntil is when an open breaker will let a probe through.
	OpenUntil time.Time
}

// Health is what the prober knows about an endpoint. Values are immutable once
// published: slices are never modified after Publish.
type Health struct {
	// Endpoint is the REST base URL probed.
	Endpoint string
	// Probed is true once a probe has finished, successfully or not.
	Probed    bool
	Reachable bool
	LastError string
	// LastContact is when the endpoint last answered a probe.
	LastContact time.Time
	// ClockOffset is server time minus local time, corrected for half the
	// round trip of the time request.
	ClockOffset time.Duration
	RoundTrip   time.Duration
	// UsedWeight1m is the endpoint's latest X-MBX-USED-WEIGHT-1M for this IP.
	UsedWeight1m int
	// WeightLimit1m is REQUEST_WEIGHT per minute from exchangeInfo.
	WeightLimit1m int
	// OrderLimit10s is ORDERS per 10 s from exchangeInfo.
	OrderLimit10s int
	// UnknownSymbols are requested symbols the exchange does not list;
	// NotTrading those it lists with a status other than TRADING.
	UnknownSymbols []string
	NotTrading     []string
	Breaker        BreakerStatus
	// RetryAfterUntil is set after a 429: no request is sent before it.
	RetryAfterUntil time.Time
	// BannedUntil is set after a 418: the IP is banned until then.
	BannedUntil time.Time
	// Throttled counts 429 and 418 responses seen.
	Throttled int64
	Probes    int64
}

// Banned reports whether a 418 ban is in force at now.
func (h Health) Banned(now time.Time) bool { return now.Before(h.BannedUntil) }

// ProberOptions configure a Prober.
type ProberOptions struct {
	// URLs of the endpoint to probe.
	URLs URLs
	// Transport sends the requests (a pooled transport shared per endpoint);
	// nil means http.DefaultTransport.
	Transport http.RoundTripper
	// RequestTimeout bounds every request (default 10s).
	RequestTimeout time.Duration
	// Symbols whose presence and status exchangeInfo is checked for.
	Symbols []string
	// Interval between probes (default 15s).
	Interval time.Duration
	// ExchangeInfoInterval between exchangeInfo refreshes (default 5m); it
	// is fetched again sooner after it failed.
	ExchangeInfoInterval time.Duration
	Breaker              BreakerSettings
	Now                  func() time.Time
	// Publish receives a fresh Health after every probe. It must not block.
	Publish func(Health)
}

// Prober watches one endpoint's health for one resource: ping, server time
// (clock offset), exchangeInfo (symbols, rate limits) and the weight headers,
// all behind a circuit breaker. It is driven by Run, from one goroutine.
type Prober struct {
	opts    ProberOptions
	client  *binance.Client
	breaker *gobreaker.CircuitBreaker[struct{}]

	mu       sync.Mutex // guards health (also written by the transport's Observe) and failures
	health   Health
	failures uint32 // consecutive calls that failed in a way that counts against the breaker
	infoDue  time.Time
	infoSeen bool
}

// NewProber returns a Prober; nothing is sent until Run.
func NewProber(opts ProberOptions) *Prober {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Interval <= 0 {
		opts.Interval = 15 * time.Second
	}
	if opts.ExchangeInfoInterval <= 0 {
		opts.ExchangeInfoInterval = 5 * time.Minute
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 10 * time.Second
	}
	opts.Breaker = opts.Breaker.withDefaults()
	p := &Prober{opts: opts}
	p.health = Health{Endpoint: opts.URLs.REST, Breaker: BreakerStatus{State: BreakerClosed}}
	transport := &ObservingTransport{Base: opts.Transport, Observe: p.observe, Now: opts.Now}
	p.client = NewRESTClient(opts.URLs.REST, nil, &http.Client{Transport: transport, Timeout: opts.RequestTimeout})
	p.breaker = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        opts.URLs.REST,
		MaxRequests: opts.Breaker.HalfOpenMaxRequests,
		Timeout:     opts.Breaker.OpenDuration,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= opts.Breaker.FailureThreshold
		},
		OnStateChange: p.onBreakerChange,
		IsSuccessful: func(err error) bool {
			// Only failures of the exchange itself trip the breaker; a
			// refused request or a rate limit says the exchange is up.
			return !errors.Is(err, errTransient)
		},
	})
	return p
}

// errTransient marks a call that failed for a reason that counts against the
// breaker; the original error is wrapped alongside it.
var errTransient = errors.New("transient exchange failure")

// Health returns the latest health.
func (p *Prober) Health() Health {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.health
}

// Run probes every Interval until ctx ends. It returns nil when ctx ends.
func (p *Prober) Run(ctx context.Context) error {
	for {
		p.ProbeOnce(ctx)
		t := time.NewTimer(p.nextWait())
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// nextWait is the interval, stretched to the end of a Retry-After pause or ban.
func (p *Prober) nextWait() time.Duration {
	h := p.Health()
	now := p.opts.Now()
	wait := p.opts.Interval
	for _, until := range []time.Time{h.RetryAfterUntil, h.BannedUntil} {
		if d := until.Sub(now); d > wait {
			wait = d
		}
	}
	return wait
}

// ProbeOnce runs one probe and publishes its result.
func (p *Prober) ProbeOnce(ctx context.Context) Health {
	now := p.opts.Now()
	h := p.Health()
	if now.Before(h.RetryAfterUntil) || now.Before(h.BannedUntil) {
		// Sending now would escalate a 429 into a ban, or lengthen a ban.
		return p.publish(func(h *Health) { h.Probed = true })
	}

	err := p.call(ctx, func(ctx context.Context) error { return p.client.NewPingService().Do(ctx) })
	var offset, rtt time.Duration
	if err == nil {
		start := p.opts.Now()
		var serverMs int64
		err = p.call(ctx, func(ctx context.Context) error {
			var e error
			serverMs, e = p.client.NewServerTimeService().Do(ctx)
			return e
		})
		end := p.opts.Now()
		rtt = end.Sub(start)
		offset = time.UnixMilli(serverMs).Sub(start.Add(rtt / 2))
	}
	if err == nil && (!p.infoSeen || !now.Before(p.infoDue)) {
		err = p.refreshExchangeInfo(ctx)
	}
	if ctx.Err() != nil {
		return p.Health()
	}
	return p.publish(func(h *Health) {
		h.Probed = true
		h.Probes++
		h.Reachable = err == nil || !errors.Is(err, errTransient)
		if err != nil {
			h.LastError = shorten(err.Error())
		} else {
			h.LastError = ""
			h.ClockOffset, h.RoundTrip = offset, rtt
		}
		if h.Reachable {
			h.LastContact = p.opts.Now()
		}
	})
}

// refreshExchangeInfo reads the rate limits and checks the symbols. Binance
// refuses a symbols=[...] query naming any unknown symbol (-1121), so in that
// case the whole list is fetched once to tell which symbols are unknown.
func (p *Prober) refreshExchangeInfo(ctx context.Context) error {
	var info *binance.ExchangeInfo
	err := p.call(ctx, func(ctx context.Context) error {
		var e error
		info, e = p.client.NewExchangeInfoService().Symbols(p.opts.Symbols...).Do(ctx)
		return e
	})
	if err != nil && APICode(err) == -1121 {
		err = p.call(ctx, func(ctx context.Context) error {
			var e error
			info, e = p.client.NewExchangeInfoService().Do(ctx)
			return e
		})
	}
	if err != nil {
		return err
	}
	weight, orders, unknown, notTrading := summarizeExchangeInfo(info, p.opts.Symbols)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.infoSeen = true
	p.infoDue = p.opts.Now().Add(p.opts.ExchangeInfoInterval)
	if weight > 0 {
		p.health.WeightLimit1m = weight
	}
	if orders > 0 {
		p.health.OrderLimit10s = orders
	}
	p.health.UnknownSymbols, p.health.NotTrading = unknown, notTrading
	return nil
}

// summarizeExchangeInfo extracts the per-minute weight limit, the per-10s
// order limit and the symbols that are unknown or not trading.
func summarizeExchangeInfo(info *binance.ExchangeInfo, want []string) (weight1m, orders10s int, unknown, notTrading []string) {
	for _, rl := range info.RateLimits {
		switch {
		case rl.RateLimitType == "REQUEST_WEIGHT" && rl.Interval == "MINUTE" && rl.IntervalNum == 1:
			weight1m = int(rl.Limit)
		case rl.RateLimitType == "ORDERS" && rl.Interval == "SECOND" && rl.IntervalNum == 10:
			orders10s = int(rl.Limit)
		}
	}
	status := make(map[string]string, len(info.Symbols))
	for _, s := range info.Symbols {
		status[s.Symbol] = s.Status
	}
	for _, sym := range want {
		st, ok := status[sym]
		switch {
		case !ok:
			unknown = append(unknown, sym)
		case st != "TRADING":
			notTrading = append(notTrading, sym)
		}
	}
	slices.Sort(unknown)
	slices.Sort(notTrading)
	return weight1m, orders10s, unknown, notTrading
}

// call runs fn through the breaker and classifies its error.
func (p *Prober) call(ctx context.Context, fn func(context.Context) error) error {
	_, err := p.breaker.Execute(func() (struct{}, error) {
		rctx, rec := withCallRecord(ctx)
		err := fn(rctx)
		transient := Classify(rec.status(), err) == ClassTransient
		p.countCall(transient)
		if transient {
			return struct{}{}, errors.Join(errTransient, err)
		}
		return struct{}{}, err
	})
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return errors.Join(errTransient, err)
	}
	return err
}

// countCall keeps the count of consecutive failures that status reports.
// The breaker's own counts cannot serve: gobreaker clears them when it
// opens, so an open breaker would always report zero failures.
func (p *Prober) countCall(failed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if failed {
		p.failures++
	} else {
		p.failures = 0
	}
}

// observe records the limit headers of every response.
func (p *Prober) observe(info ResponseInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if info.UsedWeight1m >= 0 {
		p.health.UsedWeight1m = info.UsedWeight1m
	}
	switch info.Status {
	case http.StatusTooManyRequests:
		p.health.Throttled++
		p.health.RetryAfterUntil = info.At.Add(max(info.RetryAfter, time.Second))
	case http.StatusTeapot:
		p.health.Throttled++
		p.health.BannedUntil = info.At.Add(max(info.RetryAfter, time.Second))
	}
}

// onBreakerChange records a transition. gobreaker calls it with its own lock
// held, so it must not call back into the breaker; the probe that caused the
// transition publishes it.
func (p *Prober) onBreakerChange(_ string, _, to gobreaker.State) {
	now := p.opts.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	b := &p.health.Breaker
	b.LastTransition = now
	b.OpenUntil = time.Time{}
	switch to {
	case gobreaker.StateOpen:
		b.State = BreakerOpen
		b.OpenUntil = now.Add(p.opts.Breaker.OpenDuration)
	case gobreaker.StateHalfOpen:
		b.State = BreakerHalfOpen
	default:
		b.State = BreakerClosed
	}
}

// publish applies f to the health under the lock, refreshes the failure
// count, and hands a copy to Publish.
func (p *Prober) publish(f func(*Health)) Health {
	p.mu.Lock()
	f(&p.health)
	p.health.Breaker.Failures = p.failures
	h := p.health
	p.mu.Unlock()
	if p.opts.Publish != nil {
		p.opts.Publish(h)
	}
	return h
}

// shorten keeps error texts (which may hold a whole HTML error page) small
// enough for a status field.
func shorten(s string) string {
	const limit = 256
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "…"
}

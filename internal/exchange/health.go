package exchange

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Health is one resource's view of its endpoint: what its own probes
// learned (reachability, clock offset, symbols) merged with the endpoint's
// shared, live state (weight, limits, pause, ban, breaker). A Health value
// is immutable: its slices are never modified after it is returned.
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
	// UsedWeight1m is the weight used this minute on the endpoint by every
	// bot of the operator (or the server's count when larger).
	UsedWeight1m int
	// WeightLimit1m is REQUEST_WEIGHT per minute from exchangeInfo.
	WeightLimit1m int
	// OrderLimit10s is ORDERS per 10 s from exchangeInfo.
	OrderLimit10s int
	// UnknownSymbols are requested symbols the exchange does not list;
	// NotTrading those it lists with a status other than TRADING.
	UnknownSymbols []string
	NotTrading     []string
	// Breaker is the endpoint's breaker for this resource's settings.
	Breaker BreakerStatus
	// RetryAfterUntil is set after a 429: no request is sent before it.
	RetryAfterUntil time.Time
	// BannedUntil is set after a 418: the IP is banned until then.
	BannedUntil time.Time
	// Throttled counts 429 and 418 responses the endpoint received.
	Throttled int64
	// Waits counts calls the shared weight budget delayed so that the
	// exchange never had reason to answer 429.
	Waits  int64
	Probes int64
}

// Banned reports whether a 418 ban is in force at now.
func (h Health) Banned(now time.Time) bool { return now.Before(h.BannedUntil) }

// ProberOptions configure a Prober.
type ProberOptions struct {
	// Endpoint is the shared endpoint to probe.
	Endpoint *Endpoint
	// Policy is the resource's call policy (breaker, retries, share).
	Policy CallPolicy
	// Symbols whose presence and status exchangeInfo is checked for.
	Symbols []string
	// Interval between probes (default 15s).
	Interval time.Duration
	Now      func() time.Time
	// Publish receives a fresh Health after every probe. It must not block.
	Publish func(Health)
}

// Prober checks one resource's endpoint: ping, server time (clock offset)
// and its symbols in the shared exchangeInfo cache. Every request goes
// through the endpoint, so it spends from the shared weight budget, obeys
// pauses and bans, and feeds the shared circuit breaker. It is driven by
// Run, from one goroutine; Health may be called from any.
type Prober struct {
	opts ProberOptions

	mu  sync.Mutex
	own Health // what the probes learned; the shared parts are read live
}

// NewProber returns a Prober; nothing is sent until Run or ProbeOnce.
func NewProber(opts ProberOptions) *Prober {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Interval <= 0 {
		opts.Interval = 15 * time.Second
	}
	opts.Symbols = slices.Clone(opts.Symbols)
	return &Prober{opts: opts, own: Health{Endpoint: opts.Endpoint.URLs().REST}}
}

// Health returns the latest probe results merged with the endpoint's live
// shared state.
func (p *Prober) Health() Health {
	p.mu.Lock()
	h := p.own
	p.mu.Unlock()
	ep := p.opts.Endpoint
	st := ep.State()
	h.UsedWeight1m, h.WeightLimit1m, h.OrderLimit10s = st.UsedWeight1m, st.WeightLimit1m, st.OrderLimit10s
	h.Throttled, h.Waits = st.Throttled, st.Waits
	h.RetryAfterUntil, h.BannedUntil = st.PausedUntil, st.BannedUntil
	h.Breaker = ep.BreakerStatus(p.opts.Policy.Breaker)
	return h
}

// ClockOffset is the last measured server time minus local time: Health's
// ClockOffset without reading the shared endpoint's state, for callers that
// need only this on a hot path.
func (p *Prober) ClockOffset() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.own.ClockOffset
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

// nextWait is the interval, stretched to the end of a 429 pause or a ban.
func (p *Prober) nextWait() time.Duration {
	st := p.opts.Endpoint.State()
	now := p.opts.Now()
	wait := p.opts.Interval
	for _, until := range []time.Time{st.PausedUntil, st.BannedUntil} {
		if d := until.Sub(now); d > wait {
			wait = d
		}
	}
	return wait
}

// ProbeOnce runs one probe, publishes its result and returns it.
func (p *Prober) ProbeOnce(ctx context.Context) Health {
	ep, pol := p.opts.Endpoint, p.opts.Policy
	now := p.opts.Now()
	if st := ep.State(); st.Paused(now) || st.Banned(now) {
		// Sending now would only wait (a 429 pause) or fail (a ban); the
		// shared state already says why.
		return p.record(func(h *Health) { h.Probed = true })
	}
	err := ep.Ping(ctx, pol)
	var offset, rtt time.Duration
	if err == nil {
		offset, rtt, err = ep.ServerTime(ctx, pol)
	}
	var unknown, notTrading []string
	symbolsRead := false
	if err == nil {
		unknown, notTrading, err = ep.Symbols(ctx, pol, p.opts.Symbols)
		symbolsRead = err == nil
	}
	if ctx.Err() != nil {
		return p.Health()
	}
	return p.record(func(h *Health) {
		h.Probed = true
		h.Probes++
		// A refusal, an auth error or a rate limit proves the exchange
		// answers; only failures of the exchange itself make it unreachable.
		h.Reachable = err == nil || ClassOf(err) != ClassTransient
		if err != nil {
			h.LastError = shorten(err.Error())
		} else {
			h.LastError = ""
			h.ClockOffset, h.RoundTrip = offset, rtt
		}
		if symbolsRead {
			h.UnknownSymbols, h.NotTrading = unknown, notTrading
		}
		if h.Reachable {
			h.LastContact = p.opts.Now()
		}
	})
}

// record applies f to the probe results and publishes the merged health.
func (p *Prober) record(f func(*Health)) Health {
	p.mu.Lock()
	f(&p.own)
	p.mu.Unlock()
	h := p.Health()
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

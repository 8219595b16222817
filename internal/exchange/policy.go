package exchange

import (
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// CallPolicy is how one bot wants its calls made; it comes from the bot's
// spec (retry, circuitBreaker, rateLimits and batching). The zero value
// takes the defaults.
type CallPolicy struct {
	Retry RetryPolicy
	// Breaker selects the circuit breaker: an endpoint (or account) keeps
	// one breaker per distinct settings value, shared by every bot that
	// uses those settings.
	Breaker BreakerSettings
	// Share caps this bot's own use of the endpoint; nil means no cap
	// beyond the endpoint's budget.
	Share *Share
	// BatchWait is how long a coalesced request (Prices, Tickers24h) waits
	// for other callers before it is sent; zero means 10ms and a negative
	// value sends at once (callers still share requests in flight and the
	// result cache).
	BatchWait time.Duration
	// BatchMax is the most symbols one coalesced request carries; zero
	// means 100 (Tickers24h never carries more than 20).
	BatchMax int
}

// RetryPolicy is spec.retry. Only idempotent reads are retried.
type RetryPolicy struct {
	// MaxAttempts counts the first attempt; zero means 3, one disables
	// retries.
	MaxAttempts int
	// BaseDelay is the first backoff (default 100ms); each later one
	// doubles, up to MaxDelay (default 5s).
	BaseDelay, MaxDelay time.Duration
	// Jitter in [0, 1] spreads each delay by up to that fraction either
	// way, so bots that failed together do not retry together. Zero means
	// 0.2; a negative value means none.
	Jitter float64
}

// Defaults of CallPolicy.
const (
	defaultMaxAttempts = 3
	defaultBaseDelay   = 100 * time.Millisecond
	defaultMaxDelay    = 5 * time.Second
	defaultJitter      = 0.2
	defaultBatchWait   = 10 * time.Millisecond
	defaultBatchMax    = 100
)

func (p CallPolicy) withDefaults() CallPolicy {
	r := &p.Retry
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = defaultMaxAttempts
	}
	if r.BaseDelay <= 0 {
		r.BaseDelay = defaultBaseDelay
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = defaultMaxDelay
	}
	r.MaxDelay = max(r.MaxDelay, r.BaseDelay)
	if r.Jitter == 0 {
		r.Jitter = defaultJitter
	}
	r.Jitter = min(r.Jitter, 1) // a negative value stays: none, and withDefaults may run twice
	p.Breaker = p.Breaker.withDefaults()
	if p.BatchWait == 0 {
		p.BatchWait = defaultBatchWait
	}
	if p.BatchMax <= 0 {
		p.BatchMax = defaultBatchMax
	}
	return p
}

// backoff returns the delays between attempts: exponential, with jitter.
func (r RetryPolicy) backoff() *backoff.ExponentialBackOff {
	return &backoff.ExponentialBackOff{
		InitialInterval:     r.BaseDelay,
		RandomizationFactor: max(r.Jitter, 0),
		Multiplier:          2,
		MaxInterval:         r.MaxDelay,
	}
}

// Key names a breaker's settings in EndpointState.Breakers and in metrics,
// e.g. "5/30s/1" (failure threshold, open duration, half-open requests).
func (s BreakerSettings) Key() string {
	s = s.withDefaults()
	return fmt.Sprintf("%d/%s/%d", s.FailureThreshold, s.OpenDuration, s.HalfOpenMaxRequests)
}

package exchange

import (
	"context"
	"sync"
	"time"
)

// ShareLimits are one bot's caps (spec.rateLimits); zero means no cap.
type ShareLimits struct {
	WeightPerMinute int
	OrdersPer10s    int
}

// Share is one bot's part of an endpoint's budget: it caps the bot's own
// request weight per minute and orders per 10 seconds, so a greedy bot
// waits for its next window while the others sharing the endpoint carry
// on. Requests coalesced for many bots (Prices, Tickers24h, exchangeInfo)
// are charged to no share, only to the endpoint.
type Share struct {
	owner  string
	e      *Endpoint
	limits ShareLimits

	mu     sync.Mutex
	weight counter // per minute
	orders counter // per 10 seconds
	waits  int64
}

// ShareState is a Share's counts at one moment.
type ShareState struct {
	Owner         string
	UsedWeight1m  int
	WeightLimit1m int
	Orders10s     int
	OrderLimit10s int
	Waits         int64
}

// NewShare returns a cap for the bot named owner. It holds no resources.
func (e *Endpoint) NewShare(owner string, limits ShareLimits) *Share {
	return &Share{owner: owner, e: e, limits: limits}
}

// State returns the share's counts.
func (s *Share) State() ShareState {
	wt := s.e.windowTime(s.e.clock.now())
	s.mu.Lock()
	defer s.mu.Unlock()
	return ShareState{
		Owner:         s.owner,
		UsedWeight1m:  s.weight.value(windowIndex(wt, minute)),
		WeightLimit1m: s.limits.WeightPerMinute,
		Orders10s:     s.orders.value(windowIndex(wt, tenSeconds)),
		OrderLimit10s: s.limits.OrdersPer10s,
		Waits:         s.waits,
	}
}

// shareTicket is a reservation in a share, given back if unused.
type shareTicket struct {
	s      *Share
	c      *counter
	window int64
	n      int
}

func (t shareTicket) refund() {
	if t.s == nil || t.n == 0 {
		return
	}
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	if t.c.index == t.window {
		t.c.n = max(t.c.n-t.n, 0)
	}
}

// acquireWeight reserves n of the share's weight, waiting for the next
// minute when the share is spent.
func (s *Share) acquireWeight(ctx context.Context, n int) (shareTicket, error) {
	if s == nil || s.limits.WeightPerMinute <= 0 {
		return shareTicket{}, nil
	}
	return s.acquire(ctx, &s.weight, minute, s.limits.WeightPerMinute, n)
}

// acquireOrder reserves one of the share's orders per 10 seconds.
func (s *Share) acquireOrder(ctx context.Context) (shareTicket, error) {
	if s == nil || s.limits.OrdersPer10s <= 0 {
		return shareTicket{}, nil
	}
	return s.acquire(ctx, &s.orders, tenSeconds, s.limits.OrdersPer10s, 1)
}

func (s *Share) acquire(ctx context.Context, c *counter, size time.Duration, limit, n int) (shareTicket, error) {
	counted := false
	for {
		now := s.e.clock.now()
		wt := s.e.windowTime(now)
		w := windowIndex(wt, size)
		s.mu.Lock()
		c.roll(w)
		// A request heavier than the whole share may go alone.
		if c.n == 0 || c.n+n <= limit {
			c.n += n
			s.mu.Unlock()
			return shareTicket{s: s, c: c, window: w, n: n}, nil
		}
		if !counted {
			s.waits++
			counted = true
		}
		s.mu.Unlock()
		if err := s.e.clock.sleep(ctx, windowEnd(w, size).Sub(wt)); err != nil {
			return shareTicket{}, err
		}
	}
}

package exchange

import (
	"errors"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
)

// breaker is a circuit breaker over gobreaker that keeps a status for the
// API. Failures of the exchange itself (transport errors, timeouts, 5xx)
// count against it; an answer that refuses the request (a business
// rejection, an auth error, a rate limit) proves the exchange is up and
// counts as a success; a caller's cancellation counts as nothing.
//
// gobreaker reads time.Now itself; only the times reported here come from
// the endpoint's clock.
type breaker struct {
	key      string
	settings BreakerSettings
	cb       *gobreaker.CircuitBreaker[struct{}]
	now      func() time.Time
	// changed is told about every transition. gobreaker holds its own lock
	// while it calls, so changed must not call back into the breaker.
	changed func(from, to BreakerState)

	mu       sync.Mutex
	status   BreakerStatus
	failures uint32 // consecutive failures; gobreaker clears its counts on opening
}

func newBreaker(name string, s BreakerSettings, now func() time.Time, changed func(from, to BreakerState)) *breaker {
	s = s.withDefaults()
	b := &breaker{key: s.Key(), settings: s, now: now, changed: changed}
	b.status = BreakerStatus{State: BreakerClosed}
	b.cb = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        name,
		MaxRequests: s.HalfOpenMaxRequests,
		Timeout:     s.OpenDuration,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= s.FailureThreshold
		},
		IsSuccessful:  func(err error) bool { return !countsAgainstBreaker(err) },
		IsExcluded:    func(err error) bool { return ClassOf(err) == ClassCanceled },
		OnStateChange: b.onStateChange,
	})
	return b
}

// countsAgainstBreaker is true for failures of the exchange itself.
func countsAgainstBreaker(err error) bool {
	return err != nil && ClassOf(err) == ClassTransient
}

// execute runs fn unless the breaker refuses; ran says whether fn ran.
func (b *breaker) execute(fn func() error) (ran bool, err error) {
	_, err = b.cb.Execute(func() (struct{}, error) {
		ran = true
		err := fn()
		b.count(err)
		return struct{}{}, err
	})
	if !ran && (errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests)) {
		err = errors.Join(ErrCircuitOpen, err)
	}
	return ran, err
}

// observe counts the outcome of a request that did not go through b (the
// shared health probe's) as if it had; while b is open it counts nothing,
// as it would have refused the request.
func (b *breaker) observe(err error) {
	_, _ = b.execute(func() error { return err })
}

func (b *breaker) count(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case countsAgainstBreaker(err):
		b.failures++
	case ClassOf(err) != ClassCanceled:
		b.failures = 0
	}
}

func (b *breaker) onStateChange(_ string, from, to gobreaker.State) {
	now := b.now()
	b.mu.Lock()
	st := &b.status
	st.LastTransition = now
	st.OpenUntil = time.Time{}
	st.State = breakerState(to)
	if to == gobreaker.StateOpen {
		st.OpenUntil = now.Add(b.settings.OpenDuration)
	}
	b.mu.Unlock()
	if b.changed != nil {
		b.changed(breakerState(from), breakerState(to))
	}
}

func breakerState(s gobreaker.State) BreakerState {
	switch s {
	case gobreaker.StateOpen:
		return BreakerOpen
	case gobreaker.StateHalfOpen:
		return BreakerHalfOpen
	}
	return BreakerClosed
}

// snapshot returns the status, after letting gobreaker apply a pending
// open → half-open transition.
func (b *breaker) snapshot() BreakerStatus {
	b.cb.State()
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.status
	st.Failures = b.failures
	return st
}

// breakerSet holds one breaker per distinct settings value.
type breakerSet struct {
	name    string
	now     func() time.Time
	changed func(key string, from, to BreakerState)

	mu       sync.Mutex
	breakers map[string]*breaker
}

func (s *breakerSet) get(settings BreakerSettings) *breaker {
	key := settings.Key()
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.breakers[key]; ok {
		return b
	}
	if s.breakers == nil {
		s.breakers = make(map[string]*breaker)
	}
	b := newBreaker(s.name+" "+key, settings, s.now, func(from, to BreakerState) { s.changed(key, from, to) })
	s.breakers[key] = b
	return b
}

// status returns the status of the breaker with these settings, Closed if
// it was never used.
func (s *breakerSet) status(settings BreakerSettings) BreakerStatus {
	s.mu.Lock()
	b, ok := s.breakers[settings.Key()]
	s.mu.Unlock()
	if !ok {
		return BreakerStatus{State: BreakerClosed}
	}
	return b.snapshot()
}

// all returns every breaker's status by settings key.
func (s *breakerSet) all() map[string]BreakerStatus {
	s.mu.Lock()
	bs := make([]*breaker, 0, len(s.breakers))
	for _, b := range s.breakers {
		bs = append(bs, b)
	}
	s.mu.Unlock()
	out := make(map[string]BreakerStatus, len(bs))
	for _, b := range bs {
		out[b.key] = b.snapshot()
	}
	return out
}

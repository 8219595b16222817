package marketdata

import (
	"context"
	"sync"
	"time"
)

// attemptLimiter keeps connection attempts under max per sliding window, for
// every connection of a hub together (Binance counts attempts per IP).
type attemptLimiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	times []time.Time // attempts inside the window, oldest first
}

func newAttemptLimiter(max int, window time.Duration, now func() time.Time) *attemptLimiter {
	return &attemptLimiter{max: max, window: window, now: now}
}

// reserve records an attempt now if the window has room; otherwise it
// returns how long until it will.
func (l *attemptLimiter) reserve() (ok bool, wait time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	cutoff := now.Add(-l.window)
	i := 0
	for i < len(l.times) && !l.times[i].After(cutoff) {
		i++
	}
	l.times = append(l.times[:0], l.times[i:]...)
	if len(l.times) >= l.max {
		return false, l.times[0].Sub(cutoff)
	}
	l.times = append(l.times, now)
	return true, 0
}

// wait blocks until an attempt may be made and records it, or returns ctx's
// error.
func (l *attemptLimiter) wait(ctx context.Context) error {
	for {
		ok, d := l.reserve()
		if ok {
			return nil
		}
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

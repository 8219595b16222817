package marketdata

import (
	"context"
	"sync"
	"testing"
	"time"
)

type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestAttemptLimiter(t *testing.T) {
	clock := &manualClock{t: testStart}
	l := newAttemptLimiter(3, time.Minute, clock.Now)
	steps := []struct {
		advance time.Duration
		ok      bool
		wait    time.Duration
	}{
		{0, true, 0},
		{10 * time.Second, true, 0},
		{10 * time.Second, true, 0},
		{10 * time.Second, false, 30 * time.Second}, // the first leaves the window at 60s
		{30 * time.Second, true, 0},                 // t=60s: the first has left
		{0, false, 10 * time.Second},
		{10 * time.Second, true, 0},
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		ok, wait := l.reserve()
		if ok != s.ok || wait != s.wait {
			t.Fatalf("step %d: reserve = %v %v, want %v %v", i, ok, wait, s.ok, s.wait)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.wait(ctx); err == nil {
		t.Fatal("wait with a full window and a canceled context returned nil")
	}
}

package limits

import (
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeClock is a settable clock, safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

// midnight is a UTC day boundary, hence also a 5-minute, minute and 10-second one.
var midnight = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// at is midnight plus a clock reading like "00:01:02.500".
func at(t *testing.T, hms string) time.Time {
	t.Helper()
	d, err := time.Parse("15:04:05.000", hms)
	if err != nil {
		t.Fatalf("bad time %q: %v", hms, err)
	}
	return midnight.Add(time.Duration(d.Hour())*time.Hour + time.Duration(d.Minute())*time.Minute +
		time.Duration(d.Second())*time.Second + time.Duration(d.Nanosecond()))
}

func newTestLimiter(cfg Config, clk *fakeClock) *Limiter {
	cfg.Now = clk.Now
	return New(cfg)
}

// trackedIPs is how many IPs the limiter holds in memory.
func trackedIPs(l *Limiter) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ips)
}

func trackedAccounts(l *Limiter) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.accounts)
}

package limits

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tradebot-operator/tradebot-operator/internal/clock"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

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

func newTestLimiter(cfg Config, clk *clock.Fake) *Limiter {
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

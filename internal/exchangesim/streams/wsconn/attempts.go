package wsconn

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// AttemptLimiter limits connection attempts per client IP over a sliding
// window, as Binance does (300 per 5 minutes). Refused attempts are not
// counted, so a client that backs off for the advised time gets in. It is
// safe for concurrent use.
type AttemptLimiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu        sync.Mutex
	byIP      map[string][]time.Time // accepted attempts inside the window, oldest first
	nextSweep time.Time
}

// NewAttemptLimiter allows max attempts per window per IP; max <= 0 allows
// everything.
func NewAttemptLimiter(max int, window time.Duration, now func() time.Time) *AttemptLimiter {
	if now == nil {
		now = time.Now
	}
	return &AttemptLimiter{max: max, window: window, now: now, byIP: make(map[string][]time.Time)}
}

// Allow records an attempt from ip. When refused it returns how long until
// the oldest counted attempt leaves the window.
func (l *AttemptLimiter) Allow(ip string) (ok bool, retryAfter time.Duration) {
	if l.max <= 0 {
		return true, 0
	}
	now := l.now()
	cutoff := now.Add(-l.window)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now, cutoff)
	times := dropBefore(l.byIP[ip], cutoff)
	if len(times) >= l.max {
		l.byIP[ip] = times
		return false, times[0].Add(l.window).Sub(now)
	}
	l.byIP[ip] = append(times, now)
	return true, 0
}

// Admit records an upgrade attempt from the request's client IP. When the IP
// has used up its attempts it answers 429 (-1003) with Retry-After, as
// Binance does, and returns false.
func (l *AttemptLimiter) Admit(w http.ResponseWriter, r *http.Request) bool {
	ok, retry := l.Allow(ClientIP(r))
	if !ok {
		Refuse(w, apierr.New(http.StatusTooManyRequests, apierr.CodeTooManyRequests,
			"Too many connection attempts; retry after "+strconv.Itoa(RetryAfterSeconds(retry))+" seconds."), retry)
	}
	return ok
}

// sweep forgets IPs with no attempt inside the window, once per window, so
// the map does not grow with every client ever seen.
func (l *AttemptLimiter) sweep(now, cutoff time.Time) {
	if now.Before(l.nextSweep) {
		return
	}
	l.nextSweep = now.Add(l.window)
	for ip, times := range l.byIP {
		if len(dropBefore(times, cutoff)) == 0 {
			delete(l.byIP, ip)
		}
	}
}

func dropBefore(times []time.Time, cutoff time.Time) []time.Time {
	i := 0
	for i < len(times) && !times[i].After(cutoff) {
		i++
	}
	return times[i:]
}

// ClientIP is the host part of the request's remote address. Forwarding
// headers are ignored: the simulator limits the address it actually sees.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// RetryAfterSeconds renders d for a Retry-After header: whole seconds,
// rounded up, at least 1.
func RetryAfterSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

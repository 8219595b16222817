package wsconn

import (
	"net/http"
	"testing"
	"time"
)

func TestAttemptLimiterSlidingWindow(t *testing.T) {
	clock := newFakeClock()
	l := NewAttemptLimiter(3, time.Minute, clock.Now)
	for i := range 3 {
		if ok, _ := l.Allow("10.0.0.1"); !ok {
			t.Fatalf("attempt %d refused", i)
		}
		clock.Advance(10 * time.Second)
	}
	// t=30s: attempts at 0s, 10s, 20s are in the window.
	ok, retry := l.Allow("10.0.0.1")
	if ok || retry != 30*time.Second {
		t.Fatalf("4th attempt: ok=%v retry=%v, want refused, retry 30s", ok, retry)
	}
	if ok, _ := l.Allow("10.0.0.2"); !ok {
		t.Fatal("another IP must have its own budget")
	}
	clock.Advance(30 * time.Second) // t=60s: the 0s attempt has left the window
	if ok, _ := l.Allow("10.0.0.1"); !ok {
		t.Fatal("attempt after the oldest expired was refused")
	}
	if ok, _ := l.Allow("10.0.0.1"); ok {
		t.Fatal("window full again, yet allowed")
	}
}

func TestAttemptLimiterUnlimited(t *testing.T) {
	l := NewAttemptLimiter(0, time.Minute, nil)
	for range 1000 {
		if ok, _ := l.Allow("x"); !ok {
			t.Fatal("refused with no limit")
		}
	}
}

func TestAttemptLimiterForgetsIdleIPs(t *testing.T) {
	clock := newFakeClock()
	l := NewAttemptLimiter(1, time.Minute, clock.Now)
	for _, ip := range []string{"a", "b", "c"} {
		l.Allow(ip)
	}
	clock.Advance(2 * time.Minute)
	l.Allow("d")
	if n := len(l.byIP); n != 1 {
		t.Fatalf("tracking %d IPs, want 1", n)
	}
}

func TestClientIP(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"127.0.0.1:5555", "127.0.0.1"},
		{"[::1]:80", "::1"},
		{"garbage", "garbage"},
	}
	for _, tt := range tests {
		r := &http.Request{RemoteAddr: tt.remote, Header: http.Header{"X-Forwarded-For": {"1.2.3.4"}}}
		if got := ClientIP(r); got != tt.want {
			t.Errorf("ClientIP(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int
	}{
		{0, 1}, {time.Millisecond, 1}, {time.Second, 1}, {1001 * time.Millisecond, 2}, {30 * time.Second, 30},
	}
	for _, tt := range tests {
		if got := RetryAfterSeconds(tt.d); got != tt.want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

func TestIncomingRateWindows(t *testing.T) {
	clock := newFakeClock()
	r := incomingRate{max: 2, now: clock.Now}
	steps := []struct {
		advance time.Duration
		want    bool
	}{
		{0, true}, {100 * time.Millisecond, true}, {100 * time.Millisecond, false},
		{time.Second, true}, {0, true}, {999 * time.Millisecond, false}, {time.Millisecond, true},
	}
	for i, s := range steps {
		clock.Advance(s.advance)
		if got := r.allow(); got != s.want {
			t.Fatalf("step %d: allow() = %v, want %v", i, got, s.want)
		}
	}
}

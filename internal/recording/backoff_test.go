package recording

import (
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	const base, limit = time.Second, 10 * time.Second
	lowest := func(int64) int64 { return 0 }
	highest := func(n int64) int64 { return n - 1 }
	tests := []struct {
		failures  int
		low, high time.Duration
	}{
		{1, 500 * time.Millisecond, time.Second},
		{2, time.Second, 2 * time.Second},
		{4, 4 * time.Second, 8 * time.Second},
		{5, 5 * time.Second, 10 * time.Second},  // capped
		{99, 5 * time.Second, 10 * time.Second}, // no overflow
	}
	for _, tt := range tests {
		if got := backoffDelay(tt.failures, base, limit, lowest); got != tt.low {
			t.Errorf("failures=%d, least jitter: %v, want %v", tt.failures, got, tt.low)
		}
		if got := backoffDelay(tt.failures, base, limit, highest); got != tt.high {
			t.Errorf("failures=%d, most jitter: %v, want %v", tt.failures, got, tt.high)
		}
	}
}

func TestJitterIsSeeded(t *testing.T) {
	a, b, c := newRand(3), newRand(3), newRand(4)
	same, differs := true, false
	for range 8 {
		x, y, z := a.Int64N(1<<40), b.Int64N(1<<40), c.Int64N(1<<40)
		same = same && x == y
		differs = differs || x != z
	}
	if !same || !differs {
		t.Fatalf("same seed same draws: %v; other seed other draws: %v", same, differs)
	}
}

// Close keeps retrying within its deadline: the backoff is capped at
// RetryBase while closing.
func TestBackoffWhileClosing(t *testing.T) {
	f := newFakeInflux(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newTestSink(t, f, SinkOptions{RetryBase: time.Second, RetryMax: time.Hour, Now: func() time.Time { return now }})
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = 20
	s.noteFailureLocked(result{kind: outcomeRetry, message: "x"}, now)
	if d := s.retryAt.Sub(now); d < 30*time.Minute {
		t.Fatalf("after 21 failures the delay is %v, want near the 1h cap", d)
	}
	s.closing = true
	s.noteFailureLocked(result{kind: outcomeRetry, message: "x"}, now)
	if d := s.retryAt.Sub(now); d > time.Second {
		t.Fatalf("while closing the delay is %v, want at most RetryBase", d)
	}
	s.closing = false // let the cleanup's Close run normally
}

package backoff

import (
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	const base, limit = time.Second, 10 * time.Second
	lowest := func(int64) int64 { return 0 }
	highest := func(n int64) int64 { return n - 1 }
	tests := []struct {
		failures int
		low      time.Duration // with no jitter: half the ceiling
		high     time.Duration // with the most jitter: the ceiling
	}{
		{failures: 1, low: 500 * time.Millisecond, high: time.Second},
		{failures: 2, low: time.Second, high: 2 * time.Second},
		{failures: 3, low: 2 * time.Second, high: 4 * time.Second},
		{failures: 4, low: 4 * time.Second, high: 8 * time.Second},
		{failures: 5, low: 5 * time.Second, high: 10 * time.Second},  // capped
		{failures: 80, low: 5 * time.Second, high: 10 * time.Second}, // no overflow
	}
	for _, tt := range tests {
		if got := Delay(tt.failures, base, limit, lowest); got != tt.low {
			t.Errorf("failures=%d, least jitter: got %v, want %v", tt.failures, got, tt.low)
		}
		if got := Delay(tt.failures, base, limit, highest); got != tt.high {
			t.Errorf("failures=%d, most jitter: got %v, want %v", tt.failures, got, tt.high)
		}
	}
}

func TestDelayNearDurationLimit(t *testing.T) {
	const huge = time.Duration(1<<63 - 1)
	if got := Delay(70, time.Hour, huge, func(n int64) int64 { return n - 1 }); got != huge {
		t.Errorf("got %v, want the cap %v", got, huge)
	}
}

func TestJitterIsSeeded(t *testing.T) {
	a, b, c := NewJitter(3), NewJitter(3), NewJitter(4)
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

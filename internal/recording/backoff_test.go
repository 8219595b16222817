package recording

import (
	"testing"
	"time"
)

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

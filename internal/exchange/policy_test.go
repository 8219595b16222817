package exchange

import (
	"testing"
	"time"
)

func TestCallPolicyDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   CallPolicy
		want CallPolicy
	}{
		{"zero", CallPolicy{}, CallPolicy{
			Retry:     RetryPolicy{MaxAttempts: 3, BaseDelay: 100 * time.Millisecond, MaxDelay: 5 * time.Second, Jitter: 0.2},
			Breaker:   BreakerSettings{FailureThreshold: 5, OpenDuration: 30 * time.Second, HalfOpenMaxRequests: 1},
			BatchWait: 10 * time.Millisecond, BatchMax: 100,
		}},
		{"no jitter, no batch wait, delay cap below base", CallPolicy{
			Retry:     RetryPolicy{MaxAttempts: 1, BaseDelay: time.Second, MaxDelay: time.Millisecond, Jitter: -1},
			BatchWait: -1, BatchMax: 7,
		}, CallPolicy{
			Retry:     RetryPolicy{MaxAttempts: 1, BaseDelay: time.Second, MaxDelay: time.Second, Jitter: -1},
			Breaker:   BreakerSettings{FailureThreshold: 5, OpenDuration: 30 * time.Second, HalfOpenMaxRequests: 1},
			BatchWait: -1, BatchMax: 7,
		}},
		{"jitter above 1", CallPolicy{Retry: RetryPolicy{Jitter: 3}}, CallPolicy{
			Retry:     RetryPolicy{MaxAttempts: 3, BaseDelay: 100 * time.Millisecond, MaxDelay: 5 * time.Second, Jitter: 1},
			Breaker:   BreakerSettings{FailureThreshold: 5, OpenDuration: 30 * time.Second, HalfOpenMaxRequests: 1},
			BatchWait: 10 * time.Millisecond, BatchMax: 100,
		}},
	}
	for _, tt := range tests {
		got := tt.in.withDefaults()
		if got != tt.want {
			t.Errorf("%s: withDefaults() = %+v, want %+v", tt.name, got, tt.want)
		}
		if again := got.withDefaults(); again != got {
			t.Errorf("%s: withDefaults is not idempotent: %+v, then %+v", tt.name, got, again)
		}
	}
}

// TestBackoffDelays: exponential from BaseDelay, capped at MaxDelay, and
// exact without jitter.
func TestBackoffDelays(t *testing.T) {
	p := CallPolicy{Retry: RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: 500 * time.Millisecond, Jitter: -1}}.withDefaults()
	bo := p.Retry.backoff()
	want := []time.Duration{100, 200, 400, 500, 500}
	for i, w := range want {
		if got := bo.NextBackOff(); got != w*time.Millisecond {
			t.Fatalf("delay %d = %v, want %v", i, got, w*time.Millisecond)
		}
	}
	jittered := CallPolicy{Retry: RetryPolicy{BaseDelay: 100 * time.Millisecond, Jitter: 0.5}}.withDefaults().Retry.backoff()
	for range 100 {
		jittered.Reset()
		if d := jittered.NextBackOff(); d < 50*time.Millisecond || d > 151*time.Millisecond {
			t.Fatalf("first jittered delay %v outside [50ms, 150ms]", d)
		}
	}
}

func TestBreakerSettingsKey(t *testing.T) {
	if got := (BreakerSettings{}).Key(); got != "5/30s/1" {
		t.Fatalf("default key %q, want 5/30s/1", got)
	}
	if got := (BreakerSettings{FailureThreshold: 3, OpenDuration: 1500 * time.Millisecond, HalfOpenMaxRequests: 2}).Key(); got != "3/1.5s/2" {
		t.Fatalf("key %q, want 3/1.5s/2", got)
	}
}

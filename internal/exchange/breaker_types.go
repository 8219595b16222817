package exchange

import "time"

// BreakerState is a circuit breaker's state as the API shows it.
type BreakerState string

const (
	BreakerClosed   BreakerState = "Closed"
	BreakerOpen     BreakerState = "Open"
	BreakerHalfOpen BreakerState = "HalfOpen"
)

// BreakerSettings configure a circuit breaker (spec.circuitBreaker).
type BreakerSettings struct {
	// FailureThreshold consecutive failures open the breaker.
	FailureThreshold uint32
	// OpenDuration is how long it stays open before letting a probe through.
	OpenDuration time.Duration
	// HalfOpenMaxRequests may pass while half-open; that many successes close it.
	HalfOpenMaxRequests uint32
}

func (s BreakerSettings) withDefaults() BreakerSettings {
	if s.FailureThreshold == 0 {
		s.FailureThreshold = 5
	}
	if s.OpenDuration <= 0 {
		s.OpenDuration = 30 * time.Second
	}
	if s.HalfOpenMaxRequests == 0 {
		s.HalfOpenMaxRequests = 1
	}
	return s
}

// BreakerStatus is a breaker's state at one moment.
type BreakerStatus struct {
	State          BreakerState
	Failures       uint32
	LastTransition time.Time
	// OpenUntil is when an open breaker will let a probe through.
	OpenUntil time.Time
}

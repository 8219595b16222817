package controller

import (
	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
)

// breakerSettings turns spec.circuitBreaker (defaulted) into exchange settings.
func breakerSettings(s tradingv1alpha1.CircuitBreakerSpec) exchange.BreakerSettings {
	out := exchange.BreakerSettings{
		FailureThreshold:    uint32(max(s.FailureThreshold, 0)),
		HalfOpenMaxRequests: uint32(max(s.HalfOpenMaxRequests, 0)),
	}
	if s.OpenDuration != nil {
		out.OpenDuration = s.OpenDuration.Duration
	}
	return out
}

package controller

import (
	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
)

// botPolicy turns a (defaulted) TradingBot spec into how its calls are
// made and its share of the endpoint's budget.
func botPolicy(spec tradingv1alpha1.TradingBotSpec) (exchange.CallPolicy, exchange.ShareLimits) {
	p := exchange.CallPolicy{
		Retry:   retryPolicy(spec.Retry),
		Breaker: breakerSettings(spec.CircuitBreaker),
	}
	if spec.Batching.IsEnabled() {
		p.BatchMax = int(spec.Batching.MaxBatchSize)
		if spec.Batching.MaxWait != nil {
			p.BatchWait = spec.Batching.MaxWait.Duration
		}
	} else {
		// Send at once; callers still share requests in flight.
		p.BatchWait = -1
	}
	share := exchange.ShareLimits{
		WeightPerMinute: int(spec.RateLimits.RequestWeightPerMinute),
		OrdersPer10s:    int(spec.RateLimits.OrdersPer10s),
	}
	return p, share
}

// retryPolicy turns spec.retry into exchange settings. Jitter is a
// fraction of a delay, not money: a float is exact enough.
func retryPolicy(r tradingv1alpha1.RetrySpec) exchange.RetryPolicy {
	out := exchange.RetryPolicy{MaxAttempts: int(r.MaxAttempts)}
	if r.BaseDelay != nil {
		out.BaseDelay = r.BaseDelay.Duration
	}
	if r.MaxDelay != nil {
		out.MaxDelay = r.MaxDelay.Duration
	}
	if j, err := r.Jitter.Parse(); err == nil {
		out.Jitter = j.InexactFloat64()
		if j.IsZero() {
			out.Jitter = -1 // the API's "0" means no jitter
		}
	}
	return out
}

// recordingOptions are a resource's recording writer options, nil when its
// spec.recording.enabled is false.
func recordingOptions(spec tradingv1alpha1.RecordingSpec) *recording.WriterOptions {
	o, enabled := recording.WriterOptionsFromSpec(&spec)
	if !enabled {
		return nil
	}
	return &o
}

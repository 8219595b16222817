package controller

import (
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/botgroup"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
	"github.com/tradebot-operator/tradebot-operator/internal/redact"
	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
	"github.com/tradebot-operator/tradebot-operator/internal/trading"
)

// staleRetryDelay is how soon a reconcile runs again after its status write
// met a conflict. The write carries the resourceVersion it was computed from,
// so a status computed from a cached copy older than the object (which lags
// the reconciler's own writes) is refused instead of overwriting newer status
// and reporting transitions that already happened; the retry reads the
// caught-up copy.
const staleRetryDelay = 100 * time.Millisecond

// groupView is what a reconciler knows of a running group: the supervisor's
// task snapshot and the group's own published state.
type groupView struct {
	Supervised supervisor.GroupSnapshot
	Health     exchange.Health
	Market     botgroup.MarketSnapshot
	// Recording are the group's recording counters; Recorded is false when
	// the group records nothing (disabled in its spec, or no InfluxDB).
	Recording recording.Stats
	Recorded  bool
	// Signals is the group's signal task state (Enabled false without one).
	Signals botgroup.SignalSnapshot
	// Trading is the executor's state and Executor the executor (nil when
	// the group does not trade).
	Trading  *trading.Snapshot
	Executor *trading.Executor
}

// Market data is fresh while the newest event is younger than
// marketStaleAfter; a group that has received nothing for
// marketConnectGrace since it started is reported as a problem.
const (
	marketStaleAfter   = time.Minute
	marketConnectGrace = 30 * time.Second
)

// marketDataStatus renders what the group's market-data task has seen.
func marketDataStatus(m botgroup.MarketSnapshot, now time.Time) *tradingv1alpha1.MarketDataStatus {
	if !m.Subscribed {
		return nil
	}
	return &tradingv1alpha1.MarketDataStatus{
		Streams:       int32(m.Streams),
		Reconnects:    m.Reconnects,
		LastEventTime: optionalTime(m.LastEvent),
		LagMs:         effectiveLag(m, now).Milliseconds(),
	}
}

// quietEventGap is how long a healthy subscription may go between events
// (tickers and klines come every second or two): an older newest event is
// shown as the lag, since it says more than the last event's own delay.
const quietEventGap = 2 * time.Second

// effectiveLag is how far behind the resource's market data is: the latest
// event's delay, or, once the newest event is older than that and older
// than a normal gap between events, its age (whole seconds, so a stalled
// stream shows as a growing figure rather than its last good delay).
func effectiveLag(m botgroup.MarketSnapshot, now time.Time) time.Duration {
	lag := m.Lag
	if m.LastEvent.IsZero() {
		return lag
	}
	if age := now.Sub(m.LastEvent); age > lag && age > quietEventGap {
		return age.Truncate(time.Second)
	}
	return lag
}

// marketConditions sets MarketDataFresh and returns the problems that make
// the resource Degraded. A group without market-data streams gets no
// condition.
func marketConditions(c *conditionSet, v *groupView, now time.Time) (problems []string) {
	m := v.Market
	switch {
	case m.LastError != "":
		c.set(tradingv1alpha1.ConditionMarketDataFresh, metav1.ConditionFalse, tradingv1alpha1.ReasonStreamsStale,
			"subscribing failed: "+m.LastError)
		return []string{"market data unavailable"}
	case !m.Subscribed:
		c.remove(tradingv1alpha1.ConditionMarketDataFresh)
		return nil
	case m.LastEvent.IsZero():
		c.set(tradingv1alpha1.ConditionMarketDataFresh, metav1.ConditionFalse, tradingv1alpha1.ReasonStreamsConnecting,
			fmt.Sprintf("waiting for the first event of %d stream(s)", m.Streams))
		if now.Sub(v.Supervised.Started) > marketConnectGrace {
			return []string{"no market data yet"}
		}
		return nil
	case m.Stale > 0:
		c.set(tradingv1alpha1.ConditionMarketDataFresh, metav1.ConditionFalse, tradingv1alpha1.ReasonStreamsStale,
			fmt.Sprintf("%d of %d stream(s) silent past their bound (%s); newest event %s ago; %d redial(s)",
				m.Stale, m.Streams, strings.Join(m.StaleStreams, ", "), now.Sub(m.LastEvent).Truncate(time.Second), m.Redials))
		return []string{"market data stale"}
	case now.Sub(m.LastEvent) > marketStaleAfter:
		c.set(tradingv1alpha1.ConditionMarketDataFresh, metav1.ConditionFalse, tradingv1alpha1.ReasonStreamsStale,
			fmt.Sprintf("no market data since %s", m.LastEvent.UTC().Format(time.RFC3339)))
		return []string{"market data stale"}
	default:
		c.set(tradingv1alpha1.ConditionMarketDataFresh, metav1.ConditionTrue, tradingv1alpha1.ReasonStreamsFresh,
			fmt.Sprintf("%d stream(s); lag %d ms; %d reconnect(s)", m.Streams, m.Lag.Milliseconds(), m.Reconnects))
		return nil
	}
}

// recordingState renders status.recording and sets the Recording
// condition. enabled is the spec's recording.enabled; sinkConfigured is
// whether the operator has an InfluxDB.
func recordingState(c *conditionSet, v *groupView, enabled, sinkConfigured bool, now time.Time) *tradingv1alpha1.RecordingStatus {
	switch {
	case !enabled:
		cond := recording.DisabledCondition()
		c.set(cond.Type, cond.Status, cond.Reason, cond.Message)
		return nil
	case !sinkConfigured:
		c.set(tradingv1alpha1.ConditionRecording, metav1.ConditionFalse, tradingv1alpha1.ReasonRecordingDisabled,
			"the operator runs without --influx-url: nothing is recorded")
		return nil
	case v == nil || !v.Recorded:
		return nil
	}
	cond := recording.Condition(v.Recording, now)
	c.set(cond.Type, cond.Status, cond.Reason, cond.Message)
	st := recording.Status(v.Recording)
	return &st
}

// conditionSet accumulates conditions on top of the previous ones, so that a
// condition whose status does not change keeps its lastTransitionTime.
type conditionSet struct {
	conds      []metav1.Condition
	generation int64
	now        metav1.Time
}

func newConditionSet(previous []metav1.Condition, generation int64, now time.Time) *conditionSet {
	c := &conditionSet{generation: generation, now: metav1.NewTime(now.UTC().Truncate(time.Second))}
	for _, p := range previous {
		c.conds = append(c.conds, *p.DeepCopy())
	}
	return c
}

func (c *conditionSet) set(condType string, status metav1.ConditionStatus, reason, message string) {
	// Messages quote endpoints and errors: no URL may show its user
	// information or query values there (nor, through Ready, in events).
	meta.SetStatusCondition(&c.conds, metav1.Condition{
		Type:               condType,
		Status:             status,
		Reason:             reason,
		Message:            redact.URLsIn(message),
		ObservedGeneration: c.generation,
		LastTransitionTime: c.now,
	})
}

func (c *conditionSet) remove(condTypes ...string) {
	for _, t := range condTypes {
		meta.RemoveStatusCondition(&c.conds, t)
	}
}

func boolStatus(b bool) metav1.ConditionStatus {
	if b {
		return metav1.ConditionTrue
	}
	return metav1.ConditionFalse
}

// exchangeStatus renders an endpoint's health for status.
func exchangeStatus(h exchange.Health, now time.Time) *tradingv1alpha1.ExchangeStatus {
	s := &tradingv1alpha1.ExchangeStatus{
		Endpoint: redact.URL(h.Endpoint),
		Breaker: tradingv1alpha1.BreakerStatus{
			State:              tradingv1alpha1.BreakerState(h.Breaker.State),
			Failures:           int32(h.Breaker.Failures),
			LastTransitionTime: optionalTime(h.Breaker.LastTransition),
		},
		RateLimit: tradingv1alpha1.RateLimitStatus{
			UsedWeight1m:      int32(h.UsedWeight1m),
			WeightLimit1m:     int32(h.WeightLimit1m),
			Weight:            weightText(h.UsedWeight1m, h.WeightLimit1m),
			ThrottledRequests: h.Throttled,
		},
		ClockOffsetMs:   h.ClockOffset.Milliseconds(),
		LastContactTime: optionalTime(h.LastContact),
		UnknownSymbols:  append([]string(nil), h.UnknownSymbols...),
	}
	if h.Breaker.State == exchange.BreakerOpen {
		s.Breaker.OpenUntil = optionalTime(h.Breaker.OpenUntil)
	}
	if now.Before(h.RetryAfterUntil) {
		s.RateLimit.RetryAfterUntil = optionalTime(h.RetryAfterUntil)
	}
	if h.Banned(now) {
		s.RateLimit.Banned = true
		s.RateLimit.BannedUntil = optionalTime(h.BannedUntil)
	}
	return s
}

// weightText is the WEIGHT column: "used/limit", or just "used" before the
// limit is known from exchangeInfo.
func weightText(used, limit int) string {
	if limit <= 0 {
		return fmt.Sprintf("%d", used)
	}
	return fmt.Sprintf("%d/%d", used, limit)
}

func optionalTime(t time.Time) *metav1.Time {
	if t.IsZero() {
		return nil
	}
	mt := metav1.NewTime(t.UTC().Truncate(time.Millisecond))
	return &mt
}

// taskStatuses renders the supervisor's task states for status.tasks.
func taskStatuses(rs supervisor.GroupSnapshot) []tradingv1alpha1.TaskStatus {
	out := make([]tradingv1alpha1.TaskStatus, 0, len(rs.Tasks))
	for _, t := range rs.Tasks {
		out = append(out, tradingv1alpha1.TaskStatus{
			Name:      t.Name,
			State:     string(t.State),
			Restarts:  t.Restarts,
			LastError: redact.URLsIn(t.LastError),
			Since:     metav1.NewTime(t.Since.UTC().Truncate(time.Second)),
		})
	}
	return out
}

// exchangeConditions sets ExchangeReachable, RateLimited, CircuitOpen and
// SymbolsValid from an endpoint's health, and returns the problems that make
// the resource Degraded (empty when healthy).
func exchangeConditions(c *conditionSet, h exchange.Health, now time.Time) (problems []string) {
	switch {
	case h.Banned(now):
		c.set(tradingv1alpha1.ConditionExchangeReachable, metav1.ConditionFalse, tradingv1alpha1.ReasonIPBanned,
			fmt.Sprintf("the exchange banned this IP until %s", h.BannedUntil.UTC().Format(time.RFC3339)))
		problems = append(problems, "IP banned by the exchange")
	case !h.Reachable:
		msg := "the exchange did not answer"
		if h.LastError != "" {
			msg += ": " + h.LastError
		}
		c.set(tradingv1alpha1.ConditionExchangeReachable, metav1.ConditionFalse, tradingv1alpha1.ReasonUnreachable, msg)
		problems = append(problems, "exchange unreachable")
	default:
		c.set(tradingv1alpha1.ConditionExchangeReachable, metav1.ConditionTrue, tradingv1alpha1.ReasonReachable,
			fmt.Sprintf("%s answered; clock offset %d ms", h.Endpoint, h.ClockOffset.Milliseconds()))
	}

	switch {
	case h.Banned(now):
		c.set(tradingv1alpha1.ConditionRateLimited, metav1.ConditionTrue, tradingv1alpha1.ReasonIPBanned,
			fmt.Sprintf("HTTP 418: banned until %s", h.BannedUntil.UTC().Format(time.RFC3339)))
	case now.Before(h.RetryAfterUntil):
		c.set(tradingv1alpha1.ConditionRateLimited, metav1.ConditionTrue, tradingv1alpha1.ReasonRetryAfter,
			fmt.Sprintf("HTTP 429: no requests until %s", h.RetryAfterUntil.UTC().Format(time.RFC3339)))
		problems = append(problems, "rate limited")
	default:
		c.set(tradingv1alpha1.ConditionRateLimited, metav1.ConditionFalse, tradingv1alpha1.ReasonWithinBudget,
			"request weight "+weightText(h.UsedWeight1m, h.WeightLimit1m)+" this minute")
	}

	switch h.Breaker.State {
	case exchange.BreakerOpen:
		c.set(tradingv1alpha1.ConditionCircuitOpen, metav1.ConditionTrue, tradingv1alpha1.ReasonBreakerOpen,
			fmt.Sprintf("circuit breaker open after %d consecutive failures until %s", h.Breaker.Failures,
				h.Breaker.OpenUntil.UTC().Format(time.RFC3339)))
		problems = append(problems, "circuit breaker open")
	case exchange.BreakerHalfOpen:
		c.set(tradingv1alpha1.ConditionCircuitOpen, metav1.ConditionTrue, tradingv1alpha1.ReasonBreakerHalfOpen,
			"circuit breaker half-open: trial requests decide whether it closes")
		problems = append(problems, "circuit breaker half-open")
	default:
		c.set(tradingv1alpha1.ConditionCircuitOpen, metav1.ConditionFalse, tradingv1alpha1.ReasonBreakerClosed, "circuit breaker closed")
	}

	switch {
	case len(h.UnknownSymbols) > 0 || len(h.NotTrading) > 0:
		var parts []string
		if len(h.UnknownSymbols) > 0 {
			parts = append(parts, "not listed by the exchange: "+strings.Join(h.UnknownSymbols, ", "))
		}
		if len(h.NotTrading) > 0 {
			parts = append(parts, "not trading: "+strings.Join(h.NotTrading, ", "))
		}
		c.set(tradingv1alpha1.ConditionSymbolsValid, metav1.ConditionFalse, tradingv1alpha1.ReasonUnknownSymbols, "symbols "+strings.Join(parts, "; "))
		problems = append(problems, "invalid symbols")
	case h.WeightLimit1m == 0 && !h.Reachable:
		c.set(tradingv1alpha1.ConditionSymbolsValid, metav1.ConditionUnknown, tradingv1alpha1.ReasonExchangeInfoUnavailable,
			"exchangeInfo has not been read yet")
	default:
		c.set(tradingv1alpha1.ConditionSymbolsValid, metav1.ConditionTrue, tradingv1alpha1.ReasonSymbolsListed, "every symbol is listed and trading")
	}
	return problems
}

// taskProblems names the tasks that are failing or waiting to restart.
func taskProblems(rs supervisor.GroupSnapshot) []string {
	var problems []string
	for _, t := range rs.Tasks {
		switch t.State {
		case supervisor.TaskBackoff, supervisor.TaskFailed:
			msg := fmt.Sprintf("task %s %s", t.Name, strings.ToLower(string(t.State)))
			if t.LastError != "" {
				msg += " (" + t.LastError + ")"
			}
			problems = append(problems, msg)
		}
	}
	return problems
}

// groupParts is the part of a resource's status that a running group fills
// in, the same for a TradingBot and a SymbolWatch.
type groupParts struct {
	Tasks      []tradingv1alpha1.TaskStatus
	Exchange   *tradingv1alpha1.ExchangeStatus
	MarketData *tradingv1alpha1.MarketDataStatus
	Recording  *tradingv1alpha1.RecordingStatus
	// Probed is false until the first exchange health check finished;
	// Problems (empty when healthy) are what make the resource Degraded.
	Probed   bool
	Problems []string
}

// groupStatus computes groupParts and sets the group's conditions.
func groupStatus(c *conditionSet, v *groupView, recordingEnabled, sinkConfigured bool, now time.Time) groupParts {
	p := groupParts{
		Tasks:      taskStatuses(v.Supervised),
		Exchange:   exchangeStatus(v.Health, now),
		MarketData: marketDataStatus(v.Market, now),
		Recording:  recordingState(c, v, recordingEnabled, sinkConfigured, now),
		Probed:     v.Health.Probed,
	}
	if !p.Probed {
		return p
	}
	p.Problems = exchangeConditions(c, v.Health, now)
	p.Problems = append(p.Problems, marketConditions(c, v, now)...)
	p.Problems = append(p.Problems, taskProblems(v.Supervised)...)
	return p
}

package controller

import (
	"reflect"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/supervisor"
)

func TestWeightText(t *testing.T) {
	tests := []struct {
		used, limit int
		want        string
	}{
		{0, 0, "0"},
		{17, 0, "17"},
		{17, -1, "17"},
		{0, 6000, "0/6000"},
		{22, 6000, "22/6000"},
		{6001, 6000, "6001/6000"},
	}
	for _, tt := range tests {
		if got := weightText(tt.used, tt.limit); got != tt.want {
			t.Errorf("weightText(%d, %d) = %q, want %q", tt.used, tt.limit, got, tt.want)
		}
	}
}

func mtime(t time.Time) *metav1.Time {
	m := metav1.NewTime(t)
	return &m
}

func TestExchangeStatus(t *testing.T) {
	lastChange := t0.Add(-90 * time.Second).Add(123456789 * time.Nanosecond) // sub-millisecond part is dropped
	tests := []struct {
		name   string
		health func(h *exchange.Health)
		want   func(s *tradingv1alpha1.ExchangeStatus)
	}{
		{
			name:   "healthy",
			health: func(h *exchange.Health) {},
			want:   func(s *tradingv1alpha1.ExchangeStatus) {},
		},
		{
			name: "limit not known yet",
			health: func(h *exchange.Health) {
				h.WeightLimit1m = 0
			},
			want: func(s *tradingv1alpha1.ExchangeStatus) {
				s.RateLimit.WeightLimit1m = 0
				s.RateLimit.Weight = "22"
			},
		},
		{
			name: "open breaker shows until when",
			health: func(h *exchange.Health) {
				h.Breaker = exchange.BreakerStatus{State: exchange.BreakerOpen, Failures: 3, LastTransition: lastChange, OpenUntil: t0.Add(20 * time.Second)}
			},
			want: func(s *tradingv1alpha1.ExchangeStatus) {
				s.Breaker = tradingv1alpha1.BreakerStatus{State: tradingv1alpha1.BreakerOpen, Failures: 3,
					LastTransitionTime: mtime(t0.Add(-90*time.Second + 123*time.Millisecond)), OpenUntil: mtime(t0.Add(20 * time.Second))}
			},
		},
		{
			name: "closed breaker hides a stale openUntil",
			health: func(h *exchange.Health) {
				h.Breaker = exchange.BreakerStatus{State: exchange.BreakerClosed, LastTransition: lastChange, OpenUntil: t0.Add(-time.Minute)}
			},
			want: func(s *tradingv1alpha1.ExchangeStatus) {
				s.Breaker.LastTransitionTime = mtime(t0.Add(-90*time.Second + 123*time.Millisecond))
			},
		},
		{
			name: "half-open",
			health: func(h *exchange.Health) {
				h.Breaker = exchange.BreakerStatus{State: exchange.BreakerHalfOpen, LastTransition: lastChange, OpenUntil: t0}
			},
			want: func(s *tradingv1alpha1.ExchangeStatus) {
				s.Breaker = tradingv1alpha1.BreakerStatus{State: tradingv1alpha1.BreakerHalfOpen,
					LastTransitionTime: mtime(t0.Add(-90*time.Second + 123*time.Millisecond))}
			},
		},
		{
			name: "retry-after in force",
			health: func(h *exchange.Health) {
				h.RetryAfterUntil = t0.Add(5 * time.Second)
				h.Throttled = 2
			},
			want: func(s *tradingv1alpha1.ExchangeStatus) {
				s.RateLimit.RetryAfterUntil = mtime(t0.Add(5 * time.Second))
				s.RateLimit.ThrottledRequests = 2
			},
		},
		{
			name: "retry-after over",
			health: func(h *exchange.Health) {
				h.RetryAfterUntil = t0
				h.Throttled = 2
			},
			want: func(s *tradingv1alpha1.ExchangeStatus) {
				s.RateLimit.ThrottledRequests = 2
			},
		},
		{
			name: "banned",
			health: func(h *exchange.Health) {
				h.BannedUntil = t0.Add(2 * time.Minute)
				h.Throttled = 5
			},
			want: func(s *tradingv1alpha1.ExchangeStatus) {
				s.RateLimit.Banned = true
				s.RateLimit.BannedUntil = mtime(t0.Add(2 * time.Minute))
				s.RateLimit.ThrottledRequests = 5
			},
		},
		{
			name: "ban over",
			health: func(h *exchange.Health) {
				h.BannedUntil = t0.Add(-time.Millisecond)
			},
			want: func(s *tradingv1alpha1.ExchangeStatus) {},
		},
		{
			name: "unknown symbols and clock offset",
			health: func(h *exchange.Health) {
				h.UnknownSymbols = []string{"NOPEUSDT"}
				h.ClockOffset = -5*time.Second - 400*time.Microsecond
			},
			want: func(s *tradingv1alpha1.ExchangeStatus) {
				s.UnknownSymbols = []string{"NOPEUSDT"}
				s.ClockOffsetMs = -5000
			},
		},
		{
			name: "never answered",
			health: func(h *exchange.Health) {
				h.Reachable = false
				h.LastContact = time.Time{}
				h.ClockOffset = 0
			},
			want: func(s *tradingv1alpha1.ExchangeStatus) {
				s.LastContactTime = nil
				s.ClockOffsetMs = 0
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := healthyHealth()
			tt.health(&h)
			want := &tradingv1alpha1.ExchangeStatus{
				Endpoint:        testEndpoint,
				Breaker:         tradingv1alpha1.BreakerStatus{State: tradingv1alpha1.BreakerClosed},
				RateLimit:       tradingv1alpha1.RateLimitStatus{UsedWeight1m: 22, WeightLimit1m: 6000, Weight: "22/6000"},
				ClockOffsetMs:   12,
				LastContactTime: mtime(t0.Add(-time.Second)),
			}
			tt.want(want)
			got := exchangeStatus(h, t0)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("exchangeStatus:\n got %+v\nwant %+v", *got, *want)
			}
		})
	}
}

func TestExchangeStatusCopiesSymbols(t *testing.T) {
	h := healthyHealth()
	h.UnknownSymbols = []string{"AAAUSDT", "BBBUSDT"}
	got := exchangeStatus(h, t0)
	h.UnknownSymbols[0] = "CHANGED"
	if got.UnknownSymbols[0] != "AAAUSDT" {
		t.Errorf("status shares the health's slice: got %v", got.UnknownSymbols)
	}
}

func TestExchangeConditions(t *testing.T) {
	tests := []struct {
		name         string
		health       func(h *exchange.Health)
		wantConds    string
		wantProblems []string
		// wantMessages are fragments expected in the message of a condition.
		wantMessages map[string]string
	}{
		{
			name:         "healthy",
			health:       func(h *exchange.Health) {},
			wantConds:    "CircuitOpen=False/BreakerClosed ExchangeReachable=True/Reachable RateLimited=False/WithinBudget SymbolsValid=True/SymbolsListed",
			wantMessages: map[string]string{"ExchangeReachable": "clock offset 12 ms", "RateLimited": "request weight 22/6000 this minute"},
		},
		{
			name: "unreachable",
			health: func(h *exchange.Health) {
				h.Reachable = false
				h.LastError = "dial tcp 127.0.0.1:1: connection refused"
			},
			wantConds:    "CircuitOpen=False/BreakerClosed ExchangeReachable=False/Unreachable RateLimited=False/WithinBudget SymbolsValid=True/SymbolsListed",
			wantProblems: []string{"exchange unreachable"},
			wantMessages: map[string]string{"ExchangeReachable": "the exchange did not answer: dial tcp 127.0.0.1:1: connection refused"},
		},
		{
			name: "unreachable before exchangeInfo was read",
			health: func(h *exchange.Health) {
				h.Reachable = false
				h.WeightLimit1m = 0
			},
			wantConds:    "CircuitOpen=False/BreakerClosed ExchangeReachable=False/Unreachable RateLimited=False/WithinBudget SymbolsValid=Unknown/ExchangeInfoUnavailable",
			wantProblems: []string{"exchange unreachable"},
		},
		{
			name: "banned",
			health: func(h *exchange.Health) {
				h.BannedUntil = t0.Add(2 * time.Minute)
			},
			wantConds:    "CircuitOpen=False/BreakerClosed ExchangeReachable=False/IPBanned RateLimited=True/IPBanned SymbolsValid=True/SymbolsListed",
			wantProblems: []string{"IP banned by the exchange"},
			wantMessages: map[string]string{"ExchangeReachable": "banned this IP until 2026-07-01T12:02:00Z", "RateLimited": "HTTP 418"},
		},
		{
			name: "retry-after",
			health: func(h *exchange.Health) {
				h.RetryAfterUntil = t0.Add(30 * time.Second)
			},
			wantConds:    "CircuitOpen=False/BreakerClosed ExchangeReachable=True/Reachable RateLimited=True/RetryAfter SymbolsValid=True/SymbolsListed",
			wantProblems: []string{"rate limited"},
			wantMessages: map[string]string{"RateLimited": "HTTP 429: no requests until 2026-07-01T12:00:30Z"},
		},
		{
			name: "breaker open",
			health: func(h *exchange.Health) {
				h.Reachable = false
				h.LastError = "circuit breaker is open"
				h.Breaker = exchange.BreakerStatus{State: exchange.BreakerOpen, Failures: 3, OpenUntil: t0.Add(2 * time.Second)}
			},
			wantConds:    "CircuitOpen=True/BreakerOpen ExchangeReachable=False/Unreachable RateLimited=False/WithinBudget SymbolsValid=True/SymbolsListed",
			wantProblems: []string{"exchange unreachable", "circuit breaker open"},
			wantMessages: map[string]string{"CircuitOpen": "open after 3 consecutive failures until 2026-07-01T12:00:02Z"},
		},
		{
			name: "breaker half-open",
			health: func(h *exchange.Health) {
				h.Breaker = exchange.BreakerStatus{State: exchange.BreakerHalfOpen}
			},
			wantConds:    "CircuitOpen=True/BreakerHalfOpen ExchangeReachable=True/Reachable RateLimited=False/WithinBudget SymbolsValid=True/SymbolsListed",
			wantProblems: []string{"circuit breaker half-open"},
		},
		{
			name: "unknown and halted symbols",
			health: func(h *exchange.Health) {
				h.UnknownSymbols = []string{"NOPEUSDT", "ZZZUSDT"}
				h.NotTrading = []string{"LTCUSDT"}
			},
			wantConds:    "CircuitOpen=False/BreakerClosed ExchangeReachable=True/Reachable RateLimited=False/WithinBudget SymbolsValid=False/UnknownSymbols",
			wantProblems: []string{"invalid symbols"},
			wantMessages: map[string]string{"SymbolsValid": "symbols not listed by the exchange: NOPEUSDT, ZZZUSDT; not trading: LTCUSDT"},
		},
		{
			name: "only halted symbols",
			health: func(h *exchange.Health) {
				h.NotTrading = []string{"LTCUSDT"}
			},
			wantConds:    "CircuitOpen=False/BreakerClosed ExchangeReachable=True/Reachable RateLimited=False/WithinBudget SymbolsValid=False/UnknownSymbols",
			wantProblems: []string{"invalid symbols"},
			wantMessages: map[string]string{"SymbolsValid": "symbols not trading: LTCUSDT"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := healthyHealth()
			tt.health(&h)
			c := newConditionSet(nil, 4, t0)
			problems := exchangeConditions(c, h, t0)
			if got := condSummary(c.conds); got != tt.wantConds {
				t.Errorf("conditions:\n got %s\nwant %s", got, tt.wantConds)
			}
			if !reflect.DeepEqual(problems, tt.wantProblems) {
				t.Errorf("problems = %q, want %q", problems, tt.wantProblems)
			}
			for condType, frag := range tt.wantMessages {
				if msg := findCond(t, c.conds, condType).Message; !strings.Contains(msg, frag) {
					t.Errorf("%s message %q does not contain %q", condType, msg, frag)
				}
			}
			for _, cond := range c.conds {
				if cond.ObservedGeneration != 4 || !cond.LastTransitionTime.Time.Equal(t0) {
					t.Errorf("%s: observedGeneration %d, lastTransitionTime %v; want 4, %v", cond.Type, cond.ObservedGeneration, cond.LastTransitionTime, t0)
				}
			}
		})
	}
}

func TestTaskProblems(t *testing.T) {
	tests := []struct {
		name  string
		tasks []supervisor.TaskStatus
		want  []string
	}{
		{"none", nil, nil},
		{"healthy states", []supervisor.TaskStatus{
			{Name: "a", State: supervisor.TaskPending},
			{Name: "b", State: supervisor.TaskRunning},
			{Name: "c", State: supervisor.TaskSucceeded},
			{Name: "d", State: supervisor.TaskStopped, LastError: "old"},
		}, nil},
		{"backoff with error", []supervisor.TaskStatus{
			{Name: "exchange-health", State: supervisor.TaskBackoff, LastError: "panic: boom", Restarts: 2},
		}, []string{"task exchange-health backoff (panic: boom)"}},
		{"failed without error, next to a running one", []supervisor.TaskStatus{
			{Name: "market", State: supervisor.TaskRunning},
			{Name: "trading", State: supervisor.TaskFailed},
		}, []string{"task trading failed"}},
		{"two", []supervisor.TaskStatus{
			{Name: "a", State: supervisor.TaskFailed, LastError: "bad key"},
			{Name: "b", State: supervisor.TaskBackoff},
		}, []string{"task a failed (bad key)", "task b backoff"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := taskProblems(supervisor.GroupSnapshot{Tasks: tt.tasks})
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("taskProblems = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTaskStatuses(t *testing.T) {
	rs := supervisor.GroupSnapshot{Tasks: []supervisor.TaskStatus{
		{Name: "exchange-health", State: supervisor.TaskBackoff, Restarts: 3, LastError: "x", Since: t0.Add(1500 * time.Millisecond), Panics: 1},
	}}
	got := taskStatuses(rs)
	want := []tradingv1alpha1.TaskStatus{{Name: "exchange-health", State: "Backoff", Restarts: 3, LastError: "x", Since: metav1.NewTime(t0.Add(time.Second))}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("taskStatuses = %+v, want %+v", got, want)
	}
	if got := taskStatuses(supervisor.GroupSnapshot{}); got == nil || len(got) != 0 {
		t.Errorf("taskStatuses of no tasks = %#v, want an empty list", got)
	}
}

func TestConditionSetKeepsTransitionTime(t *testing.T) {
	earlier := metav1.NewTime(t0.Add(-time.Hour))
	previous := []metav1.Condition{
		{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Running", Message: "old", ObservedGeneration: 1, LastTransitionTime: earlier},
		{Type: "CircuitOpen", Status: metav1.ConditionFalse, Reason: "BreakerClosed", ObservedGeneration: 1, LastTransitionTime: earlier},
		{Type: "Gone", Status: metav1.ConditionTrue, Reason: "X", ObservedGeneration: 1, LastTransitionTime: earlier},
	}
	now := t0.Add(750 * time.Millisecond) // truncated to the second
	c := newConditionSet(previous, 2, now)
	c.set("Ready", metav1.ConditionTrue, "Running", "new message")
	c.set("CircuitOpen", metav1.ConditionTrue, "BreakerOpen", "tripped")
	c.set("Fresh", metav1.ConditionFalse, "Y", "")
	c.remove("Gone", "NeverThere")

	tests := []struct {
		condType    string
		wantStatus  metav1.ConditionStatus
		wantLTT     time.Time
		wantMessage string
	}{
		{"Ready", metav1.ConditionTrue, earlier.Time, "new message"},
		{"CircuitOpen", metav1.ConditionTrue, t0, "tripped"},
		{"Fresh", metav1.ConditionFalse, t0, ""},
	}
	if len(c.conds) != len(tests) {
		t.Fatalf("conditions %s, want exactly Ready, CircuitOpen and Fresh", condSummary(c.conds))
	}
	for _, tt := range tests {
		got := findCond(t, c.conds, tt.condType)
		if got.Status != tt.wantStatus || !got.LastTransitionTime.Time.Equal(tt.wantLTT) || got.Message != tt.wantMessage || got.ObservedGeneration != 2 {
			t.Errorf("%s = %s since %v %q gen %d; want %s since %v %q gen 2", tt.condType,
				got.Status, got.LastTransitionTime.Time, got.Message, got.ObservedGeneration, tt.wantStatus, tt.wantLTT, tt.wantMessage)
		}
	}
	// The previous slice is the old status: it must not have been changed.
	if previous[1].Status != metav1.ConditionFalse || previous[0].Message != "old" || len(previous) != 3 {
		t.Errorf("newConditionSet modified the previous conditions: %+v", previous)
	}
}

func TestBreakerSettings(t *testing.T) {
	d := metav1.Duration{Duration: 2 * time.Second}
	tests := []struct {
		in   tradingv1alpha1.CircuitBreakerSpec
		want exchange.BreakerSettings
	}{
		{tradingv1alpha1.CircuitBreakerSpec{FailureThreshold: 2, OpenDuration: &d, HalfOpenMaxRequests: 3},
			exchange.BreakerSettings{FailureThreshold: 2, OpenDuration: 2 * time.Second, HalfOpenMaxRequests: 3}},
		{tradingv1alpha1.CircuitBreakerSpec{}, exchange.BreakerSettings{}},
		{tradingv1alpha1.CircuitBreakerSpec{FailureThreshold: -1, HalfOpenMaxRequests: -5}, exchange.BreakerSettings{}},
	}
	for _, tt := range tests {
		if got := breakerSettings(tt.in); got != tt.want {
			t.Errorf("breakerSettings(%+v) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

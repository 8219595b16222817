package controller

import (
	"reflect"
	"testing"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

func TestTransitionEvents(t *testing.T) {
	const (
		closed = tradingv1alpha1.BreakerClosed
		open   = tradingv1alpha1.BreakerOpen
		half   = tradingv1alpha1.BreakerHalfOpen
	)
	tests := []struct {
		name                      string
		phaseBefore, phaseAfter   string
		breakerBefore, breakerAfr tradingv1alpha1.BreakerState
		readyMsg                  string
		want                      []transitionEvent
	}{
		{name: "nothing changed", phaseBefore: "Running", phaseAfter: "Running", breakerBefore: closed, breakerAfr: closed},
		{name: "first phase", phaseBefore: "", phaseAfter: "Pending", readyMsg: "starting the bot's tasks",
			want: []transitionEvent{{"Normal", EventPhaseChanged, "phase (none) -> Pending: starting the bot's tasks"}}},
		{name: "to running, first breaker state is not news", phaseBefore: "Pending", phaseAfter: "Running", breakerAfr: closed,
			want: []transitionEvent{{"Normal", EventPhaseChanged, "phase Pending -> Running"}}},
		{name: "degraded is a warning", phaseBefore: "Running", phaseAfter: "Degraded", breakerBefore: closed, breakerAfr: closed, readyMsg: "invalid symbols",
			want: []transitionEvent{{"Warning", EventPhaseChanged, "phase Running -> Degraded: invalid symbols"}}},
		{name: "failed is a warning", phaseBefore: "", phaseAfter: "Failed", readyMsg: "live trading is disabled",
			want: []transitionEvent{{"Warning", EventPhaseChanged, "phase (none) -> Failed: live trading is disabled"}}},
		{name: "halted is a warning", phaseBefore: "Running", phaseAfter: "Halted",
			want: []transitionEvent{{"Warning", EventPhaseChanged, "phase Running -> Halted"}}},
		{name: "suspended is normal", phaseBefore: "Running", phaseAfter: "Suspended", breakerBefore: closed,
			want: []transitionEvent{{"Normal", EventPhaseChanged, "phase Running -> Suspended"}}},
		{name: "no phase after", phaseBefore: "Running", phaseAfter: ""},
		{name: "breaker opens", phaseBefore: "Running", phaseAfter: "Degraded", breakerBefore: closed, breakerAfr: open, readyMsg: "circuit breaker open",
			want: []transitionEvent{
				{"Warning", EventPhaseChanged, "phase Running -> Degraded: circuit breaker open"},
				{"Warning", EventCircuitOpened, "circuit breaker opened: requests to the exchange are paused"},
			}},
		{name: "opened on the first status", phaseBefore: "", phaseAfter: "Degraded", breakerAfr: open,
			want: []transitionEvent{
				{"Warning", EventPhaseChanged, "phase (none) -> Degraded"},
				{"Warning", EventCircuitOpened, "circuit breaker opened: requests to the exchange are paused"},
			}},
		{name: "half-open", phaseBefore: "Degraded", phaseAfter: "Degraded", breakerBefore: open, breakerAfr: half,
			want: []transitionEvent{{"Normal", EventCircuitHalf, "circuit breaker half-open: trying the exchange again"}}},
		{name: "closes again", phaseBefore: "Degraded", phaseAfter: "Running", breakerBefore: half, breakerAfr: closed,
			want: []transitionEvent{
				{"Normal", EventPhaseChanged, "phase Degraded -> Running"},
				{"Normal", EventCircuitClosed, "circuit breaker closed: the exchange answers again"},
			}},
		{name: "open straight to closed", phaseBefore: "Degraded", phaseAfter: "Degraded", breakerBefore: open, breakerAfr: closed,
			want: []transitionEvent{{"Normal", EventCircuitClosed, "circuit breaker closed: the exchange answers again"}}},
		{name: "breaker state gone (suspended)", phaseBefore: "Degraded", phaseAfter: "Suspended", breakerBefore: open, breakerAfr: "",
			want: []transitionEvent{{"Normal", EventPhaseChanged, "phase Degraded -> Suspended"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := transitionEvents(tt.phaseBefore, tt.phaseAfter, tt.breakerBefore, tt.breakerAfr, tt.readyMsg)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("transitionEvents:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestBreakerOfAndReadyMessage(t *testing.T) {
	if got := breakerOf(nil); got != "" {
		t.Errorf("breakerOf(nil) = %q, want empty", got)
	}
	if got := breakerOf(&tradingv1alpha1.ExchangeStatus{Breaker: tradingv1alpha1.BreakerStatus{State: tradingv1alpha1.BreakerOpen}}); got != tradingv1alpha1.BreakerOpen {
		t.Errorf("breakerOf = %q, want Open", got)
	}
	c := newConditionSet(nil, 1, t0)
	if got := readyMessage(c.conds); got != "" {
		t.Errorf("readyMessage without Ready = %q, want empty", got)
	}
	c.set(tradingv1alpha1.ConditionReady, "True", "Running", "all good")
	if got := readyMessage(c.conds); got != "all good" {
		t.Errorf("readyMessage = %q, want %q", got, "all good")
	}
}

package controller

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/redact"
)

// Event reasons.
const (
	EventPhaseChanged  = "PhaseChanged"
	EventCircuitOpened = "CircuitOpened"
	EventCircuitHalf   = "CircuitHalfOpen"
	EventCircuitClosed = "CircuitClosed"
)

// emitTransitions records the Events that transitionEvents decides on.
func emitTransitions(rec events.EventRecorder, obj k8sruntime.Object, phaseBefore, phaseAfter string,
	breakerBefore, breakerAfter tradingv1alpha1.BreakerState, readyMsg string) {
	if rec == nil {
		return
	}
	for _, e := range transitionEvents(phaseBefore, phaseAfter, breakerBefore, breakerAfter, readyMsg) {
		rec.Eventf(obj, nil, e.Type, e.Reason, "Reconcile", "%s", redact.URLsIn(e.Note))
	}
}

// transitionEvent is one Kubernetes Event to emit.
type transitionEvent struct {
	Type, Reason, Note string
}

// transitionEvents decides which Events a status change deserves: one when
// the phase changes (Warning for a phase that needs attention) and one when
// the circuit breaker changes state. Pure, so it is table-tested.
func transitionEvents(phaseBefore, phaseAfter string, breakerBefore, breakerAfter tradingv1alpha1.BreakerState, readyMsg string) []transitionEvent {
	var out []transitionEvent
	if phaseBefore != phaseAfter && phaseAfter != "" {
		typ := corev1.EventTypeNormal
		switch phaseAfter {
		case string(tradingv1alpha1.BotPhaseDegraded), string(tradingv1alpha1.BotPhaseFailed), string(tradingv1alpha1.BotPhaseHalted):
			typ = corev1.EventTypeWarning
		}
		from := phaseBefore
		if from == "" {
			from = "(none)"
		}
		note := fmt.Sprintf("phase %s -> %s", from, phaseAfter)
		if readyMsg != "" {
			note += ": " + readyMsg
		}
		out = append(out, transitionEvent{Type: typ, Reason: EventPhaseChanged, Note: note})
	}
	if breakerBefore != breakerAfter && breakerAfter != "" && !(breakerBefore == "" && breakerAfter == tradingv1alpha1.BreakerClosed) {
		switch breakerAfter {
		case tradingv1alpha1.BreakerOpen:
			out = append(out, transitionEvent{corev1.EventTypeWarning, EventCircuitOpened, "circuit breaker opened: requests to the exchange are paused"})
		case tradingv1alpha1.BreakerHalfOpen:
			out = append(out, transitionEvent{corev1.EventTypeNormal, EventCircuitHalf, "circuit breaker half-open: trying the exchange again"})
		case tradingv1alpha1.BreakerClosed:
			out = append(out, transitionEvent{corev1.EventTypeNormal, EventCircuitClosed, "circuit breaker closed: the exchange answers again"})
		}
	}
	return out
}

func breakerOf(s *tradingv1alpha1.ExchangeStatus) tradingv1alpha1.BreakerState {
	if s == nil {
		return ""
	}
	return s.Breaker.State
}

func readyMessage(conds []metav1.Condition) string {
	if c := meta.FindStatusCondition(conds, tradingv1alpha1.ConditionReady); c != nil {
		return c.Message
	}
	return ""
}

// deletionOrFinalizerChanged lets through updates that start a deletion or
// change finalizers, which the generation predicate would not always see.
func deletionOrFinalizerChanged() predicate.Funcs {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		if e.ObjectOld == nil || e.ObjectNew == nil {
			return false
		}
		return !e.ObjectNew.GetDeletionTimestamp().Equal(e.ObjectOld.GetDeletionTimestamp()) ||
			len(e.ObjectNew.GetFinalizers()) != len(e.ObjectOld.GetFinalizers())
	}}
}

package controller

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/botgroup"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
)

// SignalStates keeps each resource's signal state across the generations of
// its group: a spec change restarts the group, not the resource's signal
// history and counters.
type SignalStates struct {
	mu     sync.Mutex
	states map[string]*botgroup.SignalState
}

// NewSignalStates returns an empty set; GroupSettings.Signals holds it.
func NewSignalStates() *SignalStates {
	return &SignalStates{states: map[string]*botgroup.SignalState{}}
}

// get returns key's state, creating it with retention the first time. A
// state created for a resource whose status already counts signals (the
// operator restarted) starts from those counts, so totals never go back.
func (s *SignalStates) get(key string, retention time.Duration, now func() time.Time, previous *tradingv1alpha1.SignalsStatus) *botgroup.SignalState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.states[key]
	if !ok {
		st = botgroup.NewSignalState(retention, now)
		if previous != nil {
			st.Store.SeedCounts(signal.Counts{Total: previous.Total, Buy: previous.Buy, Sell: previous.Sell})
			st.SeedIgnored(previous.Ignored)
		}
		s.states[key] = st
	}
	st.Store.SetTTL(retention)
	return st
}

// release forgets key's state: the resource is gone.
func (s *SignalStates) release(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.states, key)
}

// signalRequest is the signal part of a group request.
type signalRequest struct {
	Spec     tradingv1alpha1.StrategySpec // defaulted
	Previous *tradingv1alpha1.SignalsStatus
	// Object is the resource, for the Events about its signals, which
	// Recorder emits (nil: none).
	Object   kruntime.Object
	Recorder events.EventRecorder
}

// signalOptions builds a group's signal options from its request.
func (s GroupSettings) signalOptions(key string, req *signalRequest) (*botgroup.SignalOptions, error) {
	if req == nil || s.SignalStates == nil {
		return nil, nil
	}
	cfg, err := signal.ConfigFromSpec(req.Spec)
	if err != nil {
		return nil, err
	}
	var retention time.Duration // zero: the store's default, the schema's too
	if req.Spec.SignalRetention != nil {
		retention = req.Spec.SignalRetention.Duration
	}
	opts := &botgroup.SignalOptions{
		Strategy: cfg,
		Interval: string(req.Spec.Interval),
		State:    s.SignalStates.get(key, retention, s.Now, req.Previous),
		Metrics:  s.SignalMetrics,
	}
	if recorder := req.Recorder; recorder != nil && req.Object != nil {
		obj := req.Object
		// The events recorder queues and sends in the background: a signal
		// never waits for the API server.
		opts.Announce = func(reason, action, note string) {
			recorder.Eventf(obj, nil, "Normal", reason, action, "%s", note)
		}
	}
	return opts, nil
}

// signalsStatus renders status.signals from the group's signal snapshot;
// previous is kept while no strategy runs.
func signalsStatus(sn botgroup.SignalSnapshot, previous *tradingv1alpha1.SignalsStatus) *tradingv1alpha1.SignalsStatus {
	if !sn.Enabled {
		return previous
	}
	st := &tradingv1alpha1.SignalsStatus{
		Total:   sn.Counts.Total,
		Buy:     sn.Counts.Buy,
		Sell:    sn.Counts.Sell,
		Ignored: sn.IgnoredBefore + sn.BelowConfidence + sn.Stale,
	}
	var newest *signal.Entry
	for i := range sn.Last {
		e := &sn.Last[i]
		st.Last = append(st.Last, tradingv1alpha1.SymbolSignal{
			Symbol:     e.Signal.Symbol,
			Action:     tradingv1alpha1.SignalAction(e.Signal.Side),
			Confidence: strconv.FormatFloat(e.Signal.Confidence, 'f', -1, 64),
			Price:      e.Signal.Price.String(),
			Reason:     truncate(e.Signal.Reason, 256),
			Time:       metav1.NewTime(e.Signal.KlineClose),
		})
		if newest == nil || e.Signal.KlineClose.After(newest.Signal.KlineClose) {
			newest = e
		}
	}
	st.Summary = signalSummary(st, newest)
	return st
}

// signalSummary is the SIGNALS column: counts by side, then the newest
// signal, e.g. "3 BUY, 2 SELL; last SELL ETHUSDT".
func signalSummary(st *tradingv1alpha1.SignalsStatus, newest *signal.Entry) string {
	if st.Total == 0 {
		if st.Ignored > 0 {
			return fmt.Sprintf("none (%d ignored)", st.Ignored)
		}
		return "none yet"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d BUY, %d SELL", st.Buy, st.Sell)
	if newest != nil {
		fmt.Fprintf(&b, "; last %s %s", newest.Signal.Side, newest.Signal.Symbol)
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// watchSignalRequest is a SymbolWatch's signal request: nil unless
// spec.signals is set. Its signals are alert-only.
func watchSignalRequest(sw *tradingv1alpha1.SymbolWatch, spec tradingv1alpha1.SymbolWatchSpec, recorder events.EventRecorder) *signalRequest {
	if spec.Signals == nil {
		return nil
	}
	return &signalRequest{Spec: *spec.Signals, Previous: sw.Status.Signals, Object: sw.DeepCopy(), Recorder: recorder}
}

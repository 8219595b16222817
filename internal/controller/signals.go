package controller

import (
	"fmt"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"

	tradingv1alpha1 "github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/botgroup"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
)

// signalAnnounce emits the Events about obj's signals (nil: none). The
// events recorder queues and sends in the background: a signal never waits
// for the API server.
func signalAnnounce(rec events.EventRecorder, obj kruntime.Object) func(reason, action, note string) {
	if rec == nil || obj == nil {
		return nil
	}
	return func(reason, action, note string) {
		rec.Eventf(obj, nil, "Normal", reason, action, "%s", note)
	}
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
			Reason:     truncate(e.Signal.Reason(), 256),
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
func watchSignalRequest(sw *tradingv1alpha1.SymbolWatch, spec tradingv1alpha1.SymbolWatchSpec, recorder events.EventRecorder) *botgroup.SignalRequest {
	if spec.Signals == nil {
		return nil
	}
	return &botgroup.SignalRequest{Spec: *spec.Signals, Previous: sw.Status.Signals, Announce: signalAnnounce(recorder, sw.DeepCopy())}
}

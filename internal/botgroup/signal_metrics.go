package botgroup

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// SignalMetrics are the signal tasks' Prometheus collectors, shared by every
// group of the process.
type SignalMetrics struct {
	signals *prometheus.CounterVec
	ignored *prometheus.CounterVec
	latency prometheus.Histogram
	events  *prometheus.CounterVec
}

// NewSignalMetrics creates the collectors and registers them with reg (nil:
// unregistered, for tests).
func NewSignalMetrics(reg prometheus.Registerer) (*SignalMetrics, error) {
	m := &SignalMetrics{
		signals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "tradebot", Name: "signals_total",
			Help: "Signals reported (at or above minConfidence, from fresh market data), by resource, symbol and side.",
		}, []string{"namespace", "kind", "name", "symbol", "side"}),
		ignored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "tradebot", Name: "signals_ignored_total",
			Help: "Signals computed but not reported, by resource and reason (below_confidence, stale_data).",
		}, []string{"namespace", "kind", "name", "reason"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "tradebot", Name: "signal_latency_seconds",
			Help: "From the hub reading a kline's closing message to its signal being stored.",
			// Fine buckets below a millisecond: the target is 1 ms at p99.
			Buckets: []float64{25e-6, 50e-6, 100e-6, 200e-6, 300e-6, 500e-6, 750e-6, 1e-3, 2e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 1},
		}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "tradebot", Name: "signal_events_total",
			Help: "Kubernetes Events about signals, emitted or folded into a later one by the event budget.",
		}, []string{"result"}),
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	for _, c := range []prometheus.Collector{m.signals, m.ignored, m.latency, m.events} {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// Forget drops the series of a deleted resource.
func (m *SignalMetrics) Forget(namespace, kind, name string) {
	if m == nil {
		return
	}
	l := prometheus.Labels{"namespace": namespace, "kind": kind, "name": name}
	m.signals.DeletePartialMatch(l)
	m.ignored.DeletePartialMatch(l)
}

// Latency is the latency histogram, for benchmarks that read it back.
func (m *SignalMetrics) Latency() prometheus.Histogram { return m.latency }

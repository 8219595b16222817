package marketdata

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the hub's Prometheus collectors, labelled by stream URL. One
// Metrics may serve several hubs only if their stream URLs differ.
type Metrics struct {
	streams, connections, subscribers, stale *prometheus.GaugeVec
	lag                                      *prometheus.GaugeVec
	reconnects, rotations, redials, messages *prometheus.CounterVec
	resubscribes, controls, backfilled       *prometheus.CounterVec
	conflated, dropped, gaps, decodeErrors   *prometheus.CounterVec
}

const metricsNamespace, metricsSubsystem = "tradebot", "marketdata"

// NewMetrics creates the hub's collectors and registers them with reg (for
// the operator, controller-runtime's metrics.Registry; in tests a
// prometheus.NewRegistry()). A nil reg leaves them unregistered.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := newUnregisteredMetrics()
	if reg == nil {
		return m, nil
	}
	var errs []error
	for _, c := range m.collectors() {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

func newUnregisteredMetrics() *Metrics {
	gauge := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: name, Help: help,
		}, []string{"url"})
	}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: name, Help: help,
		}, append([]string{"url"}, labels...))
	}
	return &Metrics{
		streams:      gauge("streams", "Distinct streams subscribed on the endpoint."),
		connections:  gauge("connections", "Open WebSocket connections to the endpoint."),
		subscribers:  gauge("subscribers", "Open subscriptions on the endpoint."),
		stale:        gauge("stale_streams", "Streams silent for longer than the staleness limit."),
		lag:          gauge("lag_seconds", "Delay between the exchange's event time and its arrival, for the latest event."),
		reconnects:   counter("reconnects_total", "Connections lost and dialled again."),
		rotations:    counter("rotations_total", "Connections replaced before their lifetime ended or on serverShutdown."),
		redials:      counter("stale_redials_total", "Connections closed and dialled again because none of their streams delivered data, even resubscribed."),
		messages:     counter("messages_total", "Stream messages read and decoded."),
		resubscribes: counter("stale_resubscribes_total", "Streams resubscribed because they went silent."),
		controls:     counter("control_messages_total", "SUBSCRIBE and UNSUBSCRIBE messages sent."),
		backfilled:   counter("backfilled_klines_total", "Closed klines fetched over REST after a gap."),
		conflated:    counter("conflated_total", "Latest-value events replaced before a subscriber read them."),
		dropped:      counter("dropped_total", "Queued events dropped because a subscriber's queue was full."),
		gaps:         counter("gaps_total", "Gap markers delivered to subscribers.", "reason"),
		decodeErrors: counter("decode_errors_total", "Messages that could not be decoded."),
	}
}

func (m *Metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		m.streams, m.connections, m.subscribers, m.stale, m.lag,
		m.reconnects, m.rotations, m.redials, m.messages, m.resubscribes, m.controls,
		m.backfilled, m.conflated, m.dropped, m.gaps, m.decodeErrors,
	}
}

// feedMetrics are one stream URL's children, looked up once so the hot path
// only touches atomics.
type feedMetrics struct {
	streams, connections, subscribers, stale, lag prometheus.Gauge
	reconnects, rotations, redials, messages      prometheus.Counter
	resubscribes, controls, backfilled            prometheus.Counter
	conflated, dropped, decodeErrors              prometheus.Counter
	gapsOverflow, gapsBackfill, gapsMissed        prometheus.Counter
	gapsRejected                                  prometheus.Counter
}

func (m *Metrics) forURL(url string) *feedMetrics {
	return &feedMetrics{
		streams:      m.streams.WithLabelValues(url),
		connections:  m.connections.WithLabelValues(url),
		subscribers:  m.subscribers.WithLabelValues(url),
		stale:        m.stale.WithLabelValues(url),
		lag:          m.lag.WithLabelValues(url),
		reconnects:   m.reconnects.WithLabelValues(url),
		rotations:    m.rotations.WithLabelValues(url),
		redials:      m.redials.WithLabelValues(url),
		messages:     m.messages.WithLabelValues(url),
		resubscribes: m.resubscribes.WithLabelValues(url),
		controls:     m.controls.WithLabelValues(url),
		backfilled:   m.backfilled.WithLabelValues(url),
		conflated:    m.conflated.WithLabelValues(url),
		dropped:      m.dropped.WithLabelValues(url),
		decodeErrors: m.decodeErrors.WithLabelValues(url),
		gapsOverflow: m.gaps.WithLabelValues(url, string(GapOverflow)),
		gapsBackfill: m.gaps.WithLabelValues(url, string(GapBackfillFailed)),
		gapsMissed:   m.gaps.WithLabelValues(url, string(GapMissed)),
		gapsRejected: m.gaps.WithLabelValues(url, string(GapRejected)),
	}
}

func (fm *feedMetrics) gap(r GapReason) prometheus.Counter {
	switch r {
	case GapOverflow:
		return fm.gapsOverflow
	case GapBackfillFailed:
		return fm.gapsBackfill
	case GapRejected:
		return fm.gapsRejected
	}
	return fm.gapsMissed
}

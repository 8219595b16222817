package trading

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the executors' Prometheus collectors, shared by every bot of
// the process. Series are labelled by the bot's key (namespace/name) given
// at registration.
type Metrics struct {
	orders *prometheus.CounterVec
	pnl    *prometheus.GaugeVec
	halted *prometheus.GaugeVec
	ack    prometheus.Histogram
}

// NewMetrics creates the collectors and registers them with reg (nil:
// unregistered).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		orders: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "tradebot", Name: "orders_total",
			Help: "Orders by result: placed, filled, rejected, canceled, skipped_<reason>, risk_<reason>.",
		}, []string{"bot", "result"}),
		pnl: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "tradebot", Name: "pnl_quote",
			Help: "Profit and loss in the quote asset: kind is realized, unrealized, fees or day.",
		}, []string{"bot", "kind"}),
		halted: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "tradebot", Name: "risk_halted",
			Help: "1 while a risk limit halts the bot (its RiskHalted condition is True), else 0.",
		}, []string{"bot"}),
		ack: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "tradebot", Name: "signal_to_ack_seconds",
			Help:    "From a signal reaching the executor to its order being acknowledged by the exchange.",
			Buckets: []float64{1e-3, 2e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1, 2.5, 5, 10},
		}),
	}
	if reg == nil {
		return m, nil
	}
	var errs []error
	for _, c := range []prometheus.Collector{m.orders, m.pnl, m.halted, m.ack} {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// Forget drops a deleted bot's series.
func (m *Metrics) Forget(bot string) {
	if m == nil {
		return
	}
	m.orders.DeletePartialMatch(prometheus.Labels{"bot": bot})
	m.pnl.DeletePartialMatch(prometheus.Labels{"bot": bot})
	m.halted.DeletePartialMatch(prometheus.Labels{"bot": bot})
}

func (m *Metrics) orderInc(bot, result string) {
	if m != nil {
		m.orders.WithLabelValues(bot, result).Inc()
	}
}

func (m *Metrics) acked(d time.Duration) {
	if m != nil {
		m.ack.Observe(max(d, 0).Seconds())
	}
}

func (m *Metrics) observe(bot string, s *Snapshot) {
	if m == nil {
		return
	}
	t := s.Ledger.Totals
	for kind, v := range map[string]float64{
		"realized": t.Realized.InexactFloat64(), "unrealized": t.Unrealized.InexactFloat64(),
		"fees": t.Fees.InexactFloat64(), "day": t.DayPnL.InexactFloat64(),
	} {
		m.pnl.WithLabelValues(bot, kind).Set(v)
	}
	halted := 0.0
	if s.Risk.Halted {
		halted = 1
	}
	m.halted.WithLabelValues(bot).Set(halted)
}

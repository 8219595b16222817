package exchange

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the exchange layer's Prometheus metrics. Event counters
// (requests, 429/418 responses, orders) move as things happen; everything
// else is read from the endpoints and accounts of every attached Registry
// when scraped, so it is never stale. Methods are safe on a nil *Metrics.
type Metrics struct {
	requests  *prometheus.CounterVec
	throttles *prometheus.CounterVec
	orders    *prometheus.CounterVec
	state     *stateCollector
}

// NewMetrics creates the collectors and registers them with reg (the
// manager's metrics registry; a fresh prometheus.NewRegistry in tests).
// One Metrics serves any number of Registries.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	const ns, sub = "tradebot", "exchange"
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "requests_total",
			Help: "Requests sent to the exchange, by endpoint, account (empty for public calls), path and outcome class."},
			[]string{"endpoint", "account", "path", "class"}),
		throttles: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "throttled_total",
			Help: "429 (rate limited) and 418 (banned) responses received, by endpoint and status."},
			[]string{"endpoint", "status"}),
		orders: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Subsystem: sub, Name: "orders_total",
			Help: "Orders the exchange accepted, by endpoint and account."},
			[]string{"endpoint", "account"}),
		state: newStateCollector(ns + "_" + sub + "_"),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.throttles, m.orders, m.state)
	}
	return m
}

func (m *Metrics) attach(r *Registry) {
	if m != nil {
		m.state.attach(r)
	}
}

func (m *Metrics) detach(r *Registry) {
	if m != nil {
		m.state.detach(r)
	}
}

func (m *Metrics) request(endpoint, account, path string, class ErrorClass) {
	if m != nil {
		m.requests.WithLabelValues(endpoint, account, path, class.String()).Inc()
	}
}

func (m *Metrics) throttled(endpoint string, status int) {
	if m != nil {
		m.throttles.WithLabelValues(endpoint, strconv.Itoa(status)).Inc()
	}
}

func (m *Metrics) order(endpoint, account string) {
	if m != nil {
		m.orders.WithLabelValues(endpoint, account).Inc()
	}
}

// stateCollector reads gauges and running totals from the attached
// registries at scrape time.
type stateCollector struct {
	weightUsed, weightLimit, pausedUntil, bannedUntil      *prometheus.Desc
	breaker, breakerFailures, orders10s, orderLimit10s     *prometheus.Desc
	clockOffset, waits, waitSeconds, coalesced, pauseWaits *prometheus.Desc

	mu         sync.Mutex
	registries map[*Registry]struct{}
}

func newStateCollector(prefix string) *stateCollector {
	ep := []string{"endpoint"}
	br := []string{"endpoint", "account", "settings"}
	return &stateCollector{
		weightUsed: prometheus.NewDesc(prefix+"weight_used",
			"Request weight used in the current minute (ours, or the server's count when larger).", ep, nil),
		weightLimit: prometheus.NewDesc(prefix+"weight_limit",
			"The exchange's request weight limit per minute (from exchangeInfo).", ep, nil),
		pausedUntil: prometheus.NewDesc(prefix+"paused_until_seconds",
			"End of the pause after a 429, in Unix seconds (0: never paused).", ep, nil),
		bannedUntil: prometheus.NewDesc(prefix+"banned_until_seconds",
			"End of a 418 ban, in Unix seconds (0: never banned).", ep, nil),
		breaker: prometheus.NewDesc(prefix+"breaker_state",
			"Circuit breaker state: 0 closed, 1 half-open, 2 open; account is empty for the endpoint's own breakers.", br, nil),
		breakerFailures: prometheus.NewDesc(prefix+"breaker_consecutive_failures",
			"Consecutive failures counted against a circuit breaker.", br, nil),
		orders10s: prometheus.NewDesc(prefix+"orders_10s",
			"Orders counted in the account's current 10-second window.", []string{"endpoint", "account"}, nil),
		orderLimit10s: prometheus.NewDesc(prefix+"order_limit_10s",
			"The exchange's order limit per account per 10 seconds.", ep, nil),
		clockOffset: prometheus.NewDesc(prefix+"clock_offset_seconds",
			"The exchange's clock minus ours.", ep, nil),
		waits: prometheus.NewDesc(prefix+"weight_waits_total",
			"Calls delayed by the endpoint's own weight budget (so that the exchange never answers 429).", ep, nil),
		waitSeconds: prometheus.NewDesc(prefix+"weight_wait_seconds_total",
			"Time calls spent waiting for the endpoint's weight budget.", ep, nil),
		pauseWaits: prometheus.NewDesc(prefix+"pause_waits_total",
			"Calls held back by a 429's Retry-After.", ep, nil),
		coalesced: prometheus.NewDesc(prefix+"coalesced_calls_total",
			"Price and ticker calls answered by a request shared with other callers, or by its cached result.", ep, nil),
		registries: make(map[*Registry]struct{}),
	}
}

func (c *stateCollector) attach(r *Registry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.registries[r] = struct{}{}
}

func (c *stateCollector) detach(r *Registry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.registries, r)
}

// Describe implements prometheus.Collector.
func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.weightUsed, c.weightLimit, c.pausedUntil, c.bannedUntil, c.breaker,
		c.breakerFailures, c.orders10s, c.orderLimit10s, c.clockOffset, c.waits, c.waitSeconds, c.pauseWaits, c.coalesced} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	regs := make([]*Registry, 0, len(c.registries))
	for r := range c.registries {
		regs = append(regs, r)
	}
	c.mu.Unlock()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	total := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	for _, r := range regs {
		for _, e := range r.Endpoints() {
			st := e.State()
			url := st.URL
			gauge(c.weightUsed, float64(st.UsedWeight1m), url)
			gauge(c.weightLimit, float64(st.WeightLimit1m), url)
			gauge(c.pausedUntil, unixSeconds(st.PausedUntil), url)
			gauge(c.bannedUntil, unixSeconds(st.BannedUntil), url)
			gauge(c.orderLimit10s, float64(st.OrderLimit10s), url)
			gauge(c.clockOffset, st.ClockOffset.Seconds(), url)
			total(c.waits, float64(st.Waits), url)
			total(c.waitSeconds, st.WaitTime.Seconds(), url)
			total(c.pauseWaits, float64(st.PauseWaits), url)
			total(c.coalesced, float64(st.Coalesced), url)
			for key, b := range st.Breakers {
				gauge(c.breaker, breakerGauge(b.State), url, "", key)
				gauge(c.breakerFailures, float64(b.Failures), url, "", key)
			}
		}
		for _, a := range r.Accounts() {
			st := a.State()
			url := a.e.shown
			gauge(c.orders10s, float64(st.Orders10s), url, st.ID)
			for key, b := range st.Breakers {
				gauge(c.breaker, breakerGauge(b.State), url, st.ID, key)
				gauge(c.breakerFailures, float64(b.Failures), url, st.ID, key)
			}
		}
	}
}

func breakerGauge(s BreakerState) float64 {
	switch s {
	case BreakerHalfOpen:
		return 1
	case BreakerOpen:
		return 2
	}
	return 0
}

func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMilli()) / 1000
}

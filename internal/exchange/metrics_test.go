package exchange

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// metricValue returns the value of the sample of name whose labels include
// labels, and whether there is one.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gathering metrics: %v", err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	samples:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if have[k] != v {
					continue samples
				}
			}
			return value(m), true
		}
	}
	return 0, false
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	return 0
}

func TestMetrics(t *testing.T) {
	sim := startSim(t, nil)
	promReg := prometheus.NewRegistry()
	reg := newRegistry(t, RegistryOptions{Metrics: NewMetrics(promReg)})
	ep := reg.Endpoint(sim.urls())
	acct := reg.Account(ep, demoCreds())
	ctx := ctxTimeout(t)
	settings := BreakerSettings{FailureThreshold: 1, OpenDuration: time.Hour}
	p := CallPolicy{Breaker: settings, Retry: RetryPolicy{MaxAttempts: 1}}
	url := ep.URLs().REST

	if _, err := ep.ExchangeInfo(ctx, CallPolicy{}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := ep.Ping(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := acct.PlaceOrder(ctx, CallPolicy{}, marketBuy("t-metrics")); err != nil {
		t.Fatal(err)
	}
	sim.setFaults(t, `{"restErrorRate": 1, "restErrorStatus": 503}`)
	if err := ep.Ping(ctx, p); ClassOf(err) != ClassTransient {
		t.Fatalf("ping during the 503 fault: %v", err)
	}
	sim.setFaults(t, `{"banSeconds": 60}`)
	_ = ep.Ping(ctx, CallPolicy{})

	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"tradebot_exchange_requests_total", map[string]string{"endpoint": url, "path": "/api/v3/ping", "class": "none", "account": ""}, 2},
		{"tradebot_exchange_requests_total", map[string]string{"endpoint": url, "path": "/api/v3/ping", "class": "transient"}, 1},
		{"tradebot_exchange_requests_total", map[string]string{"endpoint": url, "path": "/api/v3/order", "class": "none", "account": acct.ID()}, 1},
		{"tradebot_exchange_requests_total", map[string]string{"endpoint": url, "path": "/api/v3/ping", "class": "rate-limited"}, 1},
		{"tradebot_exchange_throttled_total", map[string]string{"endpoint": url, "status": "418"}, 1},
		{"tradebot_exchange_orders_total", map[string]string{"endpoint": url, "account": acct.ID()}, 1},
		{"tradebot_exchange_weight_limit", map[string]string{"endpoint": url}, 6000},
		{"tradebot_exchange_weight_used", map[string]string{"endpoint": url}, float64(ep.State().UsedWeight1m)},
		{"tradebot_exchange_breaker_state", map[string]string{"endpoint": url, "account": "", "settings": settings.Key()}, 2},
		{"tradebot_exchange_breaker_consecutive_failures", map[string]string{"endpoint": url, "settings": settings.Key()}, 1},
		{"tradebot_exchange_banned_until_seconds", map[string]string{"endpoint": url}, unixSeconds(ep.State().BannedUntil)},
		{"tradebot_exchange_order_limit_10s", map[string]string{"endpoint": url}, 100},
		{"tradebot_exchange_orders_10s", map[string]string{"endpoint": url, "account": acct.ID()}, 1},
	}
	for _, tt := range tests {
		got, ok := metricValue(t, promReg, tt.name, tt.labels)
		if !ok || got != tt.want {
			t.Errorf("%s%v = %v (found %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	if used, _ := metricValue(t, promReg, "tradebot_exchange_weight_used", map[string]string{"endpoint": url}); used < 22 {
		t.Errorf("weight used %v, want at least exchangeInfo and two pings", used)
	}
}

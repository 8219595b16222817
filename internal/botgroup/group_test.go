package botgroup

import (
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
)

var t0 = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

func probed() exchange.Health {
	return exchange.Health{
		Endpoint:      "http://127.0.0.1:18090",
		Probed:        true,
		Reachable:     true,
		UsedWeight1m:  22,
		WeightLimit1m: 6000,
		ClockOffset:   3 * time.Millisecond,
		Breaker:       exchange.BreakerStatus{State: exchange.BreakerClosed},
		Probes:        1,
	}
}

func TestHealthChangeIsImportant(t *testing.T) {
	tests := []struct {
		name   string
		change func(h *exchange.Health)
		want   bool
	}{
		{"nothing", func(h *exchange.Health) {}, false},
		{"counters and figures", func(h *exchange.Health) {
			h.UsedWeight1m = 4000
			h.Probes = 90
			h.ClockOffset = 2 * time.Second
			h.RoundTrip = time.Second
			h.LastContact = t0
			h.Throttled = 3
			h.Breaker.Failures = 2
			h.LastError = "timeout"
		}, false},
		{"first probe", func(h *exchange.Health) { h.Probed = false }, true},
		{"unreachable", func(h *exchange.Health) { h.Reachable = false }, true},
		{"breaker open", func(h *exchange.Health) { h.Breaker.State = exchange.BreakerOpen }, true},
		{"breaker half-open", func(h *exchange.Health) { h.Breaker.State = exchange.BreakerHalfOpen }, true},
		{"banned", func(h *exchange.Health) { h.BannedUntil = t0.Add(time.Minute) }, true},
		{"ban already over", func(h *exchange.Health) { h.BannedUntil = t0.Add(-time.Minute) }, false},
		{"retry-after", func(h *exchange.Health) { h.RetryAfterUntil = t0.Add(time.Second) }, true},
		{"retry-after already over", func(h *exchange.Health) { h.RetryAfterUntil = t0 }, false},
		{"unknown symbol", func(h *exchange.Health) { h.UnknownSymbols = []string{"NOPEUSDT"} }, true},
		{"symbol halted", func(h *exchange.Health) { h.NotTrading = []string{"LTCUSDT"} }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := probed(), probed()
			tt.change(&b)
			if got := HealthChangeIsImportant(a, b, t0); got != tt.want {
				t.Errorf("HealthChangeIsImportant(a→b) = %v, want %v", got, tt.want)
			}
			// Importance does not depend on the direction of the change.
			if got := HealthChangeIsImportant(b, a, t0); got != tt.want {
				t.Errorf("HealthChangeIsImportant(b→a) = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHealthChangeUnknownSymbolsChanged(t *testing.T) {
	a, b := probed(), probed()
	a.UnknownSymbols = []string{"AAAUSDT"}
	b.UnknownSymbols = []string{"BBBUSDT"}
	if !HealthChangeIsImportant(a, b, t0) {
		t.Error("a different unknown symbol is not important")
	}
	b.UnknownSymbols = []string{"AAAUSDT"}
	if HealthChangeIsImportant(a, b, t0) {
		t.Error("the same unknown symbols, in a new slice, are important")
	}
}

func TestNewGroup(t *testing.T) {
	g := New(Config{Endpoint: testEndpoint(t), Symbols: []string{"BTCUSDT"}})
	s := g.Snapshot()
	if s.Exchange.Endpoint != "http://127.0.0.1:18090" || s.Exchange.Probed || s.Exchange.Breaker.State != exchange.BreakerClosed {
		t.Errorf("initial snapshot %+v, want the endpoint, not probed, breaker Closed", s.Exchange)
	}
	tasks := g.Tasks()
	if len(tasks) != 1 || tasks[0].Name != TaskExchangeHealth || tasks[0].Run == nil {
		t.Fatalf("tasks = %+v, want one %s task", tasks, TaskExchangeHealth)
	}
}

// publishHealth calls Notify for important changes only, and every
// snapshot it stores carries the time of the change.
func TestPublishHealthNotifies(t *testing.T) {
	now := t0
	notified := 0
	g := New(Config{
		Endpoint: testEndpoint(t),
		Now:      func() time.Time { return now },
		Notify:   func() { notified++ },
	})
	steps := []struct {
		name   string
		change func(h *exchange.Health)
		want   int // notifications so far
	}{
		{"first probe", func(h *exchange.Health) {}, 1},
		{"weight grows", func(h *exchange.Health) { h.UsedWeight1m = 40; h.Probes = 2 }, 1},
		{"clock drifts", func(h *exchange.Health) { h.UsedWeight1m = 42; h.ClockOffset = time.Second; h.Probes = 3 }, 1},
		{"breaker opens", func(h *exchange.Health) {
			h.Reachable = false
			h.Breaker = exchange.BreakerStatus{State: exchange.BreakerOpen, Failures: 2}
		}, 2},
		{"still open", func(h *exchange.Health) {
			h.Reachable = false
			h.Breaker = exchange.BreakerStatus{State: exchange.BreakerOpen, Failures: 2}
			h.Probes = 9
		}, 2},
		{"closes", func(h *exchange.Health) {}, 3},
		{"unknown symbol appears", func(h *exchange.Health) { h.UnknownSymbols = []string{"NOPEUSDT"} }, 4},
		{"and stays", func(h *exchange.Health) { h.UnknownSymbols = []string{"NOPEUSDT"}; h.UsedWeight1m = 100 }, 4},
	}
	for i, st := range steps {
		now = t0.Add(time.Duration(i) * time.Second)
		h := probed()
		st.change(&h)
		g.publishHealth(h)
		if notified != st.want {
			t.Errorf("after %q: %d notifications, want %d", st.name, notified, st.want)
		}
		// The stored snapshot (Snapshot itself reads the endpoint live).
		snap := *g.snap.Load()
		if !snap.UpdatedAt.Equal(now) || snap.Exchange.UsedWeight1m != h.UsedWeight1m || snap.Exchange.Breaker.State != h.Breaker.State {
			t.Errorf("after %q: snapshot %+v at %v, want the published health at %v", st.name, snap.Exchange, snap.UpdatedAt, now)
		}
	}
}

// testEndpoint is an endpoint no request is sent to.
func testEndpoint(t *testing.T) *exchange.Endpoint {
	reg := exchange.NewRegistry(exchange.RegistryOptions{})
	t.Cleanup(reg.Close)
	return reg.Endpoint(exchange.URLs{REST: "http://127.0.0.1:18090", Stream: "ws://127.0.0.1:18090"})
}

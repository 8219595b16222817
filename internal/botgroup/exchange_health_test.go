package botgroup

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// waitTimeout bounds every wait for the group to reach a state. It is
// generous because the machine is shared; a passing run takes far less.
const waitTimeout = 30 * time.Second

// simServer is an exchange simulator behind a loopback HTTP server, and the
// transport the group under test talks to it through.
type simServer struct {
	url       string
	transport *http.Transport
}

func startSimulator(t *testing.T) *simServer {
	t.Helper()
	cfg := exchangesim.DefaultConfig()
	cfg.History = time.Minute // the health task reads no market history
	sim, err := exchangesim.New(cfg)
	if err != nil {
		t.Fatalf("exchangesim.New: %v", err)
	}
	srv := httptest.NewServer(sim)
	s := &simServer{url: srv.URL, transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	t.Cleanup(func() {
		s.transport.CloseIdleConnections()
		srv.Close()
		sim.Close()
	})
	return s
}

// setFaults replaces the simulator's faults (POST /sim/v1/faults).
func (s *simServer) setFaults(t *testing.T, faultsJSON string) {
	t.Helper()
	c := &http.Client{Transport: s.transport, Timeout: 10 * time.Second}
	res, err := c.Post(s.url+"/sim/v1/faults", "application/json", bytes.NewBufferString(faultsJSON))
	if err != nil {
		t.Fatalf("setting faults %s: %v", faultsJSON, err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("setting faults %s: HTTP %d", faultsJSON, res.StatusCode)
	}
}

// runningGroup is a Group whose tasks run on goroutines the test owns.
type runningGroup struct {
	*Group
	notified atomic.Int64
}

// startGroup runs cfg's tasks until the test ends.
func startGroup(t *testing.T, s *simServer, cfg Config) *runningGroup {
	t.Helper()
	rg := &runningGroup{}
	reg := exchange.NewRegistry(exchange.RegistryOptions{Transport: s.transport})
	t.Cleanup(reg.Close)
	cfg.Endpoint = reg.Endpoint(exchange.URLs{REST: s.url, Stream: "ws" + strings.TrimPrefix(s.url, "http")})
	if cfg.ProbeInterval == 0 {
		cfg.ProbeInterval = 20 * time.Millisecond
	}
	cfg.Notify = func() { rg.notified.Add(1) }
	rg.Group = New(cfg)
	runTasks(t, rg.Group)
	return rg
}

// waitFor polls the group's snapshot until ok accepts it, and returns it.
func (rg *runningGroup) waitFor(t *testing.T, what string, ok func(h exchange.Health) bool) exchange.Health {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		h := rg.Snapshot().Exchange
		if ok(h) {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %v; last health %+v", what, waitTimeout, h)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestExchangeHealthFillsSnapshot(t *testing.T) {
	sim := startSimulator(t)
	rg := startGroup(t, sim, Config{Symbols: []string{"BTCUSDT", "ETHUSDT"}})

	h := rg.waitFor(t, "first probe", func(h exchange.Health) bool { return h.Probed })
	if !h.Reachable || h.LastError != "" {
		t.Fatalf("first probe: reachable %v, error %q; want reachable", h.Reachable, h.LastError)
	}
	if h.Endpoint != sim.url {
		t.Errorf("endpoint = %q, want %q", h.Endpoint, sim.url)
	}
	if h.WeightLimit1m != exchangesim.DefaultWeightLimit || h.OrderLimit10s != exchangesim.DefaultOrderLimit10s {
		t.Errorf("limits from exchangeInfo: weight %d/min, orders %d/10s; want %d and %d",
			h.WeightLimit1m, h.OrderLimit10s, exchangesim.DefaultWeightLimit, exchangesim.DefaultOrderLimit10s)
	}
	// ping (1) + time (1) + exchangeInfo (20) at least.
	if h.UsedWeight1m < 22 {
		t.Errorf("used weight = %d, want at least 22 after one probe", h.UsedWeight1m)
	}
	if h.ClockOffset < -time.Second || h.ClockOffset > time.Second {
		t.Errorf("clock offset = %v against a simulator on the same clock, want within ±1s", h.ClockOffset)
	}
	if h.LastContact.IsZero() || h.RoundTrip <= 0 {
		t.Errorf("lastContact %v, round trip %v; want both set", h.LastContact, h.RoundTrip)
	}
	if len(h.UnknownSymbols) != 0 || len(h.NotTrading) != 0 || h.Breaker.State != exchange.BreakerClosed || h.Breaker.Failures != 0 {
		t.Errorf("unknown %v, not trading %v, breaker %+v; want none, none, Closed with no failures", h.UnknownSymbols, h.NotTrading, h.Breaker)
	}

	// Probes go on; only the first one was news.
	later := rg.waitFor(t, "five probes", func(h exchange.Health) bool { return h.Probes >= 5 })
	if !later.Reachable {
		t.Fatalf("probe %d: unreachable (%s)", later.Probes, later.LastError)
	}
	if n := rg.notified.Load(); n != 1 {
		t.Errorf("%d notifications after %d healthy probes, want 1 (the first)", n, later.Probes)
	}
}

func TestExchangeHealthMeasuresClockOffset(t *testing.T) {
	sim := startSimulator(t)
	sim.setFaults(t, `{"clockOffsetMs":5000}`)
	rg := startGroup(t, sim, Config{Symbols: []string{"BTCUSDT"}})

	h := rg.waitFor(t, "first probe", func(h exchange.Health) bool { return h.Probed })
	if !h.Reachable {
		t.Fatalf("unreachable: %s", h.LastError)
	}
	// The offset is corrected by half the round trip, which is short on
	// loopback; a second of slack covers a loaded machine.
	if h.ClockOffset < 4*time.Second || h.ClockOffset > 6*time.Second {
		t.Errorf("clock offset = %v with the simulator's clock 5s ahead, want about 5s", h.ClockOffset)
	}
}

func TestExchangeHealthReportsUnknownSymbols(t *testing.T) {
	sim := startSimulator(t)
	rg := startGroup(t, sim, Config{Symbols: []string{"NOPEUSDT", "BTCUSDT", "AAAZZZ"}})

	h := rg.waitFor(t, "first probe", func(h exchange.Health) bool { return h.Probed })
	if !h.Reachable || h.WeightLimit1m != exchangesim.DefaultWeightLimit {
		t.Fatalf("reachable %v (%s), weight limit %d; want reachable with the limit read", h.Reachable, h.LastError, h.WeightLimit1m)
	}
	if got := strings.Join(h.UnknownSymbols, ","); got != "AAAZZZ,NOPEUSDT" {
		t.Errorf("unknown symbols = %q, want AAAZZZ,NOPEUSDT", got)
	}
	if h.Breaker.State != exchange.BreakerClosed {
		t.Errorf("an unknown symbol moved the breaker to %s", h.Breaker.State)
	}
}

func TestExchangeHealthBreakerOpensAndCloses(t *testing.T) {
	sim := startSimulator(t)
	rg := startGroup(t, sim, Config{
		Symbols: []string{"BTCUSDT"},
		Policy: exchange.CallPolicy{
			Breaker: exchange.BreakerSettings{FailureThreshold: 2, OpenDuration: time.Second, HalfOpenMaxRequests: 1},
			Retry:   exchange.RetryPolicy{MaxAttempts: 1},
		},
	})
	rg.waitFor(t, "healthy", func(h exchange.Health) bool { return h.Probed && h.Reachable })
	before := rg.notified.Load()

	sim.setFaults(t, `{"restErrorRate":1,"restErrorStatus":503}`)
	h := rg.waitFor(t, "breaker open", func(h exchange.Health) bool { return h.Breaker.State == exchange.BreakerOpen })
	if h.Reachable {
		t.Errorf("reachable with the breaker open")
	}
	if h.Breaker.Failures < 2 {
		t.Errorf("breaker open after %d failures, want at least the threshold 2", h.Breaker.Failures)
	}
	if h.Breaker.OpenUntil.Sub(h.Breaker.LastTransition) != time.Second {
		t.Errorf("open from %v until %v, want the 1s open duration", h.Breaker.LastTransition, h.Breaker.OpenUntil)
	}
	if rg.notified.Load() <= before {
		t.Errorf("no notification when the exchange failed and the breaker opened")
	}

	opened := rg.notified.Load()
	sim.setFaults(t, `{}`)
	h = rg.waitFor(t, "breaker closed", func(h exchange.Health) bool {
		return h.Breaker.State == exchange.BreakerClosed && h.Reachable
	})
	if h.Breaker.Failures != 0 || h.LastError != "" {
		t.Errorf("closed breaker reports %d failures, error %q; want none", h.Breaker.Failures, h.LastError)
	}
	if rg.notified.Load() <= opened {
		t.Errorf("no notification when the breaker closed")
	}
}

// Groups on one endpoint share its probe: fifty groups send the pings of
// one, by the simulator's count, and each still reports its own symbols.
func TestExchangeHealthSharedByGroups(t *testing.T) {
	sim := startSimulator(t)
	reg := exchange.NewRegistry(exchange.RegistryOptions{Transport: sim.transport})
	t.Cleanup(reg.Close)
	ep := reg.Endpoint(exchange.URLs{REST: sim.url, Stream: "ws" + strings.TrimPrefix(sim.url, "http")})
	const groups = 50
	gs := make([]*Group, groups)
	for i := range gs {
		symbols := []string{"BTCUSDT"}
		if i%2 == 1 {
			symbols = append(symbols, fmt.Sprintf("NOPE%02dUSDT", i))
		}
		gs[i] = New(Config{Endpoint: ep, Symbols: symbols, ProbeInterval: 20 * time.Millisecond})
		runTasks(t, gs[i])
	}
	deadline := time.Now().Add(waitTimeout)
	for gs[0].Snapshot().Exchange.Probes < 10 {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than 10 probe rounds within %v", waitTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	pings := sim.requests(t, "/api/v3/ping")
	rounds := gs[0].Snapshot().Exchange.Probes
	// A round may be under way as the count is read.
	if pings > rounds+1 {
		t.Errorf("%d groups sent %d pings in %d probe rounds, want one per round", groups, pings, rounds)
	}
	for i, g := range gs {
		h := g.Snapshot().Exchange
		want := []string(nil)
		if i%2 == 1 {
			want = []string{fmt.Sprintf("NOPE%02dUSDT", i)}
		}
		if !h.Probed || !slices.Equal(h.UnknownSymbols, want) {
			t.Errorf("group %d: probed %v, unknown symbols %v; want probed, %v", i, h.Probed, h.UnknownSymbols, want)
		}
	}
}

// requests is how many requests the simulator saw for path
// (GET /sim/v1/stats).
func (s *simServer) requests(t *testing.T, path string) int64 {
	t.Helper()
	c := &http.Client{Transport: s.transport, Timeout: 10 * time.Second}
	res, err := c.Get(s.url + "/sim/v1/stats")
	if err != nil {
		t.Fatalf("reading stats: %v", err)
	}
	defer res.Body.Close()
	var st exchangesim.Stats
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		t.Fatalf("decoding stats: %v", err)
	}
	return st.Requests[path]
}

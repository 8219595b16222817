package exchange

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// waitTimeout bounds every wait for goroutines to reach a state. It is
// generous because the machine is shared; a passing run takes far less.
const waitTimeout = 30 * time.Second

// minuteStart is where fake clocks start: the start of a UTC minute, so a
// test knows where the weight windows turn.
var minuteStart = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

// fakeClock moves only when told to, and fires the waits registered with
// After as it passes their deadlines.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, fakeTimer{at: c.now.Add(d), ch: ch})
	return ch
}

// Advance moves the clock and fires every wait that is due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if t.at.After(c.now) {
			kept = append(kept, t)
			continue
		}
		t.ch <- c.now
	}
	c.timers = kept
}

// Sleepers counts waits not yet fired. A waiter that gave up (its context
// ended) still counts until the clock passes its deadline.
func (c *fakeClock) Sleepers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// waitUntil polls cond until it holds, failing the test after waitTimeout.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// simEnv is an exchange simulator behind a loopback HTTP server.
type simEnv struct {
	sim   *exchangesim.Simulator
	srv   *httptest.Server
	admin *http.Client
}

// startSim starts a simulator with an hour of history (fast to build);
// mutate adjusts its configuration.
func startSim(t testing.TB, mutate func(*exchangesim.Config)) *simEnv {
	t.Helper()
	cfg := exchangesim.DefaultConfig()
	cfg.History = time.Hour
	if mutate != nil {
		mutate(&cfg)
	}
	sim, err := exchangesim.New(cfg)
	if err != nil {
		t.Fatalf("exchangesim.New: %v", err)
	}
	s := &simEnv{sim: sim, srv: httptest.NewServer(sim)}
	tr := &http.Transport{}
	s.admin = &http.Client{Transport: tr, Timeout: waitTimeout}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		s.srv.Close()
		sim.Close()
	})
	return s
}

func (s *simEnv) urls() URLs {
	return URLs{REST: s.srv.URL, Stream: "ws" + strings.TrimPrefix(s.srv.URL, "http")}
}

// setFaults replaces the simulator's faults through its admin API.
func (s *simEnv) setFaults(t testing.TB, faults string) {
	t.Helper()
	res, err := s.admin.Post(s.srv.URL+"/sim/v1/faults", "application/json", bytes.NewBufferString(faults))
	if err != nil {
		t.Fatalf("setting faults %s: %v", faults, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("setting faults %s: HTTP %d", faults, res.StatusCode)
	}
}

// stats reads GET /sim/v1/stats.
func (s *simEnv) stats(t testing.TB) exchangesim.Stats {
	t.Helper()
	res, err := s.admin.Get(s.srv.URL + "/sim/v1/stats")
	if err != nil {
		t.Fatalf("reading stats: %v", err)
	}
	defer res.Body.Close()
	var st exchangesim.Stats
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
		t.Fatalf("decoding stats: %v", err)
	}
	return st
}

// requests is how many requests the simulator saw for path.
func (s *simEnv) requests(t testing.TB, path string) int64 { return s.stats(t).Requests[path] }

// usedWeight is the weight the simulator charged the loopback IP in its
// current minute.
func (s *simEnv) usedWeight(t testing.TB) int { return s.stats(t).UsedWeight["127.0.0.1"] }

// newRegistry returns a Registry closed when the test ends (before the
// simulator it talks to, since cleanups run last-in first-out).
func newRegistry(t testing.TB, opts RegistryOptions) *Registry {
	t.Helper()
	r := NewRegistry(opts)
	t.Cleanup(r.Close)
	return r
}

// fakeOptions runs a registry on clk.
func fakeOptions(clk *fakeClock) RegistryOptions {
	return RegistryOptions{Now: clk.Now, After: clk.After}
}

// extraSymbols returns n more symbols shaped like BTCUSDT (X00USDT, …), so
// tests can ask for more symbols than the built-in eight.
func extraSymbols(n int) []exchangesim.SymbolConfig {
	base := exchangesim.DefaultSymbolConfigs()[0]
	out := make([]exchangesim.SymbolConfig, n)
	for i := range out {
		c := base
		c.Spec.BaseAsset = fmt.Sprintf("X%02d", i)
		c.Spec.Symbol = c.Spec.BaseAsset + "USDT"
		c.StartPrice = decimal.NewFromInt(int64(100 + i))
		out[i] = c
	}
	return out
}

func symbolNames(cfgs []exchangesim.SymbolConfig) []string {
	out := make([]string, len(cfgs))
	for i, c := range cfgs {
		out[i] = c.Spec.Symbol
	}
	sort.Strings(out)
	return out
}

// errorOf returns err as an *Error, failing the test if it is not one.
func errorOf(t testing.TB, err error) *Error {
	t.Helper()
	xe, ok := err.(*Error)
	if !ok {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	return xe
}

// ctxTimeout is a context for one test step.
func ctxTimeout(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}

// demoCreds are the simulator's demo account (100000 USDT).
func demoCreds() Credentials {
	return Credentials{APIKey: exchangesim.DemoAPIKey, Secret: exchangesim.DemoSecretKey, Type: KeyHMAC}
}

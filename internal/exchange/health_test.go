package exchange

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// runningView is a HealthView whose Run goroutine the test owns.
type runningView struct {
	*HealthView
	published atomic.Int64
	last      atomic.Pointer[Health]
	stop      context.CancelFunc
	done      chan error
}

// runView starts v's Run; the view is stopped when the test ends if it was
// not stopped before.
func runView(t testing.TB, ep *Endpoint, opts HealthOptions) *runningView {
	t.Helper()
	rv := &runningView{done: make(chan error, 1)}
	opts.Publish = func(h Health) {
		rv.last.Store(&h)
		rv.published.Add(1)
	}
	rv.HealthView = ep.HealthView(opts)
	ctx, cancel := context.WithCancel(context.Background())
	rv.stop = cancel
	go func() { rv.done <- rv.Run(ctx) }()
	t.Cleanup(func() { rv.halt(t) })
	return rv
}

// halt stops the view's Run and waits for it (once).
func (rv *runningView) halt(t testing.TB) {
	t.Helper()
	rv.stop()
	if rv.done == nil {
		return
	}
	if err := <-rv.done; err != nil {
		t.Errorf("Run returned %v after its context ended, want nil", err)
	}
	rv.done = nil
}

// lastPublished is the Health last published; zero before the first.
func (rv *runningView) lastPublished() Health {
	if h := rv.last.Load(); h != nil {
		return *h
	}
	return Health{}
}

// probeWeight runs views on one endpoint of a simulator that shares a fake
// clock with the registry, steps that clock through whole minutes one second
// at a time, and returns the weight the simulator charged in each minute.
// The views ask for symbols from the simulator's list and unknown ones, so
// their union is larger than any one view's.
func probeWeight(t testing.TB, views, minutes int, interval time.Duration) (perMinute []int, limit int) {
	t.Helper()
	clk := newFakeClock(minuteStart)
	sim := startSim(t, func(c *exchangesim.Config) { c.Now = clk.Now })
	reg := newRegistry(t, fakeOptions(clk))
	ep := reg.Endpoint(sim.urls())
	known := symbolNames(exchangesim.DefaultSymbolConfigs())
	rvs := make([]*runningView, views)
	for i := range rvs {
		syms := []string{known[i%len(known)], fmt.Sprintf("NOPE%dUSDT", i%50)}
		rvs[i] = runView(t, ep, HealthOptions{Symbols: syms, Interval: interval})
	}
	waitUntil(t, "every view's first health", func() bool {
		for _, rv := range rvs {
			if !rv.lastPublished().Probed {
				return false
			}
		}
		return true
	})
	// Rounds fall at minuteStart + k·interval; after each step, wait for
	// the round that is due so that its requests land in their minute.
	elapsed := time.Duration(0)
	for range minutes {
		for s := range 60 {
			if s == 59 {
				perMinute = append(perMinute, sim.usedWeight(t))
			}
			clk.Advance(time.Second)
			elapsed += time.Second
			want := int64(elapsed/interval) + 1
			waitUntil(t, fmt.Sprintf("probe round %d", want), func() bool { return rvs[0].Health().Probes >= want })
		}
	}
	return perMinute, ep.State().WeightLimit1m
}

// Two hundred views on one endpoint cost, by the simulator's own count,
// exactly the weight of one.
func TestHealthProbeIsSharedByEveryView(t *testing.T) {
	const minutes = 2
	one, limit := probeWeight(t, 1, minutes, defaultProbeInterval)
	many, _ := probeWeight(t, 200, minutes, defaultProbeInterval)
	t.Logf("weight per minute: 1 view %v, 200 views %v (limit %d)", one, many, limit)
	if !slices.Equal(one, many) {
		t.Errorf("weight per minute with 200 views %v, with one %v; want the same", many, one)
	}
	// One probe: 4 rounds a minute of ping and time (1 each), and the
	// first minute's exchangeInfo (20).
	for i, w := range one {
		if w <= 0 || w > 4*2+20 {
			t.Errorf("minute %d: weight %d, want that of one probe (at most 28)", i, w)
		}
	}
}

// The probe starts with the first running view and stops with the last:
// its goroutine ends, nothing more is sent, and a new view starts it again.
func TestHealthProbeStopsWithLastView(t *testing.T) {
	sim := startSim(t, nil)
	tr := &http.Transport{}
	reg := newRegistry(t, RegistryOptions{Transport: tr})
	ep := reg.Endpoint(sim.urls())
	// The admin client's keep-alive connection to the simulator (opened
	// here, then reused) is the test's own, not the probe's.
	_ = sim.requests(t, "/api/v3/ping")
	ignore := goleak.IgnoreCurrent()

	opts := HealthOptions{Symbols: []string{"BTCUSDT"}, Interval: 20 * time.Millisecond}
	views := []*runningView{runView(t, ep, opts), runView(t, ep, opts), runView(t, ep, opts)}
	for _, rv := range views {
		waitUntil(t, "first health", func() bool { return rv.lastPublished().Probed })
	}
	views[0].halt(t)
	views[1].halt(t)
	pings := sim.requests(t, "/api/v3/ping")
	waitUntil(t, "probes with one view left", func() bool { return sim.requests(t, "/api/v3/ping") >= pings+3 })

	views[2].halt(t) // returns once the probe's goroutine has ended
	// A ping canceled in flight may still reach the simulator a moment
	// later; count from after that moment.
	time.Sleep(2 * opts.Interval)
	stopped := sim.requests(t, "/api/v3/ping")
	time.Sleep(10 * opts.Interval)
	if n := sim.requests(t, "/api/v3/ping"); n != stopped {
		t.Errorf("%d pings after the last view left, want none", n-stopped)
	}
	tr.CloseIdleConnections()
	if err := goleak.Find(ignore); err != nil {
		t.Errorf("goroutines left after the last view: %v", err)
	}

	// A new user starts a new probe, which reports from its own rounds.
	again := runView(t, ep, opts)
	waitUntil(t, "probes again", func() bool { return again.lastPublished().Probed })
	if p := again.lastPublished().Probes; p != 1 {
		t.Errorf("first result of the new probe counts %d rounds, want 1", p)
	}
	again.halt(t)
	tr.CloseIdleConnections()
	if err := goleak.Find(ignore); err != nil {
		t.Errorf("goroutines left after the second probe: %v", err)
	}
}

// Each view reports its own symbols and its own breaker, though one probe
// checks for all.
func TestHealthViewReportsItsOwnSymbolsAndBreaker(t *testing.T) {
	halted := exchangesim.DefaultSymbolConfigs()[0]
	halted.Spec.Symbol, halted.Spec.BaseAsset, halted.Spec.Status = "HLTUSDT", "HLT", "BREAK"
	sim := startSim(t, func(c *exchangesim.Config) {
		c.Symbols = append(exchangesim.DefaultSymbolConfigs(), halted)
	})
	reg := newRegistry(t, RegistryOptions{})
	ep := reg.Endpoint(sim.urls())
	touchy := BreakerSettings{FailureThreshold: 2, OpenDuration: time.Second, HalfOpenMaxRequests: 1}
	patient := BreakerSettings{FailureThreshold: 1000}
	const interval = 20 * time.Millisecond
	a := runView(t, ep, HealthOptions{Symbols: []string{"NOPEUSDT", "BTCUSDT"}, Interval: interval,
		Policy: CallPolicy{Breaker: touchy, Retry: RetryPolicy{MaxAttempts: 1}}})
	b := runView(t, ep, HealthOptions{Symbols: []string{"HLTUSDT", "ETHUSDT", "ETHUSDT"}, Interval: interval,
		Policy: CallPolicy{Breaker: patient}})
	waitUntil(t, "both views probed", func() bool {
		return a.lastPublished().Probed && b.lastPublished().Probed
	})
	ha, hb := a.Health(), b.Health()
	if !slices.Equal(ha.UnknownSymbols, []string{"NOPEUSDT"}) || len(ha.NotTrading) != 0 {
		t.Errorf("view a: unknown %v, not trading %v; want [NOPEUSDT] and none", ha.UnknownSymbols, ha.NotTrading)
	}
	if len(hb.UnknownSymbols) != 0 || !slices.Equal(hb.NotTrading, []string{"HLTUSDT"}) {
		t.Errorf("view b: unknown %v, not trading %v; want none and [HLTUSDT]", hb.UnknownSymbols, hb.NotTrading)
	}

	sim.setFaults(t, `{"restErrorRate":1,"restErrorStatus":503}`)
	waitUntil(t, "a's breaker open", func() bool { return a.Health().Breaker.State == BreakerOpen })
	waitUntil(t, "b sees the failures", func() bool { return b.Health().Breaker.Failures >= 3 })
	ha, hb = a.Health(), b.Health()
	if hb.Breaker.State != BreakerClosed {
		t.Errorf("b's breaker (threshold 1000) is %s after %d failures, want Closed", hb.Breaker.State, hb.Breaker.Failures)
	}
	waitUntil(t, "both unreachable", func() bool {
		return !a.lastPublished().Reachable && !b.lastPublished().Reachable
	})
	// The breakers are the endpoint's, one per settings, as for any call.
	if st := ep.State(); st.Breakers[touchy.Key()].State == BreakerClosed || len(st.Breakers) != 2 {
		t.Errorf("endpoint breakers %+v, want a's open and b's", st.Breakers)
	}

	sim.setFaults(t, `{}`)
	waitUntil(t, "a's breaker closed again", func() bool {
		h := a.Health()
		return h.Breaker.State == BreakerClosed && a.lastPublished().Reachable
	})
	if h := b.Health(); h.Breaker.Failures != 0 {
		t.Errorf("b's breaker still counts %d failures after a successful probe", h.Breaker.Failures)
	}
	if h := a.lastPublished(); !slices.Equal(h.UnknownSymbols, []string{"NOPEUSDT"}) {
		t.Errorf("view a after recovery: unknown %v, want [NOPEUSDT]", h.UnknownSymbols)
	}
}

// A view that joins a running probe has its health at once: from the last
// round when it covers the view's symbols, from a symbol check against the
// cached exchangeInfo (no request) when the view brings new ones.
func TestHealthViewJoiningGetsHealthAtOnce(t *testing.T) {
	sim := startSim(t, nil)
	reg := newRegistry(t, RegistryOptions{})
	ep := reg.Endpoint(sim.urls())
	opts := HealthOptions{Symbols: []string{"BTCUSDT"}, Interval: time.Hour}
	first := runView(t, ep, opts)
	waitUntil(t, "first view probed", func() bool { return first.lastPublished().Probed })
	before := sim.stats(t).Requests

	same := runView(t, ep, opts)
	waitUntil(t, "same symbols", func() bool { return same.lastPublished().Probed })
	opts.Symbols = []string{"ETHUSDT", "NEWUSDT"}
	fresh := runView(t, ep, opts)
	waitUntil(t, "new symbols", func() bool { return fresh.lastPublished().Probed })

	if h := fresh.lastPublished(); !slices.Equal(h.UnknownSymbols, []string{"NEWUSDT"}) {
		t.Errorf("joining view: unknown %v, want [NEWUSDT]", h.UnknownSymbols)
	}
	for _, rv := range []*runningView{same, fresh} {
		if h := rv.lastPublished(); h.Probes != 1 || !h.Reachable {
			t.Errorf("joining view: %d rounds, reachable %v; want the running probe's first round, reachable", h.Probes, h.Reachable)
		}
	}
	after := sim.stats(t).Requests
	for _, path := range []string{"/api/v3/ping", "/api/v3/time", pathExchangeInfo} {
		if after[path] != before[path] {
			t.Errorf("%s: %d requests while views joined, want none", path, after[path]-before[path])
		}
	}
}

// The probe follows the shortest interval any running view asks for.
func TestHealthProbeTakesShortestInterval(t *testing.T) {
	sim := startSim(t, nil)
	reg := newRegistry(t, RegistryOptions{})
	ep := reg.Endpoint(sim.urls())
	slow := runView(t, ep, HealthOptions{Interval: time.Hour})
	waitUntil(t, "slow view probed", func() bool { return slow.lastPublished().Probed })
	fast := runView(t, ep, HealthOptions{Interval: 10 * time.Millisecond})
	waitUntil(t, "rounds at the fast view's interval", func() bool { return slow.lastPublished().Probes >= 4 })
	fast.halt(t)
	n := sim.requests(t, "/api/v3/ping")
	time.Sleep(100 * time.Millisecond)
	if got := sim.requests(t, "/api/v3/ping"); got > n+1 {
		t.Errorf("%d pings in 100ms after the fast view left, want the slow view's hourly interval again", got-n)
	}
}

// HealthView's Health and ClockOffset are safe while rounds publish.
func TestHealthViewConcurrentReads(t *testing.T) {
	sim := startSim(t, nil)
	reg := newRegistry(t, RegistryOptions{})
	ep := reg.Endpoint(sim.urls())
	rv := runView(t, ep, HealthOptions{Symbols: []string{"BTCUSDT"}, Interval: 5 * time.Millisecond})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for rv.lastPublished().Probes < 5 {
				_ = rv.Health()
				_ = rv.ClockOffset()
			}
		})
	}
	wg.Wait()
	if h := rv.Health(); !strings.HasPrefix(h.Endpoint, "http://127.0.0.1:") {
		t.Errorf("endpoint %q", h.Endpoint)
	}
}

// TestBenchFigures prints the shared health probe's figures as
// "name: value" lines, for make bench. It runs only with SCALE_BENCH=1:
//
//	SCALE_BENCH=1 go test -count=1 -run '^TestBenchFigures$' -v ./internal/exchange/ | grep '^scale\.'
//
// 10 000 idle views (SCALE_BENCH_VIEWS), as 10 000 idle bots' exchange-health
// tasks would be, run on one endpoint of the simulator for ten minutes at the
// default 15 s interval. The minutes are simulated: the simulator and the
// registry share a clock the test steps a second at a time, waiting at each
// due round for it to finish, so no interval is shortened. The weight is the
// simulator's own count for the operator's IP, read at the end of each minute.
//
// scale.idle_weight_per_minute: that weight, averaged over the minutes (the
// exchangeInfo refresh every 5 minutes included).
// scale.idle_weight_share: the same divided by the endpoint's weight limit
// (from exchangeInfo); the target is at most 0.05.
func TestBenchFigures(t *testing.T) {
	if os.Getenv("SCALE_BENCH") != "1" {
		t.Log("set SCALE_BENCH=1 to print the benchmark figures")
		return
	}
	views := 10000
	if v := os.Getenv("SCALE_BENCH_VIEWS"); v != "" {
		if _, err := fmt.Sscan(v, &views); err != nil {
			t.Fatal(err)
		}
	}
	const minutes = 10
	perMinute, limit := probeWeight(t, views, minutes, defaultProbeInterval)
	total := 0
	for _, w := range perMinute {
		total += w
	}
	mean := float64(total) / float64(len(perMinute))
	share := mean / float64(limit)
	t.Logf("%d views, weight per minute %v, limit %d", views, perMinute, limit)
	fmt.Printf("scale.idle_weight_per_minute: %.1f\n", mean)
	fmt.Printf("scale.idle_weight_share: %.4f\n", share)
	if share > 0.05 {
		t.Errorf("idle views use %.4f of the weight limit, want at most 0.05", share)
	}
}

// TestHealthReportsTheAccountBreaker: a trading resource's calls go
// through its account's breaker as well as the endpoint's. When failing
// signed calls open the account's alone, a view that uses the account
// reports it open (and closed again once it lets calls through); a view
// without the account still reports the endpoint's, closed.
func TestHealthReportsTheAccountBreaker(t *testing.T) {
	sim := startSim(t, nil)
	reg := newRegistry(t, RegistryOptions{})
	ep := reg.Endpoint(sim.urls())
	acct := reg.Account(ep, demoCreds())
	ctx := ctxTimeout(t)
	if _, err := acct.Balances(ctx, CallPolicy{}); err != nil {
		t.Fatal(err)
	}
	p := CallPolicy{Retry: RetryPolicy{MaxAttempts: 1},
		Breaker: BreakerSettings{FailureThreshold: 2, OpenDuration: 300 * time.Millisecond}}
	trader, watcher := ep.HealthView(HealthOptions{Policy: p}), ep.HealthView(HealthOptions{Policy: p})
	trader.UseAccount(acct)
	if got := trader.Health().Breaker.State; got != BreakerClosed {
		t.Fatalf("before any failure: %s, want Closed", got)
	}
	sim.setFaults(t, `{"restErrorRate": 1, "restErrorStatus": 503}`)
	for calls := 0; acct.BreakerStatus(p.Breaker).State != BreakerOpen; calls++ {
		if calls == 10 {
			t.Fatalf("the account's breaker is still %s after %d failed calls", acct.BreakerStatus(p.Breaker).State, calls)
		}
		if _, err := acct.Balances(ctx, p); err == nil {
			t.Fatal("a signed call succeeded with every REST request failing")
		}
	}
	sim.setFaults(t, `{}`)
	if st := ep.BreakerStatus(p.Breaker); st.State != BreakerClosed {
		t.Fatalf("the endpoint's breaker is %s; the test needs only the account's open", st.State)
	}
	got := trader.Health().Breaker
	if got.State != BreakerOpen || got.OpenUntil.IsZero() {
		t.Fatalf("the view using the account reports %+v, want the account's open breaker", got)
	}
	if st := watcher.Health().Breaker.State; st != BreakerClosed {
		t.Fatalf("the view without the account reports %s, want the endpoint's Closed", st)
	}
	waitUntil(t, "the account's breaker to let calls through", func() bool { return acct.BreakerStatus(p.Breaker).State != BreakerOpen })
	if _, err := acct.Balances(ctx, p); err != nil {
		t.Fatal(err)
	}
	if st := trader.Health().Breaker.State; st != BreakerClosed {
		t.Fatalf("after a call went through: %s, want Closed", st)
	}
}

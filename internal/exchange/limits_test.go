package exchange

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// TestRateLimitPausesEveryCaller: another process on our IP spends the
// minute's weight, so our next request earns a 429. From then on every
// caller of the endpoint waits for the Retry-After without sending
// anything (a request during it would get the IP banned), then carries on.
func TestRateLimitPausesEveryCaller(t *testing.T) {
	clk := newFakeClock(minuteStart.Add(30 * time.Second))
	sim := startSim(t, func(c *exchangesim.Config) { c.WeightLimit = 100; c.Now = clk.Now })
	var changes atomic.Int64
	opts := fakeOptions(clk)
	opts.OnChange = func(string) { changes.Add(1) }
	reg := newRegistry(t, opts)
	ep := reg.Endpoint(sim.urls())
	ctx := ctxTimeout(t)

	if _, err := ep.ExchangeInfo(ctx, CallPolicy{}); err != nil {
		t.Fatal(err)
	}
	if st := ep.State(); st.WeightLimit1m != 100 || st.UsedWeight1m != 20 {
		t.Fatalf("after exchangeInfo: limit %d used %d, want 100 and 20", st.WeightLimit1m, st.UsedWeight1m)
	}
	for range 80 { // the other process: same IP, no budget of ours
		res, err := sim.admin.Get(sim.srv.URL + "/api/v3/ping")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("raw ping: HTTP %d", res.StatusCode)
		}
	}

	err := ep.Ping(ctx, CallPolicy{Retry: RetryPolicy{MaxAttempts: 1}})
	xe := errorOf(t, err)
	windowEnds := minuteStart.Add(time.Minute)
	if xe.Class != ClassRateLimited || xe.Status != http.StatusTooManyRequests || xe.RetryAfter != 30*time.Second || !xe.Until.Equal(windowEnds) {
		t.Fatalf("ping over the limit: %+v, want a 429 with Retry-After 30s until %v", xe, windowEnds)
	}
	st := ep.State()
	if st.Throttled != 1 || !st.PausedUntil.Equal(windowEnds) || !st.Paused(clk.Now()) || st.UsedWeight1m != 101 {
		t.Fatalf("state after the 429: %+v, want 1 throttled, paused until %v, 101 used (the server's count)", st, windowEnds)
	}
	if changes.Load() == 0 {
		t.Fatal("OnChange was not called when the pause began")
	}

	const callers = 10
	sent := sim.requests(t, "/api/v3/ping")
	var wg sync.WaitGroup
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() { errs[i] = ep.Ping(ctx, CallPolicy{}) })
	}
	waitUntil(t, "every caller to wait for the pause", func() bool {
		return ep.State().PauseWaits == callers && clk.Sleepers() == callers
	})
	if got := sim.requests(t, "/api/v3/ping"); got != sent {
		t.Fatalf("%d pings sent during the pause", got-sent)
	}

	clk.Advance(31 * time.Second) // past the pause and into the next window
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("caller %d: %v", i, err)
		}
	}
	stats := sim.stats(t)
	if stats.RateLimited429 != 1 || stats.Banned418 != 0 || stats.Requests["/api/v3/ping"] != sent+callers {
		t.Fatalf("simulator saw %d×429, %d×418 and %d pings; want 1, 0 and %d",
			stats.RateLimited429, stats.Banned418, stats.Requests["/api/v3/ping"], sent+callers)
	}
}

// TestBanFailsFast: after a 418 every call fails at once with ErrBanned and
// the ban's end, and nothing is sent until the ban is over.
func TestBanFailsFast(t *testing.T) {
	sim := startSim(t, nil)
	reg := newRegistry(t, RegistryOptions{})
	ep := reg.Endpoint(sim.urls())
	ctx := ctxTimeout(t)
	sim.setFaults(t, `{"banSeconds": 120}`)

	err := ep.Ping(ctx, CallPolicy{})
	xe := errorOf(t, err)
	if xe.Class != ClassRateLimited || xe.Status != http.StatusTeapot || !errors.Is(err, ErrBanned) || xe.Until.IsZero() {
		t.Fatalf("first ping: %+v, want a 418 wrapping ErrBanned with an end", xe)
	}
	if got := sim.requests(t, "/api/v3/ping"); got != 1 {
		t.Fatalf("a ban was retried: %d pings sent, want 1", got)
	}
	st := ep.State()
	if !st.Banned(time.Now()) || st.Throttled != 1 || !st.BannedUntil.Equal(xe.Until) {
		t.Fatalf("state %+v, want banned until %v with 1 throttled", st, xe.Until)
	}
	for _, call := range []func() error{
		func() error { return ep.Ping(ctx, CallPolicy{}) },
		func() error { _, err := ep.Prices(ctx, CallPolicy{}, []string{"BTCUSDT"}); return err },
		func() error { _, err := reg.Account(ep, demoCreds()).Balances(ctx, CallPolicy{}); return err },
	} {
		err := call()
		if !errors.Is(err, ErrBanned) || ClassOf(err) != ClassRateLimited || !RetryAt(err).Equal(st.BannedUntil) {
			t.Fatalf("call during the ban: %v, want ErrBanned until %v", err, st.BannedUntil)
		}
	}
	if got := sim.stats(t); got.Requests["/api/v3/ping"]+got.Requests["/api/v3/exchangeInfo"]+got.Requests["/api/v3/account"] != 1 {
		t.Fatalf("requests sent during the ban: %v", got.Requests)
	}
}

// TestShareCapsGreedyBot: a bot that spends its share waits for its next
// window while another bot on the same endpoint carries on.
func TestShareCapsGreedyBot(t *testing.T) {
	clk := newFakeClock(minuteStart.Add(time.Second))
	sim := startSim(t, func(c *exchangesim.Config) { c.Now = clk.Now })
	reg := newRegistry(t, fakeOptions(clk))
	ep := reg.Endpoint(sim.urls())
	ctx := ctxTimeout(t)
	greedy := ep.NewShare("greedy", ShareLimits{WeightPerMinute: 10})
	modest := ep.NewShare("modest", ShareLimits{WeightPerMinute: 10})

	done := make(chan error, 1)
	go func() {
		for range 15 {
			if err := ep.Ping(ctx, CallPolicy{Share: greedy}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	waitUntil(t, "the greedy bot to wait for its share", func() bool {
		st := greedy.State()
		return st.Waits == 1 && st.UsedWeight1m == 10 && clk.Sleepers() == 1
	})
	for i := range 5 {
		if err := ep.Ping(ctx, CallPolicy{Share: modest}); err != nil {
			t.Fatalf("modest ping %d: %v", i, err)
		}
	}
	if got := sim.requests(t, "/api/v3/ping"); got != 15 {
		t.Fatalf("%d pings sent, want 10 (greedy, then capped) + 5 (modest)", got)
	}
	if st := modest.State(); st.UsedWeight1m != 5 || st.Waits != 0 {
		t.Fatalf("modest share %+v, want 5 used and no waits", st)
	}
	clk.Advance(time.Minute)
	if err := <-done; err != nil {
		t.Fatalf("greedy bot: %v", err)
	}
	if got := sim.requests(t, "/api/v3/ping"); got != 20 {
		t.Fatalf("%d pings sent, want 20", got)
	}
	if st := greedy.State(); st.UsedWeight1m != 5 || st.WeightLimit1m != 10 || st.Owner != "greedy" {
		t.Fatalf("greedy share in its second minute: %+v, want 5 of 10 used", st)
	}
}

// TestContinuedDemandIsNeverThrottled: callers that always want more than
// the budget spend it, minute after minute, and never earn a 429 or a 418.
// The simulator and the registry share a clock the test moves a second at
// a time whenever every caller is waiting.
func TestContinuedDemandIsNeverThrottled(t *testing.T) {
	const (
		limit   = 120
		workers = 8
		minutes = 3
	)
	clk := newFakeClock(minuteStart)
	sim := startSim(t, func(c *exchangesim.Config) { c.WeightLimit = limit; c.Now = clk.Now })
	reg := newRegistry(t, fakeOptions(clk))
	ep := reg.Endpoint(sim.urls())
	if _, err := ep.ExchangeInfo(ctxTimeout(t), CallPolicy{}); err != nil {
		t.Fatal(err)
	}

	ctx, stop := context.WithCancel(context.Background())
	var ok, failed atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				switch err := ep.Ping(ctx, CallPolicy{}); {
				case err == nil:
					ok.Add(1)
				case ClassOf(err) != ClassCanceled:
					failed.Add(1)
				}
			}
		})
	}
	var perMinute []int
	for s := 1; s <= minutes*60; s++ {
		waitUntil(t, "every worker to wait for the budget", func() bool { return clk.Sleepers() == workers })
		if s%60 == 0 {
			perMinute = append(perMinute, sim.usedWeight(t))
		}
		clk.Advance(time.Second)
	}
	stop()
	wg.Wait()

	stats := sim.stats(t)
	if stats.RateLimited429 != 0 || stats.Banned418 != 0 || failed.Load() != 0 {
		t.Fatalf("%d×429, %d×418, %d failed calls; want none", stats.RateLimited429, stats.Banned418, failed.Load())
	}
	allowed := int(limit * 0.95)
	for i, used := range perMinute {
		if used > allowed || used < allowed*9/10 {
			t.Errorf("minute %d: the simulator charged %d weight, want between %d and %d", i, used, allowed*9/10, allowed)
		}
	}
	if st := ep.State(); st.Waits == 0 || st.Throttled != 0 {
		t.Fatalf("state %+v: want waits on our own budget and nothing throttled", st)
	}
	t.Logf("%d pings in %d minutes, weight per minute %v (limit %d)", ok.Load(), minutes, perMinute, limit)
}

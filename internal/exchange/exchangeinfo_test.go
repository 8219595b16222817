package exchange

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/adshao/go-binance/v2"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// TestExchangeInfoSharedAndCached: concurrent callers share one request;
// the answer is cached for the TTL and sets the endpoint's limits.
func TestExchangeInfoSharedAndCached(t *testing.T) {
	clk := newFakeClock(minuteStart)
	sim := startSim(t, func(c *exchangesim.Config) {
		c.Now = clk.Now
		c.WeightLimit, c.OrderLimit10s, c.OrderLimitDay = 1234, 7, 5000
	})
	opts := fakeOptions(clk)
	opts.ExchangeInfoTTL = time.Minute
	reg := newRegistry(t, opts)
	ep := reg.Endpoint(sim.urls())
	ctx := ctxTimeout(t)

	if st := ep.State(); st.WeightLimit1m != 6000 || st.OrderLimit10s != 100 {
		t.Fatalf("before exchangeInfo: limits %d and %d, want Binance's 6000 and 100", st.WeightLimit1m, st.OrderLimit10s)
	}
	const callers = 50
	infos := make([]*binance.ExchangeInfo, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			var err error
			if infos[i], err = ep.ExchangeInfo(ctx, CallPolicy{}); err != nil {
				t.Errorf("caller %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	for i, info := range infos {
		if info != infos[0] {
			t.Fatalf("caller %d got another answer than caller 0", i)
		}
	}
	if n := sim.requests(t, pathExchangeInfo); n != 1 {
		t.Fatalf("%d exchangeInfo requests for %d concurrent callers, want 1", n, callers)
	}
	st := ep.State()
	if st.WeightLimit1m != 1234 || st.OrderLimit10s != 7 {
		t.Fatalf("limits %d and %d, want 1234 and 7 from exchangeInfo", st.WeightLimit1m, st.OrderLimit10s)
	}
	if as := reg.Account(ep, demoCreds()).State(); as.OrderLimitDay != 5000 {
		t.Fatalf("account's daily order limit %d, want 5000", as.OrderLimitDay)
	}

	clk.Advance(59 * time.Second)
	if _, err := ep.ExchangeInfo(ctx, CallPolicy{}); err != nil || sim.requests(t, pathExchangeInfo) != 1 {
		t.Fatalf("within the TTL: err %v, %d requests; want the cached answer", err, sim.requests(t, pathExchangeInfo))
	}
	clk.Advance(time.Second)
	if _, err := ep.ExchangeInfo(ctx, CallPolicy{}); err != nil || sim.requests(t, pathExchangeInfo) != 2 {
		t.Fatalf("after the TTL: err %v, %d requests; want a second request", err, sim.requests(t, pathExchangeInfo))
	}
}

func TestSymbols(t *testing.T) {
	cfgs := exchangesim.DefaultSymbolConfigs()[:3]
	cfgs[2].Spec.Status = "BREAK"
	sim := startSim(t, func(c *exchangesim.Config) { c.Symbols = cfgs })
	reg := newRegistry(t, RegistryOptions{})
	ep := reg.Endpoint(sim.urls())
	unknown, notTrading, err := ep.Symbols(ctxTimeout(t), CallPolicy{},
		[]string{"BTCUSDT", "NOPEUSDT", cfgs[2].Spec.Symbol, "AAAUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"AAAUSDT", "NOPEUSDT"}; !slices.Equal(unknown, want) {
		t.Fatalf("unknown = %v, want %v", unknown, want)
	}
	if want := []string{cfgs[2].Spec.Symbol}; !slices.Equal(notTrading, want) {
		t.Fatalf("not trading = %v, want %v", notTrading, want)
	}
}

// TestExchangeInfoCallerLeaves: the shared request outlives a caller that
// gives up while another still waits, and is canceled when none is left.
func TestExchangeInfoCallerLeaves(t *testing.T) {
	sim := startSim(t, nil)
	reg := newRegistry(t, RegistryOptions{})
	ep := reg.Endpoint(sim.urls())
	sim.setFaults(t, `{"restLatencyMs": 300}`)

	patient := make(chan error, 1)
	go func() {
		_, err := ep.ExchangeInfo(ctxTimeout(t), CallPolicy{})
		patient <- err
	}()
	waitUntil(t, "the patient caller's request to arrive", func() bool { return sim.requests(t, pathExchangeInfo) == 1 })
	short, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := ep.ExchangeInfo(short, CallPolicy{}); ClassOf(err) != ClassCanceled {
		t.Fatalf("caller past its deadline: %v, want class canceled", err)
	}
	if err := <-patient; err != nil {
		t.Fatalf("patient caller: %v", err)
	}
	if n := sim.requests(t, pathExchangeInfo); n != 1 {
		t.Fatalf("%d exchangeInfo requests, want 1", n)
	}
}

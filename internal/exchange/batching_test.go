package exchange

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// TestPricesCoalesced: a hundred bots asking for prices at once cost one
// ticker/price request (and one exchangeInfo, to check the symbols), and
// all get the same answer.
func TestPricesCoalesced(t *testing.T) {
	sim := startSim(t, nil)
	reg := newRegistry(t, RegistryOptions{PriceTTL: time.Hour})
	ep := reg.Endpoint(sim.urls())
	symbols := []string{"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "BTCUSDT"}
	ctx := ctxTimeout(t)

	const bots = 100
	results := make([]map[string]decimal.Decimal, bots)
	errs := make([]error, bots)
	var wg sync.WaitGroup
	for i := range bots {
		wg.Go(func() {
			results[i], errs[i] = ep.Prices(ctx, CallPolicy{BatchWait: 20 * time.Millisecond}, symbols)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("bot %d: %v", i, err)
		}
	}
	want := results[0]
	if len(want) != 4 {
		t.Fatalf("prices %v, want 4 symbols", want)
	}
	for sym, p := range want {
		if !p.IsPositive() {
			t.Fatalf("price of %s = %s", sym, p)
		}
	}
	for i, got := range results {
		if len(got) != len(want) {
			t.Fatalf("bot %d got %v, want %v", i, got, want)
		}
		for sym, p := range want {
			if !got[sym].Equal(p) {
				t.Fatalf("bot %d: %s = %s, want %s", i, sym, got[sym], p)
			}
		}
	}
	stats := sim.stats(t)
	if stats.Requests["/api/v3/ticker/price"] != 1 || stats.Requests["/api/v3/exchangeInfo"] != 1 {
		t.Fatalf("requests %v, want one ticker/price and one exchangeInfo", stats.Requests)
	}
	if stats.UsedWeight["127.0.0.1"] != 24 {
		t.Fatalf("weight charged %d, want 24 (exchangeInfo 20 + one list of prices 4)", stats.UsedWeight["127.0.0.1"])
	}
	if got := ep.State().Coalesced; got != bots-1 {
		t.Fatalf("State().Coalesced = %d, want %d", got, bots-1)
	}
}

// TestPricesCache: a price fetched in the last PriceTTL is served from the
// cache; after that it is fetched again. BatchWait < 0 sends at once, so
// the steps are exact.
func TestPricesCache(t *testing.T) {
	clk := newFakeClock(minuteStart)
	sim := startSim(t, func(c *exchangesim.Config) { c.Now = clk.Now })
	opts := fakeOptions(clk)
	opts.PriceTTL = 2 * time.Second
	reg := newRegistry(t, opts)
	ep := reg.Endpoint(sim.urls())
	p := CallPolicy{BatchWait: -1}
	ctx := ctxTimeout(t)

	steps := []struct {
		name       string
		advance    time.Duration
		symbols    []string
		wantSent   int64
		wantWeight int
	}{
		{"first", 0, []string{"BTCUSDT", "ETHUSDT"}, 1, 20 + 4},
		{"subset, cached", time.Second, []string{"ETHUSDT"}, 1, 24},
		{"one more symbol: only it is fetched", 0, []string{"ETHUSDT", "BNBUSDT"}, 2, 24 + 2},
		{"expired", 2 * time.Second, []string{"BTCUSDT", "BNBUSDT"}, 3, 26 + 4},
	}
	for _, s := range steps {
		clk.Advance(s.advance)
		got, err := ep.Prices(ctx, p, s.symbols)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if len(got) != len(s.symbols) {
			t.Fatalf("%s: got %v for %v", s.name, got, s.symbols)
		}
		if n := sim.requests(t, "/api/v3/ticker/price"); n != s.wantSent {
			t.Fatalf("%s: %d ticker/price requests, want %d", s.name, n, s.wantSent)
		}
		if w := sim.usedWeight(t); w != s.wantWeight {
			t.Fatalf("%s: weight %d, want %d", s.name, w, s.wantWeight)
		}
	}
}

// TestPricesRefuseUnknownSymbols: an unknown symbol would make Binance
// refuse the whole shared request, so it is refused before.
func TestPricesRefuseUnknownSymbols(t *testing.T) {
	sim := startSim(t, nil)
	reg := newRegistry(t, RegistryOptions{})
	ep := reg.Endpoint(sim.urls())
	_, err := ep.Prices(ctxTimeout(t), CallPolicy{}, []string{"BTCUSDT", "NOPEUSDT"})
	if xe := errorOf(t, err); xe.Class != ClassRejected || xe.Code != codeBadSymbol {
		t.Fatalf("error %+v, want rejected -1121", xe)
	}
	if n := sim.requests(t, "/api/v3/ticker/price"); n != 0 {
		t.Fatalf("%d ticker/price requests, want 0", n)
	}
}

// TestTickers24hChunks: 24 h tickers go in requests of at most 20 symbols
// (weight 2 each) or fewer if BatchMax says so.
func TestTickers24hChunks(t *testing.T) {
	extra := extraSymbols(25)
	sim := startSim(t, func(c *exchangesim.Config) { c.Symbols = extra })
	symbols := symbolNames(extra)
	tests := []struct {
		batchMax   int
		wantSent   int64
		wantWeight int
	}{
		{0, 2, 2 * 2},   // 20 + 5
		{10, 3, 3 * 2},  // 10 + 10 + 5
		{100, 2, 2 * 2}, // never more than 20
	}
	for _, tt := range tests {
		reg := NewRegistry(RegistryOptions{})
		ep := reg.Endpoint(sim.urls())
		ctx := ctxTimeout(t)
		if _, err := ep.ExchangeInfo(ctx, CallPolicy{}); err != nil {
			t.Fatal(err)
		}
		before, weightBefore := sim.requests(t, "/api/v3/ticker/24hr"), sim.usedWeight(t)
		got, err := ep.Tickers24h(ctx, CallPolicy{BatchWait: -1, BatchMax: tt.batchMax}, symbols)
		reg.Close()
		if err != nil {
			t.Fatalf("BatchMax %d: %v", tt.batchMax, err)
		}
		if len(got) != len(symbols) {
			t.Fatalf("BatchMax %d: %d tickers, want %d", tt.batchMax, len(got), len(symbols))
		}
		for _, s := range symbols {
			tk := got[s]
			if tk.Symbol != s || !tk.LastPrice.IsPositive() || tk.HighPrice.LessThan(tk.LowPrice) || tk.CloseTime.Before(tk.OpenTime) {
				t.Fatalf("ticker of %s: %+v", s, tk)
			}
		}
		if n := sim.requests(t, "/api/v3/ticker/24hr") - before; n != tt.wantSent {
			t.Fatalf("BatchMax %d: %d ticker/24hr requests, want %d", tt.batchMax, n, tt.wantSent)
		}
		if w := sim.usedWeight(t) - weightBefore; w != tt.wantWeight {
			t.Fatalf("BatchMax %d: weight %d, want %d", tt.batchMax, w, tt.wantWeight)
		}
	}
}

// TestCoalescedCallerLeaves: a caller that gives up while its batch waits
// does not fail the others in it; when every caller has left, the request
// is not sent.
func TestCoalescedCallerLeaves(t *testing.T) {
	clk := newFakeClock(minuteStart)
	sim := startSim(t, func(c *exchangesim.Config) { c.Now = clk.Now })
	reg := newRegistry(t, fakeOptions(clk))
	ep := reg.Endpoint(sim.urls())
	if _, err := ep.ExchangeInfo(ctxTimeout(t), CallPolicy{}); err != nil {
		t.Fatal(err)
	}
	p := CallPolicy{BatchWait: time.Second}

	quitter, quit := context.WithCancel(context.Background())
	quitterErr := make(chan error, 1)
	go func() {
		_, err := ep.Prices(quitter, p, []string{"BTCUSDT"})
		quitterErr <- err
	}()
	waitUntil(t, "the batch to wait", func() bool { return clk.Sleepers() == 1 })
	stayer := make(chan error, 1)
	go func() {
		_, err := ep.Prices(ctxTimeout(t), p, []string{"BTCUSDT"})
		stayer <- err
	}()
	waitUntil(t, "the second caller to join", func() bool { return ep.State().Coalesced == 1 })
	quit()
	if err := <-quitterErr; ClassOf(err) != ClassCanceled {
		t.Fatalf("caller that left: %v, want class canceled", err)
	}
	clk.Advance(time.Second)
	if err := <-stayer; err != nil {
		t.Fatalf("caller that stayed: %v", err)
	}

	// Everyone leaves: the batch is abandoned before it is sent.
	clk.Advance(time.Hour)
	alone, leave := context.WithCancel(context.Background())
	aloneErr := make(chan error, 1)
	go func() {
		_, err := ep.Prices(alone, p, []string{"ETHUSDT"})
		aloneErr <- err
	}()
	waitUntil(t, "the lone batch to wait", func() bool { return clk.Sleepers() >= 1 })
	leave()
	if err := <-aloneErr; ClassOf(err) != ClassCanceled {
		t.Fatalf("lone caller: %v, want class canceled", err)
	}
	reg.Close() // waits for the abandoned batch's goroutine
	if n := sim.requests(t, "/api/v3/ticker/price"); n != 1 {
		t.Fatalf("%d ticker/price requests, want 1 (the abandoned batch sends nothing)", n)
	}
}

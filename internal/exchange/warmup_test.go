package exchange

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// heldTransport counts the requests for one path inside RoundTrip at once
// and, while gate is open (not closed), holds them there.
type heldTransport struct {
	base     http.RoundTripper
	path     string
	gate     chan struct{} // nil: requests are never held
	inFlight atomic.Int64
	most     atomic.Int64
}

func (h *heldTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path != h.path {
		return h.base.RoundTrip(req)
	}
	n := h.inFlight.Add(1)
	defer h.inFlight.Add(-1)
	for m := h.most.Load(); n > m && !h.most.CompareAndSwap(m, n); m = h.most.Load() {
	}
	if h.gate != nil {
		select {
		case <-h.gate:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	return h.base.RoundTrip(req)
}

// heldRegistry returns a registry on clk whose klines requests go through
// a heldTransport (gated if gated).
func heldRegistry(t testing.TB, clk *fakeClock, gated bool) (*Registry, *heldTransport) {
	t.Helper()
	base := NewTransport(TransportOptions{})
	t.Cleanup(base.CloseIdleConnections) // runs after the registry's Close
	h := &heldTransport{base: base, path: pathKlines}
	if gated {
		h.gate = make(chan struct{})
	}
	opts := fakeOptions(clk)
	opts.Transport = h
	return newRegistry(t, opts), h
}

// restKlines reads the simulator's klines of symbol and interval as it
// sends them (strings and numbers), bypassing this package.
func (s *simEnv) restKlines(t testing.TB, symbol, interval string) [][]any {
	t.Helper()
	res, err := s.admin.Get(fmt.Sprintf("%s%s?symbol=%s&interval=%s&limit=1000", s.srv.URL, pathKlines, symbol, interval))
	if err != nil {
		t.Fatalf("reading klines: %v", err)
	}
	defer res.Body.Close()
	dec := json.NewDecoder(res.Body)
	dec.UseNumber()
	var rows [][]any
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("decoding klines: %v", err)
	}
	return rows
}

// sameKlines fails unless got are the rows, field by field.
func sameKlines(t testing.TB, got []Kline, rows [][]any) {
	t.Helper()
	if len(got) != len(rows) {
		t.Fatalf("%d klines, want %d", len(got), len(rows))
	}
	for i, k := range got {
		r := rows[i]
		ms := func(j int) int64 {
			v, err := r[j].(json.Number).Int64()
			if err != nil {
				t.Fatalf("row %d item %d: %v", i, j, err)
			}
			return v
		}
		dec := func(j int) decimal.Decimal { return decimal.RequireFromString(r[j].(string)) }
		if k.OpenTime.UnixMilli() != ms(0) || k.CloseTime.UnixMilli() != ms(6) || k.Trades != ms(8) ||
			!k.Open.Equal(dec(1)) || !k.High.Equal(dec(2)) || !k.Low.Equal(dec(3)) || !k.Close.Equal(dec(4)) ||
			!k.Volume.Equal(dec(5)) || !k.QuoteVolume.Equal(dec(7)) ||
			!k.TakerBuyVolume.Equal(dec(9)) || !k.TakerBuyQuoteVolume.Equal(dec(10)) {
			t.Fatalf("kline %d = %+v, want %v", i, k, r)
		}
	}
}

// warmAll has bots callers ask for klines at once; bot i asks for
// symbol(i) and n(i) klines. It returns the first error.
func warmAll(ctx context.Context, ep *Endpoint, bots int, now time.Time, symbol func(int) string, n func(int) int) ([][]Kline, error) {
	out := make([][]Kline, bots)
	errs := make([]error, bots)
	var wg sync.WaitGroup
	for i := range bots {
		wg.Go(func() {
			out[i], errs[i] = ep.RecentClosedKlines(ctx, CallPolicy{}, symbol(i), "1m", n(i), now)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("bot %d: %w", i, err)
		}
	}
	return out, nil
}

// newestOpen is when the newest of ks opens (the zero time if none).
func newestOpen(ks []Kline) time.Time {
	if len(ks) == 0 {
		return time.Time{}
	}
	return ks[len(ks)-1].OpenTime
}

// TestRecentClosedKlinesShared: a thousand bots on one series cost one
// request per kline period, get the simulator's closed klines and never the
// open one; after the next close they cost one more.
func TestRecentClosedKlinesShared(t *testing.T) {
	clk := newFakeClock(minuteStart.Add(30 * time.Second))
	sim := startSim(t, func(c *exchangesim.Config) { c.Now = clk.Now })
	reg := newRegistry(t, fakeOptions(clk))
	ep := reg.Endpoint(sim.urls())
	const bots = 1000
	btc := func(int) string { return "BTCUSDT" }
	wantN := func(i int) int { return 1 + i%50 }

	round := func(name string, wantRequests int64, wantNewest time.Time) [][]Kline {
		t.Helper()
		got, err := warmAll(ctxTimeout(t), ep, bots, clk.Now(), btc, wantN)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := sim.requests(t, pathKlines); n != wantRequests {
			t.Fatalf("%s: %d klines requests, want %d", name, n, wantRequests)
		}
		for i, ks := range got {
			if len(ks) != wantN(i) || !newestOpen(ks).Equal(wantNewest) || !ks[len(ks)-1].CloseTime.Before(clk.Now()) {
				t.Fatalf("%s: bot %d got %d klines, the newest opening at %v; want %d, the newest opening at %v",
					name, i, len(ks), newestOpen(ks), wantN(i), wantNewest)
			}
		}
		return got
	}

	round("first", 1, minuteStart.Add(-time.Minute))
	rows := sim.restKlines(t, "BTCUSDT", "1m") // request 2
	if open := rows[len(rows)-1][0].(json.Number).String(); open != fmt.Sprint(minuteStart.UnixMilli()) {
		t.Fatalf("the simulator's newest kline opens at %s, want the open one at %v", open, minuteStart)
	}

	clk.Advance(20 * time.Second)
	got := round("same period", 2, minuteStart.Add(-time.Minute))
	sameKlines(t, got[49], rows[len(rows)-51:len(rows)-1])

	// The kline open until now has closed: one more request, and it is in.
	clk.Advance(time.Minute)
	sim.sim.Step(clk.Now())
	got = round("next period", 3, minuteStart)
	rows = sim.restKlines(t, "BTCUSDT", "1m") // request 4
	sameKlines(t, got[49], rows[len(rows)-51:len(rows)-1])

	// More than there are: every closed kline, from the cache, which holds
	// all that a request brought whatever its callers asked for.
	for i, wantRequests := range []int64{4, 4} {
		all, err := ep.RecentClosedKlines(ctxTimeout(t), CallPolicy{}, "BTCUSDT", "1m", MaxRecentKlines+i, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		sameKlines(t, all, rows[:len(rows)-1])
		if n := sim.requests(t, pathKlines); n != wantRequests {
			t.Fatalf("all the klines, call %d: %d klines requests, want %d", i, n, wantRequests)
		}
	}
	// Every call but the two that made the rounds' requests.
	if got, want := ep.State().Coalesced, int64(3*bots+2-2); got != want {
		t.Fatalf("State().Coalesced = %d, want %d", got, want)
	}
}

// TestRecentClosedKlinesLaggingExchange: when our clock says a kline has
// closed but the exchange has not started the next one, its newest kline is
// not trusted to be closed, and the answer is not cached.
func TestRecentClosedKlinesLaggingExchange(t *testing.T) {
	clk := newFakeClock(minuteStart.Add(30 * time.Second))
	sim := startSim(t, func(c *exchangesim.Config) { c.Now = clk.Now })
	reg := newRegistry(t, fakeOptions(clk))
	ep := reg.Endpoint(sim.urls())
	clk.Advance(time.Minute) // the simulator is not stepped: its kline at minuteStart stays open
	for i := range 2 {
		ks, err := ep.RecentClosedKlines(ctxTimeout(t), CallPolicy{}, "BTCUSDT", "1m", 3, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(ks) != 3 || !newestOpen(ks).Equal(minuteStart.Add(-time.Minute)) {
			t.Fatalf("call %d: %d klines, the newest opening at %v; want 3, the newest opening at %v",
				i, len(ks), newestOpen(ks), minuteStart.Add(-time.Minute))
		}
		if n := sim.requests(t, pathKlines); n != int64(i+1) {
			t.Fatalf("call %d: %d klines requests, want %d", i, n, i+1)
		}
	}
}

// TestRecentClosedKlinesManySeries: a thousand bots over 200 symbols cost
// one request per symbol, never more than WarmupConcurrency of them in
// flight, and no 429 or 418.
func TestRecentClosedKlinesManySeries(t *testing.T) {
	extra := extraSymbols(200)
	clk := newFakeClock(minuteStart.Add(30 * time.Second))
	sim := startSim(t, func(c *exchangesim.Config) { c.Symbols = extra; c.Now = clk.Now })
	names := symbolNames(extra)
	reg, held := heldRegistry(t, clk, true)
	ep := reg.Endpoint(sim.urls())

	var got [][]Kline
	var err error
	done := make(chan struct{})
	ctx := ctxTimeout(t)
	go func() {
		defer close(done)
		got, err = warmAll(ctx, ep, 1000, clk.Now(), func(i int) string { return names[i%len(names)] }, func(int) int { return 30 })
	}()
	// Every bot has joined a request before any is answered, so none
	// depends on the cache.
	waitUntil(t, "the bots to join", func() bool { return ep.State().Coalesced == 1000-int64(len(names)) })
	waitUntil(t, "the slots to fill", func() bool { return held.inFlight.Load() == defaultWarmupConcurrency })
	close(held.gate)
	<-done
	if err != nil {
		t.Fatal(err)
	}

	for i, ks := range got {
		if len(ks) != 30 || !newestOpen(ks).Equal(minuteStart.Add(-time.Minute)) {
			t.Fatalf("bot %d: %d klines, the newest opening at %v", i, len(ks), newestOpen(ks))
		}
		if i >= len(names) && !ks[0].Close.Equal(got[i%len(names)][0].Close) {
			t.Fatalf("bot %d got other klines than bot %d on the same symbol", i, i%len(names))
		}
	}
	st := sim.stats(t)
	if st.Requests[pathKlines] != int64(len(names)) || st.RateLimited429 != 0 || st.Banned418 != 0 {
		t.Fatalf("%d klines requests, %d 429s, %d 418s; want %d, 0, 0",
			st.Requests[pathKlines], st.RateLimited429, st.Banned418, len(names))
	}
	if most := held.most.Load(); most != defaultWarmupConcurrency {
		t.Fatalf("at most %d klines requests in flight, want %d", most, defaultWarmupConcurrency)
	}
}

// TestRecentClosedKlinesCallerLeaves: the caller that started a shared
// request gives up; the request goes on for the caller that joined it.
func TestRecentClosedKlinesCallerLeaves(t *testing.T) {
	clk := newFakeClock(minuteStart.Add(30 * time.Second))
	sim := startSim(t, func(c *exchangesim.Config) { c.Now = clk.Now })
	reg, held := heldRegistry(t, clk, true)
	ep := reg.Endpoint(sim.urls())
	now := clk.Now()

	quitter, quit := context.WithCancel(context.Background())
	quitterErr := make(chan error, 1)
	go func() {
		_, err := ep.RecentClosedKlines(quitter, CallPolicy{}, "ETHUSDT", "1m", 10, now)
		quitterErr <- err
	}()
	waitUntil(t, "the request to be sent", func() bool { return held.inFlight.Load() == 1 })
	stayer := make(chan []Kline, 1)
	stayerErr := make(chan error, 1)
	go func() {
		ks, err := ep.RecentClosedKlines(ctxTimeout(t), CallPolicy{}, "ETHUSDT", "1m", 20, now)
		stayer <- ks
		stayerErr <- err
	}()
	waitUntil(t, "the second caller to join", func() bool { return ep.State().Coalesced == 1 })
	quit()
	if err := <-quitterErr; ClassOf(err) != ClassCanceled {
		t.Fatalf("caller that left: %v, want class canceled", err)
	}
	close(held.gate)
	ks, err := <-stayer, <-stayerErr
	if err != nil {
		t.Fatalf("caller that stayed: %v", err)
	}
	if len(ks) != 20 || !newestOpen(ks).Equal(minuteStart.Add(-time.Minute)) {
		t.Fatalf("caller that stayed: %d klines, the newest opening at %v", len(ks), newestOpen(ks))
	}
	if n := sim.requests(t, pathKlines); n != 1 {
		t.Fatalf("%d klines requests, want 1", n)
	}
}

// TestRecentClosedKlinesRefusesBadArguments before any request.
func TestRecentClosedKlinesRefusesBadArguments(t *testing.T) {
	sim := startSim(t, nil)
	reg := newRegistry(t, RegistryOptions{})
	ep := reg.Endpoint(sim.urls())
	for _, tt := range []struct {
		interval string
		n        int
	}{{"1x", 10}, {"1m", 0}, {"1m", -1}} {
		_, err := ep.RecentClosedKlines(ctxTimeout(t), CallPolicy{}, "BTCUSDT", tt.interval, tt.n, time.Now())
		if xe := errorOf(t, err); xe.Class != ClassRejected {
			t.Fatalf("interval %q, n %d: %v, want class rejected", tt.interval, tt.n, err)
		}
	}
	if n := sim.requests(t, pathKlines); n != 0 {
		t.Fatalf("%d klines requests, want 0", n)
	}
}

// TestRecentClosedKlinesMalformed: an answer that is not a plain series of
// klines is an error, never a panic or a wrong series.
func TestRecentClosedKlinesMalformed(t *testing.T) {
	now := minuteStart.Add(30 * time.Second)
	row := func(open time.Time, o, h, l, c string) string {
		return fmt.Sprintf(`[%d,%q,%q,%q,%q,"1.5",%d,"150.0",7,"0.5","50.0","0"]`,
			open.UnixMilli(), o, h, l, c, open.Add(time.Minute-time.Millisecond).UnixMilli())
	}
	a, b, open := minuteStart.Add(-2*time.Minute), minuteStart.Add(-time.Minute), minuteStart
	good := row(a, "100", "110", "90", "105")
	tests := []struct {
		name, body string
		wantErr    string // "" for no error
	}{
		{"well formed", "[" + good + "," + row(b, "105", "106", "104", "104.5") + "," + row(open, "104.5", "104.5", "104.5", "104.5") + "]", ""},
		{"bad decimal", "[" + good + "," + row(b, "105", "106", "104", "1O4.5") + "," + row(open, "1", "1", "1", "1") + "]", "close"},
		{"out of order", "[" + row(b, "105", "106", "104", "104.5") + "," + good + "," + row(open, "1", "1", "1", "1") + "]", "not after kline 0 closes"},
		{"twice the same kline", "[" + good + "," + good + "," + row(open, "1", "1", "1", "1") + "]", "not after kline 0 closes"},
		{"high below low", "[" + row(a, "100", "90", "110", "100") + "]", "low 110 and high 90"},
		{"close outside the range", "[" + row(a, "100", "110", "90", "120") + "]", "outside its range"},
		{"price as a number", `[[` + fmt.Sprint(a.UnixMilli()) + `,100,110,90,105,"1",` + fmt.Sprint(b.UnixMilli()-1) + `,"1",1,"1","1","0"]]`, "low 0"},
		{"closes before it opens", `[[` + fmt.Sprint(a.UnixMilli()) + `,"100","110","90","105","1",` + fmt.Sprint(a.UnixMilli()-1) + `,"1",1,"1","1","0"]]`, "not after it opens"},
		{"short row", `[[1,"2"]]`, "invalid kline response"},
		{"not JSON", `[[`, "unexpected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, tt.body)
			}))
			defer srv.Close()
			reg := NewRegistry(RegistryOptions{})
			defer reg.Close()
			ep := reg.Endpoint(URLs{REST: srv.URL})
			ks, err := ep.RecentClosedKlines(ctxTimeout(t), CallPolicy{Retry: RetryPolicy{MaxAttempts: 1}}, "BTCUSDT", "1m", 5, now)
			if tt.wantErr == "" {
				if err != nil || len(ks) != 2 || !ks[1].Close.Equal(decimal.RequireFromString("104.5")) {
					t.Fatalf("got %+v, %v; want the two closed klines", ks, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %+v, %v; want an error about %q", ks, err, tt.wantErr)
			}
			if xe := errorOf(t, err); xe.Class != ClassTransient {
				t.Fatalf("error %v of class %v, want transient", err, xe.Class)
			}
		})
	}
}

// TestWarmCache: one period per series, the latest kept, expired series
// dropped first when full, then the one that expires soonest.
func TestWarmCache(t *testing.T) {
	at := minuteStart
	ks := func(n int) []Kline {
		out := make([]Kline, n)
		for i := range out {
			out[i].OpenTime = at.Add(time.Duration(i-n) * time.Minute)
		}
		return out
	}
	key := func(sym string, last int64) warmKey { return warmKey{series: seriesKey{sym, "1m"}, last: last} }
	c := newWarmCache(2)

	c.put(key("A", 10), warmEntry{klines: ks(5), expires: at.Add(time.Minute)}, at)
	if got, ok := c.get(key("A", 10), 3, at); !ok || len(got) != 3 || !got[2].OpenTime.Equal(at.Add(-time.Minute)) {
		t.Fatalf("A: %v, %v", got, ok)
	}
	if _, ok := c.get(key("A", 10), 6, at); ok {
		t.Fatal("A: more klines served than held")
	}
	if _, ok := c.get(key("A", 9), 3, at); ok {
		t.Fatal("A: served for another period")
	}
	if _, ok := c.get(key("A", 10), 3, at.Add(time.Minute)); ok {
		t.Fatal("A: served once expired")
	}
	c.put(key("A", 9), warmEntry{klines: ks(5), expires: at.Add(time.Hour)}, at)
	if _, ok := c.get(key("A", 10), 3, at); !ok {
		t.Fatal("A: an older period replaced a newer one")
	}
	c.put(key("A", 10), warmEntry{klines: ks(2), expires: at.Add(time.Minute)}, at)
	if _, ok := c.get(key("A", 10), 5, at); !ok {
		t.Fatal("A: fewer klines of the same period replaced more")
	}
	c.put(key("B", 10), warmEntry{klines: ks(2), all: true, expires: at.Add(2 * time.Minute)}, at)
	if got, ok := c.get(key("B", 10), 5, at); !ok || len(got) != 2 {
		t.Fatalf("B: every kline there is not served: %v, %v", got, ok)
	}
	c.put(key("C", 10), warmEntry{klines: ks(1), expires: at.Add(3 * time.Minute)}, at)
	if _, ok := c.get(key("A", 10), 1, at); ok || len(c.series) != 2 {
		t.Fatalf("full: A (expires soonest) kept, %d series", len(c.series))
	}
	later := at.Add(150 * time.Second) // B has expired, C has not
	c.put(key("D", 10), warmEntry{klines: ks(1), expires: later.Add(time.Hour)}, later)
	_, hasC := c.get(key("C", 10), 1, later)
	_, hasD := c.get(key("D", 10), 1, later)
	if !hasC || !hasD || len(c.series) != 2 {
		t.Fatalf("full with B expired: C %v, D %v, %d series", hasC, hasD, len(c.series))
	}
}

// BenchmarkFigureWarmup: after an operator restart, 1 000 bots on 50
// symbols, half on 1m klines and half on 15m, start in four waves over two
// simulated minutes (one 1m kline closes in between) and each warms up on
// 200 closed klines. Started alone, each bot would make its own request;
// the figure is how many the simulator saw for all of them.
func BenchmarkFigureWarmup(b *testing.B) {
	const bots, waves = 1000, 4
	symbols := extraSymbols(50)
	names := symbolNames(symbols)
	intervals := []string{"1m", "15m"}
	var requests, weight, most int64
	for range b.N {
		clk := newFakeClock(minuteStart.Add(time.Second))
		sim := startSim(b, func(c *exchangesim.Config) { c.Symbols = symbols; c.Now = clk.Now; c.History = 4 * time.Hour })
		reg, held := heldRegistry(b, clk, false)
		ep := reg.Endpoint(sim.urls())
		before := sim.stats(b)
		for wave := range waves {
			var wg sync.WaitGroup
			var failed atomic.Int64
			for i := wave * bots / waves; i < (wave+1)*bots/waves; i++ {
				wg.Go(func() {
					_, err := ep.RecentClosedKlines(context.Background(), CallPolicy{},
						names[i%len(names)], intervals[i/len(names)%len(intervals)], 200, clk.Now())
					if err != nil {
						failed.Add(1)
					}
				})
			}
			wg.Wait()
			if failed.Load() > 0 {
				b.Fatalf("wave %d: %d warm-ups failed", wave, failed.Load())
			}
			clk.Advance(30 * time.Second)
			sim.sim.Step(clk.Now())
		}
		after := sim.stats(b)
		requests = after.Requests[pathKlines] - before.Requests[pathKlines]
		weight = requests * weightKlines
		most = held.most.Load()
		if after.RateLimited429 != 0 || after.Banned418 != 0 {
			b.Fatalf("%d 429s and %d 418s", after.RateLimited429, after.Banned418)
		}
		reg.Close()
	}
	b.ReportMetric(float64(requests), "requests/1000_bots")
	fmt.Printf("warmup.requests_per_1000_bots: %d\nwarmup.weight_per_1000_bots: %d\nwarmup.most_requests_in_flight: %d\n", requests, weight, most)
}

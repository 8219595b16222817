package trading

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
	"github.com/tradebot-operator/tradebot-operator/internal/paperaccount"
	"github.com/tradebot-operator/tradebot-operator/internal/risk"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
	"github.com/tradebot-operator/tradebot-operator/internal/userdata"
)

// TestBenchFigures prints the executor's figures as "name: value" lines.
// It runs only with TRADING_BENCH=1:
//
//	TRADING_BENCH=1 go test -count=1 -run '^TestBenchFigures$' -v ./internal/trading/ | grep '^trading\.'
//
// Both figures are over real HTTP on the loopback to the simulator, which
// runs in the same process and shares the machine's cores with the bots.
//
// trading.signal_to_ack_p50_ms, trading.signal_to_ack_p99_ms: one bot, 200
// signals alternating BUY and SELL (MARKET, 20 USDT), each on its own
// kline, offered 110 ms apart so that each is handled alone and the
// account stays within the exchange's 100 orders per 10 s; from Offer to
// the executor publishing a snapshot whose Counts.Placed includes the
// order (the exchange's FULL answer read). The bot's user-data stream runs,
// as in the operator (it brings the balances a SELL is sized from). The
// executor's own ack
// histogram, which starts when the signal leaves the queue, is printed
// beside it (trading.signal_to_ack_hist_le_5ms_share).
//
// trading.burst_1000_all_acked_ms: 1000 executors, each on its own paper
// account, started and idle; one signal offered to each at the same moment
// (a loop of Offer calls); time until every executor has published its
// order as placed. trading.burst_1000_throttled: 429 and 418 answers the
// simulator gave during the burst. The bots share one registry, as in one
// operator process, so they share one IP's request weight. Starting 1000
// bots reads about 70 weight each (balances, trades, orders, open orders,
// the day's first kline), some 70 000 in all, against Binance's 6 000 per
// minute per IP: at the real limit the start alone takes over ten minutes.
// The simulator is therefore given a weight limit of 1 000 000 per minute
// for this figure (trading.burst_1000_weight_limit); the order limits stay
// Binance's (per account), and the burst itself spends one order per
// account and no weight on success. The burst's bots run no user-data
// stream (their BUYs are sized from the start balances), so the simulator
// does not also push 1000 streams' events during the burst.
func TestBenchFigures(t *testing.T) {
	if os.Getenv("TRADING_BENCH") != "1" {
		t.Log("set TRADING_BENCH=1 to print the benchmark figures")
		return
	}
	p50, p99, share := benchSignalToAck(t, 200)
	fmt.Printf("trading.signal_to_ack_p50_ms: %.2f\n", p50)
	fmt.Printf("trading.signal_to_ack_p99_ms: %.2f\n", p99)
	fmt.Printf("trading.signal_to_ack_hist_le_5ms_share: %.3f\n", share)
	const weightLimit = 1_000_000
	all, throttled := benchBurst(t, 1000, weightLimit)
	fmt.Printf("trading.burst_1000_all_acked_ms: %.1f\n", all)
	fmt.Printf("trading.burst_1000_throttled: %d\n", throttled)
	fmt.Printf("trading.burst_1000_weight_limit: %d\n", weightLimit)
}

func benchLimits() risk.Limits {
	return risk.Limits{MaxOrderQuote: decimal.NewFromInt(20), MaxPositionQuote: decimal.NewFromInt(5000),
		MaxDailyLossQuote: decimal.NewFromInt(1000), MaxOrdersPerMinute: 10000}
}

// benchSignalToAck returns the p50 and p99 in milliseconds, and the share
// of the executor's ack histogram at or below 5 ms.
func benchSignalToAck(t *testing.T, n int) (p50, p99, share float64) {
	cfg := exchangesim.DefaultConfig()
	cfg.History = time.Hour
	h := startSim(t, cfg)
	reg := exchange.NewRegistry(exchange.RegistryOptions{})
	t.Cleanup(reg.Close)
	ep := reg.Endpoint(h.urls())
	const uid = "be0c0000-0000-4000-8000-000000000001"
	creds := paperaccount.Credentials(uid)
	acct := reg.Account(ep, creds)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	ectx, ecancel := context.WithTimeout(ctx, 10*time.Second)
	defer ecancel()
	if _, err := paperaccount.Ensure(ectx, acct, creds, exchange.CallPolicy{}, paperaccount.Options{SimulatorURL: h.srv.URL}); err != nil {
		t.Fatal(err)
	}
	ps, err := ep.Prices(ectx, exchange.CallPolicy{}, []string{"BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	price := ps["BTCUSDT"]
	metrics, err := NewMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	placed := make(chan time.Time, n+1)
	var ex *Executor
	var seen atomic.Int64
	ex, err = New(Config{BotUID: uid, Name: "bench/ack", Symbols: []string{"BTCUSDT"}, Limits: benchLimits(), Metrics: metrics,
		Exchange: AccountExchange{Account: acct}, SignalMaxAge: time.Minute,
		Changed: func() {
			if c := ex.Snapshot().Counts.Placed; c > seen.Load() {
				seen.Store(c)
				placed <- time.Now()
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	// The user-data stream brings the balances a SELL is sized from.
	ud, err := userdata.New(userdata.Options{URL: h.wsAPI(), Credentials: creds, OnEvent: ex.OnUserData, OnSubscribed: ex.Resync})
	if err != nil {
		t.Fatal(err)
	}
	wg.Go(func() { _ = ex.Run(ctx) })
	wg.Go(func() { _ = ud.Run(ctx) })
	waitFor(t, "the executor to start", func() bool { return !ex.Snapshot().Starting && ud.Stats().Subscriptions > 0 })

	base := time.Now().UTC().Truncate(time.Minute).Add(-6 * time.Hour)
	lat := make([]float64, 0, n)
	next := time.Now()
	for i := range n {
		side := signal.Buy
		if i%2 == 1 {
			side = signal.Sell
		}
		time.Sleep(time.Until(next))
		next = next.Add(110 * time.Millisecond)
		s := sig("BTCUSDT", side, price, base.Add(time.Duration(i)*time.Minute))
		at := time.Now()
		if !ex.Offer(signal.Prepare(s)) {
			t.Fatal("offer refused")
		}
		select {
		case done := <-placed:
			lat = append(lat, float64(done.Sub(at).Microseconds())/1000)
		case <-time.After(10 * time.Second):
			t.Fatalf("signal %d (%s) not placed within 10 s; counts %+v", i, side, ex.Snapshot().Counts)
		}
	}
	slices.Sort(lat)
	var m dto.Metric
	if err := metrics.ack.Write(&m); err != nil {
		t.Fatal(err)
	}
	hist := m.GetHistogram()
	for _, b := range hist.GetBucket() {
		if b.GetUpperBound() == 5e-3 {
			share = float64(b.GetCumulativeCount()) / float64(hist.GetSampleCount())
		}
	}
	t.Logf("signal to ack over %d signals: min %.2f ms, p50 %.2f, p90 %.2f, p99 %.2f, max %.2f; histogram: %d samples",
		len(lat), lat[0], quantile(lat, 0.5), quantile(lat, 0.9), quantile(lat, 0.99), lat[len(lat)-1], hist.GetSampleCount())
	return quantile(lat, 0.5), quantile(lat, 0.99), share
}

// quantile of sorted values, nearest rank.
func quantile(sorted []float64, q float64) float64 {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// benchBurst returns the milliseconds until all n executors had their
// order acknowledged, and the 429s and 418s the simulator gave meanwhile.
func benchBurst(t *testing.T, n, weightLimit int) (float64, int64) {
	cfg := exchangesim.DefaultConfig()
	cfg.History = time.Hour
	cfg.WeightLimit = weightLimit
	uids := make([]string, n)
	for i := range uids {
		uids[i] = fmt.Sprintf("be0c0001-0000-4000-8000-%012d", i)
		c := paperaccount.Credentials(uids[i])
		cfg.Accounts = append(cfg.Accounts, exchangesim.AccountSpec{APIKey: c.APIKey, SecretKey: c.Secret, Balances: paperaccount.DefaultBalances()})
	}
	h := startSim(t, cfg)
	reg := exchange.NewRegistry(exchange.RegistryOptions{})
	t.Cleanup(reg.Close)
	ep := reg.Endpoint(h.urls())
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
	defer pcancel()
	ps, err := ep.Prices(pctx, exchange.CallPolicy{}, []string{"BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	price := ps["BTCUSDT"]

	var acked atomic.Int64
	allAcked := make(chan time.Time, 1)
	execs := make([]*Executor, n)
	for i, uid := range uids {
		var once atomic.Bool
		var ex *Executor
		ex, err = New(Config{BotUID: uid, Name: "bench/burst", Symbols: []string{"BTCUSDT"}, Limits: benchLimits(),
			Exchange: AccountExchange{Account: reg.Account(ep, paperaccount.Credentials(uid))}, SignalMaxAge: time.Minute,
			Changed: func() {
				if ex.Snapshot().Counts.Placed > 0 && once.CompareAndSwap(false, true) && acked.Add(1) == int64(n) {
					allAcked <- time.Now()
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		execs[i] = ex
		wg.Go(func() { _ = ex.Run(ctx) })
	}
	startAt := time.Now()
	deadline := time.Now().Add(5 * time.Minute)
	for _, ex := range execs {
		for s := ex.Snapshot(); s.Starting; s = ex.Snapshot() {
			if s.Error != "" || time.Now().After(deadline) {
				t.Fatalf("an executor did not start: %q", s.Error)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	st0 := h.sim.Stats()
	t.Logf("%d executors started in %s; simulator requests so far %v", n, time.Since(startAt).Round(time.Millisecond), st0.Requests)
	time.Sleep(time.Second) // let the start-up traffic drain

	st0 = h.sim.Stats()
	open := time.Now().UTC().Truncate(time.Minute).Add(-time.Hour)
	prepared := make([]signal.Prepared, n)
	for i := range prepared {
		prepared[i] = signal.Prepare(sig("BTCUSDT", signal.Buy, price, open))
	}
	t0 := time.Now()
	for i, ex := range execs {
		if !ex.Offer(prepared[i]) {
			t.Fatal("offer refused")
		}
	}
	var end time.Time
	select {
	case end = <-allAcked:
	case <-time.After(time.Minute):
		t.Fatalf("%d of %d executors acknowledged within a minute", acked.Load(), n)
	}
	st1 := h.sim.Stats()
	throttled := st1.RateLimited429 - st0.RateLimited429 + st1.Banned418 - st0.Banned418
	t.Logf("burst: %d orders placed by the simulator, offers took %s", st1.Orders.Placed-st0.Orders.Placed, time.Since(t0).Round(time.Millisecond))
	return float64(end.Sub(t0).Microseconds()) / 1000, throttled
}

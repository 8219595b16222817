package trading

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"go.uber.org/goleak"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
	"github.com/tradebot-operator/tradebot-operator/internal/ordersize"
	"github.com/tradebot-operator/tradebot-operator/internal/paperaccount"
	"github.com/tradebot-operator/tradebot-operator/internal/risk"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
	"github.com/tradebot-operator/tradebot-operator/internal/userdata"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const waitTimeout = 30 * time.Second

type env struct {
	srv   *httptest.Server
	sim   *exchangesim.Simulator
	reg   *exchange.Registry
	ep    *exchange.Endpoint
	creds exchange.Credentials
	acct  *exchange.Account
}

func startEnv(t *testing.T, uid string) *env {
	t.Helper()
	cfg := exchangesim.DefaultConfig()
	cfg.History = time.Hour
	sim, err := exchangesim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	ctx, cancel := context.WithCancel(context.Background())
	simDone := make(chan struct{})
	go func() { defer close(simDone); _ = sim.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-simDone; srv.Close(); sim.Close() })
	reg := exchange.NewRegistry(exchange.RegistryOptions{})
	t.Cleanup(reg.Close)
	e := &env{srv: srv, sim: sim, reg: reg, creds: paperaccount.Credentials(uid)}
	e.ep = reg.Endpoint(exchange.URLs{REST: srv.URL, Stream: "ws" + strings.TrimPrefix(srv.URL, "http")})
	e.acct = reg.Account(e.ep, e.creds)
	cctx, ccancel := context.WithTimeout(context.Background(), waitTimeout)
	defer ccancel()
	if _, err := paperaccount.Ensure(cctx, e.acct, e.creds, exchange.CallPolicy{}, paperaccount.Options{SimulatorURL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	return e
}

func limits() risk.Limits {
	return risk.Limits{MaxOrderQuote: decimal.NewFromInt(100), MaxPositionQuote: decimal.NewFromInt(1000),
		MaxDailyLossQuote: decimal.NewFromInt(100), MaxOrdersPerMinute: 10}
}

// runExecutor runs an executor and a user-data client feeding it, until
// the test ends.
func runExecutor(t *testing.T, e *env, cfg Config) *Executor {
	t.Helper()
	cfg.Exchange = AccountExchange{Account: e.acct}
	ex, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ud, err := userdata.New(userdata.Options{URL: strings.Replace(e.srv.URL, "http", "ws", 1) + "/ws-api/v3", Credentials: e.creds,
		OnEvent: ex.OnUserData, OnSubscribed: ex.Resync})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := ex.Run(ctx); err != nil {
			t.Errorf("executor: %v", err)
		}
	})
	wg.Go(func() { _ = ud.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return ex
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func filtersOf(t *testing.T, e *env, symbol string) ordersize.Filters {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	f, err := AccountExchange{Account: e.acct}.Filters(ctx, symbol)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func lastClose(t *testing.T, e *env, symbol string) (decimal.Decimal, time.Time) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	ks, err := e.ep.Klines(ctx, exchange.CallPolicy{}, symbol, "1m", time.Time{}, 2)
	if err != nil || len(ks) == 0 {
		t.Fatalf("klines: %v", err)
	}
	return ks[0].Close, ks[0].OpenTime
}

func sig(symbol string, side signal.Side, price decimal.Decimal, open time.Time) signal.Signal {
	return signal.Signal{Symbol: symbol, Side: side, Confidence: 0.9, Price: price, KlineOpen: open,
		KlineClose: open.Add(time.Minute - time.Millisecond), Strategy: "SMACrossover"}.WithReason("test")
}

// TestBuyThenSell: a BUY signal gives one MARKET order within
// maxOrderQuote; its fills make a position; a SELL signal sells it all;
// the ledger's realized PnL equals what the exchange's own trades give.
func TestBuyThenSell(t *testing.T) {
	t.Parallel()
	const uid = "5a0c1b1e-0000-4000-8000-000000000001"
	e := startEnv(t, uid)
	store := signal.NewStore(signal.StoreOptions{})
	ex := runExecutor(t, e, Config{BotUID: uid, Name: "ns/bot", Symbols: []string{"BTCUSDT"}, Limits: limits(), Store: store})
	waitFor(t, "the executor to start", func() bool { s := ex.Snapshot(); return !s.Starting || s.Error != "" })
	if s := ex.Snapshot(); s.Error != "" {
		t.Fatal(s.Error)
	}

	price, open := lastClose(t, e, "BTCUSDT")
	buy := sig("BTCUSDT", signal.Buy, price, open)
	store.Put(buy)
	if !ex.Offer(signal.Prepare(buy)) {
		t.Fatal("offer refused")
	}
	waitFor(t, "a filled buy", func() bool { s := ex.Snapshot(); return s.Counts.Filled == 1 })
	s := ex.Snapshot()
	pos := s.Ledger.Positions[0]
	if !pos.Qty.IsPositive() || pos.CostBasis.GreaterThan(decimal.NewFromInt(100)) {
		t.Fatalf("position %s after a buy of at most 100", pos)
	}
	if en, _ := store.Get(buy.ID()); en.State != signal.StateActed || !strings.Contains(en.Note, OrderID(uid, "BTCUSDT", open, "BUY")) {
		t.Errorf("signal entry %+v, want Acted naming the order", en)
	}

	sell := sig("BTCUSDT", signal.Sell, price, open.Add(time.Minute))
	store.Put(sell)
	ex.Offer(signal.Prepare(sell))
	waitFor(t, "a filled sell", func() bool { return ex.Snapshot().Counts.Filled == 2 })
	// What is left is less than one lot step: dust a spot order cannot sell.
	step := filtersOf(t, e, "BTCUSDT").LotSize.StepSize
	waitFor(t, "a position below one lot step", func() bool { return ex.Snapshot().Ledger.Positions[0].Qty.LessThan(step) })

	// Judge by the exchange's own trades: PnL is what the sells brought
	// minus what the buys cost, minus fees paid in the quote asset, plus
	// what is still held (fees paid in the base asset shrink it) at the
	// ledger's mark price.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	trades, err := e.acct.Trades(ctx, exchange.CallPolicy{}, exchange.TradesQuery{Symbol: "BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	cash, held := decimal.Zero, decimal.Zero
	for _, tr := range trades {
		baseFee, quoteFee := decimal.Zero, decimal.Zero
		switch tr.CommissionAsset {
		case "BTC":
			baseFee = tr.Commission
		case "USDT":
			quoteFee = tr.Commission
		default:
			t.Fatalf("fee in %s", tr.CommissionAsset)
		}
		if tr.IsBuyer {
			cash = cash.Sub(tr.QuoteQty)
			held = held.Add(tr.Qty).Sub(baseFee)
		} else {
			cash = cash.Add(tr.QuoteQty)
			held = held.Sub(tr.Qty).Sub(baseFee)
		}
		cash = cash.Sub(quoteFee)
	}
	final := ex.Snapshot().Ledger
	got, mark := final.Totals, final.Positions[0].LastPrice
	want := cash.Add(held.Mul(mark))
	if !final.Positions[0].Qty.Equal(held) {
		t.Errorf("ledger holds %s, the exchange's trades leave %s", final.Positions[0].Qty, held)
	}
	if diff := got.PnL().Sub(want).Abs(); diff.GreaterThan(decimal.New(1, -6)) {
		t.Errorf("ledger PnL %s (realized %s, unrealized %s), the exchange's trades give %s", got.PnL(), got.Realized, got.Unrealized, want)
	}
	if n := len(trades); n < 2 {
		t.Errorf("%d trades on the exchange, want a buy and a sell", n)
	}
	if c := ex.Snapshot().Counts; c.Placed != 2 || c.Rejected != 0 || c.Skipped != 0 {
		t.Errorf("counts %+v", c)
	}
}

// TestRestartRebuilds: a second executor for the same bot reads the same
// position and PnL from the exchange.
func TestRestartRebuilds(t *testing.T) {
	t.Parallel()
	const uid = "5a0c1b1e-0000-4000-8000-000000000002"
	e := startEnv(t, uid)
	cfg := Config{BotUID: uid, Name: "ns/bot2", Symbols: []string{"BTCUSDT"}, Limits: limits()}
	first := runExecutor(t, e, cfg)
	price, open := lastClose(t, e, "BTCUSDT")
	first.Offer(signal.Prepare(sig("BTCUSDT", signal.Buy, price, open)))
	waitFor(t, "a filled buy", func() bool { return first.Snapshot().Counts.Filled == 1 })
	want := first.Snapshot().Ledger.Positions[0]

	second := runExecutor(t, e, cfg)
	waitFor(t, "the second executor to start", func() bool { return !second.Snapshot().Starting })
	got := second.Snapshot().Ledger.Positions[0]
	if !got.Qty.Equal(want.Qty) || !got.CostBasis.Equal(want.CostBasis) && !got.EntryEstimated {
		t.Errorf("rebuilt position %s, want %s", got, want)
	}
	if !got.DayPnL.Sub(want.DayPnL).Abs().LessThan(decimal.New(1, -6)) && got.LastPrice.Equal(want.LastPrice) {
		t.Errorf("rebuilt day PnL %s, want %s", got.DayPnL, want.DayPnL)
	}
	// The same signal again (a redelivery after a restart) places nothing
	// new: its client order id is the same, and the exchange has it.
	second.Offer(signal.Prepare(sig("BTCUSDT", signal.Buy, price, open)))
	time.Sleep(2 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	trades, err := e.acct.Trades(ctx, exchange.CallPolicy{}, exchange.TradesQuery{Symbol: "BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	orders := map[int64]bool{}
	for _, tr := range trades {
		orders[tr.OrderID] = true
	}
	if len(orders) != 1 {
		t.Errorf("%d orders on the exchange after the same signal twice, want 1", len(orders))
	}
}

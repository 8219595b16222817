package trading

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adshao/go-binance/v2"
	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
	"github.com/tradebot-operator/tradebot-operator/internal/ledger"
	"github.com/tradebot-operator/tradebot-operator/internal/paperaccount"
	"github.com/tradebot-operator/tradebot-operator/internal/risk"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
	"github.com/tradebot-operator/tradebot-operator/internal/userdata"
)

// Drill settings. The executors' exchange layer gives each request
// drillTimeout; the latency phase delays every REST request longer than
// that. The simulator allows drillOrders10s orders per account per 10 s,
// so that the order-limit phase can fill an account's window quickly.
const (
	drillBots      = 5
	drillSymbol    = "BTCUSDT"
	drillTimeout   = 300 * time.Millisecond
	drillLatency   = 800 * time.Millisecond
	drillOrders10s = 20
	drillSettle    = 40 * time.Second
)

// drillBot is one bot of the drill: its executor and user-data client on
// the shared registry, and its account seen through a separate registry
// (the judge), which never calls the simulator while faults are on.
type drillBot struct {
	uid     string
	creds   exchange.Credentials
	store   *signal.Store
	ex      *Executor
	ud      *userdata.Client
	judge   *exchange.Account
	offered []drillSignal
}

type drillSignal struct {
	sig   signal.Signal
	phase string
}

type drillPhase struct {
	name   string
	faults exchangesim.Faults
	// before runs with no faults on, before the phase's faults are set.
	before func(t *testing.T)
	hold   time.Duration
}

// TestFaultDrill runs five bots, each on its own paper account, through
// phases of injected faults, each phase with a BUY signal at its start and
// a SELL halfway. Once the faults are cleared and the executors have
// settled, it judges by the simulator's own records: every signal the
// executor acted on has exactly one order with its client order id; no id
// is on two orders; no signal it meant to act on ended without an order;
// an ignored signal has no order; and each bot's position is what its
// account's trades on the simulator give.
func TestFaultDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault drill takes about 40 s")
	}
	simCfg := exchangesim.DefaultConfig()
	simCfg.History = time.Hour
	simCfg.OrderLimit10s = drillOrders10s
	h := startSim(t, simCfg)

	reg := exchange.NewRegistry(exchange.RegistryOptions{RequestTimeout: drillTimeout})
	t.Cleanup(reg.Close)
	ep := reg.Endpoint(h.urls())
	// A breaker that opens for a second, not the default 30 s, as a bot's
	// spec.circuitBreaker may say: the drill's phases last seconds.
	policy := exchange.CallPolicy{Breaker: exchange.BreakerSettings{FailureThreshold: 5, OpenDuration: time.Second}}
	// The judge's own registry: clean budgets, no pause or ban carried
	// over from the executors'. WeightSafety 1 lets the order-limit phase
	// fill an account's window to the last order.
	judgeReg := exchange.NewRegistry(exchange.RegistryOptions{WeightSafety: 1})
	t.Cleanup(judgeReg.Close)
	judgeEp := judgeReg.Endpoint(h.urls())

	var price atomic.Pointer[decimal.Decimal]
	refreshPrice := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ps, err := judgeEp.Prices(ctx, exchange.CallPolicy{BatchWait: -1}, []string{drillSymbol})
		if err != nil {
			t.Fatalf("price: %v", err)
		}
		p := ps[drillSymbol]
		price.Store(&p)
	}
	refreshPrice()

	limits := risk.Limits{MaxOrderQuote: decimal.NewFromInt(20), MaxPositionQuote: decimal.NewFromInt(5000),
		MaxDailyLossQuote: decimal.NewFromInt(1000), MaxOrdersPerMinute: 1000}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	bots := make([]*drillBot, drillBots)
	for i := range bots {
		uid := fmt.Sprintf("d7177000-0000-4000-8000-%012d", i)
		b := &drillBot{uid: uid, creds: paperaccount.Credentials(uid), store: signal.NewStore(signal.StoreOptions{})}
		acct := reg.Account(ep, b.creds)
		b.judge = judgeReg.Account(judgeEp, b.creds)
		ectx, ecancel := context.WithTimeout(ctx, 10*time.Second)
		if _, err := paperaccount.Ensure(ectx, b.judge, b.creds, exchange.CallPolicy{}, paperaccount.Options{SimulatorURL: h.srv.URL}); err != nil {
			t.Fatal(err)
		}
		ecancel()
		ex, err := New(Config{BotUID: uid, Name: fmt.Sprintf("drill/bot%d", i), Symbols: []string{drillSymbol}, Limits: limits,
			Exchange: AccountExchange{Account: acct, Policy: policy}, Store: b.store, SignalMaxAge: 3 * time.Minute,
			LastPrice: func(string) (decimal.Decimal, bool) { return *price.Load(), true }})
		if err != nil {
			t.Fatal(err)
		}
		ud, err := userdata.New(userdata.Options{URL: h.wsAPI(), Credentials: b.creds, OnEvent: ex.OnUserData, OnSubscribed: ex.Resync,
			BackoffBase: 50 * time.Millisecond, BackoffMax: 500 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		b.ex, b.ud = ex, ud
		wg.Go(func() {
			if err := ex.Run(ctx); err != nil {
				t.Errorf("bot %d: executor: %v", i, err)
			}
		})
		wg.Go(func() { _ = ud.Run(ctx) })
		bots[i] = b
	}
	waitFor(t, "the executors to start", func() bool {
		for _, b := range bots {
			if s := b.ex.Snapshot(); s.Starting || b.ud.Stats().Subscriptions == 0 {
				return false
			}
		}
		return true
	})

	// Signals: one kline per signal, two hours back, so that no two
	// signals of a bot share a client order id.
	klineBase := time.Now().UTC().Truncate(time.Minute).Add(-2 * time.Hour)
	nextKline := 0
	offerAll := func(side signal.Side, phase string) {
		open := klineBase.Add(time.Duration(nextKline) * time.Minute)
		nextKline++
		for _, b := range bots {
			s := sig(drillSymbol, side, *price.Load(), open)
			b.store.Put(s)
			if !b.ex.Offer(signal.Prepare(s)) {
				t.Errorf("bot %s refused a signal: its queue is full", b.uid)
			}
			b.offered = append(b.offered, drillSignal{sig: s, phase: phase})
		}
	}

	var burner429 atomic.Int64 // the burner's own 429s, not the executors'
	burnOrderWindow := func(t *testing.T) {
		// Fill every account's 10-second order window with orders the
		// exchange refuses (below the minimum notional: no trade, no
		// balance change), so that the executors' next orders get 429
		// -1015. Start about 3 s before a window ends, so that the
		// executors' orders land in the same window and the pause that
		// follows stays within the phase. Each account is filled until the
		// exchange answers -1015, or the judge's own order budget (which
		// has seen the exchange's count) holds the next order back.
		const window, lead = 10 * time.Second, 3 * time.Second
		rem := window - time.Duration(time.Now().UnixMilli()%window.Milliseconds())*time.Millisecond
		if rem < lead {
			rem += window
		}
		time.Sleep(rem - lead)
		var bw sync.WaitGroup
		for _, b := range bots {
			bw.Go(func() {
				for n := range 2 * drillOrders10s {
					bctx, bcancel := context.WithTimeout(ctx, 300*time.Millisecond)
					_, err := b.judge.PlaceOrder(bctx, exchange.CallPolicy{}, exchange.OrderRequest{Symbol: drillSymbol,
						Side: binance.SideTypeBuy, Type: binance.OrderTypeMarket, Quantity: decimal.New(1, -5),
						ClientOrderID: fmt.Sprintf("burn-%d-%d", nextKline, n)})
					bcancel()
					switch exchange.ClassOf(err) {
					case exchange.ClassRejected:
						continue
					case exchange.ClassRateLimited, exchange.ClassCanceled:
						if exchange.APICode(err) == -1015 {
							burner429.Add(1)
						}
						return // the window is full
					default:
						t.Errorf("burning the order window: %v, want a refusal", err)
						return
					}
				}
			})
		}
		bw.Wait()
	}

	phases := []drillPhase{
		{name: "clean", hold: 2 * time.Second},
		{name: "order limit 429", before: burnOrderWindow, hold: 3 * time.Second},
		{name: "418 ban 1.5s", faults: exchangesim.Faults{BanSeconds: 1.5}, hold: 2500 * time.Millisecond},
		{name: "websockets dropped, then stalled", faults: exchangesim.Faults{DropWebsockets: true, StallStreams: true}, hold: 2500 * time.Millisecond},
		{name: "server clock +7s", faults: exchangesim.Faults{ClockOffsetMs: 7000}, hold: 2 * time.Second},
		{name: "server clock -3s", faults: exchangesim.Faults{ClockOffsetMs: -3000}, hold: 2 * time.Second},
		{name: "504 after execution, every request", faults: exchangesim.Faults{RestErrorRate: 1, RestErrorStatus: 504}, hold: 2500 * time.Millisecond},
		{name: "503 at 50%", faults: exchangesim.Faults{RestErrorRate: 0.5, RestErrorStatus: 503}, hold: 2 * time.Second},
		{name: "500 at 50%", faults: exchangesim.Faults{RestErrorRate: 0.5, RestErrorStatus: 500}, hold: 2 * time.Second},
		{name: "latency 800ms > 300ms timeout", faults: exchangesim.Faults{RestLatencyMs: int(drillLatency.Milliseconds())}, hold: 2500 * time.Millisecond},
	}
	start := time.Now()
	for _, ph := range phases {
		h.setFaults(t, exchangesim.Faults{})
		refreshPrice()
		if ph.before != nil {
			ph.before(t)
		}
		h.setFaults(t, ph.faults)
		offerAll(signal.Buy, ph.name)
		time.Sleep(ph.hold / 2)
		offerAll(signal.Sell, ph.name)
		time.Sleep(ph.hold / 2)
	}
	h.setFaults(t, exchangesim.Faults{})
	faultsEnded := time.Now()
	t.Logf("faults on for %s", faultsEnded.Sub(start).Round(time.Millisecond))

	// Settle: nothing pending, nothing open or unknown, every signal in a
	// final state.
	settled := func() bool {
		for _, b := range bots {
			if s := b.ex.Snapshot(); s.Pending != 0 || len(s.OpenOrders) != 0 {
				return false
			}
			for _, o := range b.offered {
				en, _ := b.store.Get(o.sig.ID())
				if en.State != signal.StateActed && en.State != signal.StateIgnored && en.State != signal.StateFailed {
					return false
				}
			}
		}
		return true
	}
	deadline := time.Now().Add(drillSettle)
	for !settled() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("settled %s after the faults ended (done: %v)", time.Since(faultsEnded).Round(time.Millisecond), settled())

	// Judge by the simulator's records.
	type tally struct{ offered, acted, ignored, failed, unsettled int }
	byPhase := map[string]*tally{}
	var acted, ignored, lost, duplicates, strays, phantoms, buysNotActed int
	// A drill that runs over UTC midnight meets a new day. Until the
	// executor has read the new day's opening prices (it cannot while the
	// exchange bans it or fails), risk refuses orders for want of the day's
	// figures: a right refusal, not a BUY that should have had an order.
	crossedMidnight := !ledger.DayStart(start).Equal(ledger.DayStart(time.Now()))
	staleDay := func(note string) bool { return crossedMidnight && strings.Contains(note, "day figures are for") }
	jctx, jcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer jcancel()
	for _, b := range bots {
		orders, err := b.judge.OrdersSince(jctx, exchange.CallPolicy{}, drillSymbol, start.Add(-time.Minute))
		if err != nil {
			t.Fatalf("bot %s: orders: %v", b.uid, err)
		}
		byID := map[string][]exchange.Order{}
		for _, o := range orders {
			byID[o.ClientOrderID] = append(byID[o.ClientOrderID], o)
		}
		expected := map[string]bool{}
		botActed := 0
		for _, o := range b.offered {
			s := o.sig
			id := OrderID(b.uid, s.Symbol, s.KlineOpen, string(s.Side))
			expected[id] = true
			en, _ := b.store.Get(s.ID())
			n := len(byID[id])
			tl := byPhase[o.phase]
			if tl == nil {
				tl = &tally{}
				byPhase[o.phase] = tl
			}
			tl.offered++
			if n > 1 {
				duplicates++
				t.Errorf("bot %s, %s %s (%s): %d orders with id %s", b.uid, s.Side, s.KlineOpen.Format("15:04"), o.phase, n, id)
			}
			switch en.State {
			case signal.StateActed:
				acted++
				botActed++
				tl.acted++
				if n == 0 {
					lost++
					t.Errorf("bot %s, %s (%s): acted on (%q) but the exchange has no order %s", b.uid, s.Side, o.phase, en.Note, id)
				}
			case signal.StateIgnored:
				ignored++
				tl.ignored++
				t.Logf("bot %s, %s (%s): ignored: %s", b.uid[len(b.uid)-1:], s.Side, o.phase, en.Note)
				if n != 0 {
					phantoms++
					t.Errorf("bot %s, %s (%s): ignored (%q) but the exchange has order %s", b.uid, s.Side, o.phase, en.Note, id)
				}
			case signal.StateFailed:
				lost++
				tl.failed++
				t.Errorf("bot %s, %s (%s): failed (%q); %d orders on the exchange", b.uid, s.Side, o.phase, en.Note, n)
			default:
				lost++
				tl.unsettled++
				t.Errorf("bot %s, %s (%s): still %s (%q); %d orders on the exchange", b.uid, s.Side, o.phase, en.State, en.Note, n)
			}
			if s.Side == signal.Buy && en.State != signal.StateActed && !staleDay(en.Note) {
				buysNotActed++
			}
		}
		for id, os := range byID {
			if !expected[id] && !strings.HasPrefix(id, "burn-") {
				strays += len(os)
				t.Errorf("bot %s: order %s on the exchange belongs to no signal", b.uid, id)
			}
		}
		if c := b.ex.Snapshot().Counts; c.Placed != int64(botActed) {
			t.Errorf("bot %s: executor counts %+v, %d signals acted on", b.uid, c, botActed)
		}
		if n := b.ud.Stats().Subscriptions; n < 2 {
			t.Errorf("bot %s: %d user-data subscriptions, want a reconnection after the drop", b.uid, n)
		}
		// The position: what the account's trades leave, base fees
		// deducted.
		var want decimal.Decimal
		matched := false
		for range 50 {
			trades, err := b.judge.Trades(jctx, exchange.CallPolicy{}, exchange.TradesQuery{Symbol: drillSymbol, Since: start.Add(-time.Minute)})
			if err != nil {
				t.Fatalf("bot %s: trades: %v", b.uid, err)
			}
			want = decimal.Zero
			for _, tr := range trades {
				fee := decimal.Zero
				if tr.CommissionAsset == "BTC" {
					fee = tr.Commission
				}
				if tr.IsBuyer {
					want = want.Add(tr.Qty).Sub(fee)
				} else {
					want = want.Sub(tr.Qty).Sub(fee)
				}
			}
			if b.ex.Snapshot().Ledger.Positions[0].Qty.Equal(want) {
				matched = true
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if !matched {
			t.Errorf("bot %s: ledger holds %s BTC, the account's trades leave %s", b.uid, b.ex.Snapshot().Ledger.Positions[0].Qty, want)
		}
	}
	for _, ph := range phases {
		tl := byPhase[ph.name]
		t.Logf("%-32s offered %2d  acted %2d  ignored %2d  failed %d  unsettled %d", ph.name, tl.offered, tl.acted, tl.ignored, tl.failed, tl.unsettled)
	}
	t.Logf("acted %d, ignored %d, lost %d, duplicates %d, stray orders %d, ignored-with-order %d", acted, ignored, lost, duplicates, strays, phantoms)
	st := h.sim.Stats()
	t.Logf("simulator: orders %+v, 429s %d, 418s %d\nanswers other than 200:\n%s", st.Orders, st.RateLimited429, st.Banned418, h.tap.report())
	if buysNotActed != 0 {
		t.Errorf("%d BUY signals without an order: every BUY fits the budgets, so each should have one", buysNotActed)
	}

	// The drill proves something only if the faults reached the executors.
	if n := int64(h.tap.count("POST /api/v3/order 429 -1015")) - burner429.Load(); n <= 0 {
		t.Errorf("the drill did not give the executors a 429 -1015 on an order")
	}
	for _, c := range []struct {
		what  string
		parts []string
	}{
		{"a 418", []string{" 418"}},
		{"a -1021 (timestamp outside recvWindow)", []string{" 400 -1021"}},
		{"a 503 or 500", []string{" 50"}},
		{"a 504 on an order (executed, answer lost)", []string{"POST /api/v3/order 504"}},
		{"a request abandoned by its client (latency past the timeout)", []string{" gone"}},
	} {
		if h.tap.count(c.parts...) == 0 {
			t.Errorf("the drill did not produce %s", c.what)
		}
	}
}

package ordersize_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adshao/go-binance/v2"
	"github.com/adshao/go-binance/v2/common"
	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/clientorderid"
	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
	"github.com/tradebot-operator/tradebot-operator/internal/ordersize"
)

// TestDrillNoFilterRejections is the trading drill: 10 000 random orders
// (-short: 1 000) across every simulator symbol are sized by this package
// from exchangeInfo read over HTTP through internal/exchange, placed on the
// real simulator through exchange.Account.PlaceOrder, and not one may be
// refused for a filter. Each of drillAccounts paper accounts is driven by
// one worker, which reads its balances before each order, so the sizes are
// bounded by the true free balance; resting limit orders are canceled at
// once, so balances stay free and MAX_NUM_ORDERS is never reached.
//
// With TRADING_BENCH=1 it prints, for make bench:
//
//	trading.filter_rejections: the orders refused with -1013 or a
//	"Filter failure" (must be 0)
//
//	TRADING_BENCH=1 go test -count=1 -run '^TestDrillNoFilterRejections$' -v ./internal/ordersize/ | grep '^trading\.'
func TestDrillNoFilterRejections(t *testing.T) {
	orders := 10000
	if testing.Short() {
		orders = 1000
	}
	const drillAccounts = 16
	d := startDrill(t, drillAccounts)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	info, err := d.ep.ExchangeInfo(ctx, exchange.CallPolicy{})
	if err != nil {
		t.Fatalf("exchangeInfo: %v", err)
	}
	filters, err := ordersize.ParseExchangeInfo(info)
	if err != nil {
		t.Fatalf("parsing exchangeInfo: %v", err)
	}
	symbols := d.sim.SymbolNames()
	sort.Strings(symbols)
	for _, s := range symbols {
		if _, ok := filters[s]; !ok {
			t.Fatalf("exchangeInfo has no filters for %s", s)
		}
	}

	var (
		mu    sync.Mutex
		tally = drillTally{kinds: map[string]int{}, skips: map[ordersize.Reason]int{}, rejections: map[string]int{}}
	)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range drillAccounts {
		n := orders / drillAccounts
		if w < orders%drillAccounts {
			n++
		}
		wg.Go(func() {
			local := drillTally{kinds: map[string]int{}, skips: map[ordersize.Reason]int{}, rejections: map[string]int{}}
			dw := drillWorker{d: d, acct: d.accounts[w], filters: filters, symbols: symbols,
				rng: rand.New(rand.NewPCG(uint64(w), 99)), bot: fmt.Sprintf("drill-bot-%02d", w)}
			for i := range n {
				if err := dw.one(ctx, i, &local); err != nil {
					t.Errorf("worker %d, order %d: %v", w, i, err)
					return
				}
			}
			mu.Lock()
			tally.add(local)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	st := d.sim.Stats()
	t.Logf("%d orders in %v: %d placed (%d filled, %d canceled after resting) %v, %d skipped %v; rejections %v; simulator: %+v",
		orders, elapsed.Round(time.Millisecond), tally.placed, tally.filled, tally.canceled, tally.kinds, tally.skipped(), tally.skips, tally.rejections, st.Orders)
	filterRejections := tally.rejections["filter"]
	if os.Getenv("TRADING_BENCH") == "1" {
		fmt.Printf("trading.filter_rejections: %d\n", filterRejections)
	}
	if filterRejections != 0 {
		t.Errorf("%d orders refused for a filter, want 0", filterRejections)
	}
	if n := tally.rejections["balance"]; n != 0 {
		t.Errorf("%d orders refused for the balance: the sizes exceed the free balance", n)
	}
	if n := tally.rejections["other"]; n != 0 {
		t.Errorf("%d orders refused for other reasons", n)
	}
	if int64(tally.rejected()) != st.Orders.Rejected {
		t.Errorf("we counted %d rejections, the simulator %d", tally.rejected(), st.Orders.Rejected)
	}
	if tally.placed < orders/2 {
		t.Errorf("only %d of %d orders were placed: the drill hardly tests the filters", tally.placed, orders)
	}
	for _, s := range symbols {
		if tally.kinds[s] == 0 {
			t.Errorf("no order placed on %s", s)
		}
	}
	for _, side := range []ordersize.Side{ordersize.SideBuy, ordersize.SideSell} {
		for _, typ := range []ordersize.Type{ordersize.TypeMarket, ordersize.TypeLimit, ordersize.TypeLimitMaker} {
			if tally.kinds[string(side)+" "+string(typ)] == 0 {
				t.Errorf("no %s %s order placed", side, typ)
			}
		}
	}
	if tally.placed+tally.skipped()+tally.rejected() != orders {
		t.Errorf("placed %d + skipped %d + rejected %d != %d", tally.placed, tally.skipped(), tally.rejected(), orders)
	}
}

type drillTally struct {
	placed, filled, canceled int
	kinds                    map[string]int // placed per symbol and per side and type
	skips                    map[ordersize.Reason]int
	rejections               map[string]int // filter, balance, would-take, other
}

func (t *drillTally) add(o drillTally) {
	t.placed += o.placed
	t.filled += o.filled
	t.canceled += o.canceled
	for k, v := range o.kinds {
		t.kinds[k] += v
	}
	for k, v := range o.skips {
		t.skips[k] += v
	}
	for k, v := range o.rejections {
		t.rejections[k] += v
	}
}

func (t *drillTally) skipped() (n int) {
	for _, v := range t.skips {
		n += v
	}
	return n
}

func (t *drillTally) rejected() (n int) {
	for _, v := range t.rejections {
		n += v
	}
	return n
}

type drill struct {
	sim      *exchangesim.Simulator
	reg      *exchange.Registry
	ep       *exchange.Endpoint
	accounts []*exchange.Account
}

// startDrill runs a simulator over HTTP with its clock ticking, limits
// raised far above what the drill sends (it measures filters, not rate
// limits), and n paper accounts holding quote and every base asset.
func startDrill(t *testing.T, n int) *drill {
	t.Helper()
	cfg := exchangesim.DefaultConfig()
	cfg.History = time.Hour
	cfg.Tick = 100 * time.Millisecond // prices move while orders are sized
	cfg.WeightLimit = 100_000_000
	cfg.RawRequestLimit = 100_000_000
	cfg.OrderLimit10s = 100_000_000
	cfg.OrderLimitDay = 100_000_000
	var creds []exchange.Credentials
	for i := range n {
		c := exchange.Credentials{APIKey: fmt.Sprintf("drillkey%02d", i), Secret: fmt.Sprintf("drillsecret%02d", i), Type: exchange.KeyHMAC}
		balances := map[string]decimal.Decimal{"USDT": decimal.NewFromInt(2_000_000)}
		for _, sc := range cfg.Symbols {
			// About 200 000 USDT of each base asset.
			balances[sc.Spec.BaseAsset] = decimal.NewFromInt(200_000).Div(sc.StartPrice).Truncate(sc.Spec.StepSize.Exponent() * -1)
		}
		cfg.Accounts = append(cfg.Accounts, exchangesim.AccountSpec{APIKey: c.APIKey, SecretKey: c.Secret, Balances: balances})
		creds = append(creds, c)
	}
	sim, err := exchangesim.New(cfg)
	if err != nil {
		t.Fatalf("exchangesim.New: %v", err)
	}
	srv := httptest.NewServer(sim)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = sim.Run(ctx)
	}()
	reg := exchange.NewRegistry(exchange.RegistryOptions{})
	t.Cleanup(func() {
		reg.Close()
		cancel()
		<-done
		srv.Close()
		sim.Close()
	})
	d := &drill{sim: sim, reg: reg, ep: reg.Endpoint(exchange.URLs{REST: srv.URL})}
	for _, c := range creds {
		d.accounts = append(d.accounts, reg.Account(d.ep, c))
	}
	return d
}

type drillWorker struct {
	d       *drill
	acct    *exchange.Account
	filters map[string]ordersize.Filters
	symbols []string
	rng     *rand.Rand
	bot     string
}

var signalBase = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)

// one sizes and places one random order, and counts what became of it.
// An error is a failure of the drill itself (not a rejection).
func (w *drillWorker) one(ctx context.Context, i int, tally *drillTally) error {
	p := exchange.CallPolicy{}
	symbol := w.symbols[w.rng.IntN(len(w.symbols))]
	f := w.filters[symbol]
	balances, err := w.acct.Balances(ctx, p)
	if err != nil {
		return fmt.Errorf("balances: %w", err)
	}
	free := map[string]decimal.Decimal{}
	for _, b := range balances {
		free[b.Asset] = b.Free
	}
	prices, err := w.d.ep.Prices(ctx, p, []string{symbol})
	if err != nil {
		return fmt.Errorf("prices: %w", err)
	}
	var book []*binance.BookTicker
	err = w.d.ep.Do(ctx, p, exchange.Call{Path: "/api/v3/ticker/bookTicker", Weight: 2, Idempotent: true,
		Fn: func(ctx context.Context, c *binance.Client) error {
			var err error
			book, err = c.NewListBookTickersService().Symbol(symbol).Do(ctx)
			return err
		}})
	if err != nil || len(book) != 1 {
		return fmt.Errorf("book ticker: %v (%d entries)", err, len(book))
	}

	req := w.randomRequest(f, prices[symbol], free)
	req.BestBid = decimal.RequireFromString(book[0].BidPrice)
	req.BestAsk = decimal.RequireFromString(book[0].AskPrice)
	o, err := f.Size(req)
	if err != nil {
		var s *ordersize.Skip
		if !errors.As(err, &s) {
			return fmt.Errorf("Size returned %v, not a *Skip", err)
		}
		if s.Reason == ordersize.ReasonFilterCheckFailed || s.Reason == ordersize.ReasonInvalidInput {
			return fmt.Errorf("Size: %v", s)
		}
		tally.skips[s.Reason]++
		return nil
	}

	id, err := clientorderid.New(clientorderid.Key{BotUID: w.bot, Symbol: symbol,
		SignalTime: signalBase.Add(time.Duration(i) * time.Minute), Side: string(o.Side)})
	if err != nil {
		return err
	}
	placed, err := w.acct.PlaceOrder(ctx, p, exchange.OrderRequest{
		Symbol: symbol, Side: binance.SideType(o.Side), Type: binance.OrderType(o.Type),
		TimeInForce: binance.TimeInForceType(o.TimeInForce), Quantity: o.Quantity, Price: o.Price, ClientOrderID: id,
	})
	if err != nil {
		kind := rejectionKind(err)
		if kind == "" {
			return fmt.Errorf("placing %+v: %w", o, err)
		}
		tally.rejections[kind]++
		if kind != "would-take" {
			// A refusal for a filter or the balance is what the drill
			// exists to catch: say which order it was.
			return fmt.Errorf("%s refused (%s): %+v for %+v: %v", id, kind, o, req, err)
		}
		return nil
	}
	tally.placed++
	tally.kinds[symbol]++
	tally.kinds[string(o.Side)+" "+string(o.Type)]++
	switch placed.Status {
	case binance.OrderStatusTypeFilled:
		tally.filled++
	case binance.OrderStatusTypeNew, binance.OrderStatusTypePartiallyFilled:
		if _, err := w.acct.CancelOrder(ctx, p, symbol, id); err != nil && exchange.APICode(err) != -2011 {
			return fmt.Errorf("canceling %s: %w", id, err)
		}
		tally.canceled++
	}
	return nil
}

// randomRequest draws a signal's order: any side and type, budgets from a
// few USDT to tens of thousands, a position of part or all of the free
// base, limit offsets from 1 to 300 basis points (LIMIT now and then
// marketable), and a tolerance of 0.5 % for prices up to a second old.
func (w *drillWorker) randomRequest(f ordersize.Filters, last decimal.Decimal, free map[string]decimal.Decimal) ordersize.Request {
	rng := w.rng
	amount := func(lo, hi float64) decimal.Decimal { // log-uniform
		return decimal.NewFromFloat(lo * math.Pow(hi/lo, rng.Float64())).Truncate(2)
	}
	r := ordersize.Request{
		Side:   []ordersize.Side{ordersize.SideBuy, ordersize.SideSell}[rng.IntN(2)],
		Type:   []ordersize.Type{ordersize.TypeMarket, ordersize.TypeLimit, ordersize.TypeLimitMaker}[rng.IntN(3)],
		Prices: ordersize.Prices{LastPrice: last, Tolerance: decimal.RequireFromString("0.005")},
		// Budgets from 2 to 50 000 USDT (some below the minimum notional).
		MaxOrderQuote: amount(2, 50000),
		PositionRoom:  amount(2, 200000),
		FreeQuote:     free[f.QuoteAsset],
		FreeBase:      free[f.BaseAsset],
		OffsetBps:     decimal.NewFromInt(int64(1 + rng.IntN(300))),
	}
	if r.Type == ordersize.TypeLimit && rng.IntN(4) == 0 {
		r.OffsetBps = r.OffsetBps.Neg().Div(decimal.NewFromInt(10)) // crosses: fills at once
	}
	// The position: all, part, or (rarely) more than the free base.
	switch base := r.FreeBase; rng.IntN(10) {
	case 0:
		r.Position = base
	case 1:
		r.Position = base.Mul(decimal.NewFromInt(2))
	default:
		r.Position = amount(1, 60000).Div(last).Truncate(8)
	}
	return r
}

// rejectionKind classifies an order refusal; "" is not a refusal.
func rejectionKind(err error) string {
	var apiErr *common.APIError
	if !errors.As(err, &apiErr) {
		return ""
	}
	switch {
	case apiErr.Code == -1013 || strings.Contains(apiErr.Message, "Filter failure"):
		return "filter"
	case strings.Contains(apiErr.Message, "insufficient balance"):
		return "balance"
	case strings.Contains(apiErr.Message, "immediately match and take"):
		return "would-take"
	}
	return "other"
}

package trading

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
	"github.com/tradebot-operator/tradebot-operator/internal/userdata"
)

// lostAnswerExchange answers the first placement as PlaceOrder does when
// the lookups that follow a lost answer are cut short (a 418 during the
// resolution, say): outcome unknown, with the request's timestamp and
// recvWindow. The request never reached the exchange.
type lostAnswerExchange struct {
	AccountExchange
	calls atomic.Int32
}

func (x *lostAnswerExchange) PlaceOrder(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	if x.calls.Add(1) > 1 {
		return x.AccountExchange.PlaceOrder(ctx, req)
	}
	pend := exchange.PendingOrder{Symbol: req.Symbol, ClientOrderID: req.ClientOrderID, Timestamp: time.Now(), RecvWindow: time.Second}
	return exchange.Order{}, &exchange.Error{Class: exchange.ClassTransient, Path: "/api/v3/order",
		Err: &exchange.UnresolvedOrderError{Order: pend, Lookups: 1, LookupErr: exchange.ErrBanned}}
}

// TestUnknownOutcomeSettledByDeadline: an order whose outcome is unknown is
// sent again (with the same id) as soon as the exchange's clock has passed
// the request's timestamp + recvWindow and a lookup finds nothing, not a
// fixed minute after it was sent.
func TestUnknownOutcomeSettledByDeadline(t *testing.T) {
	t.Parallel()
	const uid = "5a0c1b1e-0000-4000-8000-000000000003"
	e := startEnv(t, uid)
	x := &lostAnswerExchange{AccountExchange: AccountExchange{Account: e.acct}}
	store := signal.NewStore(signal.StoreOptions{})
	ex, err := New(Config{BotUID: uid, Name: "ns/bot3", Symbols: []string{"BTCUSDT"}, Limits: limits(), Store: store, Exchange: x})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = ex.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	price, open := lastClose(t, e, "BTCUSDT")
	buy := sig("BTCUSDT", signal.Buy, price, open)
	store.Put(buy)
	ex.Offer(signal.Prepare(buy))
	sent := time.Now()
	deadline := sent.Add(15 * time.Second)
	for ex.Snapshot().Counts.Placed == 0 {
		if time.Now().After(deadline) {
			en, _ := store.Get(buy.ID())
			t.Fatalf("no order %s after the request's deadline passed (%d placement calls; entry %s: %s)",
				time.Since(sent).Round(time.Second), x.calls.Load(), en.State, en.Note)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := x.calls.Load(); n != 2 {
		t.Errorf("%d placement calls, want the lost one and one more", n)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel2()
	orders, err := e.acct.OrdersSince(ctx2, exchange.CallPolicy{}, "BTCUSDT", sent.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 1 || orders[0].ClientOrderID != OrderID(uid, "BTCUSDT", open, "BUY") {
		t.Errorf("orders on the exchange %+v, want one with the signal's id", orders)
	}
}

// answerLostAfterPlacing places the first order for real, then answers as
// PlaceOrder does when the answer and every lookup were lost: outcome
// unknown. The order exists and fills, so the user-data stream reports it.
type answerLostAfterPlacing struct {
	AccountExchange
	calls atomic.Int32
}

func (x *answerLostAfterPlacing) PlaceOrder(ctx context.Context, req exchange.OrderRequest) (exchange.Order, error) {
	sent := time.Now()
	o, err := x.AccountExchange.PlaceOrder(ctx, req)
	if x.calls.Add(1) > 1 || err != nil {
		return o, err
	}
	time.Sleep(300 * time.Millisecond) // the stream's events arrive meanwhile
	pend := exchange.PendingOrder{Symbol: req.Symbol, ClientOrderID: req.ClientOrderID, Timestamp: sent, RecvWindow: time.Second}
	return exchange.Order{}, &exchange.Error{Class: exchange.ClassTransient, Path: "/api/v3/order",
		Err: &exchange.UnresolvedOrderError{Order: pend, Lookups: 3, Err: errors.New("HTTP 504")}}
}

// TestUnknownOutcomeSettledByStream: the user-data stream reports an order
// whose placement answer was lost, filled, before any lookup found it. The
// signal is still marked Acted, and the order counted as placed and
// filled, once; the ledger counts its fill once.
func TestUnknownOutcomeSettledByStream(t *testing.T) {
	t.Parallel()
	const uid = "5a0c1b1e-0000-4000-8000-000000000005"
	e := startEnv(t, uid)
	x := &answerLostAfterPlacing{AccountExchange: AccountExchange{Account: e.acct}}
	store := signal.NewStore(signal.StoreOptions{})
	ex, err := New(Config{BotUID: uid, Name: "ns/bot5", Symbols: []string{"BTCUSDT"}, Limits: limits(), Store: store, Exchange: x})
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
	wg.Go(func() { _ = ex.Run(ctx) })
	wg.Go(func() { _ = ud.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	waitFor(t, "the stream to subscribe", func() bool { return ud.Stats().Subscriptions > 0 && !ex.Snapshot().Starting })

	price, open := lastClose(t, e, "BTCUSDT")
	buy := sig("BTCUSDT", signal.Buy, price, open)
	store.Put(buy)
	ex.Offer(signal.Prepare(buy))
	deadline := time.Now().Add(10 * time.Second)
	for {
		en, _ := store.Get(buy.ID())
		if en.State == signal.StateActed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("signal entry %s: %s; counts %+v, open %v", en.State, en.Note, ex.Snapshot().Counts, ex.Snapshot().OpenOrders)
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitFor(t, "the order to be counted", func() bool { c := ex.Snapshot().Counts; return c.Placed == 1 && c.Filled == 1 })
	ctx2, cancel2 := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel2()
	trades, err := e.acct.Trades(ctx2, exchange.CallPolicy{}, exchange.TradesQuery{Symbol: "BTCUSDT"})
	if err != nil {
		t.Fatal(err)
	}
	held := decimal.Zero
	for _, tr := range trades {
		held = held.Add(tr.Qty)
		if tr.CommissionAsset == "BTC" {
			held = held.Sub(tr.Commission)
		}
	}
	waitFor(t, "the ledger to hold the fill once", func() bool { return ex.Snapshot().Ledger.Positions[0].Qty.Equal(held) })
	if c := ex.Snapshot().Counts; c.Placed != 1 || c.Filled != 1 {
		t.Errorf("counts %+v, want one placed and filled", c)
	}
}

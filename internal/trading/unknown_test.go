package trading

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchange"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
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

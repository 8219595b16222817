package exchange

import (
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/adshao/go-binance/v2"
	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

func marketBuy(id string) OrderRequest {
	return OrderRequest{Symbol: "BTCUSDT", Side: binance.SideTypeBuy, Type: binance.OrderTypeMarket,
		QuoteQuantity: decimal.RequireFromString("1000"), ClientOrderID: id}
}

func restingBuy(id string) OrderRequest {
	return OrderRequest{Symbol: "BTCUSDT", Side: binance.SideTypeBuy, Type: binance.OrderTypeLimit,
		TimeInForce: binance.TimeInForceTypeGTC, Price: decimal.RequireFromString("10000.00"),
		Quantity: decimal.RequireFromString("0.001"), ClientOrderID: id}
}

// TestOrderLifecycle places, queries and cancels orders on the demo account.
func TestOrderLifecycle(t *testing.T) {
	sim := startSim(t, nil)
	reg := newRegistry(t, RegistryOptions{})
	acct := reg.Account(reg.Endpoint(sim.urls()), demoCreds())
	ctx := ctxTimeout(t)
	p := CallPolicy{}

	filled, err := acct.PlaceOrder(ctx, p, marketBuy("t-market-1"))
	if err != nil {
		t.Fatal(err)
	}
	if filled.Status != binance.OrderStatusTypeFilled || filled.ClientOrderID != "t-market-1" || !filled.ExecutedQty.IsPositive() ||
		len(filled.Fills) == 0 || filled.CumulativeQuoteQty.GreaterThan(decimal.NewFromInt(1000)) || !filled.CumulativeQuoteQty.IsPositive() {
		t.Fatalf("market order: %+v", filled)
	}
	resting, err := acct.PlaceOrder(ctx, p, restingBuy("t-limit-1"))
	if err != nil {
		t.Fatal(err)
	}
	if resting.Status != binance.OrderStatusTypeNew || !resting.Price.Equal(decimal.NewFromInt(10000)) || !resting.OrigQty.Equal(decimal.RequireFromString("0.001")) {
		t.Fatalf("limit order: %+v", resting)
	}
	open, err := acct.OpenOrders(ctx, p, "BTCUSDT")
	if err != nil || len(open) != 1 || open[0].ClientOrderID != "t-limit-1" || open[0].OrderID != resting.OrderID {
		t.Fatalf("open orders: %+v, %v; want the limit order", open, err)
	}
	got, err := acct.GetOrder(ctx, p, "BTCUSDT", "t-market-1")
	if err != nil || got.OrderID != filled.OrderID || got.Status != binance.OrderStatusTypeFilled || !got.ExecutedQty.Equal(filled.ExecutedQty) {
		t.Fatalf("GetOrder: %+v, %v; want the filled market order", got, err)
	}
	canceled, err := acct.CancelOrder(ctx, p, "BTCUSDT", "t-limit-1")
	if err != nil || canceled.Status != binance.OrderStatusTypeCanceled || canceled.OrderID != resting.OrderID {
		t.Fatalf("cancel: %+v, %v", canceled, err)
	}
	if open, err := acct.OpenOrders(ctx, p, ""); err != nil || len(open) != 0 {
		t.Fatalf("open orders after the cancel: %+v, %v", open, err)
	}
	balances, err := acct.Balances(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	byAsset := map[string]Balance{}
	for _, b := range balances {
		byAsset[b.Asset] = b
	}
	spent := decimal.NewFromInt(100000).Sub(byAsset["USDT"].Free)
	if !spent.Equal(filled.CumulativeQuoteQty) || !byAsset["BTC"].Free.IsPositive() || !byAsset["USDT"].Locked.IsZero() {
		t.Fatalf("balances %+v: want USDT down by %s, some BTC, nothing locked", balances, filled.CumulativeQuoteQty)
	}
	if st := acct.State(); st.Placed != 2 || st.ID != accountID(exchangesim.DemoAPIKey) {
		t.Fatalf("account state %+v, want 2 placed", st)
	}
}

// TestPlaceOrderRefusals: an order the exchange refuses is not retried; an
// order without a usable client order id is not sent.
func TestPlaceOrderRefusals(t *testing.T) {
	sim := startSim(t, nil)
	reg := newRegistry(t, RegistryOptions{})
	acct := reg.Account(reg.Endpoint(sim.urls()), demoCreds())
	ctx := ctxTimeout(t)

	tooBig := marketBuy("t-too-big")
	tooBig.QuoteQuantity = decimal.NewFromInt(1_000_000)
	_, err := acct.PlaceOrder(ctx, CallPolicy{}, tooBig)
	if xe := errorOf(t, err); xe.Class != ClassRejected || xe.Code != -2010 {
		t.Fatalf("order over the balance: %+v, want rejected -2010", xe)
	}
	for _, id := range []string{"", "has space", "x23456789012345678901234567890123456789"} {
		_, err := acct.PlaceOrder(ctx, CallPolicy{}, marketBuy(id))
		if ClassOf(err) != ClassRejected {
			t.Fatalf("client order id %q: %v, want rejected", id, err)
		}
	}
	if n := sim.requests(t, pathOrder); n != 1 {
		t.Fatalf("%d order requests, want 1", n)
	}
}

// TestClockSkewCorrected: the server's clock jumps; the refused timestamp
// (-1021) makes the account measure the offset and send the order again.
func TestClockSkewCorrected(t *testing.T) {
	for _, skew := range []time.Duration{10 * time.Second, -10 * time.Second} {
		t.Run(fmt.Sprint(skew), func(t *testing.T) {
			sim := startSim(t, nil)
			reg := newRegistry(t, RegistryOptions{})
			ep := reg.Endpoint(sim.urls())
			acct := reg.Account(ep, demoCreds())
			ctx := ctxTimeout(t)
			if _, err := acct.Balances(ctx, CallPolicy{}); err != nil {
				t.Fatalf("before the skew: %v", err)
			}
			sim.setFaults(t, fmt.Sprintf(`{"clockOffsetMs": %d}`, skew.Milliseconds()))

			o, err := acct.PlaceOrder(ctx, CallPolicy{}, marketBuy("t-skew"))
			if err != nil || o.Status != binance.OrderStatusTypeFilled {
				t.Fatalf("order after the skew: %+v, %v", o, err)
			}
			st := sim.stats(t)
			if st.Orders.Placed != 1 || st.Requests[pathOrder] != 2 || st.Requests["/api/v3/time"] != 1 {
				t.Fatalf("simulator: %d placed, %d order requests, %d time requests; want 1, 2 (refused, then accepted), 1",
					st.Orders.Placed, st.Requests[pathOrder], st.Requests["/api/v3/time"])
			}
			if off := acct.State().ClockOffset; (off - skew).Abs() > time.Second {
				t.Fatalf("account clock offset %v, want about %v", off, skew)
			}
			if off := ep.State().ClockOffset; (off - skew).Abs() > time.Second {
				t.Fatalf("endpoint clock offset %v, want about %v", off, skew)
			}
		})
	}
}

// faultsAfterOrder is a RoundTripper that replaces the simulator's faults
// right after the first order request has been answered, so a test can
// fail that one request and nothing after it.
type faultsAfterOrder struct {
	base http.RoundTripper
	once sync.Once
	then func()
}

func (f *faultsAfterOrder) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := f.base.RoundTrip(req)
	if req.Method == http.MethodPost && req.URL.Path == pathOrder {
		f.once.Do(f.then)
	}
	return res, err
}

// TestOrderWithLostAnswer: the exchange executes an order and answers
// 504 (or refuses it with 503 before executing it). The order is looked
// up by its client order id, never sent twice; "not placed" and "unknown"
// are told apart.
func TestOrderWithLostAnswer(t *testing.T) {
	tests := []struct {
		name       string
		faults     string
		clearAfter bool  // clear the faults once the order request is answered
		wantErr    error // nil: found by lookup
		wantPlaced int64
		// wantLookups is the exact number of lookups, or with atLeast the
		// least.
		wantLookups int64
		atLeast     bool
	}{
		{"executed, answer lost, found", `{"restErrorRate": 1, "restErrorStatus": 504}`, true, nil, 1, 1, false},
		{"executed, lookups fail too", `{"restErrorRate": 1, "restErrorStatus": 504}`, false, ErrOutcomeUnknown, 1, 1, true},
		{"never executed", `{"restErrorRate": 1, "restErrorStatus": 503}`, true, ErrOrderNotPlaced, 0, 1, true},
		{"never executed, lookups fail too", `{"restErrorRate": 1, "restErrorStatus": 503}`, false, ErrOutcomeUnknown, 0, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := startSim(t, nil)
			base := NewTransport(TransportOptions{})
			t.Cleanup(base.CloseIdleConnections)
			tr := &faultsAfterOrder{base: base, then: func() {}}
			if tt.clearAfter {
				tr.then = func() { sim.setFaults(t, `{}`) }
			}
			reg := newRegistry(t, RegistryOptions{Transport: tr})
			acct := reg.Account(reg.Endpoint(sim.urls()), demoCreds())
			ctx := ctxTimeout(t)
			if _, err := acct.Balances(ctx, CallPolicy{}); err != nil {
				t.Fatal(err)
			}
			sim.setFaults(t, tt.faults)
			p := CallPolicy{Retry: RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond},
				Breaker: BreakerSettings{OpenDuration: 100 * time.Millisecond}}
			req := marketBuy("t-lost")
			req.RecvWindow = 300 * time.Millisecond // settles in about a second

			o, err := acct.PlaceOrder(ctx, p, req)
			switch {
			case tt.wantErr == nil && (err != nil || o.Status != binance.OrderStatusTypeFilled || o.ClientOrderID != "t-lost" || !o.FoundByLookup):
				t.Fatalf("PlaceOrder: %+v, %v; want the filled order found by its id", o, err)
			case tt.wantErr != nil && (!errors.Is(err, tt.wantErr) || ClassOf(err) != ClassTransient):
				t.Fatalf("PlaceOrder: %v, want a transient error wrapping %v", err, tt.wantErr)
			case errors.Is(err, ErrOutcomeUnknown) && errors.Is(err, ErrOrderNotPlaced):
				t.Fatalf("PlaceOrder: %v is both unknown and not placed", err)
			}
			var pending PendingOrder
			if tt.wantErr == ErrOutcomeUnknown {
				var ue *UnresolvedOrderError
				if !errors.As(err, &ue) || ue.Order.ClientOrderID != "t-lost" || ue.Order.RecvWindow != req.RecvWindow || ue.Lookups < 1 {
					t.Fatalf("PlaceOrder: %v, want an *UnresolvedOrderError for t-lost with its recvWindow", err)
				}
				pending = ue.Order
			}
			sim.setFaults(t, `{}`)
			st := sim.stats(t)
			// One POST, then GETs (each counted under the same path).
			lookups := st.Requests[pathOrder] - 1
			if st.Orders.Placed != tt.wantPlaced || lookups < tt.wantLookups || (!tt.atLeast && lookups != tt.wantLookups) {
				t.Fatalf("simulator: %d placed, %d order requests; want %d placed, 1 POST + %d lookups (at least: %v)",
					st.Orders.Placed, st.Requests[pathOrder], tt.wantPlaced, tt.wantLookups, tt.atLeast)
			}
			switch {
			case tt.wantErr == ErrOutcomeUnknown:
				// Unknown: the executor resolves it later instead of sending,
				// once the breaker the failures opened lets a call through.
				waitUntil(t, "the breaker to let a lookup through", func() bool {
					return acct.BreakerStatus(p.Breaker).State != BreakerOpen
				})
				o, err := acct.ResolveOrder(ctx, p, pending)
				if tt.wantPlaced == 1 && (err != nil || !o.FoundByLookup || o.Status != binance.OrderStatusTypeFilled) {
					t.Fatalf("ResolveOrder: %+v, %v; want the filled order", o, err)
				}
				if tt.wantPlaced == 0 && !errors.Is(err, ErrOrderNotPlaced) {
					t.Fatalf("ResolveOrder: %+v, %v; want not placed", o, err)
				}
			case tt.wantErr == ErrOrderNotPlaced:
				// Not placed: sending it again with the same id is safe.
				if _, err := acct.PlaceOrder(ctx, p, req); err != nil {
					t.Fatalf("sending again: %v", err)
				}
				tt.wantPlaced = 1
			}
			if tt.wantPlaced == 1 {
				if o, err := acct.GetOrder(ctx, p, "BTCUSDT", "t-lost"); err != nil || o.Status != binance.OrderStatusTypeFilled {
					t.Fatalf("the order afterwards: %+v, %v", o, err)
				}
			}
			if got := sim.stats(t).Orders.Placed; got != tt.wantPlaced {
				t.Fatalf("simulator placed %d orders, want %d", got, tt.wantPlaced)
			}
		})
	}
}

// TestOrderBudget: with the account's 10-second budget spent, the next
// order waits for the next window instead of earning a -1015.
func TestOrderBudget(t *testing.T) {
	clk := newFakeClock(minuteStart.Add(time.Second))
	sim := startSim(t, func(c *exchangesim.Config) { c.Now = clk.Now; c.OrderLimit10s = 5 })
	reg := newRegistry(t, fakeOptions(clk))
	ep := reg.Endpoint(sim.urls())
	acct := reg.Account(ep, demoCreds())
	ctx := ctxTimeout(t)
	if _, err := ep.ExchangeInfo(ctx, CallPolicy{}); err != nil {
		t.Fatal(err)
	}
	const allowed = 4 // 95 % of 5
	for i := range allowed {
		if _, err := acct.PlaceOrder(ctx, CallPolicy{}, restingBuy(fmt.Sprintf("t-budget-%d", i))); err != nil {
			t.Fatalf("order %d: %v", i, err)
		}
	}
	if st := acct.State(); st.Orders10s != allowed || st.OrderLimit10s != 5 {
		t.Fatalf("account state %+v, want %d of 5 orders used", st, allowed)
	}
	done := make(chan error, 1)
	go func() {
		_, err := acct.PlaceOrder(ctx, CallPolicy{}, restingBuy("t-budget-next"))
		done <- err
	}()
	waitUntil(t, "the next order to wait for the budget", func() bool { return clk.Sleepers() == 1 })
	if got := sim.stats(t).Orders.Placed; got != allowed {
		t.Fatalf("simulator placed %d orders while the budget was spent, want %d", got, allowed)
	}
	clk.Advance(10 * time.Second)
	if err := <-done; err != nil {
		t.Fatalf("order in the next window: %v", err)
	}
	st := sim.stats(t)
	if st.Orders.Placed != allowed+1 || st.RateLimited429 != 0 {
		t.Fatalf("simulator: %d placed, %d×429; want %d and none", st.Orders.Placed, st.RateLimited429, allowed+1)
	}
}

// TestShareCapsOrders: a bot's share of orders per 10 seconds holds it back
// while the account still has budget.
func TestShareCapsOrders(t *testing.T) {
	clk := newFakeClock(minuteStart.Add(time.Second))
	sim := startSim(t, func(c *exchangesim.Config) { c.Now = clk.Now })
	reg := newRegistry(t, fakeOptions(clk))
	ep := reg.Endpoint(sim.urls())
	acct := reg.Account(ep, demoCreds())
	share := ep.NewShare("bot", ShareLimits{OrdersPer10s: 2})
	ctx := ctxTimeout(t)
	p := CallPolicy{Share: share}
	for i := range 2 {
		if _, err := acct.PlaceOrder(ctx, p, restingBuy(fmt.Sprintf("t-share-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := acct.PlaceOrder(ctx, p, restingBuy("t-share-2"))
		done <- err
	}()
	waitUntil(t, "the third order to wait for the share", func() bool { return share.State().Waits == 1 })
	if _, err := acct.PlaceOrder(ctx, CallPolicy{}, restingBuy("t-other-bot")); err != nil {
		t.Fatalf("another bot's order: %v", err)
	}
	if got := sim.stats(t).Orders.Placed; got != 3 {
		t.Fatalf("simulator placed %d orders, want 3", got)
	}
	clk.Advance(10 * time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := share.State(); st.Orders10s != 1 || st.OrderLimit10s != 2 {
		t.Fatalf("share %+v, want 1 of 2 orders in the new window", st)
	}
}

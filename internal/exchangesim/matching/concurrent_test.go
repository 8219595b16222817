package matching

import (
	"fmt"
	"math/rand"
	"sync"
	"testing"
)

// TestConcurrentUse drives one engine from several goroutines at once
// (traders on a shared symbol, a price mover, readers); run under -race it
// checks the locking, and afterwards the balance invariants must still hold.
func TestConcurrentUse(t *testing.T) {
	f := newFixture(t)
	const traders, ops = 4, 150
	for i := 0; i < traders; i++ {
		f.fund(fmt.Sprintf("t%d", i), map[string]string{"USDT": "100000", "TST": "1000"})
	}
	var wg sync.WaitGroup
	for i := 0; i < traders; i++ {
		wg.Add(1)
		go func(id string, rng *rand.Rand) {
			defer wg.Done()
			for n := 0; n < ops; n++ {
				side := SideBuy
				if rng.Intn(2) == 0 {
					side = SideSell
				}
				qty := fmt.Sprintf("%d.%03d", rng.Intn(3), 1+rng.Intn(999))
				price := fmt.Sprintf("%d.%02d", 99+rng.Intn(2), rng.Intn(100))
				switch rng.Intn(5) {
				case 0:
					_, _, _, _ = f.e.PlaceOrder(id, tst(side, TypeMarket, "", qty, ""))
				case 1:
					_, _, _, _ = f.e.PlaceOrder(id, tst(side, TypeLimit, IOC, qty, price))
				case 2, 3:
					_, _, _, _ = f.e.PlaceOrder(id, tst(side, TypeLimit, GTC, qty, price))
				case 4:
					if open := f.e.OpenOrders(id, "TSTUSDT"); len(open) > 0 {
						_, _, _ = f.e.CancelOrder(id, "TSTUSDT", open[rng.Intn(len(open))].OrderID, "")
					}
				}
			}
		}(fmt.Sprintf("t%d", i), rand.New(rand.NewSource(int64(i))))
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		for n := 0; n < ops; n++ {
			_, _ = f.e.SetPrice("TSTUSDT", d(fmt.Sprintf("%d.%02d", 99+n%3, n%100)))
		}
	}()
	go func() {
		defer wg.Done()
		for n := 0; n < ops; n++ {
			_, _ = f.e.Depth("TSTUSDT", 20)
			_, _, _, _, _ = f.e.BookTicker("TSTUSDT")
			_, _ = f.e.Balances("t0")
			_ = f.e.AllOrders("t1", OrderQuery{Symbol: "TSTUSDT"})
			_ = f.e.MyTrades("t2", OrderQuery{Symbol: "TSTUSDT"}, 0)
		}
	}()
	wg.Wait()

	var trades int
	for i := 0; i < traders; i++ {
		trades += len(f.e.MyTrades(fmt.Sprintf("t%d", i), OrderQuery{Symbol: "TSTUSDT", Limit: MaxQueryLimit}, 0))
	}
	if trades == 0 {
		t.Fatal("no trades happened; the test exercises nothing")
	}
	f.checkInvariants()
	checkBookNotCrossed(t, f.e, "TSTUSDT")
}

func checkBookNotCrossed(t *testing.T, e *Engine, symbol string) {
	t.Helper()
	bid, _, ask, _, err := e.BookTicker(symbol)
	if err != nil {
		t.Fatal(err)
	}
	if !bid.IsZero() && !ask.IsZero() && !bid.LessThan(ask) {
		t.Errorf("book crossed: bid %s, ask %s", bid, ask)
	}
}

package market

import (
	"sync"
	"testing"
	"time"
)

// TestConcurrentUse runs the simulator's pattern under the race detector:
// one loop advancing the market while request handlers read it.
func TestConcurrentUse(t *testing.T) {
	m := mustNew(t, twoSymbolConfig(), testStart)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i <= 200; i++ {
			m.Advance(testStart.Add(time.Duration(i) * time.Second))
			if i%50 == 0 {
				if _, err := m.SetPrice("BTCUSDT", dec("64000"), testStart.Add(time.Duration(i)*time.Second)); err != nil {
					t.Error(err)
				}
			}
		}
	}()
	for r := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				sym := m.Symbols()[(r+i)%2]
				if _, err := m.Klines(sym, IntervalNames()[i%16], time.Time{}, time.Time{}, 100); err != nil {
					t.Error(err)
				}
				if _, err := m.Ticker24h(sym); err != nil {
					t.Error(err)
				}
				if _, err := m.RecentTrades(sym, 10); err != nil {
					t.Error(err)
				}
				if _, err := m.CurrentKline(sym, "1m"); err != nil {
					t.Error(err)
				}
				if _, ok := m.Price(sym); !ok {
					t.Error("no price")
				}
			}
		}()
	}
	wg.Wait()
	if p, _ := m.Price("BTCUSDT"); !p.IsPositive() {
		t.Fatalf("price %s", p)
	}
}

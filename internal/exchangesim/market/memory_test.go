package market

import (
	"testing"
	"time"
)

// TestMemoryStaysBounded advances a simulated week and more and checks that
// nothing a symbol stores outgrows its bound, and that klines shown before
// their bars were evicted did not change meanwhile.
func TestMemoryStaysBounded(t *testing.T) {
	cfg := twoSymbolConfig()
	cfg.History = 3 * 24 * time.Hour
	m := mustNew(t, cfg, testStart)
	// Narrow intervals are evicted too, but checking them costs more time.
	checked := []string{"15m", "1h", "4h", "1d", "3d", "1w", "1M"}
	seen := map[string]map[time.Time]Kline{}
	for _, iv := range checked {
		seen[iv] = map[time.Time]Kline{}
	}
	checkBounds := func(when time.Duration) {
		t.Helper()
		for _, s := range m.symbols {
			for i := range s.tiers {
				tr := &s.tiers[i]
				if len(tr.closed) > tr.keep || cap(tr.closed) > tr.keep {
					t.Fatalf("+%v %s tier %d holds %d bars (cap %d), keep %d", when, s.p.Symbol, i, len(tr.closed), cap(tr.closed), tr.keep)
				}
			}
			if s.trades.len() > KeepTrades || cap(s.trades.buf) > KeepTrades {
				t.Fatalf("+%v %s holds %d trades", when, s.p.Symbol, s.trades.len())
			}
		}
		for _, iv := range checked {
			for _, k := range allKlines(t, m, "BTCUSDT", iv) {
				if old, ok := seen[iv][k.OpenTime]; ok && old.Closed {
					if err := sameValues(old, k); err != nil {
						t.Fatalf("+%v %s kline %v changed after it closed: %v", when, iv, k.OpenTime, err)
					}
				}
				seen[iv][k.OpenTime] = k
			}
		}
	}
	const week = 7 * 24 * time.Hour
	end := testStart.Add(week + 2*24*time.Hour)
	for d := 12 * time.Hour; !testStart.Add(d).After(end); d += 12 * time.Hour {
		m.Advance(testStart.Add(d))
		checkBounds(d)
	}
	s := m.byName["BTCUSDT"]
	if n := len(s.tiers[tierMinute].closed); n != KeepMinuteBars {
		t.Fatalf("1m tier holds %d bars after 12 days, want it full (%d)", n, KeepMinuteBars)
	}
	mins := allKlines(t, m, "BTCUSDT", "1m")
	if age := end.Sub(mins[0].OpenTime); age > week+time.Minute {
		t.Fatalf("oldest 1m kline is %v old", age)
	}
	if weeks := allKlines(t, m, "BTCUSDT", "1w"); len(weeks) < 2 {
		t.Fatalf("%d 1w klines after 12 days", len(weeks))
	}
}

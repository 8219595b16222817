package market

import (
	"testing"
	"time"
)

// TestExtremeTicks runs the shortest and the longest tick the simulator
// accepts: both must give a continuous, consistent market.
func TestExtremeTicks(t *testing.T) {
	for _, tick := range []time.Duration{MinTick, 7 * time.Second, time.Minute, MaxTick} {
		t.Run(tick.String(), func(t *testing.T) {
			cfg := twoSymbolConfig()
			cfg.Tick = tick
			m := mustNew(t, cfg, testStart)
			now := testStart.Add(3*tick + 2*time.Hour) // the last call catches up a gap
			for _, at := range []time.Time{testStart.Add(tick), testStart.Add(3 * tick), now} {
				m.Advance(at)
			}
			// Ids increase; they skip the trades of a gap generated as bars.
			trades, _ := m.RecentTrades("BTCUSDT", 1000)
			for i := 1; i < len(trades); i++ {
				if trades[i].ID <= trades[i-1].ID || trades[i].Time.Before(trades[i-1].Time) {
					t.Fatalf("trades out of order: %+v then %+v", trades[i-1], trades[i])
				}
			}
			for _, iv := range []string{"1s", "1m", "1h", "1d"} {
				ks := allKlines(t, m, "BTCUSDT", iv)
				last := ks[len(ks)-1]
				if last.Closed || now.Before(last.OpenTime) || now.After(last.CloseTime) {
					t.Fatalf("%s: newest kline %v-%v closed=%v, now %v", iv, last.OpenTime, last.CloseTime, last.Closed, now)
				}
				for i := 1; i < len(ks); i++ {
					if !ks[i].Open.Equal(ks[i-1].Close) || !ks[i].OpenTime.Equal(ks[i-1].CloseTime.Add(time.Millisecond)) {
						t.Fatalf("%s klines %v and %v do not join", iv, ks[i-1].OpenTime, ks[i].OpenTime)
					}
				}
			}
			if tk, _ := m.Ticker24h("BTCUSDT"); tk.Count == 0 || !tk.CloseTime.Equal(now) {
				t.Fatalf("ticker %+v", tk)
			}
		})
	}
}

package market

import (
	"testing"
	"time"
)

func TestHistoryEndsAtStartPrice(t *testing.T) {
	m := mustNew(t, Config{Seed: 3, Symbols: eightSymbols()}, testStart)
	for _, p := range eightSymbols() {
		got, ok := m.Price(p.Symbol)
		if !ok || !got.Equal(p.StartPrice) {
			t.Errorf("%s starts at %s, want %s", p.Symbol, got, p.StartPrice)
		}
		trades, _ := m.RecentTrades(p.Symbol, 0)
		if len(trades) != 500 || !trades[499].Time.Equal(testStart) {
			t.Errorf("%s: %d recent trades, newest at %v", p.Symbol, len(trades), trades[len(trades)-1].Time)
		}
		tk, _ := m.Ticker24h(p.Symbol)
		if tk.Count < 100000 || tk.FirstID != 1 || tk.Volume.Sign() <= 0 {
			t.Errorf("%s: 24h ticker %+v does not cover a day of history", p.Symbol, tk)
		}
		secs, _ := m.Klines(p.Symbol, "1s", time.Time{}, time.Time{}, 1000)
		if len(secs) < WarmupSteps {
			t.Errorf("%s: %d 1s klines after warm-up", p.Symbol, len(secs))
		}
	}
	if got := m.Symbols(); len(got) != 8 || got[0] != "ADAUSDT" || got[7] != "XRPUSDT" {
		t.Errorf("symbols %v, want sorted", got)
	}
}

func TestTradeSizesAndCounts(t *testing.T) {
	m := mustNew(t, twoSymbolConfig(), testStart)
	ups := m.Advance(testStart.Add(10 * time.Minute))
	steps, trades := 0, 0
	total := dec("0")
	for _, u := range ups {
		if u.Symbol != "BTCUSDT" {
			continue
		}
		steps++
		for _, tr := range u.Trades {
			trades++
			total = total.Add(tr.Qty)
			if tr.Qty.LessThan(dec("0.00001")) || tr.Qty.GreaterThan(dec("0.4")) {
				t.Fatalf("trade size %s outside [1 step, 20x mean]", tr.Qty)
			}
		}
	}
	mean := total.Div(dec("1").Mul(decimalFromInt(trades)))
	if steps != 600 || trades < 2*600 || trades > 3*600 {
		t.Fatalf("%d steps with %d trades", steps, trades)
	}
	if mean.LessThan(dec("0.016")) || mean.GreaterThan(dec("0.024")) {
		t.Fatalf("mean trade %s, want about 0.02", mean)
	}
}

func TestLongGapsAreBounded(t *testing.T) {
	m := mustNew(t, twoSymbolConfig(), testStart)
	later := testStart.Add(3 * 365 * 24 * time.Hour) // beyond every tier
	ups := m.Advance(later)
	// The fine window is FineCatchUp rounded back to a whole minute.
	cut := later.Add(-FineCatchUp).Truncate(time.Minute)
	if want := 2 * int(later.Sub(cut)/time.Second+1); len(ups) != want {
		t.Fatalf("%d updates after a 3-year gap, want the fine window's %d", len(ups), want)
	}
	if !ups[0].Time.Equal(cut) {
		t.Fatalf("first update at %v, want %v", ups[0].Time, cut)
	}
	days := allKlines(t, m, "BTCUSDT", "1d")
	if len(days) < 999 || len(days) > KeepDayBars+1 {
		t.Fatalf("%d 1d klines", len(days))
	}
	tk, _ := m.Ticker24h("BTCUSDT")
	if tk.Count < 100000 || !tk.CloseTime.Equal(later) {
		t.Fatalf("ticker after a long gap %+v", tk)
	}
	p, _ := m.Price("BTCUSDT")
	if !p.IsPositive() || !p.Equal(ups[len(ups)-2].Price) {
		t.Fatalf("price %s", p)
	}
}

package market

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestTicker24hMatchesKlines(t *testing.T) {
	m := mustNew(t, twoSymbolConfig(), testStart)
	for _, d := range []time.Duration{0, 90 * time.Second, 3 * time.Hour} {
		now := testStart.Add(d)
		m.Advance(now)
		for _, sym := range m.Symbols() {
			tk, err := m.Ticker24h(sym)
			if err != nil {
				t.Fatal(err)
			}
			wantOpen := now.Add(-24 * time.Hour).Truncate(time.Minute)
			if !tk.OpenTime.Equal(wantOpen) || !tk.CloseTime.Equal(now) || tk.Symbol != sym {
				t.Fatalf("%s window %v-%v, want %v-%v", sym, tk.OpenTime, tk.CloseTime, wantOpen, now)
			}
			ks, _ := m.Klines(sym, "1m", tk.OpenTime, time.Time{}, 1000)
			ks2, _ := m.Klines(sym, "1m", ks[len(ks)-1].OpenTime.Add(time.Minute), time.Time{}, 1000)
			agg := merge(append(ks, ks2...))
			price, _ := m.Price(sym)
			checks := []struct {
				name      string
				got, want decimal.Decimal
			}{
				{"open", tk.OpenPrice, agg.Open}, {"prev close", tk.PrevClosePrice, agg.Open},
				{"last", tk.LastPrice, price}, {"last vs close", tk.LastPrice, agg.Close},
				{"high", tk.HighPrice, agg.High}, {"low", tk.LowPrice, agg.Low},
				{"volume", tk.Volume, agg.Volume}, {"quote volume", tk.QuoteVolume, agg.QuoteVolume},
				{"change", tk.PriceChange, price.Sub(agg.Open)},
				{"change %", tk.PriceChangePercent, price.Sub(agg.Open).Mul(decimal.NewFromInt(100)).DivRound(agg.Open, 3)},
			}
			for _, c := range checks {
				if !c.got.Equal(c.want) {
					t.Errorf("%s at +%v: %s %s, want %s", sym, d, c.name, c.got, c.want)
				}
			}
			if tk.Count != agg.TradeCount || tk.FirstID != agg.FirstTradeID || tk.LastID != agg.LastTradeID {
				t.Errorf("%s: trades %d [%d,%d], klines say %d [%d,%d]", sym, tk.Count, tk.FirstID, tk.LastID, agg.TradeCount, agg.FirstTradeID, agg.LastTradeID)
			}
			if tk.WeightedAvgPrice.LessThan(tk.LowPrice) || tk.WeightedAvgPrice.GreaterThan(tk.HighPrice) {
				t.Errorf("%s: weighted average %s outside [%s,%s]", sym, tk.WeightedAvgPrice, tk.LowPrice, tk.HighPrice)
			}
			if tk.PriceChangePercent.Exponent() < -3 {
				t.Errorf("%s: change %% %s has more than 3 decimals", sym, tk.PriceChangePercent)
			}
			trades, _ := m.RecentTrades(sym, 1)
			if !tk.LastQty.Equal(trades[0].Qty) || tk.LastID != trades[0].ID {
				t.Errorf("%s: last qty %s id %d, last trade %+v", sym, tk.LastQty, tk.LastID, trades[0])
			}
		}
	}
}

func TestTicker24hWindowSlides(t *testing.T) {
	m := mustNew(t, twoSymbolConfig(), testStart)
	before, _ := m.Ticker24h("BTCUSDT")
	m.Advance(testStart.Add(10 * time.Minute))
	after, _ := m.Ticker24h("BTCUSDT")
	if !after.OpenTime.Equal(before.OpenTime.Add(10*time.Minute)) || after.FirstID <= before.FirstID || after.LastID <= before.LastID {
		t.Fatalf("window did not slide: before %v [%d,%d], after %v [%d,%d]", before.OpenTime, before.FirstID, before.LastID, after.OpenTime, after.FirstID, after.LastID)
	}
}

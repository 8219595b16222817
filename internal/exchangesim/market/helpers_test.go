package market

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

var dec = decimal.RequireFromString

// testStart is deliberately not aligned to a minute.
var testStart = time.Date(2026, 3, 15, 12, 30, 20, 0, time.UTC)

// eightSymbols resembles the simulator's built-in symbols.
func eightSymbols() []SymbolParams {
	row := func(sym, price, tick, step, mean string, vol float64) SymbolParams {
		return SymbolParams{Symbol: sym, StartPrice: dec(price), TickSize: dec(tick), StepSize: dec(step), Volatility: vol, MeanTradeQty: dec(mean)}
	}
	return []SymbolParams{
		row("BTCUSDT", "65000.00", "0.01", "0.00001", "0.02", 0.55),
		row("ETHUSDT", "3200.00", "0.01", "0.0001", "0.3", 0.70),
		row("BNBUSDT", "600.00", "0.01", "0.001", "1", 0.60),
		row("SOLUSDT", "150.00", "0.01", "0.001", "5", 0.90),
		row("XRPUSDT", "0.5500", "0.0001", "0.1", "500", 0.80),
		row("ADAUSDT", "0.4500", "0.0001", "0.1", "800", 0.85),
		row("DOGEUSDT", "0.15000", "0.00001", "1", "3000", 1.00),
		row("LTCUSDT", "80.00", "0.01", "0.001", "5", 0.75),
	}
}

func twoSymbolConfig() Config {
	all := eightSymbols()
	return Config{Seed: 7, Symbols: []SymbolParams{all[0], all[6]}}
}

func mustNew(t testing.TB, cfg Config, start time.Time) *Market {
	t.Helper()
	m, err := New(cfg, start)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// dump renders everything a client can observe of a market.
func dump(t testing.TB, m *Market) string {
	t.Helper()
	var b strings.Builder
	for _, sym := range m.Symbols() {
		p, _ := m.Price(sym)
		fmt.Fprintf(&b, "%s price %s\n", sym, p)
		trades, err := m.RecentTrades(sym, 1000)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "trades %v\n", trades)
		for _, iv := range IntervalNames() {
			ks, err := m.Klines(sym, iv, time.Time{}, time.Time{}, 1000)
			if err != nil {
				t.Fatal(err)
			}
			cur, err := m.CurrentKline(sym, iv)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %v\ncurrent %v\n", iv, ks, cur)
		}
		tk, err := m.Ticker24h(sym)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "ticker %+v\n", tk)
	}
	return b.String()
}

// allKlines pages through every kline of an interval, oldest first.
func allKlines(t testing.TB, m *Market, sym, iv string) []Kline {
	t.Helper()
	var out []Kline
	start := time.UnixMilli(0)
	for {
		ks, err := m.Klines(sym, iv, start, time.Time{}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ks...)
		if len(ks) < 1000 {
			return out
		}
		start = ks[len(ks)-1].OpenTime.Add(time.Millisecond)
	}
}

// merge aggregates consecutive klines the way a wider interval must.
func merge(ks []Kline) Kline {
	agg := ks[0]
	agg.FirstTradeID, agg.LastTradeID = -1, -1
	agg.Volume, agg.QuoteVolume = decimal.Zero, decimal.Zero
	agg.TakerBuyBaseVolume, agg.TakerBuyQuoteVolume = decimal.Zero, decimal.Zero
	agg.TradeCount = 0
	for _, k := range ks {
		agg.High = decimal.Max(agg.High, k.High)
		agg.Low = decimal.Min(agg.Low, k.Low)
		agg.Close = k.Close
		agg.Volume = agg.Volume.Add(k.Volume)
		agg.QuoteVolume = agg.QuoteVolume.Add(k.QuoteVolume)
		agg.TakerBuyBaseVolume = agg.TakerBuyBaseVolume.Add(k.TakerBuyBaseVolume)
		agg.TakerBuyQuoteVolume = agg.TakerBuyQuoteVolume.Add(k.TakerBuyQuoteVolume)
		agg.TradeCount += k.TradeCount
		if k.TradeCount > 0 {
			if agg.FirstTradeID < 0 {
				agg.FirstTradeID = k.FirstTradeID
			}
			agg.LastTradeID = k.LastTradeID
		}
	}
	return agg
}

// sameValues compares the market data of two klines (not times or Closed).
func sameValues(a, b Kline) error {
	pairs := []struct {
		name string
		x, y decimal.Decimal
	}{
		{"open", a.Open, b.Open}, {"high", a.High, b.High}, {"low", a.Low, b.Low}, {"close", a.Close, b.Close},
		{"volume", a.Volume, b.Volume}, {"quote volume", a.QuoteVolume, b.QuoteVolume},
		{"taker buy volume", a.TakerBuyBaseVolume, b.TakerBuyBaseVolume},
		{"taker buy quote volume", a.TakerBuyQuoteVolume, b.TakerBuyQuoteVolume},
	}
	for _, p := range pairs {
		if !p.x.Equal(p.y) {
			return fmt.Errorf("%s %s != %s", p.name, p.x, p.y)
		}
	}
	if a.TradeCount != b.TradeCount || a.FirstTradeID != b.FirstTradeID || a.LastTradeID != b.LastTradeID {
		return fmt.Errorf("trades %d [%d,%d] != %d [%d,%d]", a.TradeCount, a.FirstTradeID, a.LastTradeID, b.TradeCount, b.FirstTradeID, b.LastTradeID)
	}
	return nil
}

// wantAPIError checks err is the *apierr.Error with the given code.
func wantAPIError(t *testing.T, err error, code int) {
	t.Helper()
	var ae *apierr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an *apierr.Error", err)
	}
	if ae.Code != code || ae.Status != 400 {
		t.Fatalf("got code %d status %d, want %d status 400", ae.Code, ae.Status, code)
	}
}

func decimalFromInt(n int) decimal.Decimal { return decimal.NewFromInt(int64(n)) }

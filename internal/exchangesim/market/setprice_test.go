package market

import (
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

func TestSetPrice(t *testing.T) {
	m := mustNew(t, twoSymbolConfig(), testStart)
	m.Advance(testStart.Add(10 * time.Second))
	at := testStart.Add(10*time.Second + 400*time.Millisecond)
	u, err := m.SetPrice("BTCUSDT", dec("70000.004"), at)
	if err != nil {
		t.Fatal(err)
	}
	want := dec("70000")
	if u.Symbol != "BTCUSDT" || !u.Price.Equal(want) || len(u.Trades) != 1 || !u.Trades[0].Price.Equal(want) || !u.Time.Equal(at) || !u.Trades[0].Time.Equal(at) {
		t.Fatalf("update %+v", u)
	}
	if u.Trades[0].BuyerIsMaker {
		t.Fatal("a jump up was a seller's trade")
	}
	if p, _ := m.Price("BTCUSDT"); !p.Equal(want) {
		t.Fatalf("price %s", p)
	}
	trades, _ := m.RecentTrades("BTCUSDT", 1)
	if lt := trades[0]; lt.ID != u.Trades[0].ID || !lt.Price.Equal(want) || !lt.Qty.Equal(dec("0.02")) || !lt.Time.Equal(at) {
		t.Fatalf("last trade %+v, update %+v", trades[0], u.Trades[0])
	}
	for _, iv := range []string{"1s", "1m", "1d"} {
		k, _ := m.CurrentKline("BTCUSDT", iv)
		if !k.Close.Equal(want) || k.High.LessThan(want) || k.LastTradeID != u.Trades[0].ID {
			t.Fatalf("%s kline does not reflect the override: %+v", iv, k)
		}
	}
	if tk, _ := m.Ticker24h("BTCUSDT"); !tk.LastPrice.Equal(want) || !tk.CloseTime.Equal(at) {
		t.Fatalf("ticker %+v", tk)
	}
	// The other symbol is untouched, and the path continues from the override.
	ups := m.Advance(testStart.Add(20 * time.Second))
	n := 0
	for _, u := range ups {
		if u.Symbol != "BTCUSDT" {
			continue
		}
		n++
		if u.Time.Before(at) {
			t.Fatalf("step at %v, before the override at %v", u.Time, at)
		}
		if diff := u.Price.Sub(want).Abs(); diff.GreaterThan(dec("700")) {
			t.Fatalf("price %s strayed from the override", u.Price)
		}
	}
	if n != 10 {
		t.Fatalf("%d BTCUSDT steps after the override, want 10", n)
	}
}

func TestSetPriceInThePastHappensNow(t *testing.T) {
	m := mustNew(t, twoSymbolConfig(), testStart)
	m.Advance(testStart.Add(time.Minute))
	u, err := m.SetPrice("DOGEUSDT", dec("0.1"), testStart)
	if err != nil {
		t.Fatal(err)
	}
	if !u.Time.Equal(testStart.Add(time.Minute)) || !u.Trades[0].BuyerIsMaker {
		t.Fatalf("update %+v", u)
	}
}

func TestSetPriceErrors(t *testing.T) {
	m := mustNew(t, twoSymbolConfig(), testStart)
	_, err := m.SetPrice("NOPE", dec("1"), testStart)
	wantAPIError(t, err, apierr.CodeInvalidSymbol)
	for _, p := range []string{"0", "-5", "0.004", "1e30"} {
		_, err = m.SetPrice("BTCUSDT", dec(p), testStart)
		wantAPIError(t, err, apierr.CodeMandatoryParam)
	}
	if p, _ := m.Price("BTCUSDT"); !p.Equal(dec("65000")) {
		t.Fatalf("a refused override changed the price to %s", p)
	}
}

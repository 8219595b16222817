package market

import (
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// checkAggregation asserts that every kline of a wide interval whose span is
// covered by the narrow klines equals their aggregation.
func checkAggregation(t *testing.T, m *Market, sym, narrow, wide string) int {
	t.Helper()
	small := allKlines(t, m, sym, narrow)
	checked := 0
	for _, k := range allKlines(t, m, sym, wide) {
		var parts []Kline
		for _, s := range small {
			if !s.OpenTime.Before(k.OpenTime) && !s.OpenTime.After(k.CloseTime) {
				parts = append(parts, s)
			}
		}
		// The narrow klines must cover the wide kline's whole span, unless
		// they start with the very first trade (both then start at genesis).
		fromGenesis := small[0].FirstTradeID == 1
		if len(parts) == 0 || (k.OpenTime.Before(small[0].OpenTime) && !fromGenesis) {
			continue
		}
		if err := sameValues(k, merge(parts)); err != nil {
			t.Errorf("%s %s kline %v != aggregation of its %d %s klines: %v", sym, wide, k.OpenTime, len(parts), narrow, err)
		}
		if want := parts[len(parts)-1].Closed; k.Closed != want && k.OpenTime.Equal(parts[0].OpenTime) {
			t.Errorf("%s %s kline %v closed=%v, its last part closed=%v", sym, wide, k.OpenTime, k.Closed, want)
		}
		checked++
	}
	return checked
}

func TestWideKlinesAggregateNarrowOnes(t *testing.T) {
	m := mustNew(t, twoSymbolConfig(), testStart)
	m.Advance(testStart.Add(150 * time.Second))
	for _, sym := range m.Symbols() {
		for _, wide := range []string{"3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"} {
			if n := checkAggregation(t, m, sym, "1m", wide); n == 0 {
				t.Errorf("%s %s: no kline checked", sym, wide)
			}
		}
		// 1s klines only cover the recent, trade-by-trade part.
		if n := checkAggregation(t, m, sym, "1s", "1m"); n < 10 {
			t.Errorf("%s: only %d 1m klines checked against 1s klines", sym, n)
		}
	}
}

func TestLongHistoryTiersAgree(t *testing.T) {
	// 40 days: 1m bars for the last 7 days, 1h bars before that.
	cfg := twoSymbolConfig()
	cfg.History = 40 * 24 * time.Hour
	m := mustNew(t, cfg, testStart)
	for _, sym := range m.Symbols() {
		for _, wide := range []string{"2h", "12h", "1d", "3d", "1w", "1M"} {
			if n := checkAggregation(t, m, sym, "1h", wide); n == 0 {
				t.Errorf("%s %s: no kline checked against 1h", sym, wide)
			}
		}
		if n := checkAggregation(t, m, sym, "1m", "1d"); n < 6 {
			t.Errorf("%s: %d 1d klines checked against 1m, want the last 6 at least", sym, n)
		}
		hours := allKlines(t, m, sym, "1h")
		if got := testStart.Sub(hours[0].OpenTime); got < 39*24*time.Hour {
			t.Errorf("%s: 1h klines reach back %v, want the whole 40 days", sym, got)
		}
	}
}

func TestKlinesAreContinuousAndOnTheGrid(t *testing.T) {
	m := mustNew(t, twoSymbolConfig(), testStart)
	m.Advance(testStart.Add(90 * time.Second))
	for _, sym := range m.Symbols() {
		s := m.byName[sym]
		for _, iv := range IntervalNames() {
			ks := allKlines(t, m, sym, iv)
			if len(ks) == 0 {
				t.Fatalf("%s %s: no klines", sym, iv)
			}
			for i, k := range ks {
				for _, p := range []Kline{k} {
					for _, v := range [...]struct{ name, val string }{{"open", p.Open.String()}, {"close", p.Close.String()}} {
						if !dec(v.val).Mod(s.tick).IsZero() {
							t.Fatalf("%s %s %s %s off the tick grid", sym, iv, v.name, v.val)
						}
					}
				}
				if !k.Volume.Mod(s.step).IsZero() || k.Low.GreaterThan(k.Open) || k.High.LessThan(k.Close) || !k.Low.IsPositive() {
					t.Fatalf("%s %s kline %v is inconsistent: %+v", sym, iv, k.OpenTime, k)
				}
				if k.TakerBuyBaseVolume.GreaterThan(k.Volume) {
					t.Fatalf("%s %s kline %v: taker buy volume above volume", sym, iv, k.OpenTime)
				}
				if i == 0 {
					continue
				}
				prev := ks[i-1]
				if !k.Open.Equal(prev.Close) {
					t.Fatalf("%s %s kline %v opens at %s, previous closed at %s", sym, iv, k.OpenTime, k.Open, prev.Close)
				}
				if !k.OpenTime.Equal(prev.CloseTime.Add(time.Millisecond)) {
					t.Fatalf("%s %s kline %v does not follow %v", sym, iv, k.OpenTime, prev.CloseTime)
				}
				if prev.TradeCount > 0 && k.TradeCount > 0 && k.FirstTradeID <= prev.LastTradeID {
					t.Fatalf("%s %s trade ids overlap at %v", sym, iv, k.OpenTime)
				}
				if !prev.Closed {
					t.Fatalf("%s %s: kline %v before the last is not closed", sym, iv, prev.OpenTime)
				}
			}
			if ks[len(ks)-1].Closed {
				t.Fatalf("%s %s: the last kline is closed", sym, iv)
			}
		}
	}
}

func TestOneSecondKlinesMatchTrades(t *testing.T) {
	cfg := twoSymbolConfig()
	cfg.Tick = 250 * time.Millisecond
	m := mustNew(t, cfg, testStart)
	m.Advance(testStart.Add(20 * time.Second))
	trades, _ := m.RecentTrades("BTCUSDT", 1000)
	secs, _ := m.Klines("BTCUSDT", "1s", trades[0].Time.Truncate(time.Second).Add(time.Second), time.Time{}, 1000)
	if len(secs) < 100 {
		t.Fatalf("%d 1s klines", len(secs))
	}
	takerBuys := 0
	for _, k := range secs {
		var n int64
		vol, quote, buyVol, buyQuote := dec("0"), dec("0"), dec("0"), dec("0")
		for _, tr := range trades {
			if !tr.Time.Before(k.OpenTime) && !tr.Time.After(k.CloseTime) {
				n++
				vol = vol.Add(tr.Qty)
				quote = quote.Add(tr.Qty.Mul(tr.Price))
				if !tr.BuyerIsMaker {
					buyVol = buyVol.Add(tr.Qty)
					buyQuote = buyQuote.Add(tr.Qty.Mul(tr.Price))
				}
				if tr.Price.GreaterThan(k.High) || tr.Price.LessThan(k.Low) {
					t.Fatalf("trade %+v outside kline %v [%s,%s]", tr, k.OpenTime, k.Low, k.High)
				}
				if tr.ID < k.FirstTradeID || tr.ID > k.LastTradeID {
					t.Fatalf("trade %d outside kline ids [%d,%d]", tr.ID, k.FirstTradeID, k.LastTradeID)
				}
			}
		}
		if n != k.TradeCount || !vol.Equal(k.Volume) || !quote.Equal(k.QuoteVolume) {
			t.Fatalf("1s kline %v: %d trades %s volume %s quote, trades say %d %s %s", k.OpenTime, k.TradeCount, k.Volume, k.QuoteVolume, n, vol, quote)
		}
		if !buyVol.Equal(k.TakerBuyBaseVolume) || !buyQuote.Equal(k.TakerBuyQuoteVolume) {
			t.Fatalf("1s kline %v: taker buys %s/%s, trades say %s/%s", k.OpenTime, k.TakerBuyBaseVolume, k.TakerBuyQuoteVolume, buyVol, buyQuote)
		}
		takerBuys += buyVol.Sign()
	}
	if takerBuys < 10 {
		t.Fatalf("only %d 1s klines with taker buys", takerBuys)
	}
}

func TestClosedKlinesNeverChange(t *testing.T) {
	m := mustNew(t, twoSymbolConfig(), testStart)
	before := map[string][]Kline{}
	for _, iv := range IntervalNames() {
		before[iv] = allKlines(t, m, "BTCUSDT", iv)
	}
	m.Advance(testStart.Add(2 * time.Hour)) // includes a catch-up as bars
	for _, iv := range IntervalNames() {
		after := map[time.Time]Kline{}
		for _, k := range allKlines(t, m, "BTCUSDT", iv) {
			after[k.OpenTime] = k
		}
		for _, k := range before[iv] {
			a, still := after[k.OpenTime]
			if !k.Closed || !still {
				continue
			}
			if err := sameValues(k, a); err != nil || !a.Closed {
				t.Fatalf("%s closed kline %v changed: %v", iv, k.OpenTime, err)
			}
		}
	}
}

func TestIntervalAlignment(t *testing.T) {
	cfg := twoSymbolConfig()
	cfg.History = 70 * 24 * time.Hour // reaches back to early January
	m := mustNew(t, cfg, testStart)
	for _, iv := range []string{"1d", "3d", "1w", "1M"} {
		ks := allKlines(t, m, "BTCUSDT", iv)
		if len(ks) < 3 {
			t.Fatalf("%s: %d klines", iv, len(ks))
		}
		for _, k := range ks {
			o, c := k.OpenTime, k.CloseTime
			if o.Location() != time.UTC || o.Hour() != 0 || o.Minute() != 0 || o.Second() != 0 || o.Nanosecond() != 0 {
				t.Fatalf("%s kline opens at %v, not midnight UTC", iv, o)
			}
			switch iv {
			case "1d":
				if c != o.Add(24*time.Hour-time.Millisecond) {
					t.Fatalf("1d close %v", c)
				}
			case "3d":
				if o.UnixMilli()%(3*msDay) != 0 || c != o.Add(72*time.Hour-time.Millisecond) {
					t.Fatalf("3d kline %v-%v not aligned to the epoch", o, c)
				}
			case "1w":
				if o.Weekday() != time.Monday || c != o.Add(7*24*time.Hour-time.Millisecond) {
					t.Fatalf("1w kline %v (%v) does not start on Monday", o, o.Weekday())
				}
			case "1M":
				next := time.Date(o.Year(), o.Month()+1, 1, 0, 0, 0, 0, time.UTC)
				if o.Day() != 1 || c != next.Add(-time.Millisecond) {
					t.Fatalf("1M kline %v-%v is not a calendar month", o, c)
				}
			}
		}
	}
	months := allKlines(t, m, "BTCUSDT", "1M")
	var feb Kline
	for _, k := range months {
		if k.OpenTime.Month() == time.February {
			feb = k
		}
	}
	if want := time.Date(2026, 2, 28, 23, 59, 59, 999e6, time.UTC); feb.CloseTime != want || !feb.Closed {
		t.Fatalf("February 2026 kline %+v, want closed at %v", feb, want)
	}
}

func TestIntervalBuckets(t *testing.T) {
	at := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	tests := []struct {
		iv, at, floor, next, prev string
	}{
		{"1s", "2026-03-15T12:30:20.500Z", "2026-03-15T12:30:20Z", "2026-03-15T12:30:21Z", "2026-03-15T12:30:19Z"},
		{"15m", "2026-03-15T12:44:59.999Z", "2026-03-15T12:30:00Z", "2026-03-15T12:45:00Z", "2026-03-15T12:15:00Z"},
		{"4h", "2026-03-15T03:59:00Z", "2026-03-15T00:00:00Z", "2026-03-15T04:00:00Z", "2026-03-14T20:00:00Z"},
		{"3d", "2026-03-15T12:00:00Z", "2026-03-14T00:00:00Z", "2026-03-17T00:00:00Z", "2026-03-11T00:00:00Z"},
		{"1w", "2026-03-15T23:59:59Z", "2026-03-09T00:00:00Z", "2026-03-16T00:00:00Z", "2026-03-02T00:00:00Z"},
		{"1w", "2026-03-16T00:00:00Z", "2026-03-16T00:00:00Z", "2026-03-23T00:00:00Z", "2026-03-09T00:00:00Z"},
		{"1M", "2026-03-15T12:00:00Z", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z", "2026-02-01T00:00:00Z"},
		{"1M", "2026-01-31T23:59:59Z", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z", "2025-12-01T00:00:00Z"},
		{"1M", "2024-02-29T10:00:00Z", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z", "2024-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		iv, ok := lookupInterval(tt.iv)
		if !ok {
			t.Fatalf("%s unknown", tt.iv)
		}
		f := iv.floor(at(tt.at))
		if f != at(tt.floor) || iv.next(f) != at(tt.next) || iv.prev(f) != at(tt.prev) {
			t.Errorf("%s at %s: floor %v next %v prev %v", tt.iv, tt.at, time.UnixMilli(f).UTC(), time.UnixMilli(iv.next(f)).UTC(), time.UnixMilli(iv.prev(f)).UTC())
		}
		if c := iv.ceil(at(tt.at)); (f == at(tt.at) && c != f) || (f != at(tt.at) && c != iv.next(f)) {
			t.Errorf("%s ceil(%s) = %v", tt.iv, tt.at, time.UnixMilli(c).UTC())
		}
	}
}

func TestValidInterval(t *testing.T) {
	for _, iv := range []string{"1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"} {
		if !ValidInterval(iv) {
			t.Errorf("%s refused", iv)
		}
	}
	for _, iv := range []string{"", "1", "2m", "1H", "1D", "1W", "2d", "1y", "60s", " 1m", "1mo"} {
		if ValidInterval(iv) {
			t.Errorf("%q accepted", iv)
		}
	}
	if n := len(IntervalNames()); n != 16 {
		t.Errorf("%d interval names", n)
	}
}

func TestKlinesStartEndLimit(t *testing.T) {
	m := mustNew(t, twoSymbolConfig(), testStart) // 12:30:20; history from 12:30 the day before
	now := testStart.Truncate(time.Minute)        // the open 1m kline
	origin := now.Add(-24 * time.Hour)            // the first 1m kline
	min := func(n int) time.Time { return now.Add(time.Duration(n) * time.Minute) }
	var zero time.Time
	tests := []struct {
		name        string
		start, end  time.Time
		limit       int
		count       int
		first, last time.Time
	}{
		{"none: newest 500", zero, zero, 0, 500, min(-499), now},
		{"limit", zero, zero, 5, 5, min(-4), now},
		{"limit above max", zero, zero, 5000, 1000, min(-999), now},
		{"negative limit is the default", zero, zero, -1, 500, min(-499), now},
		{"start aligned", min(-10), zero, 0, 11, min(-10), now},
		{"start inside a kline", min(-10).Add(time.Millisecond), zero, 0, 10, min(-9), now},
		{"start with limit", min(-10), zero, 3, 3, min(-10), min(-8)},
		{"end only", zero, min(-60).Add(20 * time.Second), 0, 500, min(-559), min(-60)},
		{"end on an open time", zero, min(-60), 2, 2, min(-61), min(-60)},
		{"start and end", min(-60).Add(20 * time.Second), min(-50).Add(20 * time.Second), 0, 10, min(-59), min(-50)},
		{"start equals end: one kline", min(-7), min(-7), 1, 1, min(-7), min(-7)},
		{"start equals end inside a kline", min(-7).Add(time.Second), min(-7).Add(time.Second), 1, 0, zero, zero},
		{"start and end beyond limit", min(-600), min(-10), 100, 100, min(-600), min(-501)},
		{"start before history", origin.Add(-48 * time.Hour), zero, 1000, 1000, origin, origin.Add(999 * time.Minute)},
		{"end before history", zero, origin.Add(-time.Minute), 0, 0, zero, zero},
		{"start after now", now.Add(time.Minute), zero, 0, 0, zero, zero},
		{"start after end", min(-5), min(-10), 0, 0, zero, zero},
		{"end after now", zero, now.Add(time.Hour), 3, 3, min(-2), now},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks, err := m.Klines("BTCUSDT", "1m", tt.start, tt.end, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(ks) != tt.count {
				t.Fatalf("%d klines, want %d", len(ks), tt.count)
			}
			if tt.count == 0 {
				return
			}
			if !ks[0].OpenTime.Equal(tt.first) || !ks[len(ks)-1].OpenTime.Equal(tt.last) {
				t.Fatalf("klines %v..%v, want %v..%v", ks[0].OpenTime, ks[len(ks)-1].OpenTime, tt.first, tt.last)
			}
			wantOpen := ks[len(ks)-1].OpenTime.Equal(now)
			if ks[len(ks)-1].Closed == wantOpen {
				t.Fatalf("last kline closed=%v", ks[len(ks)-1].Closed)
			}
		})
	}
	// Wider intervals: the young first bucket is partial, as on Binance.
	hours, _ := m.Klines("BTCUSDT", "1h", time.Time{}, time.Time{}, 0)
	if len(hours) != 25 || !hours[0].OpenTime.Equal(origin.Truncate(time.Hour)) {
		t.Fatalf("%d 1h klines from %v", len(hours), hours[0].OpenTime)
	}
}

func TestCurrentKline(t *testing.T) {
	m := mustNew(t, twoSymbolConfig(), testStart)
	m.Advance(testStart.Add(45 * time.Second))
	p, _ := m.Price("BTCUSDT")
	for _, iv := range IntervalNames() {
		cur, err := m.CurrentKline("BTCUSDT", iv)
		if err != nil {
			t.Fatal(err)
		}
		ks, _ := m.Klines("BTCUSDT", iv, time.Time{}, time.Time{}, 1)
		if len(ks) != 1 || cur.Closed || !cur.OpenTime.Equal(ks[0].OpenTime) || sameValues(cur, ks[0]) != nil {
			t.Fatalf("%s: current %+v, newest %+v", iv, cur, ks)
		}
		if !cur.Close.Equal(p) {
			t.Fatalf("%s: current close %s, price %s", iv, cur.Close, p)
		}
		now := testStart.Add(45 * time.Second)
		if now.Before(cur.OpenTime) || now.After(cur.CloseTime) {
			t.Fatalf("%s: current kline %v-%v does not contain %v", iv, cur.OpenTime, cur.CloseTime, now)
		}
	}
}

func TestKlineErrors(t *testing.T) {
	m := mustNew(t, twoSymbolConfig(), testStart)
	_, err := m.Klines("NOPE", "1m", time.Time{}, time.Time{}, 0)
	wantAPIError(t, err, apierr.CodeInvalidSymbol)
	_, err = m.Klines("BTCUSDT", "2m", time.Time{}, time.Time{}, 0)
	wantAPIError(t, err, apierr.CodeInvalidInterval)
	_, err = m.Klines("btcusdt", "1m", time.Time{}, time.Time{}, 0)
	wantAPIError(t, err, apierr.CodeInvalidSymbol)
	_, err = m.CurrentKline("NOPE", "1m")
	wantAPIError(t, err, apierr.CodeInvalidSymbol)
	_, err = m.CurrentKline("BTCUSDT", "")
	wantAPIError(t, err, apierr.CodeInvalidInterval)
	_, err = m.Ticker24h("NOPE")
	wantAPIError(t, err, apierr.CodeInvalidSymbol)
	_, err = m.RecentTrades("NOPE", 1)
	wantAPIError(t, err, apierr.CodeInvalidSymbol)
}

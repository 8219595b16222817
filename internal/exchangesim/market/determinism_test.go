package market

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func renderUpdates(us []Update) string {
	var b strings.Builder
	for _, u := range us {
		fmt.Fprintf(&b, "%s %s %s %v\n", u.Symbol, u.Price, u.Time.Format(time.RFC3339Nano), u.Trades)
	}
	return b.String()
}

func TestSameInputsGiveIdenticalMarkets(t *testing.T) {
	calls := []time.Duration{time.Second, 2500 * time.Millisecond, 4 * time.Minute, 3 * time.Hour, 3*time.Hour + 10*time.Second}
	run := func() (string, string) {
		m := mustNew(t, twoSymbolConfig(), testStart)
		var ups strings.Builder
		for _, d := range calls {
			ups.WriteString(renderUpdates(m.Advance(testStart.Add(d))))
		}
		return ups.String(), dump(t, m)
	}
	ups1, dump1 := run()
	ups2, dump2 := run()
	if ups1 != ups2 {
		t.Fatal("updates differ between two identical markets")
	}
	if dump1 != dump2 {
		t.Fatal("state differs between two identical markets")
	}
	if len(ups1) == 0 {
		t.Fatal("no updates")
	}
}

func TestSeedAndSymbolChangeThePath(t *testing.T) {
	cfg := twoSymbolConfig()
	a := mustNew(t, cfg, testStart)
	cfg.Seed++
	b := mustNew(t, cfg, testStart)
	ua := renderUpdates(a.Advance(testStart.Add(time.Minute)))
	ub := renderUpdates(b.Advance(testStart.Add(time.Minute)))
	if ua == ub {
		t.Fatal("different seeds gave the same path")
	}
	// Two symbols with identical parameters still get their own paths.
	p := cfg.Symbols[0]
	q := p
	q.Symbol = "BTCUSDC"
	c := mustNew(t, Config{Seed: 1, Symbols: []SymbolParams{p, q}}, testStart)
	c.Advance(testStart.Add(time.Minute))
	x, _ := c.Klines(p.Symbol, "1m", time.Time{}, time.Time{}, 5)
	y, _ := c.Klines(q.Symbol, "1m", time.Time{}, time.Time{}, 5)
	if fmt.Sprint(x) == fmt.Sprint(y) {
		t.Fatal("two symbols share a path")
	}
}

func TestAdvanceIsIndependentOfChunking(t *testing.T) {
	const total = 5 * time.Minute
	chunkings := map[string][]time.Duration{
		"one call":       {total},
		"every second":   nil, // filled below
		"irregular":      {250 * time.Millisecond, 3700 * time.Millisecond, 61 * time.Second, 61 * time.Second, 2*time.Minute + 59*time.Second, total},
		"with repeats":   {10 * time.Second, 10 * time.Second, 5 * time.Second, total},
		"sub-tick calls": {100 * time.Millisecond, 200 * time.Millisecond, 900 * time.Millisecond, 1100 * time.Millisecond, total},
	}
	for d := time.Second; d <= total; d += time.Second {
		chunkings["every second"] = append(chunkings["every second"], d)
	}
	var wantUps, wantDump string
	for _, name := range []string{"one call", "every second", "irregular", "with repeats", "sub-tick calls"} {
		m := mustNew(t, twoSymbolConfig(), testStart)
		var ups strings.Builder
		for _, d := range chunkings[name] {
			ups.WriteString(renderUpdates(m.Advance(testStart.Add(d))))
		}
		if name == "one call" {
			wantUps, wantDump = ups.String(), dump(t, m)
			if n := strings.Count(wantUps, "\n"); n != 2*300 {
				t.Fatalf("one call: %d updates, want one per symbol per step (600)", n)
			}
			continue
		}
		if ups.String() != wantUps {
			t.Errorf("%s: updates differ from one call", name)
		}
		if got := dump(t, m); got != wantDump {
			t.Errorf("%s: state differs from one call", name)
		}
	}
}

func TestAdvanceIgnoresThePast(t *testing.T) {
	m := mustNew(t, twoSymbolConfig(), testStart)
	if ups := m.Advance(testStart); ups != nil {
		t.Fatalf("Advance(start) gave %d updates", len(ups))
	}
	m.Advance(testStart.Add(10 * time.Second))
	before := dump(t, m)
	if ups := m.Advance(testStart.Add(5 * time.Second)); ups != nil {
		t.Fatalf("Advance into the past gave %d updates", len(ups))
	}
	if dump(t, m) != before {
		t.Fatal("Advance into the past changed the market")
	}
}

func TestUpdatesAreOrderedAndConsistent(t *testing.T) {
	m := mustNew(t, twoSymbolConfig(), testStart)
	ups := m.Advance(testStart.Add(30 * time.Second))
	lastID := map[string]int64{}
	for i, u := range ups {
		if i > 0 && u.Time.Before(ups[i-1].Time) {
			t.Fatalf("update %d goes back in time", i)
		}
		if len(u.Trades) < 1 || len(u.Trades) > maxTradesPerStep {
			t.Fatalf("update %d has %d trades", i, len(u.Trades))
		}
		if !u.Price.Equal(u.Trades[len(u.Trades)-1].Price) {
			t.Fatalf("update price %s is not the last trade's %s", u.Price, u.Trades[len(u.Trades)-1].Price)
		}
		for _, tr := range u.Trades {
			if lastID[u.Symbol] != 0 && tr.ID != lastID[u.Symbol]+1 {
				t.Fatalf("%s trade id %d after %d", u.Symbol, tr.ID, lastID[u.Symbol])
			}
			lastID[u.Symbol] = tr.ID
			if !tr.Time.Equal(u.Time) || !tr.Price.IsPositive() || !tr.Qty.IsPositive() {
				t.Fatalf("bad trade %+v in update at %v", tr, u.Time)
			}
		}
	}
}

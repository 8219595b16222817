package ledger

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// generator makes random, valid fills for a set of markets, with trade ids
// rising per symbol and times rising within a day.
type generator struct {
	r       *rand.Rand
	markets []Market
	nextID  map[string]int64
	// held tracks the base quantity per symbol, so that noOversell can keep
	// sells within it.
	held       map[string]decimal.Decimal
	noOversell bool
}

func newGenerator(seed uint64, markets []Market, noOversell bool) *generator {
	return &generator{
		r:          rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		markets:    markets,
		nextID:     map[string]int64{},
		held:       map[string]decimal.Decimal{},
		noOversell: noOversell,
	}
}

// day returns n fills dated within [start, start+24h), in trade-id order.
func (g *generator) day(start time.Time, n int) []Fill {
	var out []Fill
	step := 24 * time.Hour / time.Duration(n+1)
	for i := 0; i < n; i++ {
		m := g.markets[g.r.IntN(len(g.markets))]
		at := start.Add(step*time.Duration(i+1) + time.Duration(g.r.IntN(1000))*time.Millisecond)
		f := Fill{
			Symbol: m.Symbol, Side: Buy, Time: at,
			Price: decimal.New(int64(5000+g.r.IntN(10000)), -2),
			Qty:   decimal.New(int64(1+g.r.IntN(2000)), -3),
		}
		if g.r.IntN(2) == 0 {
			f.Side = Sell
		}
		if g.r.IntN(3) > 0 {
			f.QuoteQty = f.Price.Mul(f.Qty)
		}
		switch g.r.IntN(4) {
		case 0:
			f.Commission, f.CommissionAsset = f.Qty.Mul(d("0.001")).Round(8), m.Base
		case 1:
			f.Commission, f.CommissionAsset = f.Price.Mul(f.Qty).Mul(d("0.001")).Round(8), m.Quote
		case 2:
			f.Commission, f.CommissionAsset = decimal.New(int64(1+g.r.IntN(100000)), -8), "BNB"
		}
		e, _ := effectOf(m, f)
		h := g.held[m.Symbol]
		if f.Side == Sell && g.noOversell && e.qty.GreaterThan(h) {
			continue
		}
		if f.Side == Buy {
			h = h.Add(e.qty)
		} else {
			h = decimal.Max(decimal.Zero, h.Sub(e.qty))
		}
		g.held[m.Symbol] = h
		g.nextID[m.Symbol] += 1 + int64(g.r.IntN(3))
		f.TradeID = g.nextID[m.Symbol]
		f.OrderID = f.TradeID / 2
		out = append(out, f)
	}
	return out
}

// marks returns a random positive price per market.
func (g *generator) marks() map[string]decimal.Decimal {
	out := map[string]decimal.Decimal{}
	for _, m := range g.markets {
		out[m.Symbol] = decimal.New(int64(5000+g.r.IntN(10000)), -2)
	}
	return out
}

// jumble returns fills in a perturbed order with some repeated, as a
// stream plus REST reconciliation might deliver them.
func jumble(r *rand.Rand, fills []Fill) []Fill {
	out := slices.Clone(fills)
	for i := 0; i+1 < len(out); i++ {
		if r.IntN(5) == 0 {
			out[i], out[i+1] = out[i+1], out[i]
		}
	}
	for i := 0; i < len(fills)/10; i++ {
		out = append(out, fills[r.IntN(len(fills))])
	}
	r.Shuffle(len(out)/10, func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// feePrice is a reproducible price of BNB for a trade, standing in for the
// close of the minute that contains it.
func feePrice(f PendingFee) decimal.Decimal {
	return decimal.New(30000+f.TradeID%97, -2)
}

func applyAll(t *testing.T, l *Ledger, fills []Fill) {
	t.Helper()
	for _, f := range fills {
		if _, err := l.Apply(f); err != nil {
			t.Fatal(err)
		}
	}
}

// convertSome prices every pending fee whose trade id is not divisible by
// 5, leaving a few pending.
func convertSome(t *testing.T, l *Ledger) {
	t.Helper()
	for _, p := range l.PendingFees() {
		if p.TradeID%5 == 0 {
			continue
		}
		if err := l.ConvertFee(p.Symbol, p.TradeID, feePrice(p)); err != nil {
			t.Fatal(err)
		}
	}
}

func markAll(t *testing.T, l *Ledger, marks map[string]decimal.Decimal) {
	t.Helper()
	for s, p := range marks {
		if err := l.Mark(s, p); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRebuildMatchesLive feeds two days live, with fills out of order,
// repeated, late across midnight and with fees pending, then rebuilds the
// second day from the openings and that day's trades, and expects every
// figure to be the same decimal string.
func TestRebuildMatchesLive(t *testing.T) {
	markets := []Market{btc, eth}
	for seed := uint64(1); seed <= 40; seed++ {
		g := newGenerator(seed, markets, false)
		d0, d1 := day, day.Add(24*time.Hour)
		day0 := g.day(d0, 200)
		day1 := g.day(d1, 200)
		marks0, marks1, last := g.marks(), g.marks(), g.marks()

		live := mustNew(t, markets...)
		if err := live.BeginDay(d0, marks0); err != nil {
			t.Fatal(err)
		}
		// Withhold a trade of day 0 until after midnight.
		lateIdx := g.r.IntN(len(day0))
		late := day0[lateIdx]
		early := slices.Delete(slices.Clone(day0), lateIdx, lateIdx+1)
		applyAll(t, live, jumble(g.r, early))
		convertSome(t, live)
		// The first trades of day 1 arrive before the bot rolls its day.
		applyAll(t, live, day1[:5])
		if err := live.BeginDay(d1, marks1); err != nil {
			t.Fatal(err)
		}
		applyAll(t, live, []Fill{late, late})
		applyAll(t, live, jumble(g.r, day1))
		convertSome(t, live)
		markAll(t, live, last)

		rebuilt, err := Rebuild("USDT", markets, d1, live.Openings(), jumble(g.r, day1))
		if err != nil {
			t.Fatal(err)
		}
		convertSome(t, rebuilt)
		markAll(t, rebuilt, last)

		if a, b := live.Snapshot().String(), rebuilt.Snapshot().String(); a != b {
			t.Fatalf("seed %d: rebuilt figures differ:\nlive:\n%s\nrebuilt:\n%s", seed, a, b)
		}
		if a, b := fmt.Sprint(live.PendingFees()), fmt.Sprint(rebuilt.PendingFees()); a != b {
			t.Fatalf("seed %d: pending fees differ:\nlive    %s\nrebuilt %s", seed, a, b)
		}
		if testing.Verbose() && seed == 1 {
			t.Logf("\n%s", live.Snapshot())
		}
	}
}

// TestRebuildInOrderEqualsLiveInOrder: fills fed in trade-id order live and
// the same fills through Rebuild give byte-equal figures; this is the
// simplest form of the restart promise.
func TestRebuildInOrderEqualsLiveInOrder(t *testing.T) {
	markets := []Market{btc, eth}
	g := newGenerator(99, markets, false)
	fills := g.day(day, 500)
	marks, last := g.marks(), g.marks()
	live := mustNew(t, markets...)
	if err := live.BeginDay(day, marks); err != nil {
		t.Fatal(err)
	}
	applyAll(t, live, fills)
	markAll(t, live, last)
	var openings []Opening
	for _, m := range markets {
		openings = append(openings, Opening{Symbol: m.Symbol, DayStartPrice: marks[m.Symbol]})
	}
	rebuilt, err := Rebuild("USDT", markets, day, openings, fills)
	if err != nil {
		t.Fatal(err)
	}
	markAll(t, rebuilt, last)
	if a, b := live.Snapshot().String(), rebuilt.Snapshot().String(); a != b {
		t.Fatalf("live:\n%s\nrebuilt:\n%s", a, b)
	}
}

// TestRebuildFromBalance: without a persisted opening, the opening is
// derived from the balance; the day's figures still match the live ledger
// exactly, the lifetime ones are flagged estimated.
func TestRebuildFromBalance(t *testing.T) {
	markets := []Market{btc, eth}
	for seed := uint64(1); seed <= 20; seed++ {
		g := newGenerator(seed, markets, true)
		d0, d1 := day, day.Add(24*time.Hour)
		day0, day1 := g.day(d0, 150), g.day(d1, 150)
		marks0, marks1, last := g.marks(), g.marks(), g.marks()
		live := mustNew(t, markets...)
		if err := live.BeginDay(d0, marks0); err != nil {
			t.Fatal(err)
		}
		applyAll(t, live, day0)
		if err := live.BeginDay(d1, marks1); err != nil {
			t.Fatal(err)
		}
		applyAll(t, live, day1)
		markAll(t, live, last)

		var openings []Opening
		for _, m := range markets {
			p, _ := live.Position(m.Symbol)
			o, err := OpeningFromBalance(m, d1, marks1[m.Symbol], p.Qty, jumble(g.r, day1))
			if err != nil {
				t.Fatal(err)
			}
			openings = append(openings, o)
		}
		rebuilt, err := Rebuild("USDT", markets, d1, openings, day1)
		if err != nil {
			t.Fatal(err)
		}
		markAll(t, rebuilt, last)
		for _, m := range markets {
			a, _ := live.Position(m.Symbol)
			b, _ := rebuilt.Position(m.Symbol)
			for _, f := range []struct {
				name string
				a, b decimal.Decimal
			}{
				{"qty", a.Qty, b.Qty}, {"dayRealized", a.DayRealized, b.DayRealized},
				{"dayUnrealized", a.DayUnrealized, b.DayUnrealized}, {"dayFees", a.DayFees, b.DayFees},
				{"dayPnL", a.DayPnL, b.DayPnL},
			} {
				if f.a.String() != f.b.String() {
					t.Fatalf("seed %d %s %s: live %s, from balance %s", seed, m.Symbol, f.name, f.a, f.b)
				}
			}
			if !b.EntryEstimated {
				t.Errorf("%s: EntryEstimated not set", m.Symbol)
			}
		}
	}
}

// TestPnLConservesCash checks, over random fills without oversells and
// with every fee priced, that the figures are exactly the cash flows: the
// lifetime PnL is quote received minus quote paid minus fees plus the
// position at the last price, and the day's PnL is the same from the
// opening marked at the day-start price.
func TestPnLConservesCash(t *testing.T) {
	markets := []Market{btc}
	for seed := uint64(1); seed <= 30; seed++ {
		g := newGenerator(seed, markets, true)
		d0, d1 := day, day.Add(24*time.Hour)
		marks0, marks1, last := g.marks(), g.marks(), g.marks()
		l := mustNew(t, markets...)
		if err := l.BeginDay(d0, marks0); err != nil {
			t.Fatal(err)
		}
		cash := decimal.Zero
		var qty0 decimal.Decimal
		var dayCash decimal.Decimal
		for i, start := range []time.Time{d0, d1} {
			if i == 1 {
				if err := l.BeginDay(d1, marks1); err != nil {
					t.Fatal(err)
				}
				p, _ := l.Position("BTCUSDT")
				qty0, dayCash = p.Qty, decimal.Zero
			}
			for _, f := range g.day(start, 300) {
				mustApply(t, l, f)
				notional := f.Price.Mul(f.Qty)
				flow := notional
				if f.Side == Buy {
					flow = flow.Neg()
				}
				switch f.CommissionAsset {
				case "USDT":
					flow = flow.Sub(f.Commission)
				case "BNB":
					price := feePrice(PendingFee{TradeID: f.TradeID})
					if err := l.ConvertFee(f.Symbol, f.TradeID, price); err != nil {
						t.Fatal(err)
					}
					flow = flow.Sub(f.Commission.Mul(price))
				}
				cash = cash.Add(flow)
				dayCash = dayCash.Add(flow)
			}
		}
		markAll(t, l, last)
		p, _ := l.Position("BTCUSDT")
		P := last["BTCUSDT"]
		if want := cash.Add(p.Qty.Mul(P)); !p.PnL().Equal(want) {
			t.Fatalf("seed %d: lifetime PnL %s, cash says %s", seed, p.PnL(), want)
		}
		if want := dayCash.Add(p.Qty.Mul(P)).Sub(qty0.Mul(marks1["BTCUSDT"])); !p.DayPnL.Equal(want) {
			t.Fatalf("seed %d: day PnL %s, cash says %s", seed, p.DayPnL, want)
		}
		if !p.Oversold.IsZero() {
			t.Fatalf("seed %d: oversold %s without oversells", seed, p.Oversold)
		}
	}
}

// TestRebuiltLedgerCountsEarlierTradesOnce: after a restart, a trade dated
// before the day start is ignored when the opening already holds it (by
// LastTradeID, or because the opening came from the balance) and folded in
// otherwise.
func TestRebuiltLedgerCountsEarlierTradesOnce(t *testing.T) {
	d1 := day.Add(24 * time.Hour)
	old := fill(10, Buy, "100", "1", "0", "", d1.Add(-time.Minute))
	newer := fill(11, Buy, "100", "1", "0", "", d1.Add(-time.Second))
	open := Opening{Symbol: "BTCUSDT", Qty: d("1"), CostBasis: d("100"), DayStartPrice: d("100"), LastTradeID: 10}
	l, err := Rebuild("USDT", []Market{btc}, d1, []Opening{open}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := l.Apply(old); ok || err != nil {
		t.Errorf("trade 10, in the opening: applied=%v err=%v", ok, err)
	}
	if ok, err := l.Apply(newer); !ok || err != nil {
		t.Errorf("trade 11, missing from the opening: applied=%v err=%v", ok, err)
	}
	if ok, _ := l.Apply(newer); ok {
		t.Error("trade 11 applied twice")
	}
	p, _ := l.Position("BTCUSDT")
	expect(t, "qty", p.Qty, "2")
	expect(t, "dayPnL", p.DayPnL, "0")
	if o := l.Openings()[0]; o.LastTradeID != 11 || o.Qty.String() != "2" {
		t.Errorf("opening %+v", o)
	}

	est, err := OpeningFromBalance(btc, d1, d("100"), d("1"), nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err = Rebuild("USDT", []Market{btc}, d1, []Opening{est}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := l.Apply(newer); ok || err != nil {
		t.Errorf("balance-derived opening: trade 11 applied=%v err=%v", ok, err)
	}
	if _, err := Rebuild("USDT", []Market{btc}, d1, []Opening{open}, []Fill{old}); !errors.Is(err, ErrBeforeDay) {
		t.Errorf("Rebuild with a trade before the day: %v", err)
	}
}

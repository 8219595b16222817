package ledger

import (
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var (
	btc = Market{Symbol: "BTCUSDT", Base: "BTC", Quote: "USDT"}
	eth = Market{Symbol: "ETHUSDT", Base: "ETH", Quote: "USDT"}
	day = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func mustNew(t *testing.T, markets ...Market) *Ledger {
	t.Helper()
	l, err := New("USDT", markets...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func mustApply(t *testing.T, l *Ledger, f Fill) {
	t.Helper()
	ok, err := l.Apply(f)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatalf("trade %d counted as a duplicate", f.TradeID)
	}
}

func fill(id int64, side Side, price, qty, fee, asset string, at time.Time) Fill {
	return Fill{TradeID: id, OrderID: id * 10, Symbol: "BTCUSDT", Side: side, Price: d(price), Qty: d(qty),
		QuoteQty: d(price).Mul(d(qty)), Commission: d(fee), CommissionAsset: asset, Time: at}
}

// expect compares named decimals by value and by their String form.
func expect(t *testing.T, what string, got decimal.Decimal, want string) {
	t.Helper()
	if got.String() != want {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// TestWorkedExample follows one round trip with a fee in each kind of
// asset; the expected figures were computed by hand.
func TestWorkedExample(t *testing.T) {
	l := mustNew(t, btc)
	if err := l.BeginDay(day, map[string]decimal.Decimal{"BTCUSDT": d("100")}); err != nil {
		t.Fatal(err)
	}
	at := day.Add(time.Hour)

	// Buy 2 at 100, fee 0.002 BTC: 1.998 received at 100, fee worth 0.2.
	mustApply(t, l, fill(1, Buy, "100", "2", "0.002", "BTC", at))
	p, _ := l.Position("BTCUSDT")
	expect(t, "qty", p.Qty, "1.998")
	expect(t, "cost", p.CostBasis, "199.8")
	expect(t, "avg", p.AvgEntry, "100")
	expect(t, "realized", p.Realized, "-0.2")
	expect(t, "fees", p.Fees, "0.2")

	// Buy 1 at 130, fee 0.13 USDT: the fee is expensed, not capitalized.
	mustApply(t, l, fill(2, Buy, "130", "1", "0.13", "USDT", at))
	p, _ = l.Position("BTCUSDT")
	expect(t, "qty", p.Qty, "2.998")
	expect(t, "cost", p.CostBasis, "329.8")
	expect(t, "avg", p.AvgEntry, "110.00667111")
	expect(t, "fees", p.Fees, "0.33")

	// Sell 1.5 at 120, fee 0.18 USDT: cost removed 329.8×1.5/2.998.
	mustApply(t, l, fill(3, Sell, "120", "1.5", "0.18", "USDT", at))
	if err := l.Mark("BTCUSDT", d("120")); err != nil {
		t.Fatal(err)
	}
	p, _ = l.Position("BTCUSDT")
	expect(t, "qty", p.Qty, "1.498")
	expect(t, "cost", p.CostBasis, "164.789993328885923949")
	expect(t, "realized", p.Realized, "14.479993328885923949")
	expect(t, "unrealized", p.Unrealized, "14.970006671114076051")
	expect(t, "fees", p.Fees, "0.51")

	// Sell the rest at 90 with a fee of 0.01 BNB: pending until priced.
	mustApply(t, l, fill(4, Sell, "90", "1.498", "0.01", "BNB", at))
	pend := l.PendingFees()
	if len(pend) != 1 || pend[0].TradeID != 4 || pend[0].Asset != "BNB" {
		t.Fatalf("pending fees %+v", pend)
	}
	p, _ = l.Position("BTCUSDT")
	if p.PendingFees != 1 {
		t.Errorf("PendingFees = %d", p.PendingFees)
	}
	expect(t, "realized before conversion", p.Realized, "-15.49")
	if err := l.ConvertFee("BTCUSDT", 4, d("300")); err != nil {
		t.Fatal(err)
	}
	if err := l.ConvertFee("BTCUSDT", 4, d("300")); !errors.Is(err, ErrNoPendingFee) {
		t.Errorf("second conversion: %v", err)
	}
	// Flat: realized is the cash flow minus every fee, whatever the
	// rounding of the partial sell: 180 + 134.82 - 329.8 - 3.51.
	s := l.Snapshot()
	p = s.Positions[0]
	expect(t, "qty", p.Qty, "0")
	expect(t, "cost", p.CostBasis, "0")
	expect(t, "avg", p.AvgEntry, "0")
	expect(t, "realized", p.Realized, "-18.49")
	expect(t, "fees", p.Fees, "3.51")
	expect(t, "dayPnL", p.DayPnL, "-18.49")
	expect(t, "total dayPnL", s.Totals.DayPnL, "-18.49")
	if _, pnl := l.DayPnL(); pnl.String() != "-18.49" {
		t.Errorf("DayPnL = %s", pnl)
	}
	want := "day 2024-03-01 quote USDT\n" +
		"BTCUSDT qty=0 avgEntry=0 cost=0 last=120 realized=-18.49 unrealized=0 fees=3.51 dayStart=100 dayRealized=-18.49 dayUnrealized=0 dayFees=3.51 dayPnL=-18.49\n" +
		"total cost=0 realized=-18.49 unrealized=0 pnl=-18.49 fees=3.51 dayRealized=-18.49 dayUnrealized=0 dayFees=3.51 dayPnL=-18.49"
	if s.String() != want {
		t.Errorf("String:\n%s\nwant\n%s", s, want)
	}
}

func TestDuplicateFillCountsOnce(t *testing.T) {
	l := mustNew(t, btc)
	if err := l.BeginDay(day, map[string]decimal.Decimal{"BTCUSDT": d("100")}); err != nil {
		t.Fatal(err)
	}
	f := fill(7, Buy, "100", "1", "0.1", "USDT", day.Add(time.Minute))
	mustApply(t, l, f)
	before := l.Snapshot().String()
	// The same trade again, as REST reports it (no QuoteQty this time).
	f.QuoteQty = decimal.Zero
	if ok, err := l.Apply(f); ok || err != nil {
		t.Fatalf("Apply of a duplicate = %v, %v", ok, err)
	}
	if after := l.Snapshot().String(); after != before {
		t.Errorf("duplicate changed the figures:\n%s\n%s", before, after)
	}
}

func TestSellBeyondPositionIsFlaggedNotShort(t *testing.T) {
	l := mustNew(t, btc)
	if err := l.BeginDay(day, map[string]decimal.Decimal{"BTCUSDT": d("100")}); err != nil {
		t.Fatal(err)
	}
	at := day.Add(time.Minute)
	mustApply(t, l, fill(1, Buy, "100", "1", "0", "", at))
	mustApply(t, l, fill(2, Sell, "110", "1.5", "0.165", "USDT", at))
	p, _ := l.Position("BTCUSDT")
	expect(t, "qty", p.Qty, "0")
	expect(t, "oversold", p.Oversold, "0.5")
	// Only the unit held realizes: 110 - 100, minus the whole fee.
	expect(t, "realized", p.Realized, "9.835")
	if want := " oversold=0.5"; !contains(p.String(), want) {
		t.Errorf("String %q lacks %q", p.String(), want)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestDayMarksOpeningAtDayStartPrice: a position held at midnight counts in
// the day's figures from the day-start price, not from its entry.
func TestDayMarksOpeningAtDayStartPrice(t *testing.T) {
	l := mustNew(t, btc)
	if err := l.BeginDay(day, map[string]decimal.Decimal{"BTCUSDT": d("50")}); err != nil {
		t.Fatal(err)
	}
	mustApply(t, l, fill(1, Buy, "50", "1", "0", "", day.Add(time.Hour)))
	next := day.Add(24 * time.Hour)
	if err := l.BeginDay(next, map[string]decimal.Decimal{"BTCUSDT": d("80")}); err != nil {
		t.Fatal(err)
	}
	if err := l.Mark("BTCUSDT", d("90")); err != nil {
		t.Fatal(err)
	}
	p, _ := l.Position("BTCUSDT")
	expect(t, "unrealized", p.Unrealized, "40")
	expect(t, "dayUnrealized", p.DayUnrealized, "10")
	mustApply(t, l, fill(2, Sell, "100", "0.5", "0", "", next.Add(time.Hour)))
	p, _ = l.Position("BTCUSDT")
	expect(t, "realized", p.Realized, "25")
	expect(t, "dayRealized", p.DayRealized, "10")
	expect(t, "dayUnrealized", p.DayUnrealized, "5")
	// Worth 80 at midnight; now 0.5×90 plus 50 received: +15.
	expect(t, "dayPnL", p.DayPnL, "15")
	o := l.Openings()
	if len(o) != 1 || o[0].Qty.String() != "1" || o[0].CostBasis.String() != "50" || o[0].DayStartPrice.String() != "80" {
		t.Errorf("openings %+v", o)
	}
}

// TestLateFillBeforeMidnightFoldsIntoOpening: a trade from yesterday that
// arrives after BeginDay joins the opening, marked at the day-start price.
func TestLateFillBeforeMidnightFoldsIntoOpening(t *testing.T) {
	l := mustNew(t, btc)
	if err := l.BeginDay(day, map[string]decimal.Decimal{"BTCUSDT": d("50")}); err != nil {
		t.Fatal(err)
	}
	next := day.Add(24 * time.Hour)
	// A trade of the new day applied before BeginDay stays in the new day.
	mustApply(t, l, fill(2, Buy, "70", "1", "0", "", next.Add(time.Second)))
	if err := l.BeginDay(next, map[string]decimal.Decimal{"BTCUSDT": d("60")}); err != nil {
		t.Fatal(err)
	}
	mustApply(t, l, fill(1, Buy, "55", "2", "0", "", next.Add(-time.Second)))
	if ok, _ := l.Apply(fill(1, Buy, "55", "2", "0", "", next.Add(-time.Second))); ok {
		t.Error("late duplicate applied twice")
	}
	p, _ := l.Position("BTCUSDT")
	expect(t, "qty", p.Qty, "3")
	expect(t, "cost", p.CostBasis, "180")
	// Day: 2 held at midnight marked at 60 (120), plus 1 bought at 70;
	// at the last price 60 the day lost 10.
	expect(t, "dayPnL", p.DayPnL, "-10")
	o := l.Openings()[0]
	expect(t, "opening qty", o.Qty, "2")
	expect(t, "opening cost", o.CostBasis, "110")
}

func TestBeginDayRules(t *testing.T) {
	l := mustNew(t, btc, eth)
	if _, err := l.Apply(fill(1, Buy, "1", "1", "0", "", day)); !errors.Is(err, ErrNoDay) {
		t.Errorf("Apply before BeginDay: %v", err)
	}
	if err := l.BeginDay(day.Add(time.Hour), nil); !errors.Is(err, ErrInvalidDay) {
		t.Errorf("BeginDay at 01:00: %v", err)
	}
	if err := l.BeginDay(day, map[string]decimal.Decimal{"BTCUSDT": d("1")}); !errors.Is(err, ErrMissingMark) {
		t.Errorf("BeginDay without ETHUSDT: %v", err)
	}
	marks := map[string]decimal.Decimal{"BTCUSDT": d("1"), "ETHUSDT": d("2")}
	if err := l.BeginDay(day, marks); err != nil {
		t.Fatal(err)
	}
	if err := l.BeginDay(day, marks); !errors.Is(err, ErrInvalidDay) {
		t.Errorf("BeginDay of the same day: %v", err)
	}
}

func TestApplyRejectsInvalidFills(t *testing.T) {
	l := mustNew(t, btc)
	if err := l.BeginDay(day, map[string]decimal.Decimal{"BTCUSDT": d("100")}); err != nil {
		t.Fatal(err)
	}
	at := day.Add(time.Minute)
	bad := []Fill{
		fill(1, "HOLD", "1", "1", "0", "", at),
		fill(2, Buy, "0", "1", "0", "", at),
		fill(3, Buy, "1", "-1", "0", "", at),
		fill(4, Buy, "1", "1", "-0.1", "USDT", at),
		fill(5, Buy, "1", "1", "0.1", "", at),
		fill(6, Buy, "1", "1", "1", "BTC", at),
		fill(7, Buy, "1", "1", "0", "", time.Time{}),
	}
	for _, f := range bad {
		if _, err := l.Apply(f); !errors.Is(err, ErrInvalidFill) {
			t.Errorf("trade %d: %v, want ErrInvalidFill", f.TradeID, err)
		}
	}
	f := fill(8, Buy, "1", "1", "0", "", at)
	f.Symbol = "XRPUSDT"
	if _, err := l.Apply(f); !errors.Is(err, ErrUnknownSymbol) {
		t.Errorf("unknown symbol: %v", err)
	}
}

func TestNewRejectsMixedQuotes(t *testing.T) {
	if _, err := New("USDT", btc, Market{Symbol: "ETHBTC", Base: "ETH", Quote: "BTC"}); err == nil {
		t.Error("New accepted two quote assets")
	}
	if _, err := New("USDT", btc, btc); err == nil {
		t.Error("New accepted a market twice")
	}
}

// TestTradeOlderThanYesterdayJudgedByLastTradeID: ids are kept one day, so
// a trade dated two days back that is reported again counts once.
func TestTradeOlderThanYesterdayJudgedByLastTradeID(t *testing.T) {
	l := mustNew(t, btc)
	marks := map[string]decimal.Decimal{"BTCUSDT": d("100")}
	if err := l.BeginDay(day, marks); err != nil {
		t.Fatal(err)
	}
	old := fill(1, Buy, "100", "1", "0", "", day.Add(time.Hour))
	mustApply(t, l, old)
	for i := 1; i <= 2; i++ {
		if err := l.BeginDay(day.Add(time.Duration(i)*24*time.Hour), marks); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := l.Apply(old); ok || err != nil {
		t.Errorf("trade 1 again two days later: applied=%v err=%v", ok, err)
	}
	p, _ := l.Position("BTCUSDT")
	expect(t, "qty", p.Qty, "1")
}

package risk

import (
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// fakeBook is a Book whose figures a test sets.
type fakeBook struct {
	cost map[string]decimal.Decimal
	day  time.Time
	pnl  decimal.Decimal
}

func (b *fakeBook) PositionCost(s string) decimal.Decimal { return b.cost[s] }
func (b *fakeBook) DayPnL() (time.Time, decimal.Decimal)  { return b.day, b.pnl }

var (
	t0     = time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)
	limits = Limits{
		MaxOrderQuote:      d("100"),
		MaxPositionQuote:   d("300"),
		MaxOrdersPerMinute: 3,
		Cooldown:           30 * time.Second,
		MaxDailyLossQuote:  d("50"),
	}
)

func newBook() *fakeBook {
	return &fakeBook{cost: map[string]decimal.Decimal{}, day: dayStart(t0)}
}

func mustChecker(t *testing.T) *Checker {
	t.Helper()
	c, err := NewChecker(limits)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func buy(id, sym, quote string) Order { return Order{ID: id, Symbol: sym, Side: Buy, Quote: d(quote)} }

func wantReason(t *testing.T, got Decision, want Reason) {
	t.Helper()
	if want == "" {
		if !got.Allowed {
			t.Fatalf("refused (%s: %s), want allowed", got.Reason, got.Message)
		}
		return
	}
	if got.Allowed || got.Reason != want {
		t.Fatalf("decision %+v, want refusal %s", got, want)
	}
}

func TestEachLimit(t *testing.T) {
	b := newBook()
	c := mustChecker(t)

	wantReason(t, c.Admit(t0, buy("1", "BTCUSDT", "100.01"), b), ReasonMaxOrderQuote)
	wantReason(t, c.Admit(t0, buy("1", "BTCUSDT", "0"), b), ReasonInvalidOrder)
	wantReason(t, c.Admit(t0, buy("", "BTCUSDT", "1"), b), ReasonInvalidOrder)
	wantReason(t, c.Admit(t0, Order{ID: "1", Symbol: "BTCUSDT", Side: "HOLD", Quote: d("1")}, b), ReasonInvalidOrder)

	// Position at entry 150, plus 100 admitted and unfilled, plus 60 > 300.
	b.cost["BTCUSDT"] = d("150")
	wantReason(t, c.Admit(t0, buy("1", "BTCUSDT", "100"), b), "")
	wantReason(t, c.Admit(t0, buy("1", "BTCUSDT", "10"), b), ReasonInvalidOrder) // id still open
	later := t0.Add(time.Minute)
	wantReason(t, c.Admit(later, buy("2", "BTCUSDT", "60"), b), ReasonMaxPositionQuote)
	wantReason(t, c.Admit(later, buy("2", "BTCUSDT", "50"), b), "")
	// A sell is not held to the position limit.
	wantReason(t, c.Admit(later.Add(time.Minute), Order{ID: "3", Symbol: "BTCUSDT", Side: Sell, Quote: d("100")}, b), "")
	// Order 1 fills 100 (now in the book): the outstanding drops with it.
	c.Filled("1", d("100"))
	b.cost["BTCUSDT"] = d("250")
	if got := c.Outstanding("BTCUSDT"); got.String() != "50" {
		t.Errorf("outstanding %s, want 50", got)
	}
	c.Closed("2")
	if got := c.Outstanding("BTCUSDT"); !got.IsZero() {
		t.Errorf("outstanding after Closed %s", got)
	}
}

func TestCooldownPerSymbol(t *testing.T) {
	b := newBook()
	c := mustChecker(t)
	wantReason(t, c.Admit(t0, buy("1", "BTCUSDT", "10"), b), "")
	got := c.Admit(t0.Add(29*time.Second), buy("2", "BTCUSDT", "10"), b)
	wantReason(t, got, ReasonCooldown)
	if !got.RetryAt.Equal(t0.Add(30 * time.Second)) {
		t.Errorf("RetryAt %s", got.RetryAt)
	}
	wantReason(t, c.Admit(t0.Add(29*time.Second), buy("3", "ETHUSDT", "10"), b), "")
	wantReason(t, c.Admit(t0.Add(30*time.Second), buy("4", "BTCUSDT", "10"), b), "")
}

func TestOrdersPerMinuteSlidingWindow(t *testing.T) {
	b := newBook()
	c := mustChecker(t)
	syms := []string{"A", "B", "C", "D", "E"}
	at := []time.Duration{0, 10 * time.Second, 20 * time.Second}
	for i, dt := range at {
		wantReason(t, c.Admit(t0.Add(dt), buy("o"+syms[i], syms[i], "1"), b), "")
	}
	got := c.Admit(t0.Add(59*time.Second), buy("x", "D", "1"), b)
	wantReason(t, got, ReasonMaxOrdersPerMinute)
	if !got.RetryAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("RetryAt %s, want %s", got.RetryAt, t0.Add(time.Minute))
	}
	// At t0+60s the first order has left the window (now-60s, now].
	wantReason(t, c.Admit(t0.Add(time.Minute), buy("y", "D", "1"), b), "")
	wantReason(t, c.Admit(t0.Add(time.Minute+time.Second), buy("z", "E", "1"), b), ReasonMaxOrdersPerMinute)
}

func TestRecordRestoresRateAndCooldown(t *testing.T) {
	b := newBook()
	c := mustChecker(t)
	// Placed before a restart, recorded from the open orders and trades.
	c.Record(t0.Add(-55*time.Second), buy("a", "A", "1"))
	c.Record(t0.Add(-20*time.Second), buy("b", "B", "1"))
	c.Record(t0.Add(-5*time.Second), buy("c", "C", "1"))
	wantReason(t, c.Admit(t0, buy("d", "D", "1"), b), ReasonMaxOrdersPerMinute)
	wantReason(t, c.Admit(t0.Add(9*time.Second), buy("b2", "B", "1"), b), ReasonCooldown)
	wantReason(t, c.Admit(t0.Add(9*time.Second), buy("d", "D", "1"), b), "")
}

func TestDailyLossHaltsUntilResume(t *testing.T) {
	b := newBook()
	c := mustChecker(t)
	b.pnl = d("-49.99")
	if c.Evaluate(t0, b) {
		t.Fatal("halted above the limit")
	}
	b.pnl = d("-50")
	got := c.Admit(t0, buy("1", "BTCUSDT", "10"), b)
	wantReason(t, got, ReasonDailyLoss)
	if !got.Halted || !c.State().Halted {
		t.Fatal("the loss did not halt the checker")
	}
	if s := c.State(); !s.HaltDay.Equal(dayStart(t0)) || s.HaltPnL.String() != "-50" {
		t.Errorf("state %+v", s)
	}
	// Prices recover: still halted, for buys and for reducing sells.
	b.pnl = d("10")
	wantReason(t, c.Admit(t0.Add(time.Hour), buy("2", "BTCUSDT", "10"), b), ReasonHalted)
	wantReason(t, c.Admit(t0.Add(time.Hour), Order{ID: "3", Symbol: "BTCUSDT", Side: Sell, Quote: d("10")}, b), ReasonHalted)
	if c.Evaluate(t0.Add(time.Hour), b) {
		t.Error("Evaluate halted twice")
	}
	// A new UTC day alone does not resume.
	next := dayStart(t0).Add(24*time.Hour + time.Minute)
	b.day, b.pnl = dayStart(next), decimal.Zero
	wantReason(t, c.Admit(next, buy("4", "BTCUSDT", "10"), b), ReasonHalted)
	if err := c.Resume(next, b); err != nil {
		t.Fatal(err)
	}
	wantReason(t, c.Admit(next, buy("4", "BTCUSDT", "10"), b), "")
	if s := c.State(); s.Halted || !s.ResumedAt.Equal(next) {
		t.Errorf("state after Resume %+v", s)
	}
}

func TestResumeRefusedWhileBeyondLimit(t *testing.T) {
	b := newBook()
	c := mustChecker(t)
	b.pnl = d("-80")
	if !c.Evaluate(t0, b) {
		t.Fatal("no halt at -80")
	}
	if err := c.Resume(t0.Add(time.Minute), b); !errors.Is(err, ErrStillBeyondLimit) {
		t.Fatalf("Resume: %v", err)
	}
	if !c.State().Halted {
		t.Fatal("a refused Resume ended the halt")
	}
	b.pnl = d("-20")
	if err := c.Resume(t0.Add(2*time.Minute), b); err != nil {
		t.Fatal(err)
	}
}

func TestRestoreKeepsHaltAcrossRestart(t *testing.T) {
	b := newBook()
	c := mustChecker(t)
	b.pnl = d("-60")
	c.Evaluate(t0, b)
	saved := c.State()

	restarted := mustChecker(t)
	restarted.Restore(saved)
	b.pnl = d("5") // the loss recovered while the bot was down
	wantReason(t, restarted.Admit(t0.Add(time.Hour), buy("1", "BTCUSDT", "1"), b), ReasonHalted)
}

func TestStaleDayFiguresRefused(t *testing.T) {
	b := newBook()
	c := mustChecker(t)
	b.day = dayStart(t0).Add(-24 * time.Hour)
	wantReason(t, c.Admit(t0, buy("1", "BTCUSDT", "1"), b), ReasonStaleDay)
	b.day = time.Time{}
	wantReason(t, c.Admit(t0, buy("1", "BTCUSDT", "1"), b), ReasonStaleDay)
}

func TestCheckChangesNothing(t *testing.T) {
	b := newBook()
	c := mustChecker(t)
	for i := 0; i < 10; i++ {
		wantReason(t, c.Check(t0, buy("1", "BTCUSDT", "1"), b), "")
	}
	b.pnl = d("-100")
	wantReason(t, c.Check(t0, buy("1", "BTCUSDT", "1"), b), ReasonDailyLoss)
	if c.State().Halted {
		t.Error("Check halted the checker")
	}
}

func TestLimitsValidate(t *testing.T) {
	bad := []Limits{
		{},
		{MaxOrderQuote: d("1"), MaxPositionQuote: d("1"), MaxOrdersPerMinute: 0, MaxDailyLossQuote: d("1")},
		{MaxOrderQuote: d("1"), MaxPositionQuote: d("1"), MaxOrdersPerMinute: 1, Cooldown: -1, MaxDailyLossQuote: d("1")},
		{MaxOrderQuote: d("1"), MaxPositionQuote: d("1"), MaxOrdersPerMinute: 1, MaxDailyLossQuote: d("0")},
	}
	for i, l := range bad {
		if _, err := NewChecker(l); err == nil {
			t.Errorf("limits %d accepted", i)
		}
	}
	c := mustChecker(t)
	if err := c.SetLimits(Limits{}); err == nil {
		t.Error("SetLimits accepted empty limits")
	}
}

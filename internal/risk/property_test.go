package risk_test

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/ledger"
	"github.com/tradebot-operator/tradebot-operator/internal/risk"
)

// The property test drives an executor-like loop: signals propose orders
// through Admit, admitted orders fill (partly or fully) at moving prices
// into the ledger, prices move, time runs across many UTC midnights, a
// person sometimes resumes. After every step it checks, with its own
// bookkeeping and not the checker's:
//
//   - no admitted order's notional exceeds MaxOrderQuote;
//   - no window (t−60s, t] at an admission holds more than
//     MaxOrdersPerMinute admissions;
//   - no two admissions on a symbol are closer than Cooldown;
//   - every symbol's position at entry stays within MaxPositionQuote;
//   - once the day's loss reaches the limit the checker is halted at the
//     next Evaluate, and from a halt until a successful Resume nothing is
//     admitted; the halt never ends without Resume (midnight included);
//   - now and then the ledger is rebuilt from its openings and the day's
//     fills and must report the same figures.

var propLimits = risk.Limits{
	MaxOrderQuote:      decimal.NewFromInt(100),
	MaxPositionQuote:   decimal.NewFromInt(250),
	MaxOrdersPerMinute: 4,
	Cooldown:           15 * time.Second,
	MaxDailyLossQuote:  decimal.NewFromInt(40),
}

var propMarkets = []ledger.Market{
	{Symbol: "AAAUSDT", Base: "AAA", Quote: "USDT"},
	{Symbol: "BBBUSDT", Base: "BBB", Quote: "USDT"},
	{Symbol: "CCCUSDT", Base: "CCC", Quote: "USDT"},
}

type simOrder struct {
	id     string
	symbol string
	side   risk.Side
	// remaining is, for a buy, the notional left in cents; for a sell, the
	// base quantity left in units of 1e-5.
	remaining int64
}

type sim struct {
	t   *testing.T
	r   *rand.Rand
	now time.Time
	led *ledger.Ledger
	chk *risk.Checker

	cents     map[string]int64 // price per symbol in cents
	orders    []simOrder
	nextOrder int
	nextTrade map[string]int64
	// today are the fills since the ledger's day began; feePrices the
	// prices their pending fees were converted at.
	today     []ledger.Fill
	feePrices map[string]decimal.Decimal

	// The test's own records.
	window    []time.Time // admissions in the last minute
	lastAdmit map[string]time.Time
	halted    bool

	stats map[string]int
}

func price(cents int64) decimal.Decimal { return decimal.New(cents, -2) }

func feeKey(sym string, id int64) string { return sym + "/" + strconv.FormatInt(id, 10) }

func newSim(t *testing.T, seed uint64) *sim {
	s := &sim{
		t:         t,
		r:         rand.New(rand.NewPCG(seed, 42)),
		now:       time.Date(2024, 3, 1, 22, 0, 0, 0, time.UTC),
		cents:     map[string]int64{},
		nextTrade: map[string]int64{},
		feePrices: map[string]decimal.Decimal{},
		lastAdmit: map[string]time.Time{},
		stats:     map[string]int{},
	}
	var err error
	if s.led, err = ledger.New("USDT", propMarkets...); err != nil {
		t.Fatal(err)
	}
	if s.chk, err = risk.NewChecker(propLimits); err != nil {
		t.Fatal(err)
	}
	for _, m := range propMarkets {
		s.cents[m.Symbol] = 10000 + int64(s.r.IntN(10000))
	}
	s.beginDay(ledger.DayStart(s.now))
	return s
}

func (s *sim) marks() map[string]decimal.Decimal {
	out := map[string]decimal.Decimal{}
	for sym, c := range s.cents {
		out[sym] = price(c)
	}
	return out
}

func (s *sim) beginDay(start time.Time) {
	if err := s.led.BeginDay(start, s.marks()); err != nil {
		s.t.Fatal(err)
	}
	s.today = nil
	s.stats["days"]++
}

// advance moves time on, beginning the ledger's new day at a midnight.
func (s *sim) advance() {
	dt := time.Duration(s.r.IntN(8000)) * time.Millisecond
	if s.r.IntN(3000) == 0 {
		dt = time.Duration(1+s.r.IntN(6)) * time.Hour
	}
	s.now = s.now.Add(dt)
	if day := ledger.DayStart(s.now); day.After(s.led.Day()) {
		wasHalted := s.chk.State().Halted
		s.beginDay(day)
		s.evaluate()
		if wasHalted && !s.chk.State().Halted {
			s.t.Fatalf("%s: a new UTC day ended the halt", s.now)
		}
	}
}

func (s *sim) evaluate() {
	if s.chk.Evaluate(s.now, s.led) {
		if s.halted {
			s.t.Fatalf("%s: Evaluate halted an already halted checker", s.now)
		}
		s.halted = true
		s.stats["halts"]++
	}
	if _, pnl := s.led.DayPnL(); pnl.LessThanOrEqual(propLimits.MaxDailyLossQuote.Neg()) && !s.chk.State().Halted {
		s.t.Fatalf("%s: day PnL %s at the limit, not halted", s.now, pnl)
	}
}

func (s *sim) movePrice() {
	sym := propMarkets[s.r.IntN(len(propMarkets))].Symbol
	c := s.cents[sym]
	move := int64(s.r.IntN(801) - 400) // ±4%
	if s.r.IntN(200) == 0 {
		move = -1500 // a crash
	}
	c += c * move / 10000
	s.cents[sym] = max(c, 100)
	if err := s.led.Mark(sym, price(s.cents[sym])); err != nil {
		s.t.Fatal(err)
	}
	// Now and then the executor does not evaluate after a price, so that
	// Admit is the first to see the loss.
	if s.r.IntN(3) > 0 {
		s.evaluate()
	}
}

func (s *sim) signal() {
	sym := propMarkets[s.r.IntN(len(propMarkets))].Symbol
	side := risk.Buy
	quote := decimal.New(int64(100+s.r.IntN(13000)), -2) // 1 to 131 USDT
	var sellUnits int64
	if s.r.IntN(2) == 0 {
		side = risk.Sell
		pos, _ := s.led.Position(sym)
		held := pos.Qty.Shift(5).IntPart()
		if held == 0 {
			return // nothing to sell: no signal reaches the checker
		}
		want := quote.Shift(7).IntPart() / s.cents[sym] // units of 1e-5
		sellUnits = min(max(want, 1), held)
		quote = decimal.New(sellUnits*s.cents[sym], -7)
	}
	s.nextOrder++
	o := risk.Order{ID: "c" + strconv.Itoa(s.nextOrder), Symbol: sym, Side: side, Quote: quote}
	d := s.chk.Admit(s.now, o, s.led)
	if d.Halted {
		if s.halted {
			s.t.Fatalf("%s: Admit halted an already halted checker", s.now)
		}
		s.halted = true
		s.stats["halts"]++
	}
	if !d.Allowed {
		s.stats["refused "+string(d.Reason)]++
		return
	}
	s.stats["admitted"]++
	s.checkAdmission(o)
	so := simOrder{id: o.ID, symbol: sym, side: side, remaining: sellUnits}
	if side == risk.Buy {
		so.remaining = quote.Shift(2).IntPart()
	}
	s.orders = append(s.orders, so)
}

// checkAdmission holds an admitted order to the limits with the test's own
// records.
func (s *sim) checkAdmission(o risk.Order) {
	if s.halted {
		s.t.Fatalf("%s: %s admitted while halted", s.now, o.ID)
	}
	if o.Quote.GreaterThan(propLimits.MaxOrderQuote) {
		s.t.Fatalf("%s: %s notional %s above the limit", s.now, o.ID, o.Quote)
	}
	if last, ok := s.lastAdmit[o.Symbol]; ok && s.now.Sub(last) < propLimits.Cooldown {
		s.t.Fatalf("%s: %s on %s %s after the previous order", s.now, o.ID, o.Symbol, s.now.Sub(last))
	}
	s.lastAdmit[o.Symbol] = s.now
	from := s.now.Add(-risk.Window)
	k := 0
	for k < len(s.window) && !s.window[k].After(from) {
		k++
	}
	s.window = append(s.window[k:], s.now)
	if len(s.window) > propLimits.MaxOrdersPerMinute {
		s.t.Fatalf("%s: %d orders within a minute", s.now, len(s.window))
	}
}

func (s *sim) fill() {
	if len(s.orders) == 0 {
		return
	}
	i := s.r.IntN(len(s.orders))
	o := &s.orders[i]
	m := s.market(o.symbol)
	// The fill price strays up to 1% from the last price.
	p := s.cents[o.symbol]
	p = max(p+p*int64(s.r.IntN(201)-100)/10000, 1)
	f := ledger.Fill{Symbol: o.symbol, OrderID: int64(s.nextOrder), Price: price(p), Time: s.now}
	var units int64
	if o.side == risk.Buy {
		spend := o.remaining
		if s.r.IntN(2) == 0 {
			spend = 1 + s.r.Int64N(o.remaining)
		}
		units = spend * 100000 / p // the quantity the spend buys, in 1e-5
		if units == 0 {
			s.close(i)
			return
		}
		f.Side = ledger.Buy
		spentCents := (units*p + 99999) / 100000
		o.remaining -= spentCents
	} else {
		pos, _ := s.led.Position(o.symbol)
		held := pos.Qty.Shift(5).IntPart()
		units = min(o.remaining, held)
		if s.r.IntN(2) == 0 && units > 1 {
			units = 1 + s.r.Int64N(units)
		}
		if units == 0 {
			s.close(i)
			return
		}
		f.Side = ledger.Sell
		o.remaining -= units
	}
	f.Qty = decimal.New(units, -5)
	f.QuoteQty = decimal.New(units*p, -7)
	switch s.r.IntN(3) {
	case 0:
		if f.Side == ledger.Buy {
			f.Commission, f.CommissionAsset = decimal.New(units/1000, -5), m.Base
		} else {
			f.Commission, f.CommissionAsset = f.QuoteQty.Mul(decimal.New(1, -3)).Round(8), m.Quote
		}
	case 1:
		f.Commission, f.CommissionAsset = decimal.New(1+s.r.Int64N(20000), -8), "BNB"
	}
	s.nextTrade[o.symbol]++
	f.TradeID = s.nextTrade[o.symbol]
	if ok, err := s.led.Apply(f); err != nil || !ok {
		s.t.Fatalf("%s: Apply %+v: %v %v", s.now, f, ok, err)
	}
	s.today = append(s.today, f)
	if o.side == risk.Buy {
		s.chk.Filled(o.id, f.QuoteQty)
	}
	if f.CommissionAsset == "BNB" && s.r.IntN(3) > 0 {
		s.convert(f.Symbol, f.TradeID)
	}
	s.stats["fills"]++
	if o.remaining <= 0 {
		s.close(i)
	}
	s.evaluate()
}

func (s *sim) market(sym string) ledger.Market {
	for _, m := range propMarkets {
		if m.Symbol == sym {
			return m
		}
	}
	s.t.Fatalf("no market %s", sym)
	return ledger.Market{}
}

func (s *sim) convert(sym string, id int64) {
	p := decimal.New(30000+id%500, -2)
	if err := s.led.ConvertFee(sym, id, p); err != nil {
		s.t.Fatal(err)
	}
	s.feePrices[feeKey(sym, id)] = p
}

func (s *sim) close(i int) {
	s.chk.Closed(s.orders[i].id)
	s.orders[i] = s.orders[len(s.orders)-1]
	s.orders = s.orders[:len(s.orders)-1]
}

// checkPositions holds every position at entry within its limit.
func (s *sim) checkPositions() {
	for _, m := range propMarkets {
		if c := s.led.PositionCost(m.Symbol); c.GreaterThan(propLimits.MaxPositionQuote) {
			s.t.Fatalf("%s: %s position at entry %s above the limit", s.now, m.Symbol, c)
		}
	}
	if s.chk.State().Halted != s.halted {
		s.t.Fatalf("%s: checker halted=%v, test says %v", s.now, s.chk.State().Halted, s.halted)
	}
}

// rebuild checks that a ledger rebuilt from the openings and the day's
// fills reports what the live one does.
func (s *sim) rebuild() {
	fills := append([]ledger.Fill(nil), s.today...)
	s.r.Shuffle(len(fills), func(i, j int) { fills[i], fills[j] = fills[j], fills[i] })
	rb, err := ledger.Rebuild("USDT", propMarkets, s.led.Day(), s.led.Openings(), fills)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, p := range rb.PendingFees() {
		if fp, ok := s.feePrices[feeKey(p.Symbol, p.TradeID)]; ok {
			if err := rb.ConvertFee(p.Symbol, p.TradeID, fp); err != nil {
				s.t.Fatal(err)
			}
		}
	}
	for sym, p := range s.marks() {
		if err := rb.Mark(sym, p); err != nil {
			s.t.Fatal(err)
		}
		if err := s.led.Mark(sym, p); err != nil {
			s.t.Fatal(err)
		}
	}
	if a, b := s.led.Snapshot().String(), rb.Snapshot().String(); a != b {
		s.t.Fatalf("%s: rebuilt ledger differs:\nlive:\n%s\nrebuilt:\n%s", s.now, a, b)
	}
	s.stats["rebuilds"]++
}

func (s *sim) step() {
	s.advance()
	switch n := s.r.IntN(1000); {
	case n < 300:
		s.movePrice()
	case n < 600:
		s.signal()
	case n < 850:
		s.fill()
	case n < 920:
		if len(s.orders) > 0 {
			s.close(s.r.IntN(len(s.orders)))
		}
	case n < 950:
		// The same trade again, as a REST reconciliation would report it.
		if len(s.today) > 0 {
			f := s.today[s.r.IntN(len(s.today))]
			if ok, err := s.led.Apply(f); ok || err != nil {
				s.t.Fatalf("%s: duplicate trade applied: %v %v", s.now, ok, err)
			}
			s.stats["duplicates"]++
		}
	case n < 980:
		for _, p := range s.led.PendingFees() {
			s.convert(p.Symbol, p.TradeID)
		}
	case n < 999:
		if s.halted && s.r.IntN(20) == 0 {
			if err := s.chk.Resume(s.now, s.led); err != nil {
				s.stats["resume refused"]++
			} else {
				s.halted = false
				s.stats["resumes"]++
			}
		}
	default:
		if s.r.IntN(20) == 0 {
			s.rebuild()
		}
	}
	s.checkPositions()
}

func TestPropertyNoLimitExceeded(t *testing.T) {
	s := newSim(t, 20240301)
	for i := 0; i < propertySteps; i++ {
		s.step()
	}
	t.Logf("%d steps: %v", propertySteps, s.stats)
	// The run must have exercised every limit and the halt cycle.
	for _, k := range []string{
		"admitted", "fills", "halts", "resumes", "resume refused", "rebuilds", "duplicates",
		"refused " + string(risk.ReasonHalted), "refused " + string(risk.ReasonDailyLoss),
		"refused " + string(risk.ReasonMaxOrderQuote), "refused " + string(risk.ReasonMaxPositionQuote),
		"refused " + string(risk.ReasonMaxOrdersPerMinute), "refused " + string(risk.ReasonCooldown),
	} {
		if s.stats[k] == 0 {
			t.Errorf("the run never saw %q", k)
		}
	}
	if s.stats["days"] < 10 {
		t.Errorf("only %d UTC days crossed", s.stats["days"])
	}
}

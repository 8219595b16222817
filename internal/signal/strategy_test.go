package signal

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

var klineBase = time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)

// closesToKlines makes one-minute klines of symbol with the given closes.
func closesToKlines(symbol string, closes []float64) []Kline {
	ks := make([]Kline, len(closes))
	for i, c := range closes {
		open := klineBase.Add(time.Duration(i) * time.Minute)
		d := decimal.NewFromFloat(c)
		ks[i] = Kline{Symbol: symbol, OpenTime: open, CloseTime: open.Add(time.Minute - time.Millisecond),
			Open: d, High: d, Low: d, Close: d}
	}
	return ks
}

// fired is a signal with the index of the kline it fired on.
type fired struct {
	i    int
	side Side
}

func runStrategy(t *testing.T, cfg Config, closes []float64) ([]fired, []Signal) {
	t.Helper()
	st, err := New(cfg, "BTCUSDT")
	if err != nil {
		t.Fatal(err)
	}
	var fs []fired
	var sigs []Signal
	for i, k := range closesToKlines("BTCUSDT", closes) {
		if s, ok := st.Update(k); ok {
			fs = append(fs, fired{i, s.Side})
			sigs = append(sigs, s)
		}
		if got, want := st.Ready(), i+1 >= st.WarmupKlines(); got != want {
			t.Fatalf("after %d klines Ready is %v, WarmupKlines %d", i+1, got, st.WarmupKlines())
		}
	}
	return fs, sigs
}

func smaConfig(fast, slow int) Config {
	return Config{Type: v1alpha1.StrategySMACrossover, FastPeriod: fast, SlowPeriod: slow, MinConfidence: 0.6}
}

func emaConfig(fast, slow int) Config {
	return Config{Type: v1alpha1.StrategyEMACrossover, FastPeriod: fast, SlowPeriod: slow, MinConfidence: 0.6}
}

func rsiConfig(period int, oversold, overbought float64) Config {
	return Config{Type: v1alpha1.StrategyRSI, Period: period, Oversold: oversold, Overbought: overbought, MinConfidence: 0.6}
}

func bollingerConfig(period int, k float64) Config {
	return Config{Type: v1alpha1.StrategyBollingerBands, Period: period, StdDevMultiplier: k, MinConfidence: 0.6}
}

// TestSMACrossoverFiringRule walks SMA(2)/SMA(4) through a worked series
// (warm-up 12 klines):
//
//	0-11  30 down to 19   fast below slow (gap −1), during the warm-up
//	12    25              SMA2 22 > SMA4 21.25        BUY
//	13-15 26 26 26        still above                 —
//	16-17 26 26           equal (26 = 26)             —
//	18    27              above again after equality  — (no second BUY)
//	19    20              SMA2 23.5 < SMA4 24.75      SELL
//	20    19              still below                 —
//	21    30              SMA2 24.5 > SMA4 24         BUY (again after a reset)
func TestSMACrossoverFiringRule(t *testing.T) {
	var closes []float64
	for x := 30.0; x >= 19; x-- {
		closes = append(closes, x)
	}
	closes = append(closes, 25, 26, 26, 26, 26, 26, 27, 20, 19, 30)
	got, sigs := runStrategy(t, smaConfig(2, 4), closes)
	want := []fired{{12, Buy}, {19, Sell}, {21, Buy}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
	if r := sigs[0].Reason(); r != "SMA(2) 22 crossed above SMA(4) 21.25" {
		t.Errorf("reason %q", r)
	}
	if r := sigs[1].Reason(); r != "SMA(2) 23.5 crossed below SMA(4) 24.75" {
		t.Errorf("reason %q", r)
	}
}

func TestCrossoverNoSignalDuringWarmup(t *testing.T) {
	// A cross at kline 6 and another at kline 9, both inside the 12-kline
	// warm-up of SMA(2)/SMA(4).
	closes := []float64{10, 9, 8, 7, 6, 12, 13, 14, 5, 4, 3, 2}
	if got, _ := runStrategy(t, smaConfig(2, 4), closes); len(got) != 0 {
		t.Fatalf("fired %v during the warm-up", got)
	}
}

// The crossover strategies and RSI and Bollinger agree, kline by kline,
// with their firing rules evaluated on the reference indicators over
// random series.
func TestStrategiesMatchReferenceRules(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for s := range 200 {
		xs := randomSeries(rng, 600, 30)
		for _, cfg := range []Config{smaConfig(5, 13), emaConfig(5, 13), rsiConfig(6, 35, 65), bollingerConfig(10, 1.5)} {
			got, _ := runStrategy(t, cfg, xs)
			want := referenceFirings(cfg, xs)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("series %d, %s: fired\n%v\nwant\n%v", s, cfg.Type, got, want)
			}
		}
	}
}

// referenceFirings applies each strategy's documented rule to the
// reference indicators.
func referenceFirings(cfg Config, xs []float64) []fired {
	warm := cfg.WarmupKlines()
	var out []fired
	emit := func(i int, side Side) {
		if i >= warm { // the strategy was ready before kline i
			out = append(out, fired{i, side})
		}
	}
	switch cfg.Type {
	case v1alpha1.StrategySMACrossover, v1alpha1.StrategyEMACrossover:
		fast, slow := make([]float64, len(xs)), make([]float64, len(xs))
		if cfg.Type == v1alpha1.StrategyEMACrossover {
			fast, slow = refEMA(xs, cfg.FastPeriod), refEMA(xs, cfg.SlowPeriod)
		} else {
			for i := range xs {
				fast[i], slow[i] = refSMA(xs, cfg.FastPeriod, i), refSMA(xs, cfg.SlowPeriod, i)
			}
		}
		side := 0
		for i := range xs {
			if math.IsNaN(slow[i]) {
				continue
			}
			g, now := fast[i]-slow[i], 0
			if g > 1e-10*slow[i] {
				now = 1
			} else if g < -1e-10*slow[i] {
				now = -1
			}
			if now != 0 && side != 0 && now != side {
				emit(i, map[int]Side{1: Buy, -1: Sell}[now])
			}
			if now != 0 {
				side = now
			}
		}
	case v1alpha1.StrategyRSI:
		r := refRSI(xs, cfg.Period)
		for i := 1; i < len(xs); i++ {
			if math.IsNaN(r[i-1]) {
				continue
			}
			if r[i] < cfg.Oversold && r[i-1] >= cfg.Oversold {
				emit(i, Buy)
			}
			if r[i] > cfg.Overbought && r[i-1] <= cfg.Overbought {
				emit(i, Sell)
			}
		}
	case v1alpha1.StrategyBollingerBands:
		p, k := cfg.Period, cfg.StdDevMultiplier
		below := func(i int) bool { return xs[i] < refSMA(xs, p, i)-k*refStdDev(xs, p, i) }
		above := func(i int) bool { return xs[i] > refSMA(xs, p, i)+k*refStdDev(xs, p, i) }
		for i := p; i < len(xs); i++ {
			if below(i) && !below(i-1) {
				emit(i, Buy)
			}
			if above(i) && !above(i-1) {
				emit(i, Sell)
			}
		}
	}
	return out
}

func TestRSIFiringRule(t *testing.T) {
	// RSI(2), oversold 30, overbought 70, warm-up 13 klines. Alternating
	// closes keep the RSI near 50; then three falls take it below 30 (one
	// BUY), a rise and a fall keep it out and back in (a second BUY), and
	// three rises take it above 70 (one SELL).
	closes := []float64{}
	for i := range 14 {
		closes = append(closes, 100+float64(i%2))
	}
	closes = append(closes, 95, 90, 85) // 14, 15, 16
	closes = append(closes, 95, 80)     // 17 leaves the zone, 18 back in
	closes = append(closes, 90, 100, 110)
	got, sigs := runStrategy(t, rsiConfig(2, 30, 70), closes)
	r := refRSI(closes, 2)
	t.Logf("RSI: %.1f", r)
	want := []fired{{14, Buy}, {18, Buy}, {20, Sell}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
	if !strings.HasPrefix(sigs[0].Reason(), "RSI(2) ") || !strings.HasSuffix(sigs[0].Reason(), " fell below 30") {
		t.Errorf("reason %q", sigs[0].Reason())
	}
}

// TestBollingerFiringRule walks Bollinger(4, 1) (warm-up 4 klines) through
// a worked series; each kline's bands include its own close:
//
//	0-5  10 11 10 11 10 11  on the bands at most                  —
//	6    5                  window 11 10 11 5, lower 6.76         BUY
//	7    4                  window 10 11 5 4, lower 4.46: below   —
//	8-9  6 6                back inside (bands 3.81–9.19, 4.42–6.08)
//	10   3                  window 4 6 6 3, lower 3.45            BUY
//	11   3.5                inside (lower 3.24)                   —
//	12   12                 window 6 3 3.5 12, upper 9.70         SELL
//	13   14                 upper 13.05: still above              —
func TestBollingerFiringRule(t *testing.T) {
	closes := []float64{10, 11, 10, 11, 10, 11, 5, 4, 6, 6, 3, 3.5, 12, 14}
	got, sigs := runStrategy(t, bollingerConfig(4, 1), closes)
	want := []fired{{6, Buy}, {10, Buy}, {12, Sell}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
	// Window 11 10 11 5: mean 9.25, σ √6.1875 ≈ 2.487469.
	if r := sigs[0].Reason(); r != "close 5 fell below the lower band 6.762531 (SMA(4) 9.25, 1 std dev)" {
		t.Errorf("reason %q", r)
	}
}

func TestFlatSeriesGivesNoSignal(t *testing.T) {
	closes := make([]float64, 3000)
	for i := range closes {
		closes[i] = 0.00012345
	}
	for _, cfg := range []Config{smaConfig(9, 21), emaConfig(12, 26), rsiConfig(14, 30, 70), bollingerConfig(20, 2)} {
		if got, _ := runStrategy(t, cfg, closes); len(got) != 0 {
			t.Errorf("%s fired %v on a flat series", cfg.Type, got)
		}
	}
}

// Confidences are in (0, 1], rounded to four decimals, over random series
// at every price level, including flat stretches and one-tick moves; and
// on a random walk a fair share of signals clears the default
// minConfidence.
func TestConfidenceRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	cfgs := []Config{smaConfig(9, 21), emaConfig(12, 26), rsiConfig(14, 30, 70), bollingerConfig(20, 2)}
	total, passed := make([]int, len(cfgs)), make([]int, len(cfgs))
	for range 50 {
		xs := randomSeries(rng, 2000, 21)
		for j, cfg := range cfgs {
			_, sigs := runStrategy(t, cfg, xs)
			for _, s := range sigs {
				c := s.Confidence
				if !(c > 0 && c <= 1) || math.Round(c*1e4)/1e4 != c {
					t.Fatalf("%s: confidence %v (%s)", cfg.Type, c, s.Reason())
				}
				total[j]++
				if cfg.Accepts(s) {
					passed[j]++
				}
			}
		}
	}
	for j, cfg := range cfgs {
		share := float64(passed[j]) / float64(total[j])
		t.Logf("%s: %d signals, %.0f %% at or above 0.6", cfg.Type, total[j], 100*share)
		if total[j] < 100 || share < 0.1 || share > 0.9 {
			t.Errorf("%s: %d signals, %.2f of them at or above 0.6", cfg.Type, total[j], share)
		}
	}
}

func TestConfidenceMapping(t *testing.T) {
	for _, tc := range []struct{ x, want float64 }{
		{0, minConfidence},
		{1e-9, minConfidence},
		{1, 0.5},
		{2, 0.75},
		{math.Inf(1), 1},
		{1000, 1},
		{math.NaN(), minConfidence},
	} {
		if got := confidence(tc.x, 1); got != tc.want {
			t.Errorf("confidence(%v, 1) = %v, want %v", tc.x, got, tc.want)
		}
	}
}

func TestUpdateIgnores(t *testing.T) {
	st, err := New(bollingerConfig(3, 1), "ETHUSDT")
	if err != nil {
		t.Fatal(err)
	}
	ks := closesToKlines("ETHUSDT", []float64{10, 10, 10, 5})
	st.Update(ks[0])
	other := ks[1]
	other.Symbol = "BTCUSDT"
	if _, ok := st.Update(other); ok || st.Ready() {
		t.Fatal("a kline of another symbol was folded")
	}
	st.Update(ks[1])
	st.Update(ks[2])
	stale := ks[3]
	stale.OpenTime = ks[2].OpenTime // a repeat of the last open time, with another close
	if _, ok := st.Update(stale); ok {
		t.Fatal("a kline not newer than the last one fired")
	}
	if s, ok := st.Update(ks[3]); !ok || s.Side != Buy {
		t.Fatalf("the next kline: %+v %v, want a BUY (the repeat must not have been folded)", s, ok)
	}
}

func TestSignalFields(t *testing.T) {
	closes := []float64{30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 25}
	_, sigs := runStrategy(t, smaConfig(2, 4), closes)
	if len(sigs) != 1 {
		t.Fatalf("%d signals", len(sigs))
	}
	s, k := sigs[0], closesToKlines("BTCUSDT", closes)[12]
	if s.Symbol != "BTCUSDT" || s.Side != Buy || s.Strategy != "SMACrossover" || !s.Price.Equal(k.Close) ||
		!s.KlineOpen.Equal(k.OpenTime) || !s.KlineClose.Equal(k.CloseTime) {
		t.Errorf("signal %+v for kline %+v", s, k)
	}
	if id := s.ID(); id != "BTCUSDT/SMACrossover/BUY/20260102T031200.000Z" {
		t.Errorf("ID %q", id)
	}
}

// Update allocates nothing on a kline that gives no signal.
func TestUpdateAllocationFree(t *testing.T) {
	// A steady rise: after the first cross nothing fires any more.
	closes := make([]float64, 5000)
	for i := range closes {
		closes[i] = 100 + 0.01*float64(i)
	}
	ks := closesToKlines("BTCUSDT", closes)
	for _, cfg := range []Config{smaConfig(9, 21), emaConfig(12, 26), rsiConfig(14, 30, 70), bollingerConfig(20, 2)} {
		st, err := New(cfg, "BTCUSDT")
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks[:1000] {
			st.Update(k)
		}
		i, fires := 1000, 0
		allocs := testing.AllocsPerRun(2000, func() {
			if _, ok := st.Update(ks[i]); ok {
				fires++
			}
			i++
		})
		if allocs != 0 || fires != 0 {
			t.Errorf("%s: %v allocations per Update, %d signals", cfg.Type, allocs, fires)
		}
	}
}

func TestAppendNum(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{100, "100"},
		{101.23456789, "101.2346"},
		{100000.123, "100000.1"},
		{0.000123456789, "0.0001234568"},
		{43.61, "43.61"},
		{0, "0"},
		{-2.5, "-2.5"},
		{1234567.8, "1234568"},
	} {
		if got := string(appendNum(nil, tc.v)); got != tc.want {
			t.Errorf("appendNum(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

// appendNumStrconv is appendNum done by strconv alone, as it was before
// roundScaled: the reference the fast path must match byte for byte.
func appendNumStrconv(b []byte, v float64) []byte {
	prec := 6
	if a := math.Abs(v); a > 0 && !math.IsInf(a, 0) {
		prec = 6 - floorLog10(a)
	}
	return appendStrconv(b, v, min(12, max(0, prec)))
}

// appendNum's fast path writes what strconv writes: on random magnitudes,
// prices to a few decimals, and values a hair away from a rounding tie.
func TestAppendNumMatchesStrconv(t *testing.T) {
	check := func(v float64) {
		if got, want := string(appendNum(nil, v)), string(appendNumStrconv(nil, v)); got != want {
			t.Fatalf("appendNum(%v) = %q, strconv says %q", v, got, want)
		}
	}
	for _, v := range []float64{0, math.Copysign(0, -1), 1e-300, -1e-300, 5e-13, 4.9999999e-13, 1e7, 1e9, 1 << 30, 1e300,
		math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(1), math.Inf(-1), math.NaN(), 9999999.5, 999999.95, 0.5, 1.5, 2.5} {
		check(v)
		check(-v)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for range 1_000_000 {
		v := math.Pow(10, 24*rng.Float64()-14)
		if rng.IntN(2) == 0 {
			v = -v
		}
		check(v)
		check(math.Round(rng.Float64()*1e9) / 100) // prices to two decimals
		check(math.Round(rng.Float64()*1e8) / 1e6) // to six
		check(v * (1 + 1e-15*rng.NormFloat64()))
		// Next to a tie at the seventh significant digit.
		e := rng.IntN(20) - 10
		tie := (float64(1_000_000+rng.IntN(9_000_000)) + 0.5) * math.Pow10(e-6)
		check(tie)
		check(math.Nextafter(tie, 0))
		check(math.Nextafter(tie, math.Inf(1)))
	}
}

// On a plain random walk (0.2 % per kline, prices to four decimals) a fair
// share of each strategy's signals clears the default minConfidence, so a
// demo shows signals, and a fair share does not, so the threshold means
// something.
func TestRandomWalkShareAboveDefault(t *testing.T) {
	cfgs := []Config{
		smaConfig(9, 21), smaConfig(50, 200), emaConfig(12, 26),
		rsiConfig(14, 30, 70), rsiConfig(7, 20, 80),
		bollingerConfig(20, 2), bollingerConfig(20, 1),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	closes := make([]float64, 100_000)
	p := 100.0
	for i := range closes {
		p *= math.Exp(0.002 * rng.NormFloat64())
		closes[i] = math.Round(p*1e4) / 1e4
	}
	for _, cfg := range cfgs {
		_, sigs := runStrategy(t, cfg, closes)
		passed := 0
		for _, s := range sigs {
			if cfg.Accepts(s) {
				passed++
			}
		}
		share := float64(passed) / float64(len(sigs))
		t.Logf("%s %d/%d/%d: %d signals, %.0f %% at or above %v", cfg.Type, cfg.FastPeriod, cfg.SlowPeriod, cfg.Period, len(sigs), 100*share, DefaultMinConfidence)
		if len(sigs) < 200 || share < 0.2 || share > 0.65 {
			t.Errorf("%s: %d signals, %.2f at or above the default", cfg.Type, len(sigs), share)
		}
	}
}

// floorLog10 agrees with math.Floor(math.Log10(a)) everywhere, next to
// powers of ten included.
func TestFloorLog10(t *testing.T) {
	check := func(a float64) {
		if got, want := floorLog10(a), int(math.Floor(math.Log10(a))); got != want {
			t.Fatalf("floorLog10(%v) = %d, math.Log10 says %d", a, got, want)
		}
	}
	for e := -12; e <= 12; e++ {
		p := math.Pow10(e)
		for _, a := range []float64{p, p * (1 + 1e-12), p * (1 - 1e-12), p * (1 + 1e-11), p * (1 - 1e-11), p * 1.5, p * 9.99} {
			check(a)
			below, above := a, a
			for range 50 {
				below, above = math.Nextafter(below, 0), math.Nextafter(above, math.Inf(1))
				check(below)
				check(above)
			}
		}
	}
	rng := rand.New(rand.NewPCG(4, 4))
	for range 1_000_000 {
		check(math.Pow(10, 20*rng.Float64()-10))
		check(math.Round(rng.Float64()*1e7) / 100) // prices to two decimals
	}
}

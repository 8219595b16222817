package signal

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
)

// benchMix is the ten strategies every symbol runs in the figures: the four
// types with periods people use.
func benchMix() []Config {
	return []Config{
		smaConfig(9, 21), smaConfig(20, 50), smaConfig(50, 200),
		emaConfig(12, 26), emaConfig(9, 21),
		rsiConfig(14, 30, 70), rsiConfig(7, 20, 80),
		bollingerConfig(20, 2), bollingerConfig(20, 2.5), bollingerConfig(50, 2),
	}
}

// benchKlines is a random walk of n one-minute klines of symbol, prices to
// two decimals around 100.
func benchKlines(rng *rand.Rand, symbol string, n int) []Kline {
	ks := make([]Kline, n)
	p := benchStart(rng)
	for i := range ks {
		ks[i] = benchStep(rng, symbol, i, &p)
	}
	return ks
}

// benchFeed is a random walk like benchKlines for each symbol, laid out
// and allocated in the order a feed delivers them: feed[i][j] is kline i
// of symbol j.
func benchFeed(rng *rand.Rand, symbols []string, n int) [][]Kline {
	prices := make([]float64, len(symbols))
	for j := range prices {
		prices[j] = benchStart(rng)
	}
	feed := make([][]Kline, n)
	for i := range feed {
		feed[i] = make([]Kline, len(symbols))
		for j, symbol := range symbols {
			feed[i][j] = benchStep(rng, symbol, i, &prices[j])
		}
	}
	return feed
}

func benchStart(rng *rand.Rand) float64 { return 50 + 100*rng.Float64() }

// benchStep moves the walk at *p one kline and returns kline i.
func benchStep(rng *rand.Rand, symbol string, i int, p *float64) Kline {
	*p *= math.Exp(0.002 * rng.NormFloat64())
	open := klineBase.Add(time.Duration(i) * time.Minute)
	c := decimal.New(int64(math.Round(*p*100)), -2)
	return Kline{Symbol: symbol, OpenTime: open, CloseTime: open.Add(time.Minute - time.Millisecond),
		Open: c, High: c, Low: c, Close: c}
}

func benchUpdate(b *testing.B, newStrategy func(Config) (Strategy, error), cfg Config) {
	ks := benchKlines(rand.New(rand.NewPCG(1, 1)), "BTCUSDT", 10_000)
	st, err := newStrategy(cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := ks[i%len(ks)]
		k.OpenTime = klineBase.Add(time.Duration(i) * time.Minute)
		st.Update(k)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
}

func ours(cfg Config) (Strategy, error) { return New(cfg, "BTCUSDT") }

// BenchmarkUpdate measures one Update of each strategy type, signals
// included.
func BenchmarkUpdate(b *testing.B) {
	for _, cfg := range []Config{smaConfig(9, 21), emaConfig(12, 26), rsiConfig(14, 30, 70), bollingerConfig(20, 2)} {
		b.Run(string(cfg.Type), func(b *testing.B) { benchUpdate(b, ours, cfg) })
	}
}

// BenchmarkUpdateRecompute is the same with every indicator recomputed
// over its whole window on every kline.
func BenchmarkUpdateRecompute(b *testing.B) {
	for _, cfg := range []Config{smaConfig(9, 21), emaConfig(12, 26), rsiConfig(14, 30, 70), bollingerConfig(20, 2)} {
		b.Run(string(cfg.Type), func(b *testing.B) { benchUpdate(b, newRecompute, cfg) })
	}
}

// TestBenchFigures prints the engine's figures as "name: value" lines, for
// make bench. It runs only with SIGNAL_BENCH=1:
//
//	SIGNAL_BENCH=1 go test -count=1 -run '^TestBenchFigures$' -v ./internal/signal/ | grep '^signal\.'
//
// signal.klines_per_sec: strategy updates per second (one closed kline
// folded into one strategy) with 10 000 strategies over 1 000 symbols, ten
// per symbol (benchMix) held in one Set per symbol. The klines are laid
// out and allocated in feed order (all symbols' kline i, then kline i+1)
// and fed that way: each kline goes to its symbol's Set, which checks it
// and converts its close once and folds it into the ten strategies. Each
// round feeds 650 klines per symbol untimed (every window full), then
// times 300; best of three rounds. Signals fire (about one per three Set
// updates) and are built in full, their reasons kept as values (spelled
// only by Signal.Reason, which nothing here calls).
// signal.speedup_vs_recompute: that rate against the recompute baseline
// (type recompute): the same ten strategies per symbol, each recomputing
// its indicators over their whole window on every kline (an SMA or the
// Bollinger bands over their period, an EMA or RSI over its warm-up
// length), fed the same klines through the same Set code in the same
// run, so both pay the same per-kline check, conversion and signal
// building (reasons kept as values, as ours are); best of three each.
// signal.bytes_per_strategy: heap bytes of 1 000 Sets of benchMix (their
// own share included) per strategy.
func TestBenchFigures(t *testing.T) {
	if os.Getenv("SIGNAL_BENCH") != "1" {
		t.Log("set SIGNAL_BENCH=1 to print the benchmark figures")
		return
	}
	// Strategies are measured running, as they are in a bot: the first
	// warm klines (more than the longest warm-up of the mix) are fed before
	// the clock starts, so every window is full, ours and the baseline's.
	const symbols, warm, klines = 1000, 650, 300
	rng := rand.New(rand.NewPCG(5, 5))
	names := make([]string, symbols)
	for i := range names {
		names[i] = fmt.Sprintf("SYM%03dUSDT", i)
	}
	feed := benchFeed(rng, names, warm+klines)
	var rate, naive float64
	for range 3 {
		rate = max(rate, feedRate(t, feed, warm, names, oursSet))
		naive = max(naive, feedRate(t, feed, warm, names, recomputeSet))
	}
	fmt.Printf("signal.klines_per_sec: %.0f\n", rate)
	fmt.Printf("signal.speedup_vs_recompute: %.1f\n", rate/naive)
	fmt.Printf("signal.bytes_per_strategy: %.0f\n", bytesPerStrategy(t, names))
}

// oursSet is the Set of benchMix for symbol.
func oursSet(symbol string) (*Set, error) { return NewSet(symbol, benchMix()...) }

// recomputeSet is the same set of strategies, each recomputing its
// indicators over their whole window on every kline, fed through the same
// Set code.
func recomputeSet(symbol string) (*Set, error) {
	mix := benchMix()
	members := make([]folder, len(mix))
	for i, cfg := range mix {
		m, err := newRecomputeMember(cfg, symbol)
		if err != nil {
			return nil, err
		}
		members[i] = m
	}
	s := new(Set)
	s.init(symbol, members)
	return s, nil
}

// feedRate builds one Set per symbol, feeds each the first warm klines of
// its symbol, and returns the strategy updates per second of feeding the
// rest, kline time by kline time, symbol by symbol.
func feedRate(t *testing.T, feed [][]Kline, warm int, names []string, mk func(string) (*Set, error)) float64 {
	t.Helper()
	sets := make([]*Set, len(names))
	for i, name := range names {
		set, err := mk(name)
		if err != nil {
			t.Fatal(err)
		}
		sets[i] = set
	}
	var out []SetSignal
	for _, ks := range feed[:warm] {
		for j, set := range sets {
			out = set.Update(&ks[j], out[:0])
		}
	}
	runtime.GC()
	updates, fired := 0, 0
	start := time.Now()
	for _, ks := range feed[warm:] {
		for j, set := range sets {
			out = set.Update(&ks[j], out[:0])
			fired += len(out)
			updates += set.Len()
		}
	}
	elapsed := time.Since(start)
	if fired == 0 {
		t.Fatal("no signal at all")
	}
	return float64(updates) / elapsed.Seconds()
}

// bytesPerStrategy is the heap held by one Set of benchMix per symbol,
// the sets' own share included, per strategy.
func bytesPerStrategy(t *testing.T, names []string) float64 {
	sets := make([]*Set, 0, len(names))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, name := range names {
		set, err := oursSet(name)
		if err != nil {
			t.Fatal(err)
		}
		sets = append(sets, set)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(sets)
	// The slice of pointers holding them is not the strategies' cost.
	held := float64(after.HeapAlloc) - float64(before.HeapAlloc) - float64(cap(sets)*8)
	return held / float64(len(names)*len(benchMix()))
}

// recompute is the baseline the speed-up is measured against: the same
// strategies, but every indicator is recomputed from the recent closes on
// every kline. It applies the same firing rules and builds a reason of the
// same shape, with a fixed confidence.
type recompute struct {
	progress
	base
	cfg     Config
	history int // closes kept: the longest window an indicator reads
	closes  []float64
	side    int // crossovers: of the last kline where the averages differed
	prevIn  [2]bool
	hasPrev bool
}

func newRecompute(cfg Config) (Strategy, error) {
	m, err := newRecomputeMember(cfg, "BTCUSDT")
	if err != nil {
		return nil, err
	}
	return &single{folder: m, symbol: "BTCUSDT"}, nil
}

// newRecomputeMember is the baseline strategy of cfg, for a single or a
// Set; it keeps its own history of closes and reads no ring.
func newRecomputeMember(cfg Config, symbol string) (*recompute, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h := cfg.WarmupKlines()
	switch cfg.Type {
	case v1alpha1.StrategySMACrossover:
		h = cfg.SlowPeriod
	case v1alpha1.StrategyBollingerBands:
		h = cfg.Period
	}
	return &recompute{progress: progress{warmup: int32(cfg.WarmupKlines())}, base: base{symbol: symbol, strategy: string(cfg.Type)},
		cfg: cfg, history: h, closes: make([]float64, 0, 2*h)}, nil
}

func (s *recompute) fold(k *Kline, x float64, sig *Signal) bool {
	if len(s.closes) == cap(s.closes) {
		s.closes = append(s.closes[:0], s.closes[len(s.closes)-s.history+1:]...)
	}
	s.closes = append(s.closes, x)
	wasReady := s.done()
	w := s.closes[max(0, len(s.closes)-s.history):]
	var in [2]bool // the BUY and SELL conditions
	var vals [3]float64
	switch s.cfg.Type {
	case v1alpha1.StrategySMACrossover, v1alpha1.StrategyEMACrossover:
		if len(w) < s.cfg.SlowPeriod {
			return false
		}
		var fast, slow float64
		if s.cfg.Type == v1alpha1.StrategySMACrossover {
			fast, slow = windowMean(w[len(w)-s.cfg.FastPeriod:]), windowMean(w)
		} else {
			fast, slow = emaOver(w, s.cfg.FastPeriod), emaOver(w, s.cfg.SlowPeriod)
		}
		side := 0
		if g := fast - slow; g > gapTolerance*slow {
			side = 1
		} else if g < -gapTolerance*slow {
			side = -1
		}
		prev := s.side
		if side != 0 {
			s.side = side
		}
		if !wasReady || prev == 0 || side == 0 || side == prev {
			return false
		}
		sd := Buy
		if side < 0 {
			sd = Sell
		}
		*sig = s.fire(k, sd, fast, slow, 0)
		return true
	case v1alpha1.StrategyRSI:
		if len(w) <= s.cfg.Period {
			return false
		}
		v := rsiOver(w, s.cfg.Period)
		in = [2]bool{v < s.cfg.Oversold, v > s.cfg.Overbought}
		vals = [3]float64{v, s.cfg.Oversold, s.cfg.Overbought}
	case v1alpha1.StrategyBollingerBands:
		if len(w) < s.cfg.Period {
			return false
		}
		m := windowMean(w)
		var ss float64
		for _, v := range w {
			ss += (v - m) * (v - m)
		}
		sd := math.Sqrt(ss / float64(len(w)))
		in = [2]bool{x < m-s.cfg.StdDevMultiplier*sd, x > m+s.cfg.StdDevMultiplier*sd}
		vals = [3]float64{x, m - s.cfg.StdDevMultiplier*sd, m}
	}
	prev, had := s.prevIn, s.hasPrev
	s.prevIn, s.hasPrev = in, true
	if !wasReady || !had {
		return false
	}
	switch {
	case in[0] && !prev[0]:
		*sig = s.fire(k, Buy, vals[0], vals[1], vals[2])
		return true
	case in[1] && !prev[1]:
		*sig = s.fire(k, Sell, vals[0], vals[1], vals[2])
		return true
	}
	return false
}

// fire builds the baseline's signal the way the strategies build theirs:
// the reason's values kept, spelled only if Signal.Reason is called.
func (s *recompute) fire(k *Kline, side Side, a, b, c float64) Signal {
	r := reason{v: [4]float64{a, b, c}}
	switch s.cfg.Type {
	case v1alpha1.StrategySMACrossover, v1alpha1.StrategyEMACrossover:
		r.kind = reasonSMACross
		if s.cfg.Type == v1alpha1.StrategyEMACrossover {
			r.kind = reasonEMACross
		}
		r.p = [2]uint16{uint16(s.cfg.FastPeriod), uint16(s.cfg.SlowPeriod)}
	case v1alpha1.StrategyRSI:
		r.kind = reasonRSI
		r.p = [2]uint16{uint16(s.cfg.Period)}
		if side == Sell {
			r.v[1] = c
		}
	case v1alpha1.StrategyBollingerBands:
		r.kind = reasonBollinger
		r.p = [2]uint16{uint16(s.cfg.Period)}
		r.v[3] = s.cfg.StdDevMultiplier
	}
	var sig Signal
	s.put(&sig, k, side, confidence(a/max(b, 1), 1), r)
	return sig
}

func windowMean(w []float64) float64 {
	var s float64
	for _, v := range w {
		s += v
	}
	return s / float64(len(w))
}

// emaOver seeds an EMA with the mean of the first period values of w and
// runs it over the rest.
func emaOver(w []float64, period int) float64 {
	if len(w) < period {
		return math.NaN()
	}
	e, alpha := windowMean(w[:period]), 2/float64(period+1)
	for _, v := range w[period:] {
		e = alpha*v + (1-alpha)*e
	}
	return e
}

// rsiOver runs Wilder's RSI over w from its start.
func rsiOver(w []float64, period int) float64 {
	var gain, loss float64
	for i := 1; i <= period; i++ {
		ch := w[i] - w[i-1]
		gain += max(ch, 0)
		loss += max(-ch, 0)
	}
	gain /= float64(period)
	loss /= float64(period)
	for i := period + 1; i < len(w); i++ {
		ch := w[i] - w[i-1]
		gain = (gain*float64(period-1) + max(ch, 0)) / float64(period)
		loss = (loss*float64(period-1) + max(-ch, 0)) / float64(period)
	}
	return rsiOf(gain, loss)
}

// BenchmarkIndicator measures the indicators alone, float64 in, against
// recomputing each one's window (an EMA or RSI over its warm-up length):
// the arithmetic without the per-kline plumbing that both pay.
func BenchmarkIndicator(b *testing.B) {
	closes := make([]float64, 1<<12)
	rng := rand.New(rand.NewPCG(3, 3))
	p := 100.0
	for i := range closes {
		p *= math.Exp(0.002 * rng.NormFloat64())
		closes[i] = p
	}
	sma, _ := NewSMA(21)
	ema, _ := NewEMA(26)
	rsi, _ := NewRSI(14)
	bb, _ := NewBollinger(20, 2)
	var sink float64
	for _, tc := range []struct {
		name      string
		window    int
		ours      func(x float64) float64
		recompute func(w []float64) float64
	}{
		{"SMA21", 21, func(x float64) float64 { sma.Update(x); return sma.Value() }, windowMean},
		{"EMA26", 4 * 26, func(x float64) float64 { ema.Update(x); return ema.Value() }, func(w []float64) float64 { return emaOver(w, 26) }},
		{"RSI14", 6*14 + 1, func(x float64) float64 { rsi.Update(x); return rsi.Value() }, func(w []float64) float64 { return rsiOver(w, 14) }},
		{"Bollinger20", 20, func(x float64) float64 { bb.Update(x); l, _, _, _ := bb.Bands(); return l }, func(w []float64) float64 {
			m := windowMean(w)
			var ss float64
			for _, v := range w {
				ss += (v - m) * (v - m)
			}
			return m - 2*math.Sqrt(ss/float64(len(w)))
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				sink += tc.ours(closes[i%len(closes)])
			}
		})
		b.Run(tc.name+"Recompute", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				j := tc.window + i%(len(closes)-tc.window)
				sink += tc.recompute(closes[j-tc.window : j])
			}
		})
	}
	runtime.KeepAlive(sink)
}

// BenchmarkSet measures one kline folded into the ten strategies of
// benchMix for one symbol (all state in cache), ours and the recompute
// baseline, through the same Set code; ns/op is per kline.
func BenchmarkSet(b *testing.B) {
	for _, tc := range []struct {
		name string
		mk   func(string) (*Set, error)
	}{{"ours", oursSet}, {"recompute", recomputeSet}} {
		b.Run(tc.name, func(b *testing.B) {
			ks := benchKlines(rand.New(rand.NewPCG(1, 1)), "BTCUSDT", 10_000)
			set, err := tc.mk("BTCUSDT")
			if err != nil {
				b.Fatal(err)
			}
			var out []SetSignal
			for i := 0; b.Loop(); i++ {
				k := ks[i%len(ks)]
				k.OpenTime = klineBase.Add(time.Duration(i) * time.Minute)
				out = set.Update(&k, out[:0])
			}
		})
	}
}

// BenchmarkFeed is signal.klines_per_sec's workload as a Go benchmark, for
// profiling: one op feeds 300 kline times to the Sets of 1 000 symbols
// (benchMix each, every window full), ours and the recompute baseline.
func BenchmarkFeed(b *testing.B) {
	const symbols, warm, klines = 1000, 650, 300
	names := make([]string, symbols)
	for i := range names {
		names[i] = fmt.Sprintf("SYM%03dUSDT", i)
	}
	feed := benchFeed(rand.New(rand.NewPCG(5, 5)), names, warm+klines)
	for _, tc := range []struct {
		name string
		mk   func(string) (*Set, error)
	}{{"ours", oursSet}, {"recompute", recomputeSet}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			updates := 0
			var out []SetSignal
			for b.Loop() {
				b.StopTimer()
				sets := make([]*Set, len(names))
				for i, name := range names {
					set, err := tc.mk(name)
					if err != nil {
						b.Fatal(err)
					}
					sets[i] = set
				}
				for _, ks := range feed[:warm] {
					for j, set := range sets {
						out = set.Update(&ks[j], out[:0])
					}
				}
				runtime.GC()
				b.StartTimer()
				for _, ks := range feed[warm:] {
					for j, set := range sets {
						out = set.Update(&ks[j], out[:0])
						updates += set.Len()
					}
				}
			}
			b.ReportMetric(float64(updates)/b.Elapsed().Seconds(), "updates/s")
		})
	}
}

package signal

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The reference indicators recompute everything from the whole series, the
// plain way. NaN means "not ready".

// refSMA is the mean of the window ending at i, summed as deviations from
// the window's first value so that a flat window gives exactly its price.
func refSMA(xs []float64, period, i int) float64 {
	if i+1 < period {
		return math.NaN()
	}
	win := xs[i+1-period : i+1]
	var s float64
	for _, x := range win {
		s += x - win[0]
	}
	return win[0] + s/float64(period)
}

// refStdDev is the population standard deviation of the window ending at
// i, by two passes over deviations from the window's first value (so a
// flat window gives exactly 0).
func refStdDev(xs []float64, period, i int) float64 {
	if i+1 < period {
		return math.NaN()
	}
	win := xs[i+1-period : i+1]
	var s float64
	for _, x := range win {
		s += x - win[0]
	}
	m := s / float64(period)
	var ss float64
	for _, x := range win {
		d := x - win[0] - m
		ss += d * d
	}
	return math.Sqrt(ss / float64(period))
}

// refEMA returns the EMA series: seeded with the mean of the first period
// values, then alpha·x + (1−alpha)·previous.
func refEMA(xs []float64, period int) []float64 {
	out := make([]float64, len(xs))
	alpha := 2 / float64(period+1)
	var e float64
	for i, x := range xs {
		switch {
		case i+1 < period:
			out[i] = math.NaN()
		case i+1 == period:
			e = refSMA(xs, period, i)
			out[i] = e
		default:
			e = alpha*x + (1-alpha)*e
			out[i] = e
		}
	}
	return out
}

// refRSI returns Wilder's RSI series.
func refRSI(xs []float64, period int) []float64 {
	out := make([]float64, len(xs))
	var gain, loss float64
	for i := range xs {
		out[i] = math.NaN()
		if i < period {
			continue
		}
		if i == period {
			gain, loss = 0, 0
			for j := 1; j <= period; j++ {
				ch := xs[j] - xs[j-1]
				gain += max(ch, 0)
				loss += max(-ch, 0)
			}
			gain /= float64(period)
			loss /= float64(period)
		} else {
			ch := xs[i] - xs[i-1]
			gain = (gain*float64(period-1) + max(ch, 0)) / float64(period)
			loss = (loss*float64(period-1) + max(-ch, 0)) / float64(period)
		}
		out[i] = rsiOf(gain, loss)
	}
	return out
}

// randomSeries is a random walk at a random price level from 0.0001 to
// 100 000, on a tick grid of 1e-8 of that level, with flat stretches,
// quiet and wild stretches and the odd jump.
func randomSeries(rng *rand.Rand, n, period int) []float64 {
	level := math.Pow(10, -4+9*rng.Float64())
	tick := level * 1e-8
	vol := math.Pow(10, -4+2.5*rng.Float64()) // 0.01 % to 3 % per kline
	xs := make([]float64, 0, n)
	x := level
	for len(xs) < n {
		switch r := rng.Float64(); {
		case r < 0.05: // a flat stretch
			for range 1 + rng.IntN(2*period) {
				xs = append(xs, x)
			}
			continue
		case r < 0.06:
			x *= 0.5 + 1.5*rng.Float64()
		case r < 0.08: // a one-tick move
			x += tick * float64(1-2*rng.IntN(2))
		default:
			x *= math.Exp(vol * rng.NormFloat64())
		}
		x = max(tick, math.Round(x/tick)*tick)
		xs = append(xs, x)
	}
	return xs[:n]
}

func randomPeriod(rng *rand.Rand) int {
	switch r := rng.Float64(); {
	case r < 0.7:
		return 2 + rng.IntN(49)
	case r < 0.95:
		return 51 + rng.IntN(150)
	default:
		return 201 + rng.IntN(300)
	}
}

// relErr is |got − want| / |want|, 0 when both are 0 and +Inf when only
// want is.
func relErr(got, want float64) float64 {
	if got == want {
		return 0
	}
	return math.Abs(got-want) / math.Abs(want)
}

// TestIndicatorsMatchRecomputation folds 10 000 random series into the
// incremental indicators and checks every value against a recomputation
// from the whole series: relative error at most 1e-9, readiness the same.
func TestIndicatorsMatchRecomputation(t *testing.T) {
	const series, tol = 10_000, 1e-9
	rng := rand.New(rand.NewPCG(9, 1))
	names := []string{"SMA", "EMA", "RSI", "Bollinger middle", "Bollinger lower", "Bollinger upper", "standard deviation"}
	worst := make([]float64, len(names))
	for s := range series {
		period := randomPeriod(rng)
		n := 1 + rng.IntN(3*period+100)
		xs := randomSeries(rng, n, period)
		k := 0.5 + 2.5*rng.Float64()
		sma, _ := NewSMA(period)
		ema, _ := NewEMA(period)
		rsi, _ := NewRSI(period)
		bb, _ := NewBollinger(period, k)
		wantEMA, wantRSI := refEMA(xs, period), refRSI(xs, period)
		for i, x := range xs {
			sma.Update(x)
			ema.Update(x)
			rsi.Update(x)
			bb.Update(x)
			lower, middle, upper, sd := bb.Bands()
			m, d := refSMA(xs, period, i), refStdDev(xs, period, i)
			checks := []struct {
				ready     bool
				got, want float64
			}{
				{sma.Ready(), sma.Value(), m},
				{ema.Ready(), ema.Value(), wantEMA[i]},
				{rsi.Ready(), rsi.Value(), wantRSI[i]},
				{bb.Ready(), middle, m},
				{bb.Ready(), lower, m - k*d},
				{bb.Ready(), upper, m + k*d},
				{bb.Ready(), sd, d},
			}
			for j, c := range checks {
				if c.ready != !math.IsNaN(c.want) {
					t.Fatalf("series %d (period %d), value %d: %s ready %v, want %v", s, period, i, names[j], c.ready, !c.ready)
				}
				if !c.ready {
					continue
				}
				e := relErr(c.got, c.want)
				if e > tol {
					t.Fatalf("series %d (period %d, level %g), value %d: %s %v, recomputed %v, relative error %.3g", s, period, xs[0], i, names[j], c.got, c.want, e)
				}
				worst[j] = max(worst[j], e)
			}
		}
	}
	for j, name := range names {
		t.Logf("%s: worst relative error %.3g", name, worst[j])
	}
}

package market

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/shopspring/decimal"
)

// replayPath is a symbol's replayed klines mapped onto the simulated clock:
// the first kline opens at the start time, each lasts until the next one's
// open (the last one for its own length), and after the last the replay
// loops from the first kline (the price jumps from the last close to the
// first open, as the data does).
type replayPath struct {
	offsetNs, durNs        []int64
	open, high, low, close []float64
	volume                 []float64 // base volume, 0 if unknown
	totalNs                int64
}

func newReplayPath(klines []Kline) *replayPath {
	r := &replayPath{}
	first := klines[0].OpenTime
	for i, k := range klines {
		var dur int64
		switch {
		case i+1 < len(klines):
			dur = klines[i+1].OpenTime.Sub(k.OpenTime).Nanoseconds()
		case k.CloseTime.After(k.OpenTime):
			dur = k.CloseTime.Sub(k.OpenTime).Nanoseconds() + nsMs
		case i > 0:
			dur = r.durNs[i-1]
		default:
			dur = nsMinute
		}
		r.offsetNs = append(r.offsetNs, k.OpenTime.Sub(first).Nanoseconds())
		r.durNs = append(r.durNs, dur)
		r.open = append(r.open, k.Open.InexactFloat64())
		r.high = append(r.high, k.High.InexactFloat64())
		r.low = append(r.low, k.Low.InexactFloat64())
		r.close = append(r.close, k.Close.InexactFloat64())
		r.volume = append(r.volume, k.Volume.InexactFloat64())
		r.totalNs = r.offsetNs[i] + dur
	}
	return r
}

// validateReplay checks klines given to New directly (ParseReplayCSV's
// output always passes).
func validateReplay(klines []Kline) error {
	if len(klines) == 0 {
		return errors.New("no klines")
	}
	for i, k := range klines {
		if !k.Open.IsPositive() || !k.High.IsPositive() || !k.Low.IsPositive() || !k.Close.IsPositive() {
			return fmt.Errorf("kline %d: prices must be positive", i)
		}
		if k.High.LessThan(decimal.Max(k.Open, k.Close, k.Low)) || k.Low.GreaterThan(decimal.Min(k.Open, k.Close)) {
			return fmt.Errorf("kline %d: high/low do not contain open and close", i)
		}
		if k.Volume.IsNegative() {
			return fmt.Errorf("kline %d: negative volume", i)
		}
		if i > 0 && !k.OpenTime.After(klines[i-1].OpenTime) {
			return fmt.Errorf("kline %d: open time not after the previous kline's", i)
		}
	}
	return nil
}

// locate returns the kline replayed at relNs after the start and how far
// into it that is.
func (r *replayPath) locate(relNs int64) (i int, intoNs int64) {
	rel := relNs % r.totalNs
	if rel < 0 {
		rel += r.totalNs
	}
	i = sort.Search(len(r.offsetNs), func(j int) bool { return r.offsetNs[j] > rel }) - 1
	return i, rel - r.offsetNs[i]
}

// priceAt is the replayed price relNs after the start. Within a kline the
// price goes open → low → high → close for a rising kline (open → high →
// low → close for a falling one), linearly between those points, which sit
// on the step grid so each extreme is traded exactly when steps align with
// the kline. The last step inside the kline trades at its close.
func (r *replayPath) priceAt(relNs, tickNs int64) float64 {
	i, into := r.locate(relNs)
	last := float64(r.durNs[i])/float64(tickNs) - 1 // the kline's last step, in steps from its open
	pos := float64(into) / float64(tickNs)
	if last <= 0 || pos >= last {
		return r.close[i]
	}
	a, b := math.Round(last/3), math.Round(2*last/3)
	if !(0 < a && a < b && b < last) {
		a, b = last/3, 2*last/3
	}
	first, second := r.low[i], r.high[i]
	if r.close[i] < r.open[i] {
		first, second = second, first
	}
	switch {
	case pos <= a:
		return lerp(r.open[i], first, pos/a)
	case pos <= b:
		return lerp(first, second, (pos-a)/(b-a))
	default:
		return lerp(second, r.close[i], (pos-b)/(last-b))
	}
}

// meanStepsAt sizes trades so a replayed kline's volume is matched on
// average; 0 when the kline has no volume.
func (r *replayPath) meanStepsAt(relNs, tickNs int64, step decimal.Decimal) float64 {
	i, _ := r.locate(relNs)
	if r.volume[i] <= 0 {
		return 0
	}
	steps := max(float64(r.durNs[i])/float64(tickNs), 1)
	return r.volume[i] / step.InexactFloat64() / steps / meanTradesPerStep
}

func lerp(a, b, f float64) float64 { return a + (b-a)*f }

package signal

import (
	"fmt"
	"math"
)

// The indicators below fold one value at a time in O(1) (amortised) and
// hold at most `period` values. They compute in float64: they only ever
// compare prices with each other and produce ratios, never an amount.

// window keeps the last `period` values and their mean and population
// variance.
//
// Sums are kept relative to a reference value ref taken from the window,
// so that a price level of 100 000 does not swamp variations of 0.01 (no
// catastrophic cancellation in Σx² − (Σx)²/n). They are recomputed exactly
// from the ring every `period` values, so rounding cannot drift, and also
// as soon as the variance has shrunk far below the sums it was derived from
// (a volatile stretch leaving the window): then the accumulated rounding of
// the larger sums would be a visible share of the small variance. A flat
// window therefore has a variance of exactly 0 and a mean equal to its
// price.
type window struct {
	buf  []float64
	head int     // where the next value goes
	n    int     // values held, up to len(buf)
	inv  float64 // 1/n
	ref  float64
	s1   float64 // Σ(x−ref)
	s2   float64 // Σ(x−ref)²
	peak float64 // largest s2 since the last exact recomputation
}

// rebaseRatio bounds peak/(n·variance) before the sums are recomputed. The
// rounding error of s2 is at most about 3·period·ε·peak, so this keeps the
// variance's relative error under 3·500·2.2e-16·1000 ≈ 3.3e-10.
const rebaseRatio = 1000

func newWindow(period int) window {
	return window{buf: make([]float64, period)}
}

func (w *window) full() bool { return w.n == len(w.buf) }

func (w *window) push(x float64) {
	d := x - w.ref
	if w.n == len(w.buf) {
		o := w.buf[w.head] - w.ref
		w.s1 += d - o
		w.s2 += (d - o) * (d + o)
	} else {
		if w.n == 0 {
			w.ref, d = x, 0
		}
		w.n++
		w.inv = 1 / float64(w.n)
		w.s1 += d
		w.s2 += d * d
	}
	w.buf[w.head] = x
	w.peak = max(w.peak, w.s2)
	// Every len(buf) values (when head wraps), and whenever the variance
	// has become small next to the sums.
	if w.head++; w.head == len(w.buf) {
		w.head = 0
		w.recompute()
	} else if w.peak > rebaseRatio*w.sumSq() {
		w.recompute()
	}
}

// sumSq is n times the population variance, Σ(x−mean)².
func (w *window) sumSq() float64 {
	return w.s2 - w.s1*w.s1*w.inv
}

// recompute rebuilds the sums exactly, relative to the held value nearest
// the mean: some value always lies within one standard deviation of the
// mean, so afterwards s2 is at most twice n·variance. The current mean is
// accurate enough to pick that value.
func (w *window) recompute() {
	vals := w.buf[:w.n] // while filling, the values are buf[0:n]
	m := w.mean()
	ref, dist := vals[0], math.Abs(vals[0]-m)
	for _, v := range vals[1:] {
		if d := math.Abs(v - m); d < dist {
			ref, dist = v, d
		}
	}
	var s1, s2 float64
	for _, v := range vals {
		d := v - ref
		s1 += d
		s2 += d * d
	}
	w.ref, w.s1, w.s2, w.peak = ref, s1, s2, s2
}

func (w *window) mean() float64 {
	return w.ref + w.s1*w.inv
}

// stdDev is the population standard deviation.
func (w *window) stdDev() float64 {
	return math.Sqrt(max(0, w.sumSq()*w.inv))
}

// meanWindow keeps the last len(buf) values and their mean, for the SMA
// and the SMA crossovers, which need no variance. Its sum is kept relative
// to a reference value from the window, as window's are, and recomputed
// exactly every len(buf) values, so rounding cannot drift; without a
// variance there is no cancellation to guard against in between.
type meanWindow struct {
	buf  []float64
	head int32 // where the next value goes
	n    int32 // values held, up to len(buf)
	inv  float64
	ref  float64
	s1   float64 // Σ(x−ref)
}

func newMeanWindow(period int) meanWindow {
	return meanWindow{buf: make([]float64, period)}
}

func (w *meanWindow) full() bool { return int(w.n) == len(w.buf) }

func (w *meanWindow) push(x float64) {
	d := x - w.ref
	if int(w.n) == len(w.buf) {
		w.s1 += d - (w.buf[w.head] - w.ref)
	} else {
		if w.n == 0 {
			w.ref, d = x, 0
		}
		w.n++
		w.inv = 1 / float64(w.n)
		w.s1 += d
	}
	w.buf[w.head] = x
	if w.head++; int(w.head) == len(w.buf) {
		w.head = 0
		w.recompute()
	}
}

// recompute rebuilds the sum exactly, relative to the newest value. It
// runs when head has just wrapped, so the window is buf in order.
func (w *meanWindow) recompute() {
	vals := w.buf[:w.n]
	ref := vals[len(vals)-1]
	var s1 float64
	for _, v := range vals {
		s1 += v - ref
	}
	w.ref, w.s1 = ref, s1
}

func (w *meanWindow) mean() float64 {
	return w.ref + w.s1*w.inv
}

func checkPeriod(period int) error {
	if period < 1 {
		return fmt.Errorf("period %d must be at least 1", period)
	}
	return nil
}

// SMA is the simple moving average of the last Period values.
type SMA struct {
	w meanWindow
}

// NewSMA returns an empty simple moving average over period values.
func NewSMA(period int) (*SMA, error) {
	if err := checkPeriod(period); err != nil {
		return nil, err
	}
	return &SMA{w: newMeanWindow(period)}, nil
}

// Update folds the next value.
func (s *SMA) Update(x float64) { s.w.push(x) }

// Ready reports whether Period values have been folded.
func (s *SMA) Ready() bool { return s.w.full() }

// Value is the average of the last Period values; 0 until Ready.
func (s *SMA) Value() float64 {
	if !s.w.full() {
		return 0
	}
	return s.w.mean()
}

// EMA is the exponential moving average with alpha = 2/(period+1), seeded
// with the simple average of the first period values.
type EMA struct {
	period int
	n      int
	alpha  float64
	value  float64 // the running sum while seeding
}

// NewEMA returns an empty exponential moving average.
func NewEMA(period int) (*EMA, error) {
	if err := checkPeriod(period); err != nil {
		return nil, err
	}
	e := newEMA(period)
	return &e, nil
}

func newEMA(period int) EMA {
	return EMA{period: period, alpha: 2 / float64(period+1)}
}

// Update folds the next value.
func (e *EMA) Update(x float64) {
	switch {
	case e.n < e.period-1:
		e.value += x
		e.n++
	case e.n == e.period-1:
		e.value = (e.value + x) / float64(e.period)
		e.n++
	default:
		e.value += e.alpha * (x - e.value)
	}
}

// Ready reports whether period values have been folded.
func (e *EMA) Ready() bool { return e.n == e.period }

// Value is the current average; 0 until Ready.
func (e *EMA) Value() float64 {
	if !e.Ready() {
		return 0
	}
	return e.value
}

// RSI is Wilder's relative strength index over period changes: the first
// average gain and loss are plain means of the first period changes, later
// ones are smoothed as avg = (avg·(period−1) + x)/period.
type RSI struct {
	period  int
	n       int // changes folded, capped at period
	started bool
	prev    float64
	gain    float64 // average gain (a sum while seeding)
	loss    float64
}

// NewRSI returns an empty RSI over period changes (period+1 values).
func NewRSI(period int) (*RSI, error) {
	if err := checkPeriod(period); err != nil {
		return nil, err
	}
	r := newRSI(period)
	return &r, nil
}

func newRSI(period int) RSI {
	return RSI{period: period}
}

// Update folds the next value.
func (r *RSI) Update(x float64) {
	if !r.started {
		r.started, r.prev = true, x
		return
	}
	ch := x - r.prev
	r.prev = x
	g, l := max(ch, 0), max(-ch, 0)
	switch {
	case r.n < r.period-1:
		r.gain += g
		r.loss += l
		r.n++
	case r.n == r.period-1:
		r.gain = (r.gain + g) / float64(r.period)
		r.loss = (r.loss + l) / float64(r.period)
		r.n++
	default:
		r.gain = (r.gain*float64(r.period-1) + g) / float64(r.period)
		r.loss = (r.loss*float64(r.period-1) + l) / float64(r.period)
	}
}

// Ready reports whether period changes have been folded.
func (r *RSI) Ready() bool { return r.n == r.period }

// Value is the index, 0 to 100; 0 until Ready. With no change at all over
// the averages it is 50, with gains and no losses 100.
func (r *RSI) Value() float64 {
	if !r.Ready() {
		return 0
	}
	return rsiOf(r.gain, r.loss)
}

func rsiOf(gain, loss float64) float64 {
	switch {
	case loss == 0 && gain == 0:
		return 50
	case loss == 0:
		return 100
	}
	return 100 - 100/(1+gain/loss)
}

// Bollinger holds Bollinger bands: the middle band is the simple average of
// the last period values, the outer bands lie K population standard
// deviations above and below it.
type Bollinger struct {
	w window
	k float64
}

// NewBollinger returns empty bands over period values, k standard
// deviations wide on each side.
func NewBollinger(period int, k float64) (*Bollinger, error) {
	if err := checkPeriod(period); err != nil {
		return nil, err
	}
	if !(k > 0) || math.IsInf(k, 0) {
		return nil, fmt.Errorf("multiplier %v must be a positive number", k)
	}
	return &Bollinger{w: newWindow(period), k: k}, nil
}

// Update folds the next value.
func (b *Bollinger) Update(x float64) { b.w.push(x) }

// Ready reports whether period values have been folded.
func (b *Bollinger) Ready() bool { return b.w.full() }

// Bands returns the lower, middle and upper bands and the standard
// deviation they were drawn with; all 0 until Ready.
func (b *Bollinger) Bands() (lower, middle, upper, stdDev float64) {
	if !b.w.full() {
		return 0, 0, 0, 0
	}
	m, sd := b.w.mean(), b.w.stdDev()
	return m - b.k*sd, m, m + b.k*sd, sd
}

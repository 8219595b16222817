package signal

import (
	"fmt"
	"math"
)

// The indicators below fold one value at a time in O(1) (amortised); the
// windowed ones read their last `period` values from a closeRing. They
// compute in float64: they only ever compare prices with each other and
// produce ratios, never an amount.

// window is the mean and population variance of the last period closes
// of a closeRing: it keeps their sums and reads the close leaving it from
// the ring.
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
	// left is the pushes until the sums are next recomputed from the ring,
	// the one that makes them period after the last; 1 while filling, so
	// that the usual push tests one field.
	left   int32
	n      int32 // values held, up to period
	period int32
	inv    float64 // 1/n
	ref    float64
	s1     float64 // Σ(x−ref)
	s2     float64 // Σ(x−ref)²
	peak   float64 // largest s2 since the last exact recomputation
	ss     float64 // sumSq after the last push, for the bands
}

// rebaseRatio bounds peak/(n·variance) before the sums are recomputed. The
// rounding error of s2 is at most about 3·period·ε·peak, so this keeps the
// variance's relative error under 3·500·2.2e-16·1000 ≈ 3.3e-10.
const rebaseRatio = 1000

func newWindow(period int) window {
	return window{period: int32(period), left: 1}
}

func (w *window) full() bool { return w.n == w.period }

// push folds x, which ring (the window's closeRing) has just received at
// index h. windows.push inlines the usual case.
func (w *window) push(ring []float64, h int, x float64) {
	if w.left > 1 {
		w.left--
		w.slide(ring, h, x)
		w.check(ring, h)
		return
	}
	w.pushSlow(ring, h, x)
}

// pushSlow is push of a value that fills the window or completes period
// values since the last recomputation, which it then does.
func (w *window) pushSlow(ring []float64, h int, x float64) {
	if w.n == w.period {
		w.slide(ring, h, x)
	} else {
		w.fill(x)
	}
	if w.n == w.period {
		w.left = w.period
		w.recompute(ring, h)
		return
	}
	w.check(ring, h)
}

// check recomputes the sums if the variance has become small next to them,
// and keeps sumSq in ss.
func (w *window) check(ring []float64, h int) {
	if !w.settled() {
		w.recompute(ring, h)
	}
}

// settled is check without the recomputation: it keeps sumSq in ss and
// returns true, or returns false if the sums must be recomputed.
func (w *window) settled() bool {
	ss := w.sumSq()
	if w.peak > rebaseRatio*ss {
		return false
	}
	w.ss = ss
	return true
}

// slide replaces the oldest value of the full window with x.
func (w *window) slide(ring []float64, h int, x float64) {
	d, o := x-w.ref, ring[(h-int(w.period))&(len(ring)-1)]-w.ref
	w.s1 += d - o
	w.s2 += (d - o) * (d + o)
	if w.s2 > w.peak {
		w.peak = w.s2
	}
}

// fill adds x to the window that is not full yet.
func (w *window) fill(x float64) {
	d := x - w.ref
	if w.n == 0 {
		w.ref, d = x, 0
	}
	w.n++
	w.inv = 1 / float64(w.n)
	w.s1 += d
	w.s2 += d * d
	w.peak = max(w.peak, w.s2)
}

// sumSq is n times the population variance, Σ(x−mean)².
func (w *window) sumSq() float64 {
	return w.s2 - w.s1*w.s1*w.inv
}

// recompute rebuilds the sums exactly, relative to the held value nearest
// the mean: some value always lies within one standard deviation of the
// mean, so afterwards s2 is at most twice n·variance. The current mean is
// accurate enough to pick that value. The newest value is at ring index h.
//
// It reads the values in the order a ring of period slots of the window's
// own would hold them (value i pushed into slot i mod period), which
// decides the rounding of the sums and which of two values as near the
// mean becomes ref: the same values always give the same sums, alone or
// in a Set.
func (w *window) recompute(ring []float64, h int) {
	n, start := int(w.n), 0
	if since := int(w.period - w.left); n == int(w.period) && since != 0 {
		start = n - since // the oldest in slot since, slot 0 after it
	}
	// The positions start to n−1 of the window, then 0 to start−1.
	mask, oldest := len(ring)-1, h-n+1
	spans := [2][2]int{{oldest + start, oldest + n}, {oldest, oldest + start}}
	m := w.mean()
	ref, dist := ring[(oldest+start)&mask], math.Inf(1)
	for _, sp := range spans {
		for i := sp[0]; i < sp[1]; i++ {
			if v := ring[i&mask]; math.Abs(v-m) < dist {
				ref, dist = v, math.Abs(v-m)
			}
		}
	}
	var s1, s2 float64
	for _, sp := range spans {
		for i := sp[0]; i < sp[1]; i++ {
			d := ring[i&mask] - ref
			s1 += d
			s2 += d * d
		}
	}
	w.ref, w.s1, w.s2, w.peak = ref, s1, s2, s2
	w.ss = w.sumSq()
}

func (w *window) mean() float64 {
	return w.ref + w.s1*w.inv
}

// stdDev is the population standard deviation.
func (w *window) stdDev() float64 {
	if w.ss <= 0 {
		return 0
	}
	return math.Sqrt(w.ss * w.inv)
}

// meanWindow is the mean of the last period closes of a closeRing, for
// the SMA and the SMA crossovers, which need no variance. Its sum is kept
// relative to a reference value from the window, as window's are, and
// recomputed exactly every period values, so rounding cannot drift;
// without a variance there is no cancellation to guard against in between.
type meanWindow struct {
	left   int32 // as window's
	n      int32 // values held, up to period
	period int32
	inv    float64
	ref    float64
	s1     float64 // Σ(x−ref)
}

func newMeanWindow(period int) meanWindow {
	return meanWindow{period: int32(period), left: 1}
}

func (w *meanWindow) full() bool { return w.n == w.period }

// push folds x, which ring (the window's closeRing) has just received at
// index h. windows.push inlines the usual case.
func (w *meanWindow) push(ring []float64, h int, x float64) {
	if w.left > 1 {
		w.left--
		w.slide(ring, h, x)
		return
	}
	w.pushSlow(ring, h, x)
}

// pushSlow is push of a value that fills the window or completes period
// values since the last recomputation, which it then does.
func (w *meanWindow) pushSlow(ring []float64, h int, x float64) {
	if w.n == w.period {
		w.slide(ring, h, x)
	} else {
		w.fill(x)
	}
	if w.n == w.period {
		w.left = w.period
		w.recompute(ring, h)
	}
}

// slide replaces the oldest value of the full window with x.
func (w *meanWindow) slide(ring []float64, h int, x float64) {
	w.s1 += x - w.ref - (ring[(h-int(w.period))&(len(ring)-1)] - w.ref)
}

// fill adds x to the window that is not full yet.
func (w *meanWindow) fill(x float64) {
	d := x - w.ref
	if w.n == 0 {
		w.ref, d = x, 0
	}
	w.n++
	w.inv = 1 / float64(w.n)
	w.s1 += d
}

// recompute rebuilds the sum exactly, relative to the newest value (at
// ring index h), oldest value first. It runs every period values, when the
// window is full.
func (w *meanWindow) recompute(ring []float64, h int) {
	mask, ref := len(ring)-1, ring[h]
	var s1 float64
	for i := h - int(w.n) + 1; i <= h; i++ {
		s1 += ring[i&mask] - ref
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
	closes closeRing
	w      meanWindow
}

// NewSMA returns an empty simple moving average over period values.
func NewSMA(period int) (*SMA, error) {
	if err := checkPeriod(period); err != nil {
		return nil, err
	}
	return &SMA{closes: newCloseRing(period), w: newMeanWindow(period)}, nil
}

// Update folds the next value.
func (s *SMA) Update(x float64) {
	s.w.push(s.closes.buf, s.closes.push(x), x)
}

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
	case e.n == e.period: // the usual case first
		e.value = e.next(x)
	case e.n < e.period-1:
		e.value += x
		e.n++
	default:
		e.value = (e.value + x) / float64(e.period)
		e.n++
	}
}

// next is the average after folding x into the seeded EMA, not stored.
func (e *EMA) next(x float64) float64 {
	return e.value + e.alpha*(x-e.value)
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
	if r.n == r.period { // the usual case first
		r.gain, r.loss = r.smoothed(x)
		r.prev = x
		return
	}
	g, l := gainLoss(x - r.prev)
	r.prev = x
	switch {
	case r.n < r.period-1:
		r.gain += g
		r.loss += l
		r.n++
	default:
		r.gain = (r.gain + g) / float64(r.period)
		r.loss = (r.loss + l) / float64(r.period)
		r.n++
	}
}

// smoothed returns the average gain and loss after folding x into the
// ready RSI, without storing them.
func (r *RSI) smoothed(x float64) (gain, loss float64) {
	g, l := gainLoss(x - r.prev)
	return (r.gain*float64(r.period-1) + g) / float64(r.period),
		(r.loss*float64(r.period-1) + l) / float64(r.period)
}

// gainLoss is max(ch, 0) and max(−ch, 0) for a finite ch, without max's
// NaN and signed-zero cases.
func gainLoss(ch float64) (g, l float64) {
	if ch > 0 {
		g = ch
	} else if ch < 0 {
		l = -ch
	}
	return g, l
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
	closes closeRing
	w      window
	bands
}

// bands are Bollinger's bands over a window (and closeRing) owned
// elsewhere.
type bands struct {
	w *window
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
	b := &Bollinger{closes: newCloseRing(period), w: newWindow(period)}
	b.bands = bands{w: &b.w, k: k}
	return b, nil
}

// Update folds the next value.
func (b *Bollinger) Update(x float64) {
	b.w.push(b.closes.buf, b.closes.push(x), x)
}

// Ready reports whether period values have been folded.
func (b *Bollinger) Ready() bool { return b.w.full() }

// Bands returns the lower, middle and upper bands and the standard
// deviation they were drawn with; all 0 until Ready.
func (b *Bollinger) Bands() (lower, middle, upper, stdDev float64) {
	return b.bands.values()
}

func (b *bands) values() (lower, middle, upper, stdDev float64) {
	if !b.w.full() {
		return 0, 0, 0, 0
	}
	m, sd := b.w.mean(), b.w.stdDev()
	return m - b.k*sd, m, m + b.k*sd, sd
}

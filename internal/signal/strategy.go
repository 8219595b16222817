package signal

import (
	"errors"
	"math"
	"strconv"
	"time"
)

// Strategy turns one symbol's closed klines into signals. It is not safe
// for concurrent use; one task owns it.
type Strategy interface {
	// Update folds one closed kline and returns the signal that fires on
	// it, if any. Klines of another symbol, klines not newer (by open
	// time) than the last one folded, and klines whose close is not a
	// finite number are ignored.
	Update(k Kline) (Signal, bool)
	// WarmupKlines is how many klines the strategy folds before it may
	// signal; see Config.WarmupKlines.
	WarmupKlines() int
	// Ready reports whether WarmupKlines klines have been folded, so that
	// the next one may give a signal.
	Ready() bool
}

// New returns a strategy for one symbol.
func New(cfg Config, symbol string) (Strategy, error) {
	if err := checkMember(cfg, symbol); err != nil {
		return nil, err
	}
	s := &single{symbol: symbol}
	s.windows = newWindows([]Config{cfg})
	s.folder = newMember(cfg, symbol, &s.windows)
	s.closes = newCloseRing(s.windows.longest())
	return s, nil
}

// checkMember checks what newMember needs: a symbol and a valid config.
func checkMember(cfg Config, symbol string) error {
	if symbol == "" {
		return errors.New("symbol must not be empty")
	}
	return cfg.Validate()
}

// newMember returns the strategy of cfg (checked by checkMember) for
// symbol, to be fed by a single, reading its windows from ws.
func newMember(cfg Config, symbol string, ws *windows) folder {
	_, folders := newMembers([]Config{cfg}, symbol, ws)
	return folders[0]
}

// single is a strategy fed on its own: it checks each kline and keeps the
// strategy's closeRing and windows. The kline and the signal of a fold live here, as
// the fold is called through an interface and would move them to the heap
// on every call if they were Update's own.
type single struct {
	folder
	closes  closeRing
	windows windows
	symbol  string
	started bool
	last    time.Time // open time of the last kline folded
	k       Kline
	sig     Signal
}

func (s *single) Update(k Kline) (Signal, bool) {
	x, ok := acceptKline(&k, s.symbol, s.started, s.last)
	if !ok {
		return Signal{}, false
	}
	s.started, s.last = true, k.OpenTime
	s.windows.push(s.closes.buf, s.closes.push(x), x)
	s.k = k
	if !s.fold(&s.k, x, &s.sig) {
		return Signal{}, false
	}
	return s.sig, true
}

// progress counts the klines a strategy has folded toward its warm-up
// (at most MaxWarmupKlines). Every strategy keeps it first, next to its
// indicators: a fold reads both, and nothing else until a signal fires.
type progress struct {
	folded int32 // klines folded, counted up to warmup
	warmup int32
}

func (p *progress) WarmupKlines() int { return int(p.warmup) }

func (p *progress) Ready() bool { return p.folded >= p.warmup }

// done counts a folded kline and says whether the strategy was ready
// before it (and so may signal on it).
func (p *progress) done() (wasReady bool) {
	if p.folded < p.warmup {
		p.folded++
		return false
	}
	return true
}

// base is what every strategy keeps about itself: its symbol and type,
// and the position of its config in its Set's. Strategies keep it last,
// away from their indicators: only a firing signal reads it.
type base struct {
	symbol   string
	strategy string
	index    int
}

// folder is what every strategy implements: fold folds a kline that has
// already been accepted (right symbol, newer, finite close) with its close
// x, which the strategy's windows have already received, and if a signal
// fires on it, stores the signal in *sig and returns true. A single
// accepts a kline and folds it into its strategy; a Set accepts a kline
// once, pushes it into each of its windows once, and folds it into each
// of its strategies.
type folder interface {
	fold(k *Kline, x float64, sig *Signal) bool
	WarmupKlines() int
	Ready() bool
}

// acceptKline returns the close of k as a float, or false if k is of
// another symbol, not newer than last (when started), or has a close that
// is not a finite number.
func acceptKline(k *Kline, symbol string, started bool, last time.Time) (float64, bool) {
	if k.Symbol != symbol || (started && !k.OpenTime.After(last)) {
		return 0, false
	}
	x := k.Close.InexactFloat64()
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, false
	}
	return x, true
}

// put stores in *sig the signal of the strategy on k, with the reason r
// (its values, spelled only if Signal.Reason is called).
func (b *base) put(sig *Signal, k *Kline, side Side, confidence float64, r reason) {
	*sig = Signal{
		Symbol:     b.symbol,
		Side:       side,
		Confidence: confidence,
		Price:      k.Close,
		KlineOpen:  k.OpenTime,
		KlineClose: k.CloseTime,
		Strategy:   b.strategy,
		reason:     r,
	}
}

// confidence maps a strength measure x ≥ 0 into (0, 1] as 1 − 2^(−x/half):
// half is the strength that gives 0.5. The result is rounded to four
// decimal places and never below 0.0001.
func confidence(x, half float64) float64 {
	c := 1.0
	if !math.IsInf(x, 1) {
		c = -math.Expm1(-x / half * math.Ln2)
	}
	if math.IsNaN(c) {
		c = 0
	}
	return min(1, max(minConfidence, math.Round(c*1e4)/1e4))
}

// minConfidence is the smallest confidence a signal can have.
const minConfidence = 0.0001

// relativeFloor is the smallest volatility, relative to the price, a
// confidence is normalised by, so that a flat market cannot make a tiny
// move look decisive.
const relativeFloor = 1e-5

func volatility(v, price float64) float64 {
	return max(v, relativeFloor*math.Abs(price))
}

// meanMove is an exponential average of the size of an indicator's
// per-kline changes: how far it usually moves in one kline.
type meanMove struct {
	v      float64
	alpha  float64
	seeded bool
}

func newMeanMove(period int) meanMove {
	return meanMove{alpha: 2 / float64(period+1)}
}

func (m *meanMove) add(d float64) {
	if !m.seeded {
		m.v, m.seeded = math.Abs(d), true
		return
	}
	m.next(d)
}

// next folds the move d into the seeded average; the Sets' fold loops call
// it directly in their usual case.
func (m *meanMove) next(d float64) {
	m.v += m.alpha * (math.Abs(d) - m.v)
}

// value is the average, floored at relativeFloor of price.
func (m *meanMove) value(price float64) float64 {
	return volatility(m.v, price)
}

// appendNum formats a price for a reason: seven significant digits, fixed
// point, trailing zeros dropped. The same float always gives the same text:
// strconv's, correctly rounded, which sevenDigits reproduces with one or
// two multiplications for the usual prices (strconv's exact conversion was
// most of a signal's cost).
func appendNum(b []byte, v float64) []byte {
	a := math.Abs(v)
	if r, prec, ok := sevenDigits(a); ok {
		return appendFixed(b, v < 0 && r != 0, r, prec)
	}
	prec := 6
	if a > 0 && !math.IsInf(a, 0) {
		prec = 6 - floorLog10(a)
	}
	return appendStrconv(b, v, min(12, max(0, prec)))
}

// sevenDigits is a rounded to seven significant digits, as the integer r
// and its decimals prec (a ≈ r/10^prec), for 1e-6 <= a < 1e7, when one
// product a·10^prec tells both for sure. The binary exponent puts
// log10(a) within one of a first guess; the product, off by at most half
// a unit in its last place, then has seven digits before its point unless
// a lies within 1e-12 of a power of ten (where floorLog10 consults
// math.Log10), and roundScaled rounds it as strconv would. Anything else
// is left to the slow path.
func sevenDigits(a float64) (r uint64, prec int, ok bool) {
	if !(a >= 1e-6 && a < 1e7) {
		return 0, 0, false
	}
	e2 := int(math.Float64bits(a)>>52) - 1023 // a is normal here
	prec = 6 - e2*1233>>12                    // 6 − floor(e2·log10(2))
	p := a * math.Pow10(prec)
	if p >= 1e7 {
		prec--
		p = a * math.Pow10(prec)
	}
	if !(p >= 1e6*(1+1e-12) && p < 1e7*(1-1e-12)) || prec > 12 {
		return 0, 0, false
	}
	r, ok = roundProduct(p)
	return r, prec, ok
}

// appendStrconv writes v with prec decimals as strconv rounds it, trailing
// zeros and a "-0" trimmed: appendNum's slow path, and its reference.
func appendStrconv(b []byte, v float64, prec int) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', prec, 64)
	if prec > 0 {
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
		if b[len(b)-1] == '.' {
			b = b[:len(b)-1]
		}
	}
	if string(b[start:]) == "-0" {
		b = append(b[:start], '0')
	}
	return b
}

// roundScaled is a·10^prec rounded to an integer, as strconv rounds a to
// prec decimals (the exact binary value, half to even), when one float
// multiplication tells it for sure (see roundProduct). For 0 <= prec <=
// 12, 10^prec is exact.
func roundScaled(a float64, prec int) (uint64, bool) {
	return roundProduct(a * math.Pow10(prec))
}

// roundProduct rounds p, a product a·10^prec computed with one rounding, as
// strconv rounds a to prec decimals. The product is off by at most half a
// unit in its last place: below 2^30 that is under 6e-8, and only a
// fraction within 1e-6 of one half (a possible tie, or a product the error
// could carry across one) is left to strconv, as is anything larger,
// infinite or NaN.
func roundProduct(p float64) (uint64, bool) {
	if !(p < 1<<30) {
		return 0, false
	}
	n := math.Floor(p)
	f := p - n // exact
	if math.Abs(f-0.5) < 1e-6 {
		return 0, false
	}
	r := uint64(n)
	if f > 0.5 {
		r++
	}
	return r, true
}

// appendFixed appends r/10^prec in fixed point, trailing zeros of the
// fraction and a bare point dropped, with a minus sign when neg. It drops
// the zeros from r first.
func appendFixed(b []byte, neg bool, r uint64, prec int) []byte {
	for prec > 0 && r%10 == 0 {
		r /= 10
		prec--
	}
	return appendDecimals(b, neg, r, prec)
}

// appendDecimals appends r/10^prec in fixed point with exactly prec
// decimals, as strconv's 'f' format does, with a minus sign when neg. It
// writes the digits once, last first, two at a time.
func appendDecimals(b []byte, neg bool, r uint64, prec int) []byte {
	var d [24]byte // r < 2^30: ten digits, a point, twelve decimals at most
	i := len(d)
	for ; prec >= 2; prec -= 2 {
		i -= 2
		r = putPair(d[i:], r)
	}
	if prec == 1 {
		i--
		d[i] = byte('0' + r%10)
		r /= 10
	}
	if i < len(d) {
		i--
		d[i] = '.'
	}
	for r >= 100 {
		i -= 2
		r = putPair(d[i:], r)
	}
	if r >= 10 {
		i -= 2
		putPair(d[i:], r)
	} else {
		i--
		d[i] = byte('0' + r)
	}
	if neg {
		i--
		d[i] = '-'
	}
	return append(b, d[i:]...)
}

// appendFloat2 is strconv.AppendFloat(b, v, 'f', 2, 64), by roundScaled
// when it can tell.
func appendFloat2(b []byte, v float64) []byte {
	if r, ok := roundScaled(math.Abs(v), 2); ok {
		return appendDecimals(b, math.Signbit(v), r, 2)
	}
	return strconv.AppendFloat(b, v, 'f', 2, 64)
}

// putPair writes the last two digits of r to d[0:2] and returns r/100.
func putPair(d []byte, r uint64) uint64 {
	q := r / 100
	p := (r - q*100) * 2
	d[0], d[1] = digitPairs[p], digitPairs[p+1]
	return q
}

// digitPairs spells 00 to 99.
const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// floorLog10 is int(math.Floor(math.Log10(a))) for a finite a > 0, found
// faster. From 1e-7 to 1e7 it compares a with powers of ten, starting from
// an estimate from the binary exponent (within two); math.Log10 is
// off by at most a few units in the last place, so it can disagree with
// the comparisons only for an a within a relative 1e-15 or so of a power
// of ten. Within 1e-12 of one, and outside that range, the answer is
// math.Log10's, so both ways always give the same number.
func floorLog10(a float64) int {
	if a >= 1e-7 && a < 1e7 {
		e2 := int(math.Float64bits(a)>>52) - 1023 // a is normal here
		e := e2 * 1233 >> 12                      // about e2·log10(2)
		for a >= math.Pow10(e+1) {
			e++
		}
		for a < math.Pow10(e) {
			e--
		}
		if a > math.Pow10(e)*(1+1e-12) && a < math.Pow10(e+1)*(1-1e-12) {
			return e
		}
	}
	return int(math.Floor(math.Log10(a)))
}

// appendParam formats a parameter such as 30 or 2.5 the shortest way.
func appendParam(b []byte, v float64) []byte {
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

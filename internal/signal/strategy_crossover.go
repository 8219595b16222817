package signal

import (
	"math"
	"strconv"
)

// crossoverHalf is the crossing strength (see crossover) that gives a
// confidence of 0.5.
const crossoverHalf = 1.25

// gapTolerance is the gap between the averages, relative to the slow one,
// under which they count as equal: below it the difference is float
// rounding, not a market move.
const gapTolerance = 1e-10

// crossover is SMACrossover or EMACrossover.
//
// It fires on the kline where the fast average ends up on the other side
// of the slow one: BUY when fast − slow turns positive, SELL when it turns
// negative. A kline where the averages are equal (within gapTolerance)
// changes nothing: the side is the one of the last kline where they
// differed, so above → equal → above gives no signal and below → equal →
// above gives one BUY, on the kline where fast ends up above. The first
// side seen after the averages exist sets the side without a signal.
//
// Confidence: the strength is how far the gap moved over the crossing
// kline, |gap − previous gap|, relative to how far it usually moves in one
// kline (an exponential average of |gap change| over the slow period, as it
// stood before this kline, floored at relativeFloor of the price);
// confidence(strength, crossoverHalf). A cross that happens because the
// averages slowly drift into each other is weak; one forced by a sharp
// move is strong.
type crossover struct {
	base
	name  string // "SMA" or "EMA"
	fastP int
	slowP int
	exp   bool
	fastW meanWindow // SMA only
	slowW meanWindow // SMA only
	fastE EMA        // EMA only
	slowE EMA        // EMA only
	move  meanMove
	gap   float64 // on the previous kline
	has   bool    // gap is set
	side  int     // of the last kline where the averages differed
}

func newSMACrossover(b base, fast, slow int) *crossover {
	return &crossover{base: b, name: "SMA", fastP: fast, slowP: slow,
		fastW: newMeanWindow(fast), slowW: newMeanWindow(slow), move: newMeanMove(slow)}
}

func newEMACrossover(b base, fast, slow int) *crossover {
	return &crossover{base: b, name: "EMA", fastP: fast, slowP: slow, exp: true,
		fastE: newEMA(fast), slowE: newEMA(slow), move: newMeanMove(slow)}
}

func (s *crossover) Update(k Kline) (Signal, bool) {
	var sig Signal
	x, ok := s.accept(&k)
	if !ok || !s.fold(&k, x, &sig) {
		return Signal{}, false
	}
	return sig, true
}

func (s *crossover) fold(k *Kline, x float64, sig *Signal) bool {
	var fast, slow float64
	ok := false
	if s.exp {
		s.fastE.Update(x)
		s.slowE.Update(x)
		ok = s.slowE.Ready()
		fast, slow = s.fastE.value, s.slowE.value
	} else {
		s.fastW.push(x)
		s.slowW.push(x)
		ok = s.slowW.full()
		if ok {
			fast, slow = s.fastW.mean(), s.slowW.mean()
		}
	}
	wasReady := s.done()
	if !ok {
		return false
	}
	gap, prevGap, hadGap, prevSide := fast-slow, s.gap, s.has, s.side
	s.gap, s.has = gap, true
	usual := s.move.value(slow)
	if hadGap {
		s.move.add(gap - prevGap)
	}
	side := 0
	switch {
	case gap > gapTolerance*math.Abs(slow):
		side = 1
	case gap < -gapTolerance*math.Abs(slow):
		side = -1
	}
	if side == 0 {
		return false
	}
	s.side = side
	if !wasReady || prevSide == 0 || side == prevSide {
		return false
	}
	strength := math.Abs(gap-prevGap) / usual
	dir, sd := " crossed above ", Buy
	if side < 0 {
		dir, sd = " crossed below ", Sell
	}
	var buf [96]byte
	r := buf[:0]
	r = append(r, s.name...)
	r = append(r, '(')
	r = strconv.AppendInt(r, int64(s.fastP), 10)
	r = append(r, ") "...)
	r = appendNum(r, fast)
	r = append(r, dir...)
	r = append(r, s.name...)
	r = append(r, '(')
	r = strconv.AppendInt(r, int64(s.slowP), 10)
	r = append(r, ") "...)
	r = appendNum(r, slow)
	*sig = s.signal(k, sd, confidence(strength, crossoverHalf), string(r))
	return true
}

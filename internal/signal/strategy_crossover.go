package signal

import "math"

// crossoverHalf is the crossing strength (see crossover) that gives a
// confidence of 0.5.
const crossoverHalf = 1.25

// gapTolerance is the gap between the averages, relative to the slow one,
// under which they count as equal: below it the difference is float
// rounding, not a market move.
const gapTolerance = 1e-10

// smaCrossover and emaCrossover are SMACrossover and EMACrossover.
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
//
// Both keep their indicators and crossing state first, read on every
// kline, and what only a signal reads last.
type smaCrossover struct {
	progress
	crossing
	// fastW and slowW belong to the windows of the single or Set feeding
	// the strategy, which pushes them: strategies of a Set averaging the
	// same number of closes share one.
	fastW, slowW *meanWindow
	base
}

type emaCrossover struct {
	progress
	crossing
	fastE, slowE EMA
	base
}

// crossing is the state both crossovers keep between klines.
type crossing struct {
	gap  float64 // on the previous kline
	move meanMove
	has  bool // gap is set
	side int8 // of the last kline where the averages differed
	// steady: the strategy was ready before the last kline, the move is
	// seeded and a side is set, so keep may fold the next kline.
	steady bool
}

func newSMACrossover(p progress, b base, fast, slow *meanWindow) smaCrossover {
	return smaCrossover{progress: p, base: b,
		fastW: fast, slowW: slow, crossing: crossing{move: newMeanMove(int(slow.period))}}
}

func newEMACrossover(p progress, b base, fast, slow int) emaCrossover {
	return emaCrossover{progress: p, base: b,
		fastE: newEMA(fast), slowE: newEMA(slow), crossing: crossing{move: newMeanMove(slow)}}
}

// foldSMACrossovers folds the kline a Set's windows have just received,
// with its close x, into ss and appends the signals that fire to *out,
// which has room for them. The usual case, keep, is inlined here.
func foldSMACrossovers(ss []smaCrossover, k *Kline, x float64, out *[]SetSignal) {
	for i := range ss {
		if s := &ss[i]; !s.keep(s.fastW.mean(), s.slowW.mean()) {
			*out = appendFold(*out, s, s.index, k, x)
		}
	}
}

func (s *smaCrossover) fold(k *Kline, _ float64, sig *Signal) bool {
	wasReady := s.done()
	if !s.slowW.full() {
		return false
	}
	fast, slow := s.fastW.mean(), s.slowW.mean()
	side, strength := s.step(fast, slow, wasReady)
	if side == 0 {
		return false
	}
	s.putCross(sig, k, side, strength, crossReason(reasonSMACross, int(s.fastW.period), int(s.slowW.period), fast, slow))
	return true
}

// foldEMACrossovers is foldSMACrossovers for EMA crossovers. Where keep
// applies, both averages are seeded, and it updates them as EMA.Update
// does; otherwise they are left for fold to update.
func foldEMACrossovers(ss []emaCrossover, k *Kline, x float64, out *[]SetSignal) {
	for i := range ss {
		s := &ss[i]
		fast, slow := s.fastE.next(x), s.slowE.next(x)
		if s.keep(fast, slow) {
			s.fastE.value, s.slowE.value = fast, slow
		} else {
			*out = appendFold(*out, s, s.index, k, x)
		}
	}
}

func (s *emaCrossover) fold(k *Kline, x float64, sig *Signal) bool {
	s.fastE.Update(x)
	s.slowE.Update(x)
	wasReady := s.done()
	if !s.slowE.Ready() {
		return false
	}
	fast, slow := s.fastE.value, s.slowE.value
	side, strength := s.step(fast, slow, wasReady)
	if side == 0 {
		return false
	}
	s.putCross(sig, k, side, strength, crossReason(reasonEMACross, s.fastE.period, s.slowE.period, fast, slow))
	return true
}

// keep is step in the usual case: the strategy is steady and the fast
// average does not end up on the other side of the slow one, so no signal
// fires and the side stays. It folds the averages and returns true then,
// and otherwise changes nothing and returns false. The side is ±1, so
// side·gap < −tolerance is the other side exactly.
func (c *crossing) keep(fast, slow float64) bool {
	gap := fast - slow
	if !c.steady || float64(c.side)*gap < -gapTolerance*math.Abs(slow) {
		return false
	}
	c.move.next(gap - c.gap)
	c.gap = gap
	return true
}

// step folds the averages of a kline. It returns the side (1 above, −1
// below) the fast average crossed to on it and the crossing's strength, or
// side 0 if no signal fires.
func (c *crossing) step(fast, slow float64, wasReady bool) (side int, strength float64) {
	gap, prevGap, hadGap, prevSide := fast-slow, c.gap, c.has, int(c.side)
	c.gap, c.has = gap, true
	before := c.move // the usual move as it stood before this kline
	if hadGap {
		c.move.add(gap - prevGap)
	}
	switch {
	case gap > gapTolerance*math.Abs(slow):
		side = 1
	case gap < -gapTolerance*math.Abs(slow):
		side = -1
	}
	if side == 0 {
		return 0, 0
	}
	c.side = int8(side)
	c.steady = wasReady && c.move.seeded
	if !wasReady || prevSide == 0 || side == prevSide {
		return 0, 0
	}
	return side, math.Abs(gap-prevGap) / before.value(slow)
}

// crossReason is the reason of a crossover of the averages fast and slow
// over those periods.
func crossReason(kind reasonKind, fastPeriod, slowPeriod int, fast, slow float64) reason {
	return reason{kind: kind, p: [2]uint16{uint16(fastPeriod), uint16(slowPeriod)}, v: [4]float64{fast, slow}}
}

// putCross stores in *sig the crossover's signal on k: BUY when the fast
// average crossed above (side 1), SELL when below.
func (b *base) putCross(sig *Signal, k *Kline, side int, strength float64, r reason) {
	sd := Buy
	if side < 0 {
		sd = Sell
	}
	b.put(sig, k, sd, confidence(strength, crossoverHalf), r)
}

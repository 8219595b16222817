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
}

func newSMACrossover(p progress, b base, fast, slow *meanWindow) smaCrossover {
	return smaCrossover{progress: p, base: b,
		fastW: fast, slowW: slow, crossing: crossing{move: newMeanMove(int(slow.period))}}
}

func newEMACrossover(p progress, b base, fast, slow int) emaCrossover {
	return emaCrossover{progress: p, base: b,
		fastE: newEMA(fast), slowE: newEMA(slow), crossing: crossing{move: newMeanMove(slow)}}
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

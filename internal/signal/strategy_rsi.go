package signal

// rsiHalf is the depth beyond the band (see rsiStrategy) that gives a
// confidence of 0.5.
const rsiHalf = 0.35

// rsiStrategy is the RSI strategy.
//
// It fires BUY on the kline where the RSI enters the oversold zone
// (previous RSI at or above oversold, this one below) and SELL on the kline
// where it enters the overbought zone (previous at or below overbought,
// this one above). It fires again only after the RSI has left the zone.
//
// Confidence: the depth beyond the band, oversold − rsi for a BUY and
// rsi − overbought for a SELL, relative to how far the RSI usually moves in
// one kline (an exponential average of |RSI change| over the period, as it
// stood before this kline, floored at 0.001); confidence(depth/usual, rsiHalf).
// A plunge deep into the zone is strong, a graze of the band is weak, for
// any period.
type rsiStrategy struct {
	progress
	rsi                  RSI
	move                 meanMove
	oversold, overbought float64
	prev                 float64
	hasPrev              bool
	// steady: the strategy was ready before the last kline, and prev and
	// move are set, so foldRSIStrategies may fold the next kline itself.
	steady bool
	base
}

func newRSIStrategy(p progress, b base, period int, oversold, overbought float64) rsiStrategy {
	return rsiStrategy{progress: p, base: b, rsi: newRSI(period), move: newMeanMove(period), oversold: oversold, overbought: overbought}
}

// foldRSIStrategies folds the kline k, with its close x, into ss and
// appends the signals that fire to *out, which has room for them. The
// usual case is inlined here: the strategy is steady and the RSI enters no
// zone on x, so no signal fires. Otherwise nothing is changed before fold
// folds x.
func foldRSIStrategies(ss []rsiStrategy, k *Kline, x float64, out *[]SetSignal) {
	for i := range ss {
		s := &ss[i]
		if !s.steady {
			*out = appendFold(*out, s, s.index, k, x)
			continue
		}
		gain, loss := s.rsi.smoothed(x)
		v, prev := rsiOf(gain, loss), s.prev
		if s.enters(v, prev) {
			*out = appendFold(*out, s, s.index, k, x)
			continue
		}
		s.rsi.gain, s.rsi.loss, s.rsi.prev = gain, loss, x
		s.move.next(v - prev)
		s.prev = v
	}
}

// enters reports whether the RSI enters a zone, going from prev to v.
func (s *rsiStrategy) enters(v, prev float64) bool {
	return v < s.oversold && prev >= s.oversold || v > s.overbought && prev <= s.overbought
}

func (s *rsiStrategy) fold(k *Kline, x float64, sig *Signal) bool {
	s.rsi.Update(x)
	wasReady := s.done()
	if !s.rsi.Ready() {
		return false
	}
	v := s.rsi.Value()
	prev, hasPrev := s.prev, s.hasPrev
	s.prev, s.hasPrev = v, true
	before := s.move // the usual move as it stood before this kline
	if hasPrev {
		s.move.add(v - prev)
	}
	if !wasReady || !hasPrev {
		return false
	}
	s.steady = true // the move was seeded above
	var side Side
	var depth, level float64
	switch {
	case v < s.oversold && prev >= s.oversold:
		side, depth, level = Buy, s.oversold-v, s.oversold
	case v > s.overbought && prev <= s.overbought:
		side, depth, level = Sell, v-s.overbought, s.overbought
	default:
		return false
	}
	s.put(sig, k, side, confidence(depth/before.value(100), rsiHalf),
		reason{kind: reasonRSI, p: [2]uint16{uint16(s.rsi.period)}, v: [4]float64{v, level}})
	return true
}

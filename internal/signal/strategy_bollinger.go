package signal

import "strconv"

// bollingerHalf is the distance beyond the band, in standard deviations,
// that gives a confidence of 0.5.
const bollingerHalf = 0.2

// bollingerStrategy is the BollingerBands strategy. The bands of a kline
// include its own close.
//
// It fires BUY on the kline whose close falls below the lower band after a
// close at or above it, and SELL on the kline whose close rises above the
// upper band after a close at or below it. A close that stays outside
// fires nothing more.
//
// Confidence: the distance of the close beyond the band in standard
// deviations (the deviation floored at relativeFloor of the middle band);
// confidence(distance, bollingerHalf).
type bollingerStrategy struct {
	progress
	bands              Bollinger
	period             int
	wasBelow, wasAbove bool
	hasPrev            bool
	base
}

func newBollingerStrategy(p progress, b base, period int, k float64) *bollingerStrategy {
	return &bollingerStrategy{progress: p, base: b, bands: Bollinger{w: newWindow(period), k: k}, period: period}
}

func (s *bollingerStrategy) Update(k Kline) (Signal, bool) {
	var sig Signal
	x, ok := s.accept(&k, s.folded > 0)
	if !ok || !s.fold(&k, x, &sig) {
		return Signal{}, false
	}
	return sig, true
}

func (s *bollingerStrategy) fold(k *Kline, x float64, sig *Signal) bool {
	s.bands.Update(x)
	wasReady := s.done()
	if !s.bands.Ready() {
		return false
	}
	lower, middle, upper, sd := s.bands.Bands()
	below, above := x < lower, x > upper
	wasBelow, wasAbove, hasPrev := s.wasBelow, s.wasAbove, s.hasPrev
	s.wasBelow, s.wasAbove, s.hasPrev = below, above, true
	if !wasReady || !hasPrev {
		return false
	}
	var side Side
	var band, dist float64
	switch {
	case below && !wasBelow:
		side, band, dist = Buy, lower, lower-x
	case above && !wasAbove:
		side, band, dist = Sell, upper, x-upper
	default:
		return false
	}
	var buf [96]byte
	r := append(buf[:0], "close "...)
	r = appendNum(r, x)
	if side == Buy {
		r = append(r, " fell below the lower band "...)
	} else {
		r = append(r, " rose above the upper band "...)
	}
	r = appendNum(r, band)
	r = append(r, " (SMA("...)
	r = strconv.AppendInt(r, int64(s.period), 10)
	r = append(r, ") "...)
	r = appendNum(r, middle)
	r = append(r, ", "...)
	r = appendParam(r, s.bands.k)
	r = append(r, " std dev)"...)
	*sig = s.signal(k, side, confidence(dist/volatility(sd, middle), bollingerHalf), string(r))
	return true
}

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
	// bands' window belongs to the windows of the single or Set feeding
	// the strategy, which pushes it: Bollinger strategies of a Set over
	// the same period share one.
	bands              bands
	wasBelow, wasAbove bool
	hasPrev            bool
	// middleText and widthText are the reason's fixed parts, such as
	// " (SMA(20) " and ", 2.5 std dev)".
	middleText, widthText string
	base
}

func newBollingerStrategy(p progress, b base, w *window, k float64) bollingerStrategy {
	middle := append([]byte(" (SMA("), strconv.Itoa(int(w.period))...)
	width := appendParam([]byte(", "), k)
	return bollingerStrategy{progress: p, base: b, bands: bands{w: w, k: k},
		middleText: string(append(middle, ") "...)), widthText: string(append(width, " std dev)"...))}
}

func (s *bollingerStrategy) fold(k *Kline, x float64, sig *Signal) bool {
	wasReady := s.done()
	if !s.bands.w.full() {
		return false
	}
	lower, middle, upper, sd := s.bands.values()
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
	r = append(r, s.middleText...)
	r = appendNum(r, middle)
	r = append(r, s.widthText...)
	*sig = s.signal(k, side, confidence(dist/volatility(sd, middle), bollingerHalf), string(r))
	return true
}

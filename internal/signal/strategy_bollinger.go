package signal

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
	// steady: the strategy was ready before the last kline and the window
	// full, so foldBollingerStrategies may fold the next kline itself.
	steady bool
	base
}

func newBollingerStrategy(p progress, b base, w *window, k float64) bollingerStrategy {
	return bollingerStrategy{progress: p, base: b, bands: bands{w: w, k: k}}
}

// foldBollingerStrategies folds the kline k, with its close x, which the
// windows have just received, into ss and appends the signals that fire
// to *out, which has room for them. The usual case is inlined here: the
// strategy is steady and the close does not leave the bands on it, so no
// signal fires. Otherwise nothing is changed before fold folds x.
func foldBollingerStrategies(ss []bollingerStrategy, k *Kline, x float64, out *[]SetSignal) {
	for i := range ss {
		s := &ss[i]
		if !s.steady {
			*out = appendFold(*out, s, s.index, k, x)
			continue
		}
		lower, _, upper, _ := s.bands.values()
		below, above := x < lower, x > upper
		if below && !s.wasBelow || above && !s.wasAbove {
			*out = appendFold(*out, s, s.index, k, x)
			continue
		}
		s.wasBelow, s.wasAbove = below, above
	}
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
	s.steady = true
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
	s.put(sig, k, side, confidence(dist/volatility(sd, middle), bollingerHalf),
		reason{kind: reasonBollinger, p: [2]uint16{uint16(s.bands.w.period)}, v: [4]float64{x, band, middle, s.bands.k}})
	return true
}

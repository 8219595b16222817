package market

import "math"

// WarmupSteps is how many of history's last steps are generated trade by
// trade (so recent trades and 1s klines exist at once); older history is
// generated as bars (see segment).
const WarmupSteps = 1000

// generateHistory fills [start-history, start] and leaves the symbol at
// startTicks at the start time, with the start step's trades done.
//
// The path is drawn in two passes so that it can end at the start price:
// first every log return is drawn, then the path starts at
// start*exp(-sum) and replays them, drawing the trades as it goes.
func (s *symbol) generateHistory(historyNs, startTicks int64) {
	start := s.startNs
	origin := floorDiv(start-historyNs, nsMinute) * nsMinute
	warmup := min(historyNs, WarmupSteps*s.tickNs)
	fineFrom := max(origin, floorDiv(start-warmup, nsMinute)*nsMinute)
	segs := planCoarse(origin, fineFrom, start)
	firstK := ceilDiv(fineFrom-start, s.tickNs)

	n := int(1 - firstK)
	for g := range segs {
		n += g.subSteps()
	}
	returns := make([]float64, 0, n)
	total := 0.0
	draw := func(dtSec float64) {
		r := s.logReturn(dtSec)
		returns = append(returns, r)
		total += r
	}
	for g := range segs {
		for range g.subSteps() {
			draw(g.dtSec())
		}
	}
	for k := firstK; k <= 0; k++ {
		draw(float64(s.tickNs) / 1e9)
	}

	s.px = float64(startTicks) * s.tickF * expNeg(total)
	s.lastTicks = s.toTicks(s.px)
	s.pathNs = origin
	s.playback = returns
	for g := range segs {
		s.coarse(g)
	}
	for k := firstK; k <= 0; k++ {
		force := int64(0)
		if k == 0 {
			force = startTicks
		}
		s.fineStep(s.stepTime(k), force, false)
	}
	s.playback = nil
	s.nextK = 1
	s.clockNs = start
	s.settle(floorDiv(start, nsMs))
}

// expNeg is exp(-x), kept apart so history's shift reads as what it is.
func expNeg(x float64) float64 { return math.Exp(-x) }

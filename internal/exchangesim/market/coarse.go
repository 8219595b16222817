package market

import (
	"iter"
	"math"
)

// coarseSubSteps is how many path points a whole coarse bar is drawn from;
// its high and low are the extremes of those points.
const coarseSubSteps = 8

// segment is a stretch of path generated as bars rather than trade by trade:
// history before the warm-up and long gaps between Advance calls. Its bars
// have the width of the finest tier that can still hold them, so old
// stretches cost a few bars per hour or day instead of thousands of steps.
type segment struct {
	fromNs, toNs int64
	finest       tierIndex // tierMinute, tierHour or tierDay
	jump         bool      // older than any tier keeps: the price moves, no bars
}

// keepNs is how far back a tier reaches.
func keepNs(i tierIndex) int64 {
	width, keep := tierSpec(i)
	return int64(keep) * width * nsMs
}

// planCoarse splits [fromNs, toNs) into segments, each in one bar of the
// finest tier that still keeps it when the present is refNs.
func planCoarse(fromNs, toNs, refNs int64) iter.Seq[segment] {
	return func(yield func(segment) bool) {
		for p := fromNs; p < toNs; {
			g := segment{fromNs: p, finest: tierMinute}
			if refNs-p > keepNs(tierDay) {
				g.jump = true
				g.toNs = min(refNs-keepNs(tierDay), toNs)
			} else {
				for g.finest < tierDay && refNs-p > keepNs(g.finest) {
					g.finest++
				}
				width, _ := tierSpec(g.finest)
				w := width * nsMs
				g.toNs = min(floorDiv(p, w)*w+w, toNs)
			}
			if !yield(g) {
				return
			}
			p = g.toNs
		}
	}
}

// subSteps is how many path points the segment is drawn from.
func (g segment) subSteps() int {
	if g.jump {
		return 1
	}
	width, _ := tierSpec(g.finest)
	n := math.Round(coarseSubSteps * float64(g.toNs-g.fromNs) / float64(width*nsMs))
	return max(int(n), 1)
}

// dtSec is the time between two of the segment's path points.
func (g segment) dtSec() float64 {
	return float64(g.toNs-g.fromNs) / 1e9 / float64(g.subSteps())
}

// coarse generates one segment: the path moves through its points and the
// trades that would have happened become one synthetic bar, with a trade
// count, volumes and trade ids as the fine steps would give on average.
func (s *symbol) coarse(g segment) {
	n, dt := g.subSteps(), g.dtSec()
	dur := g.toNs - g.fromNs
	if g.jump {
		s.nextPx(g.toNs, dt)
		for i := range s.tiers {
			s.tiers[i].stop()
		}
		s.lastTicks = s.toTicks(s.px)
		s.pathNs = g.toNs
		return
	}
	open := s.lastTicks
	high, low := open, open
	for j := 1; j <= n; j++ {
		tk := s.toTicks(s.nextPx(g.fromNs+dur*int64(j)/int64(n), dt))
		high, low = max(high, tk), min(low, tk)
	}
	closeTicks := s.toTicks(s.px)
	fromMs := floorDiv(g.fromNs, nsMs)
	s.pathNs = g.toNs

	expected := float64(dur) / float64(s.tickNs) * meanTradesPerStep * (0.75 + 0.5*s.rng.Float64())
	count := int64(expected + s.rng.Float64()) // random rounding keeps sparse ticks honest
	if count == 0 {
		// Nothing traded: the bar stays flat and the next trade shows the move.
		s.feed(flatBar(fromMs, open), g.finest)
		return
	}
	volume := math.Round(max(float64(count)*s.tradeSteps(g.fromNs)*(0.8+0.4*s.rng.Float64()), float64(count)))
	buyShare := 0.5
	switch {
	case closeTicks > open:
		buyShare += 0.25 * s.rng.Float64()
	case closeTicks < open:
		buyShare -= 0.25 * s.rng.Float64()
	}
	avg := uint64((open + high + low + closeTicks) / 4)
	vol, takerBuy := u128FromFloat(volume), u128FromFloat(math.Round(volume*buyShare))
	s.feed(bar{
		openMs: fromMs, open: open, high: high, low: low, close: closeTicks,
		volume: vol, takerBuyVolume: takerBuy,
		quote: vol.mul(avg), takerBuyQuote: takerBuy.mul(avg),
		trades: count, firstID: s.nextID, lastID: s.nextID + count - 1,
	}, g.finest)
	s.nextID += count
}

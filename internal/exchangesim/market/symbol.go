package market

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"
)

const (
	nsMs     = int64(time.Millisecond)
	nsMinute = int64(time.Minute)
	// maxTradesPerStep bounds the trades of one step: 1..maxTradesPerStep.
	maxTradesPerStep = 4
	// meanTradesPerStep is the expected trade count of a step.
	meanTradesPerStep = (1.0 + maxTradesPerStep) / 2
	// maxSizeFactor caps the exponential draw of a trade's size, so one
	// trade is at most this many times MeanTradeQty.
	maxSizeFactor = 20.0
)

// symbol is the whole state of one symbol's market. It is only used under
// the Market's lock.
type symbol struct {
	p               SymbolParams
	tick, step      decimal.Decimal
	tickU, stepU    unit
	quoteU          unit // tick*step, the unit of quote volumes
	tickF           float64
	meanSteps       float64 // MeanTradeQty in steps
	startNs, tickNs int64   // the step schedule: step k happens at startNs + k*tickNs

	rng       *rand.Rand
	px        float64 // the unrounded path price
	lastTicks int64   // the last trade's price
	nextID    int64   // the next trade id
	nextK     int64   // the next fine step to run
	pathNs    int64   // the path has been generated up to this time
	clockNs   int64   // the symbol's "now": the latest Advance or SetPrice

	tiers  [tierCount]tier
	trades tradeRing

	replay      *replayPath
	replayScale float64   // SetPrice's factor on replayed prices
	playback    []float64 // pre-drawn log returns, only while history is generated
}

func newSymbol(p SymbolParams, seed int64, startNs, tickNs int64) *symbol {
	h := fnv.New64a()
	h.Write([]byte(p.Symbol))
	s := &symbol{
		p:           p,
		tick:        p.TickSize,
		step:        p.StepSize,
		tickU:       newUnit(p.TickSize),
		stepU:       newUnit(p.StepSize),
		quoteU:      newUnit(p.TickSize.Mul(p.StepSize)),
		tickF:       p.TickSize.InexactFloat64(),
		meanSteps:   p.MeanTradeQty.Div(p.StepSize).InexactFloat64(),
		startNs:     startNs,
		tickNs:      tickNs,
		rng:         rand.New(rand.NewPCG(uint64(seed), h.Sum64())),
		nextID:      1,
		replayScale: 1,
	}
	for i := range s.tiers {
		s.tiers[i] = newTier(tierIndex(i))
	}
	return s
}

func (s *symbol) stepTime(k int64) int64 { return s.startNs + k*s.tickNs }

// toTicks rounds a path price to whole ticks, never below one tick.
func (s *symbol) toTicks(px float64) int64 {
	return min(max(int64(math.Round(px/s.tickF)), 1), maxPriceTicks)
}

func (s *symbol) price(ticks int64) decimal.Decimal {
	return s.tickU.of(ticks)
}

func (s *symbol) qty(steps int64) decimal.Decimal {
	return s.stepU.of(steps)
}

// nextPx moves the path to time tNs, dtSec seconds after its last point.
func (s *symbol) nextPx(tNs int64, dtSec float64) float64 {
	switch {
	case s.playback != nil:
		s.px *= math.Exp(s.playback[0])
		s.playback = s.playback[1:]
	case s.replay != nil:
		s.px = s.replay.priceAt(tNs-s.startNs, s.tickNs) * s.replayScale
	default:
		s.px *= math.Exp(s.logReturn(dtSec))
	}
	s.px = min(max(s.px, s.tickF), float64(maxPriceTicks)*s.tickF)
	return s.px
}

// logReturn draws the GBM's log return over dtSec seconds.
func (s *symbol) logReturn(dtSec float64) float64 {
	const secondsPerYear = 365.25 * 24 * 3600
	dt := dtSec / secondsPerYear
	sigma := s.p.Volatility
	return (s.p.Drift-sigma*sigma/2)*dt + sigma*math.Sqrt(dt)*s.rng.NormFloat64()
}

// tradeSteps is the mean trade size in steps at time tNs: a replayed kline
// with a volume sizes its trades to match it.
func (s *symbol) tradeSteps(tNs int64) float64 {
	if s.replay != nil && s.playback == nil {
		if m := s.replay.meanStepsAt(tNs-s.startNs, s.tickNs, s.step); m > 0 {
			return m
		}
	}
	return s.meanSteps
}

// fineStep runs one price step at tNs: the path moves and 1..4 trades walk
// from the last price to the new one. force, if positive, is the price the
// step must end at. It returns the step's Update when emit is set.
func (s *symbol) fineStep(tNs int64, force int64, emit bool) Update {
	newTicks := s.toTicks(s.nextPx(tNs, float64(s.tickNs)/1e9))
	if force > 0 {
		newTicks = force
		s.px = float64(force) * s.tickF
	}
	prev := s.lastTicks
	n := 1 + s.rng.IntN(maxTradesPerStep)
	// Takers lean towards the side the price moved to.
	pTakerBuy := 0.5
	switch {
	case newTicks > prev:
		pTakerBuy = 0.7
	case newTicks < prev:
		pTakerBuy = 0.3
	}
	meanSteps := s.tradeSteps(tNs)
	ms := floorDiv(tNs, nsMs)
	var u Update
	if emit {
		u = Update{Symbol: s.p.Symbol, Trades: make([]Trade, 0, n), Time: time.UnixMilli(ms).UTC()}
	}
	for i := 1; i <= n; i++ {
		t := storedTrade{
			id:           s.nextID,
			ms:           ms,
			ticks:        prev + roundDiv((newTicks-prev)*int64(i), int64(n)),
			steps:        max(1, int64(math.Round(meanSteps*min(s.rng.ExpFloat64(), maxSizeFactor)))),
			buyerIsMaker: s.rng.Float64() >= pTakerBuy,
		}
		s.record(t)
		if emit {
			u.Trades = append(u.Trades, s.publicTrade(t))
		}
	}
	s.pathNs = tNs
	if emit {
		u.Price = s.price(s.lastTicks)
	}
	return u
}

// record stores a trade in every tier and in the recent-trades ring.
func (s *symbol) record(t storedTrade) {
	s.nextID = t.id + 1
	s.feed(tradeBar(t.ms, t), tierSecond)
	s.trades.push(t)
}

// feed merges a bar into every tier at least as wide as finest; narrower
// tiers stop, since they did not see what happened inside the bar.
func (s *symbol) feed(b bar, finest tierIndex) {
	for i := range s.tiers {
		t := &s.tiers[i]
		if tierIndex(i) < finest {
			t.stop()
			continue
		}
		t.roll(b.openMs, s.lastTicks)
		t.cur.absorb(b)
	}
	s.lastTicks = b.close
}

// settle makes every running tier's open bar the one containing ms.
func (s *symbol) settle(ms int64) {
	for i := range s.tiers {
		if s.tiers[i].active {
			s.tiers[i].roll(ms, s.lastTicks)
		}
	}
}

func (s *symbol) publicTrade(t storedTrade) Trade {
	return Trade{
		ID:           t.id,
		Price:        s.price(t.ticks),
		Qty:          s.qty(t.steps),
		Time:         time.UnixMilli(t.ms).UTC(),
		BuyerIsMaker: t.buyerIsMaker,
	}
}

// roundDiv divides a by b > 0, rounding halves up.
func roundDiv(a, b int64) int64 {
	return floorDiv(2*a+b, 2*b)
}

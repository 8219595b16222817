package market

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/shopspring/decimal"
)

// bar is the compact, pointer-free form of one stored kline. Prices are whole
// ticks, base volumes whole lot steps and quote volumes whole units of
// tick*step, so every kline the package returns is exact and the history of
// many symbols stays small and cheap for the garbage collector.
type bar struct {
	openMs                 int64
	open, high, low, close int64 // ticks
	volume, takerBuyVolume u128  // steps
	quote, takerBuyQuote   u128  // tick*step units
	trades                 int64
	firstID, lastID        int64 // -1 when the bar has no trades
}

// flatBar is a bar without trades at price ticks, as Binance reports an
// interval in which nothing traded.
func flatBar(openMs, ticks int64) bar {
	return bar{openMs: openMs, open: ticks, high: ticks, low: ticks, close: ticks, firstID: -1, lastID: -1}
}

// tradeBar is the bar of a single trade, ready to be absorbed.
func tradeBar(ms int64, t storedTrade) bar {
	b := flatBar(ms, t.ticks)
	b.volume = u128{lo: uint64(t.steps)}
	b.quote = mul64(uint64(t.ticks), uint64(t.steps))
	if !t.buyerIsMaker { // the buyer took liquidity
		b.takerBuyVolume = b.volume
		b.takerBuyQuote = b.quote
	}
	b.trades, b.firstID, b.lastID = 1, t.id, t.id
	return b
}

// absorb merges s, which follows b in time, into b. b's open is kept, so a
// bar opened at the previous close stays continuous with its predecessor.
func (b *bar) absorb(s bar) {
	b.high = max(b.high, s.high)
	b.low = min(b.low, s.low)
	b.close = s.close
	b.volume = b.volume.add(s.volume)
	b.takerBuyVolume = b.takerBuyVolume.add(s.takerBuyVolume)
	b.quote = b.quote.add(s.quote)
	b.takerBuyQuote = b.takerBuyQuote.add(s.takerBuyQuote)
	if s.trades > 0 {
		if b.firstID < 0 {
			b.firstID = s.firstID
		}
		b.lastID = s.lastID
		b.trades += s.trades
	}
}

// u128 is an unsigned 128-bit integer, enough for any sum of tick*step
// products the simulator can produce.
type u128 struct{ hi, lo uint64 }

func mul64(a, b uint64) u128 {
	hi, lo := bits.Mul64(a, b)
	return u128{hi: hi, lo: lo}
}

func (a u128) add(b u128) u128 {
	lo, carry := bits.Add64(a.lo, b.lo, 0)
	hi, _ := bits.Add64(a.hi, b.hi, carry)
	return u128{hi: hi, lo: lo}
}

// times returns a*unit as an exact decimal.
func (a u128) times(unit decimal.Decimal) decimal.Decimal {
	if a.hi == 0 {
		return decimal.NewFromUint64(a.lo).Mul(unit)
	}
	v := new(big.Int).SetUint64(a.hi)
	v.Lsh(v, 64).Or(v, new(big.Int).SetUint64(a.lo))
	return decimal.NewFromBigInt(v, 0).Mul(unit)
}

// mul returns a*b; the simulator's sums never exceed 128 bits.
func (a u128) mul(b uint64) u128 {
	hi, lo := bits.Mul64(a.lo, b)
	return u128{hi: a.hi*b + hi, lo: lo}
}

// u128FromFloat converts a non-negative whole float64 (a random volume).
func u128FromFloat(f float64) u128 {
	const two64 = 18446744073709551616.0
	hi := math.Floor(f / two64)
	return u128{hi: uint64(hi), lo: uint64(f - hi*two64)}
}

package market

import (
	"time"

	"github.com/shopspring/decimal"
)

// KeepTrades is how many recent trades each symbol keeps for RecentTrades.
const KeepTrades = 1000

// Trade is one public trade of a symbol.
type Trade struct {
	ID           int64
	Price, Qty   decimal.Decimal
	Time         time.Time
	BuyerIsMaker bool
}

// storedTrade is the compact form of a trade kept in the ring.
type storedTrade struct {
	id, ms       int64
	ticks, steps int64
	buyerIsMaker bool
}

// tradeRing keeps the newest KeepTrades trades, oldest first.
type tradeRing struct {
	buf  []storedTrade
	head int
}

func (r *tradeRing) push(t storedTrade) {
	if len(r.buf) < KeepTrades {
		r.buf = appendBounded(r.buf, t, KeepTrades)
		return
	}
	r.buf[r.head] = t
	r.head = (r.head + 1) % KeepTrades
}

func (r *tradeRing) len() int { return len(r.buf) }

// at returns the i-th stored trade, oldest first.
func (r *tradeRing) at(i int) storedTrade {
	return r.buf[(r.head+i)%len(r.buf)]
}

// last returns the newest trade.
func (r *tradeRing) last() (storedTrade, bool) {
	if len(r.buf) == 0 {
		return storedTrade{}, false
	}
	return r.at(len(r.buf) - 1), true
}

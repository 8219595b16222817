package signal

import (
	"time"

	"github.com/shopspring/decimal"
)

// Side is what a signal recommends, spelled like a Binance order side.
type Side string

// Signal sides.
const (
	Buy  Side = "BUY"
	Sell Side = "SELL"
)

// Kline is a closed candlestick of one symbol, as strategies read it.
type Kline struct {
	Symbol              string
	OpenTime, CloseTime time.Time
	Open, High, Low     decimal.Decimal
	Close               decimal.Decimal
}

// Signal is one BUY or SELL recommendation, produced on the close of the
// kline that starts the condition.
type Signal struct {
	Symbol string
	Side   Side
	// Confidence is in (0, 1], rounded to four decimal places.
	Confidence float64
	// Price is the close of the kline the signal was computed on.
	Price decimal.Decimal
	// KlineOpen and KlineClose are that kline's open and close times.
	KlineOpen, KlineClose time.Time
	// Strategy is the strategy type, as spec.strategy.type spells it.
	Strategy string
	// reason is why, in a few words, with the indicator values: kept as
	// those values and spelled by Reason only when asked, as most signals
	// are never shown (see reason).
	reason reason
}

// idTimeLayout is how an ID spells its kline's open time, in UTC.
const idTimeLayout = "20060102T150405.000Z"

// ID identifies a signal within a resource: the same symbol, strategy,
// kline and side always give the same ID.
func (s Signal) ID() string {
	var buf [96]byte
	b := append(buf[:0], s.Symbol...)
	b = append(b, '/')
	b = append(b, s.Strategy...)
	b = append(b, '/')
	b = append(b, s.Side...)
	b = append(b, '/')
	b = s.KlineOpen.UTC().AppendFormat(b, idTimeLayout)
	return string(b)
}

package exchangesim

import (
	"time"

	"github.com/shopspring/decimal"
)

// binanceDecimals is how many decimals Binance prints prices and quantities
// with ("65000.01000000").
const binanceDecimals = 8

// num formats a price, quantity or balance as Binance does: a string with 8
// decimals. A value that needs more decimals keeps them all, so nothing is
// ever rounded away.
func num(d decimal.Decimal) string {
	if d.Exponent() >= -binanceDecimals || d.Equal(d.Truncate(binanceDecimals)) {
		return d.StringFixed(binanceDecimals)
	}
	return d.String()
}

// ms is a time in Unix milliseconds; the zero time is 0.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMs is the time of a Unix-milliseconds parameter; 0 is the zero time
// (the parameter was not sent).
func fromMs(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}

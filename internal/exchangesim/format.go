package exchangesim

import (
	"strconv"
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
	exp := d.Exponent()
	if exp <= 0 && exp >= -binanceDecimals && d.NumDigits() <= 18 {
		return fixed8(d.CoefficientInt64(), int(-exp))
	}
	if exp >= -binanceDecimals || d.Equal(d.Truncate(binanceDecimals)) {
		return d.StringFixed(binanceDecimals)
	}
	return d.String()
}

// fixed8 formats coef × 10^-frac (frac 0-8) with 8 decimals, without the
// big-integer arithmetic of decimal.StringFixed; num is on every hot path.
func fixed8(coef int64, frac int) string {
	var buf [48]byte
	digits := strconv.AppendUint(buf[24:24], absUint(coef), 10)
	for len(digits) <= frac { // at least one digit before the point
		digits = append([]byte{'0'}, digits...)
	}
	var out [48]byte
	b := out[:0]
	if coef < 0 {
		b = append(b, '-')
	}
	point := len(digits) - frac
	b = append(b, digits[:point]...)
	b = append(b, '.')
	b = append(b, digits[point:]...)
	for i := frac; i < binanceDecimals; i++ {
		b = append(b, '0')
	}
	return string(b)
}

func absUint(n int64) uint64 {
	if n < 0 {
		return uint64(-n)
	}
	return uint64(n)
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

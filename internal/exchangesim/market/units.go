package market

import (
	"math"

	"github.com/shopspring/decimal"
)

// unit converts whole counts of a decimal unit (a tick, a step, tick*step)
// to decimals. When the unit's coefficient is a small integer, n units are
// decimal.New(n*coef, exp): one allocation instead of a multiplication.
type unit struct {
	d    decimal.Decimal
	coef int64 // 0: no fast path
	exp  int32
}

func newUnit(d decimal.Decimal) unit {
	u := unit{d: d, exp: d.Exponent()}
	if c := d.Coefficient(); c.IsInt64() && c.Int64() > 0 {
		u.coef = c.Int64()
	}
	return u
}

func (u unit) of(n int64) decimal.Decimal {
	if u.coef > 0 && n >= 0 && n <= math.MaxInt64/u.coef {
		return decimal.New(n*u.coef, u.exp)
	}
	return decimal.NewFromInt(n).Mul(u.d)
}

func (u unit) ofU128(n u128) decimal.Decimal {
	if n.hi == 0 && n.lo <= math.MaxInt64 {
		return u.of(int64(n.lo))
	}
	return n.times(u.d)
}

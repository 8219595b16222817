package v1alpha1

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// The grammar of the API's decimal strings, shared with the CEL rules on
// Decimal and NonNegativeDecimal: 1-20 integer digits, then optionally a dot
// and 1-18 fraction digits.
const (
	maxIntegerDigits  = 20
	maxFractionDigits = 18
)

// Parse returns d as an exact decimal. It accepts exactly what the CRD schema
// accepts, so a value read from the API server always parses; an empty,
// malformed or zero value (possible only in objects built in Go) is an error.
func (d Decimal) Parse() (decimal.Decimal, error) {
	v, err := parseUnsignedDecimal(string(d))
	if err != nil {
		return decimal.Decimal{}, err
	}
	if !v.IsPositive() {
		return decimal.Decimal{}, fmt.Errorf("decimal %q must be greater than zero", string(d))
	}
	return v, nil
}

// Parse returns d as an exact decimal. Like Decimal.Parse, it accepts exactly
// what the CRD schema accepts, zero included.
func (d NonNegativeDecimal) Parse() (decimal.Decimal, error) {
	return parseUnsignedDecimal(string(d))
}

// parseUnsignedDecimal checks s against the API's decimal grammar before
// handing it to the decimal package, which on its own would also take signs,
// exponents and unbounded digit counts.
func parseUnsignedDecimal(s string) (decimal.Decimal, error) {
	intDigits, fracDigits, sawDot := 0, 0, false
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9' && sawDot:
			fracDigits++
		case c >= '0' && c <= '9':
			intDigits++
		case c == '.' && !sawDot:
			sawDot = true
		default:
			return decimal.Decimal{}, fmt.Errorf("decimal %q: unexpected character %q", s, c)
		}
	}
	switch {
	case intDigits == 0 || intDigits > maxIntegerDigits:
		return decimal.Decimal{}, fmt.Errorf("decimal %q must have 1 to %d digits before the point", s, maxIntegerDigits)
	case sawDot && (fracDigits == 0 || fracDigits > maxFractionDigits):
		return decimal.Decimal{}, fmt.Errorf("decimal %q must have 1 to %d digits after the point", s, maxFractionDigits)
	}
	return decimal.NewFromString(s)
}

package exchange

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// decimals parses the decimal strings of one response, keeping the first
// error, so that a conversion reads as a plain list of fields.
type decimals struct{ err error }

// parse reads s; an empty string (a field the response left out) is zero.
func (d *decimals) parse(field, s string) decimal.Decimal {
	if s == "" {
		return decimal.Decimal{}
	}
	v, err := decimal.NewFromString(s)
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("%s %q: %w", field, s, err)
	}
	return v
}

// badResponse is an answer the package cannot read: counted as the
// exchange's failure, like Binance's own "unexpected response" (-1006).
func badResponse(path string, err error) *Error {
	return &Error{Class: ClassTransient, Path: path, Err: fmt.Errorf("unreadable response: %w", err), delivery: answered}
}

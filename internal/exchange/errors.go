package exchange

import (
	"context"
	"errors"
	"net/http"

	"github.com/adshao/go-binance/v2/common"
)

// ErrorClass says what a failed call means for its caller, decided once here
// so that no caller parses messages.
type ErrorClass int

const (
	// ClassNone: the call succeeded.
	ClassNone ErrorClass = iota
	// ClassTransient: the network, a timeout or a 5xx. Worth a retry for an
	// idempotent read; counts against the circuit breaker.
	ClassTransient
	// ClassRateLimited: 429 or 418. Wait for Retry-After; never a breaker failure.
	ClassRateLimited
	// ClassAuth: the key, its permissions or the signature were refused.
	ClassAuth
	// ClassRejected: the exchange understood and refused the request
	// (filters, balance, unknown symbol or order). Retrying will not help.
	ClassRejected
	// ClassCanceled: the caller's context ended.
	ClassCanceled
)

func (c ErrorClass) String() string {
	switch c {
	case ClassNone:
		return "none"
	case ClassTransient:
		return "transient"
	case ClassRateLimited:
		return "rate-limited"
	case ClassAuth:
		return "auth"
	case ClassRejected:
		return "rejected"
	case ClassCanceled:
		return "canceled"
	}
	return "unknown"
}

// Classify decides the class of err, given the HTTP status of the response
// that produced it (0 when no response arrived).
func Classify(status int, err error) ErrorClass {
	if err == nil {
		return ClassNone
	}
	if errors.Is(err, context.Canceled) {
		return ClassCanceled
	}
	switch {
	case status == http.StatusTooManyRequests || status == http.StatusTeapot:
		return ClassRateLimited
	case status >= 500:
		return ClassTransient
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ClassAuth
	}
	var apiErr *common.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.Code {
		case -1003, -1015:
			return ClassRateLimited
		case -1002, -1022, -2014, -2015:
			return ClassAuth
		case -1000, -1001, -1006, -1007:
			// Binance's "unknown error", "disconnected", "unexpected
			// response" and "timeout": the outcome is not known.
			return ClassTransient
		}
		if status >= 400 || apiErr.IsValid() {
			return ClassRejected
		}
	}
	// No HTTP answer at all: DNS, refused connection, reset, deadline.
	return ClassTransient
}

// APICode returns the Binance error code carried by err, or 0.
func APICode(err error) int64 {
	var apiErr *common.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code
	}
	return 0
}

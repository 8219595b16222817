package exchange

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Errors that callers may test for with errors.Is. Every error returned by
// an Endpoint or Account call is an *Error wrapping the cause.
var (
	// ErrCircuitOpen: the breaker refused the call without sending it.
	ErrCircuitOpen = errors.New("circuit breaker open")
	// ErrBanned: the endpoint's IP is banned (418) until Error.Until; calls
	// fail at once instead of waiting, since a ban lasts minutes to days.
	ErrBanned = errors.New("IP banned by the exchange")
	// ErrOrderLimit: the account's daily order budget is spent until
	// Error.Until.
	ErrOrderLimit = errors.New("order budget spent")
	// ErrOutcomeUnknown: an order (or cancel) may have reached the
	// exchange, no answer said what became of it, and looking it up by its
	// client order id did not settle it. It may exist: send nothing new for
	// it. From PlaceOrder and ResolveOrder the error also holds an
	// *UnresolvedOrderError whose Order ResolveOrder settles later.
	ErrOutcomeUnknown = errors.New("order outcome unknown")
	// ErrOrderNotPlaced: the order is not on the exchange and never will
	// be, although sending it failed for the network's or the exchange's
	// reasons: either the request never left the process (no connection
	// was handed to it), or a lookup by its client order id sent after the
	// exchange's clock had passed the request's timestamp + recvWindow
	// found nothing. Sending it again with the same id is safe.
	ErrOrderNotPlaced = errors.New("order not placed")
	// ErrClosed: the Registry was closed.
	ErrClosed = errors.New("exchange registry closed")
)

// Error is a failed call, classified once so that callers never parse
// messages.
type Error struct {
	Class ErrorClass
	// Path is the REST path called, e.g. /api/v3/klines.
	Path string
	// Status is the HTTP status, 0 when no response arrived.
	Status int
	// Code is Binance's error code, 0 when there is none.
	Code int64
	// RetryAfter is the response's Retry-After (429 and 418).
	RetryAfter time.Duration
	// Until is when a pause, ban or spent budget that refused the call ends.
	Until time.Time
	Err   error

	// delivery is how far the request got; past notSent, its outcome may
	// be unknown even though it failed.
	delivery delivery
}

// Error says what failed and why, without the request's query.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("exchange")
	if e.Path != "" {
		b.WriteString(" " + e.Path)
	}
	b.WriteString(": " + e.Class.String())
	if e.Status != 0 || e.Code != 0 {
		fmt.Fprintf(&b, " (HTTP %d, code %d)", e.Status, e.Code)
	}
	if !e.Until.IsZero() {
		b.WriteString(" until " + e.Until.UTC().Format(time.RFC3339Nano))
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of an error returned by this package, or
// classifies any other error as Classify would without an HTTP status.
func ClassOf(err error) ErrorClass {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return Classify(0, err)
}

// RetryAt returns when a rate-limited call may be tried again, or the zero
// time.
func RetryAt(err error) time.Time {
	var e *Error
	if errors.As(err, &e) {
		return e.Until
	}
	return time.Time{}
}

// scrubURL drops the query from a transport error's URL: a signed request's
// query holds its signature, which has no place in logs or status.
func scrubURL(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) || !strings.Contains(ue.URL, "?") {
		return err
	}
	if ue == err { //nolint:errorlint // only a top-level *url.Error is rebuilt; a wrapped one is left as it is
		return &url.Error{Op: ue.Op, URL: ue.URL[:strings.IndexByte(ue.URL, '?')], Err: ue.Err}
	}
	return err
}

// sharedError gives an error from waiting for shared work (the caller's
// context ending, or the registry closing) the package's form; an *Error
// from the work itself passes unchanged.
func sharedError(path string, err error) error {
	var xe *Error
	if err == nil || errors.As(err, &xe) {
		return err
	}
	return &Error{Class: ClassCanceled, Path: path, Err: err}
}

package apierr

import (
	"fmt"
	"net/http"
)

// Error is a Binance API error: HTTP status plus {"code":..,"msg":..}.
type Error struct {
	Status int    `json:"-"`
	Code   int    `json:"code"`
	Msg    string `json:"msg"`
}

// Error formats the error like Binance's client libraries print it.
func (e *Error) Error() string {
	return fmt.Sprintf("<APIError> code=%d, msg=%s", e.Code, e.Msg)
}

// New returns an error with the given HTTP status, Binance code and message.
func New(status, code int, msg string) *Error {
	return &Error{Status: status, Code: code, Msg: msg}
}

// BadParam is -1102: a mandatory parameter was missing, empty or malformed.
// Callers pass Binance's exact wording, e.g.
// "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.".
func BadParam(msg string) *Error {
	return New(http.StatusBadRequest, CodeMandatoryParam, msg)
}

// InvalidSymbol is -1121 "Invalid symbol.".
func InvalidSymbol() *Error {
	return New(http.StatusBadRequest, CodeInvalidSymbol, "Invalid symbol.")
}

// Rejected is a 400 business rejection such as -2010, -2011, -2013 or -1013.
func Rejected(code int, msg string) *Error {
	return New(http.StatusBadRequest, code, msg)
}

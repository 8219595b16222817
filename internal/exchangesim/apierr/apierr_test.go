package apierr

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
)

func TestConstructors(t *testing.T) {
	tests := []struct {
		name   string
		err    *Error
		status int
		code   int
		msg    string
	}{
		{"new", New(http.StatusTooManyRequests, CodeTooManyRequests, "Too many requests."), 429, -1003, "Too many requests."},
		{"bad param", BadParam("Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."), 400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."},
		{"invalid symbol", InvalidSymbol(), 400, -1121, "Invalid symbol."},
		{"rejected", Rejected(CodeNoSuchOrder, "Order does not exist."), 400, -2013, "Order does not exist."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err.Status != tt.status || tt.err.Code != tt.code || tt.err.Msg != tt.msg {
				t.Fatalf("got %+v, want status %d code %d msg %q", tt.err, tt.status, tt.code, tt.msg)
			}
		})
	}
}

func TestJSONBodyIsCodeAndMsgOnly(t *testing.T) {
	b, err := json.Marshal(InvalidSymbol())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"code":-1121,"msg":"Invalid symbol."}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestErrorString(t *testing.T) {
	var err error = Rejected(CodeCancelRejected, "Unknown order sent.")
	if got, want := err.Error(), "<APIError> code=-2011, msg=Unknown order sent."; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.Code != -2011 {
		t.Fatalf("errors.As failed: %v", err)
	}
}

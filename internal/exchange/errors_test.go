package exchange

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/adshao/go-binance/v2/common"
)

func TestClassify(t *testing.T) {
	apiErr := func(code int64) error { return &common.APIError{Code: code, Message: "x"} }
	tests := []struct {
		name   string
		status int
		err    error
		want   ErrorClass
	}{
		{"success", 200, nil, ClassNone},
		{"canceled", 0, fmt.Errorf("get: %w", context.Canceled), ClassCanceled},
		{"connection refused", 0, &net.OpError{Op: "dial", Err: errors.New("refused")}, ClassTransient},
		{"deadline", 0, context.DeadlineExceeded, ClassTransient},
		{"503", 503, apiErr(-1000), ClassTransient},
		{"502 with html body", 502, &common.APIError{Response: []byte("<html>")}, ClassTransient},
		{"429", 429, apiErr(-1003), ClassRateLimited},
		{"418", 418, apiErr(-1003), ClassRateLimited},
		{"-1015 without status", 0, apiErr(-1015), ClassRateLimited},
		{"bad signature", 400, apiErr(-1022), ClassAuth},
		{"unknown key", 401, apiErr(-2015), ClassAuth},
		{"insufficient balance", 400, apiErr(-2010), ClassRejected},
		{"filter", 400, apiErr(-1013), ClassRejected},
		{"invalid symbol", 400, apiErr(-1121), ClassRejected},
		{"unknown error code", 400, apiErr(-1000), ClassTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.status, tt.err); got != tt.want {
				t.Fatalf("Classify(%d, %v) = %v, want %v", tt.status, tt.err, got, tt.want)
			}
		})
	}
}

func TestAPICode(t *testing.T) {
	if got := APICode(fmt.Errorf("wrapped: %w", &common.APIError{Code: -1121})); got != -1121 {
		t.Fatalf("APICode = %d, want -1121", got)
	}
	if got := APICode(errors.New("plain")); got != 0 {
		t.Fatalf("APICode(plain) = %d, want 0", got)
	}
}

package auth

import (
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

func TestCheckTimestamp(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000).Add(400 * time.Microsecond) // sub-ms part is ignored
	nowMs := now.UnixMilli()
	const (
		ahead   = "Timestamp for this request was 1000ms ahead of the server's time."
		outside = "Timestamp for this request is outside of the recvWindow."
	)
	tests := []struct {
		name         string
		timestampMs  int64
		recvWindowMs int64
		wantCode     int // 0: accepted
		wantMsg      string
	}{
		{"now", nowMs, 5000, 0, ""},
		{"exactly 1s ahead", nowMs + 1000, 5000, 0, ""},
		{"1001ms ahead", nowMs + 1001, 5000, apierr.CodeInvalidTimestamp, ahead},
		{"far future", math.MaxInt64, 5000, apierr.CodeInvalidTimestamp, ahead},
		{"exactly recvWindow old", nowMs - 5000, 5000, 0, ""},
		{"recvWindow+1 old", nowMs - 5001, 5000, apierr.CodeInvalidTimestamp, outside},
		{"default window edge", nowMs - 5000, 0, 0, ""},
		{"default window exceeded", nowMs - 5001, 0, apierr.CodeInvalidTimestamp, outside},
		{"custom window edge", nowMs - 100, 100, 0, ""},
		{"custom window exceeded", nowMs - 101, 100, apierr.CodeInvalidTimestamp, outside},
		{"max window edge", nowMs - 60000, 60000, 0, ""},
		{"max window exceeded", nowMs - 60001, 60000, apierr.CodeInvalidTimestamp, outside},
		{"zero timestamp", 0, 5000, apierr.CodeInvalidTimestamp, outside},
		{"far past", math.MinInt64, 5000, apierr.CodeInvalidTimestamp, outside},
		{"recvWindow above max", nowMs, 60001, CodeBadRecvWindow, "recvWindow must be less than 60000."},
		{"recvWindow huge", nowMs, math.MaxInt64, CodeBadRecvWindow, "recvWindow must be less than 60000."},
		{"recvWindow negative", nowMs, -1, apierr.CodeMandatoryParam,
			"Mandatory parameter 'recvWindow' was not sent, was empty/null, or malformed."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckTimestamp(now, tt.timestampMs, tt.recvWindowMs)
			if tt.wantCode == 0 {
				if err != nil {
					t.Fatalf("CheckTimestamp = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckTimestamp = nil, want code %d", tt.wantCode)
			}
			if err.Status != http.StatusBadRequest || err.Code != tt.wantCode || err.Msg != tt.wantMsg {
				t.Errorf("CheckTimestamp = {%d %d %q}, want {400 %d %q}", err.Status, err.Code, err.Msg, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

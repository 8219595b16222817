package auth

import (
	"fmt"
	"net/http"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// Binance's recvWindow rules, in milliseconds.
const (
	DefaultRecvWindowMs = 5000
	MaxRecvWindowMs     = 60000
	// MaxAheadMs is how far a request's timestamp may be ahead of the server's
	// clock; Binance does not let clients change it.
	MaxAheadMs = 1000
)

// CodeBadRecvWindow is Binance's -1131 BAD_RECV_WINDOW.
const CodeBadRecvWindow = -1131

// CheckTimestamp applies Binance's window to a signed request: it is refused with
// -1021 when its timestamp is more than 1 s ahead of now, or older than recvWindow.
// recvWindowMs 0 means "not sent" (5000 ms); above 60000 is -1131, and a negative
// value is a malformed parameter (-1102). It returns nil when the request may go on.
func CheckTimestamp(now time.Time, timestampMs, recvWindowMs int64) *apierr.Error {
	switch {
	case recvWindowMs == 0:
		recvWindowMs = DefaultRecvWindowMs
	case recvWindowMs < 0:
		return apierr.BadParam("Mandatory parameter 'recvWindow' was not sent, was empty/null, or malformed.")
	case recvWindowMs > MaxRecvWindowMs:
		return apierr.New(http.StatusBadRequest, CodeBadRecvWindow,
			fmt.Sprintf("recvWindow must be less than %d.", MaxRecvWindowMs))
	}
	nowMs := now.UnixMilli()
	// Compare differences, not sums, so extreme timestamps cannot overflow.
	if timestampMs > nowMs && timestampMs-nowMs > MaxAheadMs {
		return apierr.New(http.StatusBadRequest, apierr.CodeInvalidTimestamp,
			fmt.Sprintf("Timestamp for this request was %dms ahead of the server's time.", MaxAheadMs))
	}
	if timestampMs < nowMs-recvWindowMs {
		return apierr.New(http.StatusBadRequest, apierr.CodeInvalidTimestamp,
			"Timestamp for this request is outside of the recvWindow.")
	}
	return nil
}

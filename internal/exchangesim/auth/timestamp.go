package auth

import (
	"net/http"
	"strconv"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/apierr"
)

// Binance's timing rules for signed requests.
const (
	// DefaultRecvWindowMs applies when a request sends no recvWindow.
	DefaultRecvWindowMs = 5000
	// MaxRecvWindowMs is the largest recvWindow accepted.
	MaxRecvWindowMs = 60000
	// MaxRecvWindowDecimals is how many decimals a recvWindow may have: it is
	// given in milliseconds, to the microsecond.
	MaxRecvWindowDecimals = 3
	// MaxAheadMs bounds how far a request's timestamp may be ahead of the
	// server's clock: it must be strictly less than serverTime + 1000 ms.
	// Binance does not let clients change it.
	MaxAheadMs = 1000
	// MicrosecondTimestamps is where a timestamp stops being read as
	// milliseconds: 10^14 ms is in the year 5138, 10^14 µs in 1973. Every
	// current millisecond timestamp has 13 digits and every current
	// microsecond one 16, so the two cannot be confused.
	MicrosecondTimestamps = 100_000_000_000_000
)

// CodeBadPrecision is Binance's -1111 BAD_PRECISION, given to a recvWindow
// with more than three decimals.
const CodeBadPrecision = -1111

const (
	microsPerMilli = 1000
	maxAheadMicros = MaxAheadMs * microsPerMilli
	// recvWindowCap is where ParseRecvWindow stops counting: any larger value
	// is refused by CheckTimestamp just the same, and the cap keeps the
	// conversion to microseconds from overflowing.
	recvWindowCap = MaxRecvWindowMs + 1
)

// RecvWindow is a request's recvWindow, kept exactly in whole microseconds.
// The zero RecvWindow means that none was sent: Binance's 5000 ms apply.
// It is a struct so that a bare number cannot be mistaken for one.
type RecvWindow struct {
	micros int64
}

// RecvWindowMs is a recvWindow of whole milliseconds; 0 means none was sent.
func RecvWindowMs(ms int64) RecvWindow {
	return RecvWindow{micros: min(max(ms, -recvWindowCap), recvWindowCap) * microsPerMilli}
}

// Micros is the window in microseconds, 0 when none was sent.
func (w RecvWindow) Micros() int64 { return w.micros }

// ParseRecvWindow reads a recvWindow as a client sends it: milliseconds, with
// up to three decimals for microseconds ("5000", "5000.5", "6000.346").
// Text that is not an unsigned decimal number (a sign, an exponent, letters,
// a bare or trailing dot) is refused with malformed, which callers choose in
// their transport's terms (-1100 on REST, -1102 on the WebSocket API). More
// than three decimals are -1111, even when the extra ones are zeros. The
// range (at most 60000) is CheckTimestamp's to enforce.
func ParseRecvWindow(text string, malformed *apierr.Error) (RecvWindow, *apierr.Error) {
	whole, frac := text, ""
	for i := 0; i < len(text); i++ {
		if text[i] == '.' {
			whole, frac = text[:i], text[i+1:]
			if frac == "" {
				return RecvWindow{}, malformed
			}
			break
		}
	}
	if !digits(whole) || (frac != "" && !digits(frac)) {
		return RecvWindow{}, malformed
	}
	if len(frac) > MaxRecvWindowDecimals {
		return RecvWindow{}, apierr.New(http.StatusBadRequest, CodeBadPrecision,
			"Parameter 'recvWindow' has too much precision.")
	}
	ms := int64(recvWindowCap)
	if n, err := strconv.ParseInt(whole, 10, 64); err == nil && n < recvWindowCap {
		ms = n
	}
	var micros int64
	for i := range MaxRecvWindowDecimals {
		micros *= 10
		if i < len(frac) {
			micros += int64(frac[i] - '0')
		}
	}
	return RecvWindow{micros: ms*microsPerMilli + micros}, nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CheckTimestamp applies Binance's timing rule to a signed request received
// at now:
//
//	timestamp < serverTime + 1000 ms  and  serverTime - timestamp <= recvWindow
//
// A timestamp below MicrosecondTimestamps is in milliseconds and is compared
// with the server's time in whole milliseconds; one at or above it is in
// microseconds and is compared with the server's time to the microsecond.
// recvWindow keeps its fraction either way: all arithmetic is in integer
// microseconds, so "5000.5" is exactly 5 000 500 µs. A timestamp of any other
// plausible length (seconds, or 14-15 or 17+ digits) lands far outside the
// window and is refused with -1021 like any stale or early request.
//
// A recvWindow above 60000 ms is -1102; a negative one (which only
// RecvWindowMs can make) is a malformed -1102 too. It returns nil when the
// request may go on.
func CheckTimestamp(now time.Time, timestamp int64, recvWindow RecvWindow) *apierr.Error {
	window := recvWindow.micros
	switch {
	case window == 0:
		window = DefaultRecvWindowMs * microsPerMilli
	case window < 0:
		return apierr.BadParam("Mandatory parameter 'recvWindow' was not sent, was empty/null, or malformed.")
	case window > MaxRecvWindowMs*microsPerMilli:
		return apierr.BadParam("'recvWindow' contains unexpected value. Cannot be greater than " +
			strconv.Itoa(MaxRecvWindowMs) + ".")
	}
	// Work in the timestamp's own unit; bounds are scaled down exactly:
	// for an integer age a, a*1000 <= window holds iff a <= window/1000.
	serverTime, ahead, oldest := now.UnixMicro(), int64(maxAheadMicros), window
	if timestamp < MicrosecondTimestamps {
		serverTime, ahead, oldest = now.UnixMilli(), MaxAheadMs, window/microsPerMilli
	}
	// Compare against bounds, never differences, so that extreme timestamps
	// cannot overflow: serverTime is far from both ends of int64.
	if timestamp >= serverTime+ahead {
		return apierr.New(http.StatusBadRequest, apierr.CodeInvalidTimestamp,
			"Timestamp for this request was "+strconv.Itoa(MaxAheadMs)+"ms ahead of the server's time.")
	}
	if timestamp < serverTime-oldest {
		return apierr.New(http.StatusBadRequest, apierr.CodeInvalidTimestamp,
			"Timestamp for this request is outside of the recvWindow.")
	}
	return nil
}

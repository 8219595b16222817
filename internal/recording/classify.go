package recording

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/redact"
)

// outcome is what a write's answer means for its points.
type outcome uint8

const (
	outcomeWritten  outcome = iota + 1 // all stored
	outcomePartial                     // some stored, result.rejected refused
	outcomeRejected                    // none stored; retrying cannot help
	outcomeRetry                       // not known to be stored; send again later
)

type result struct {
	kind outcome
	// rejected is how many points a partial write refused.
	rejected int
	// destination: refused because of where the points go (no such
	// database or retention policy), not because of the points.
	destination bool
	// uncertain: the request may have reached the server (no answer came
	// after it was sent).
	uncertain  bool
	retryAfter time.Duration
	message    string
}

// classify reads a write's answer: the HTTP status (0 when no answer came),
// InfluxDB's error message, the headers and the transport error. points is
// how many points the request carried.
//
// Retried: no answer, 408, 429, 5xx (except a missing database or
// retention policy), and 401/403, since a token can be fixed while points
// wait. Refused and counted: every other 4xx. InfluxDB 1.x answers a
// partial write with 400 and "... dropped=N"; lines it could not parse are
// listed one "unable to parse" each and not included in N.
func classify(status int, message string, header http.Header, err error, points int, now time.Time) result {
	message = strings.TrimSpace(message)
	switch {
	case status == 0:
		msg := "InfluxDB unreachable"
		if err != nil {
			// The error quotes the write URL, whose query may hold a
			// 1.x user and password.
			msg += ": " + redact.URLsIn(err.Error())
		}
		if errors.Is(err, context.DeadlineExceeded) {
			msg = "InfluxDB write timed out"
		}
		return result{kind: outcomeRetry, message: msg, uncertain: !isDialError(err)}
	case status >= 200 && status < 300:
		return result{kind: outcomeWritten}
	}
	msg := fmt.Sprintf("InfluxDB answered %d", status)
	if message != "" {
		msg += ": " + message
	}
	missing := strings.Contains(message, "database not found") ||
		strings.Contains(message, "retention policy not found") ||
		strings.Contains(message, "bucket not found")
	switch {
	case missing:
		return result{kind: outcomeRejected, destination: true, message: msg}
	case status == http.StatusRequestTimeout || status == http.StatusTooManyRequests ||
		status >= 500 || status == http.StatusUnauthorized || status == http.StatusForbidden:
		return result{kind: outcomeRetry, message: msg, retryAfter: retryAfter(header, now)}
	case status == http.StatusNotFound:
		return result{kind: outcomeRejected, destination: true, message: msg}
	case status == http.StatusBadRequest && strings.Contains(message, "partial write"):
		rejected := strings.Count(message, "unable to parse")
		if i := strings.LastIndex(message, "dropped="); i >= 0 {
			digits := message[i+len("dropped="):]
			if j := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }); j >= 0 {
				digits = digits[:j]
			}
			if n, err := strconv.Atoi(digits); err == nil {
				rejected += n
			}
		}
		if rejected == 0 || rejected >= points {
			return result{kind: outcomeRejected, message: msg}
		}
		return result{kind: outcomePartial, rejected: rejected, message: msg}
	}
	return result{kind: outcomeRejected, message: msg}
}

// isDialError tells a connection that was never made (nothing was sent)
// from one lost after the request went out.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// retryAfter reads a Retry-After header, in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

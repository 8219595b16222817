package recording

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}
	retryIn := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
	tests := []struct {
		name    string
		status  int
		message string
		header  http.Header
		err     error
		want    result
		wantMsg string
	}{
		{name: "ok", status: 204, want: result{kind: outcomeWritten}},
		{name: "refused connection", err: fmt.Errorf("post: %w", dial),
			want: result{kind: outcomeRetry}, wantMsg: "unreachable"},
		{name: "reset after sending", err: reset,
			want: result{kind: outcomeRetry, uncertain: true}, wantMsg: "connection reset"},
		{name: "timeout", err: context.DeadlineExceeded,
			want: result{kind: outcomeRetry, uncertain: true}, wantMsg: "timed out"},
		{name: "unavailable", status: 503, message: "overloaded",
			want: result{kind: outcomeRetry}, wantMsg: "503: overloaded"},
		{name: "too many requests, seconds", status: 429, header: retryIn("7"),
			want: result{kind: outcomeRetry, retryAfter: 7 * time.Second}},
		{name: "too many requests, date", status: 429, header: retryIn(now.Add(90 * time.Second).Format(http.TimeFormat)),
			want: result{kind: outcomeRetry, retryAfter: 90 * time.Second}},
		{name: "retry-after in the past", status: 503, header: retryIn(now.Add(-time.Hour).Format(http.TimeFormat)),
			want: result{kind: outcomeRetry}},
		{name: "unauthorized", status: 401, message: "authorization failed",
			want: result{kind: outcomeRetry}, wantMsg: "401"},
		{name: "missing database", status: 404, message: `database not found: "x"`,
			want: result{kind: outcomeRejected, destination: true}, wantMsg: `database not found: "x"`},
		{name: "missing retention policy", status: 500, message: "retention policy not found: rp",
			want: result{kind: outcomeRejected, destination: true}},
		{name: "no write endpoint", status: 404,
			want: result{kind: outcomeRejected, destination: true}, wantMsg: "404"},
		{name: "conflict inside the batch", status: 400, message: "field type conflict",
			want: result{kind: outcomeRejected}},
		{name: "partial write", status: 400, message: "partial write: field type conflict: input field \"f\" dropped=3",
			want: result{kind: outcomePartial, rejected: 3}},
		{name: "partial write, unparsable lines", status: 400,
			message: "partial write: unable to parse 'a': x\nunable to parse 'b': y dropped=1",
			want:    result{kind: outcomePartial, rejected: 3}},
		{name: "partial write of everything", status: 400, message: "partial write: points beyond retention policy dropped=10",
			want: result{kind: outcomeRejected}},
		{name: "partial write without a count", status: 400, message: "partial write has occurred",
			want: result{kind: outcomeRejected}},
		{name: "too large", status: 413, message: "request entity too large",
			want: result{kind: outcomeRejected}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.status, tt.message, tt.header, tt.err, 10, now)
			msg := got.message
			got.message = ""
			if got != tt.want {
				t.Errorf("classify = %+v, want %+v", got, tt.want)
			}
			if !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", msg, tt.wantMsg)
			}
		})
	}
}

package exchange

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// ResponseInfo is what one HTTP response says about the exchange's limits.
// go-binance turns every error status into an APIError without the status or
// headers, so the operator reads them here, below the client.
type ResponseInfo struct {
	Status int
	// UsedWeight1m is X-MBX-USED-WEIGHT-1M, or -1 when the header is absent.
	UsedWeight1m int
	// OrderCount10s and OrderCount1d are X-MBX-ORDER-COUNT-10S/-1D, or -1.
	OrderCount10s int
	OrderCount1d  int
	// RetryAfter is the Retry-After header of a 429 or 418, else zero.
	RetryAfter time.Duration
	// At is when the response arrived.
	At time.Time
}

// ObservingTransport is an http.RoundTripper that reports each response's
// ResponseInfo to Observe before handing the response on.
type ObservingTransport struct {
	Base    http.RoundTripper
	Observe func(ResponseInfo)
	Now     func() time.Time
	// Consume removes the weight and order-count headers once read.
	// go-binance copies them into fields of its Client without a lock, a
	// data race when goroutines share one client; without the headers it
	// never writes those fields.
	Consume bool
}

// RoundTrip implements http.RoundTripper.
func (t *ObservingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	res, err := base.RoundTrip(req)
	if err != nil {
		return res, err
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	info := ParseResponseInfo(res, now())
	if rec, ok := req.Context().Value(callRecordKey{}).(*callRecord); ok {
		rec.info, rec.seen = info, true
	}
	if t.Observe != nil {
		t.Observe(info)
	}
	if t.Consume {
		for _, h := range [...]string{"X-Mbx-Used-Weight", "X-Mbx-Used-Weight-1m", "X-Mbx-Order-Count-10s", "X-Mbx-Order-Count-1d"} {
			res.Header.Del(h)
		}
	}
	return res, nil
}

// callRecord carries the ResponseInfo of one call back to its caller through
// the request's context, so the caller can classify an error by HTTP status.
type callRecord struct {
	info ResponseInfo
	seen bool
}

type callRecordKey struct{}

// withCallRecord returns a context whose requests report their response
// into the returned record.
func withCallRecord(ctx context.Context) (context.Context, *callRecord) {
	rec := &callRecord{}
	return context.WithValue(ctx, callRecordKey{}, rec), rec
}

// status is the HTTP status of the recorded response, or 0 if none arrived.
func (r *callRecord) status() int {
	if !r.seen {
		return 0
	}
	return r.info.Status
}

// ParseResponseInfo reads the limit headers of res. Malformed headers read as
// absent: a garbled header must never fail a request.
func ParseResponseInfo(res *http.Response, at time.Time) ResponseInfo {
	info := ResponseInfo{
		Status:        res.StatusCode,
		UsedWeight1m:  headerInt(res.Header, "X-Mbx-Used-Weight-1m"),
		OrderCount10s: headerInt(res.Header, "X-Mbx-Order-Count-10s"),
		OrderCount1d:  headerInt(res.Header, "X-Mbx-Order-Count-1d"),
		At:            at,
	}
	if res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusTeapot {
		if s := headerInt(res.Header, "Retry-After"); s > 0 {
			info.RetryAfter = time.Duration(s) * time.Second
		}
	}
	return info
}

func headerInt(h http.Header, name string) int {
	v := h.Get(name)
	if v == "" {
		return -1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

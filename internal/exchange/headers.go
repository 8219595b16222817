package exchange

import (
	"context"
	"math"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
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
	rec := recordOf(req.Context())
	if rec != nil {
		rec.started = true
		rec.stamp = stampOf(req.URL.RawQuery)
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
	if rec != nil {
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

// callRecord carries what became of one attempt back to its caller through
// the request's context: the response's ResponseInfo, so the caller can
// classify an error by HTTP status; how far the request got before it
// failed; and the timestamp and recvWindow it was signed with.
type callRecord struct {
	info    ResponseInfo
	seen    bool
	started bool // the request reached the ObservingTransport
	stamp   requestStamp
	// The rest are set by httptrace hooks, which the transport may call
	// from its own goroutines.
	asked     atomic.Bool // the transport asked for a connection
	connected atomic.Bool // a connection was handed to the request
	written   atomic.Bool // the whole request was written to it
}

type callRecordKey struct{}

// withCallRecord returns a context whose requests report into the returned
// record. It traces the request with httptrace: until the transport hands
// the request a connection, not a byte of it can have left the process.
func withCallRecord(ctx context.Context) (context.Context, *callRecord) {
	rec := &callRecord{}
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GetConn: func(string) { rec.asked.Store(true) },
		GotConn: func(httptrace.GotConnInfo) { rec.connected.Store(true) },
		WroteRequest: func(w httptrace.WroteRequestInfo) {
			// A failed write may still have put part of the request, or
			// all of it, on the wire: it counts as connected, not written.
			if w.Err == nil {
				rec.written.Store(true)
			}
		},
	})
	return context.WithValue(ctx, callRecordKey{}, rec), rec
}

// recordOf returns the record of the attempt ctx belongs to, or nil.
func recordOf(ctx context.Context) *callRecord {
	rec, _ := ctx.Value(callRecordKey{}).(*callRecord)
	return rec
}

// delivery says how far the attempt's request got. Only two things prove
// that nothing left: the request never reached our transport, or the
// transport (net/http's) reported asking for a connection and never got
// one. A transport that reports neither may have sent it.
func (r *callRecord) delivery() delivery {
	switch {
	case r.seen:
		return answered
	case r.written.Load():
		return written
	case r.connected.Load():
		return maybeSent
	case !r.started || r.asked.Load():
		return notSent
	}
	return maybeSent
}

// delivery is how far a request got. Anything past notSent may have reached
// the exchange.
type delivery uint8

const (
	// notSent: no connection was ever handed to the request (a refused
	// dial, a DNS or TLS handshake failure, a context that ended first, a
	// request that could not be built). Nothing left the process.
	notSent delivery = iota
	// maybeSent: the request had a connection, but writing it failed or
	// did not finish; the exchange may have received all of it.
	maybeSent
	// written: the whole request was written, and no answer was read.
	written
	// answered: a response arrived (it may still be unreadable).
	answered
)

func (d delivery) String() string {
	switch d {
	case notSent:
		return "never sent"
	case maybeSent:
		return "perhaps sent"
	case written:
		return "sent, unanswered"
	}
	return "answered"
}

// Binance's recvWindow: 5 s when a request carries none, at most 60 s. A
// timestamp may run at most maxAhead ahead of the server's clock.
const (
	defaultRecvWindow = 5 * time.Second
	maxRecvWindow     = time.Minute
	maxAhead          = time.Second
)

// requestStamp is the timestamp and recvWindow a signed request was sent
// with: the exchange accepts the request only while its clock has not
// passed at+window.
type requestStamp struct {
	at     time.Time // zero: the request carried no timestamp
	window time.Duration
}

// stampOf reads timestamp and recvWindow from a query string without
// building a map (it runs for every request). A timestamp may be in
// milliseconds or microseconds, a recvWindow may carry three decimals; one
// that does not parse reads as the largest the exchange allows.
func stampOf(rawQuery string) requestStamp {
	s := requestStamp{window: defaultRecvWindow}
	for q := rawQuery; q != ""; {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "timestamp":
			n, err := strconv.ParseInt(v, 10, 64)
			switch {
			case err != nil || n <= 0:
			case n >= 1e14: // no millisecond timestamp is that large before the year 5000
				s.at = time.UnixMicro(n)
			default:
				s.at = time.UnixMilli(n)
			}
		case "recvWindow":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || !(f > 0) || f > float64(maxRecvWindow.Milliseconds()) {
				s.window = maxRecvWindow
			} else {
				s.window = time.Duration(math.Round(f*1e3)) * time.Microsecond
			}
		}
	}
	return s
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

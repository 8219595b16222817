package exchange

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/adshao/go-binance/v2"
)

// frontMode is what a front does with the first order placement it sees;
// later ones always pass.
type frontMode int

const (
	// passOn hands the placement to the simulator.
	passOn frontMode = iota
	// executeThenDrop hands it to the simulator, then closes the client's
	// connection instead of answering.
	executeThenDrop
	// lose reads it and closes the connection: the simulator never sees it.
	lose
	// holdUntilLookup reads it and closes the connection, then hands it to
	// the simulator right after the first lookup that found nothing: the
	// matching engine takes the order late.
	holdUntilLookup
)

// front is a loopback HTTP server in front of a simulator, standing for
// the network between us and the exchange. It logs the order requests it
// sees, stamped with the simulator's clock (the real clock plus skew, the
// clock offset the test gave the simulator).
type front struct {
	t    testing.TB
	sim  *simEnv
	srv  *httptest.Server
	mode frontMode
	skew time.Duration

	mu       sync.Mutex
	placings []requestStamp // of every placement seen, as sent
	lookups  []frontLookup
	times    []time.Time // the simulator's clock when each time read arrived
	taken    bool        // the first placement has been dealt with
	held     *http.Request
	replayed int // the simulator's status for the held placement; 0: not yet
}

type frontLookup struct {
	at     time.Time // the simulator's clock when the lookup arrived
	status int
	code   int64
}

func startFront(t testing.TB, sim *simEnv, mode frontMode, skew time.Duration) *front {
	t.Helper()
	f := &front{t: t, sim: sim, mode: mode, skew: skew}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *front) urls() URLs { return URLs{REST: f.srv.URL, Stream: "ws" + f.srv.URL[len("http"):]} }

func (f *front) simNow() time.Time { return time.Now().Add(f.skew) }

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == pathOrder && r.Method == http.MethodPost:
		f.placement(w, r)
	case r.URL.Path == pathOrder && r.Method == http.MethodGet:
		f.lookup(w, r)
	default:
		if r.URL.Path == "/api/v3/time" {
			f.mu.Lock()
			f.times = append(f.times, f.simNow())
			f.mu.Unlock()
		}
		f.sim.sim.ServeHTTP(w, r)
	}
}

func (f *front) placement(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.t.Errorf("front: reading a placement: %v", err)
		return
	}
	f.mu.Lock()
	f.placings = append(f.placings, stampOf(r.URL.RawQuery))
	first := !f.taken
	f.taken = true
	f.mu.Unlock()
	if !first || f.mode == passOn {
		f.sim.sim.ServeHTTP(w, withBody(r, r.Context(), body))
		return
	}
	switch f.mode {
	case executeThenDrop:
		f.sim.sim.ServeHTTP(httptest.NewRecorder(), withBody(r, context.Background(), body))
	case holdUntilLookup:
		f.mu.Lock()
		f.held = withBody(r, context.Background(), body)
		f.mu.Unlock()
	}
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		f.t.Errorf("front: hijacking: %v", err)
		return
	}
	conn.Close()
}

func (f *front) lookup(w http.ResponseWriter, r *http.Request) {
	at := f.simNow()
	rec := httptest.NewRecorder()
	f.sim.sim.ServeHTTP(rec, r)
	var answer struct{ Code int64 }
	_ = json.Unmarshal(rec.Body.Bytes(), &answer) // an order has no code
	f.mu.Lock()
	f.lookups = append(f.lookups, frontLookup{at: at, status: rec.Code, code: answer.Code})
	held := f.held
	if answer.Code == codeNoSuchOrder {
		f.held = nil
	} else {
		held = nil
	}
	f.mu.Unlock()
	if held != nil {
		// The lookup found nothing; only now does the order reach the
		// matching engine.
		res := httptest.NewRecorder()
		f.sim.sim.ServeHTTP(res, held)
		f.mu.Lock()
		f.replayed = res.Code
		f.mu.Unlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// withBody is r with ctx and body (which was read from r).
func withBody(r *http.Request, ctx context.Context, body []byte) *http.Request { //nolint:revive // reads as r with ctx and body
	c := r.Clone(ctx)
	c.Body = io.NopCloser(bytes.NewReader(body))
	c.ContentLength = int64(len(body))
	return c
}

func (f *front) log() (placings []requestStamp, lookups []frontLookup, times []time.Time, replayed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]requestStamp(nil), f.placings...), append([]frontLookup(nil), f.lookups...),
		append([]time.Time(nil), f.times...), f.replayed
}

// TestOrderTakenLate: the placement's connection drops and the matching
// engine takes the order only after the first lookup found nothing. A
// later lookup finds it; nothing is sent again.
func TestOrderTakenLate(t *testing.T) {
	sim := startSim(t, nil)
	f := startFront(t, sim, holdUntilLookup, 0)
	reg := newRegistry(t, RegistryOptions{})
	acct := reg.Account(reg.Endpoint(f.urls()), demoCreds())
	ctx := ctxTimeout(t)

	o, err := acct.PlaceOrder(ctx, CallPolicy{}, marketBuy("t-late"))
	if err != nil || !o.FoundByLookup || o.Status != binance.OrderStatusTypeFilled || o.ClientOrderID != "t-late" {
		t.Fatalf("PlaceOrder: %+v, %v; want the filled order, found by a lookup", o, err)
	}
	placings, lookups, _, replayed := f.log()
	if len(placings) != 1 || replayed != http.StatusOK {
		t.Fatalf("%d placements sent, the held one answered %d by the simulator; want 1 and 200", len(placings), replayed)
	}
	if len(lookups) < 2 || lookups[0].code != codeNoSuchOrder || lookups[len(lookups)-1].status != http.StatusOK {
		t.Fatalf("lookups %+v: want the first to find nothing and the last to find the order", lookups)
	}
	if st := sim.stats(t); st.Orders.Placed != 1 {
		t.Fatalf("simulator placed %d orders, want 1", st.Orders.Placed)
	}
	if st := acct.State(); st.Placed != 1 {
		t.Fatalf("account counts %d placed, want 1", st.Placed)
	}
}

// TestOrderNeverArrived: the placement is lost on the way, and the
// simulator's clock runs 800ms behind ours, which the account has not
// measured. "Not placed" comes only from a lookup that reached the
// simulator after its clock had passed the placement's timestamp +
// recvWindow; then sending it again is safe.
func TestOrderNeverArrived(t *testing.T) {
	const skew = -800 * time.Millisecond
	sim := startSim(t, nil)
	sim.setFaults(t, `{"clockOffsetMs": -800}`)
	f := startFront(t, sim, lose, skew)
	reg := newRegistry(t, RegistryOptions{})
	acct := reg.Account(reg.Endpoint(f.urls()), demoCreds())
	ctx := ctxTimeout(t)
	req := marketBuy("t-lost-on-the-way")
	req.RecvWindow = time.Second

	_, err := acct.PlaceOrder(ctx, CallPolicy{}, req)
	if !errors.Is(err, ErrOrderNotPlaced) || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("PlaceOrder: %v, want not placed", err)
	}
	placings, lookups, times, _ := f.log()
	if len(placings) != 1 || placings[0].at.IsZero() || placings[0].window != time.Second {
		t.Fatalf("placements %+v, want one with a timestamp and recvWindow 1s", placings)
	}
	deadline := placings[0].at.Add(placings[0].window)
	if len(lookups) < 2 {
		t.Fatalf("lookups %+v, want several", lookups)
	}
	if first := lookups[0]; !first.at.Before(deadline) || first.code != codeNoSuchOrder {
		t.Fatalf("first lookup %+v: want it before the deadline %v, finding nothing", first, deadline)
	}
	last := lookups[len(lookups)-1]
	if !last.at.After(deadline) || last.code != codeNoSuchOrder {
		t.Fatalf("last lookup %+v reached the simulator at %v on its clock, %v after the deadline; want after it, finding nothing",
			last, last.at, last.at.Sub(deadline))
	}
	if len(times) == 0 || !times[len(times)-1].After(deadline) {
		t.Fatalf("server time reads at %v: want one after the deadline %v", times, deadline)
	}
	if got := sim.stats(t).Orders.Placed; got != 0 {
		t.Fatalf("simulator placed %d orders, want 0", got)
	}
	o, err := acct.PlaceOrder(ctx, CallPolicy{}, req)
	if err != nil || o.FoundByLookup || o.Status != binance.OrderStatusTypeFilled {
		t.Fatalf("sending again: %+v, %v; want the filled order", o, err)
	}
	if got := sim.stats(t).Orders.Placed; got != 1 {
		t.Fatalf("simulator placed %d orders, want 1", got)
	}
}

// TestLookupsFailUntilContextEnds: the exchange executes the order but
// answers 504, and keeps failing every lookup and clock read until the
// caller's context ends. The outcome is unknown, never "not placed"; the
// error carries what ResolveOrder needs to settle it later.
func TestLookupsFailUntilContextEnds(t *testing.T) {
	sim := startSim(t, nil)
	reg := newRegistry(t, RegistryOptions{})
	acct := reg.Account(reg.Endpoint(sim.urls()), demoCreds())
	p := CallPolicy{Breaker: BreakerSettings{OpenDuration: 100 * time.Millisecond}}
	if _, err := acct.Balances(ctxTimeout(t), p); err != nil {
		t.Fatal(err)
	}
	sim.setFaults(t, `{"restErrorRate": 1, "restErrorStatus": 504}`)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()

	_, err := acct.PlaceOrder(ctx, p, marketBuy("t-unknown")) // recvWindow 5s: longer than ctx
	if !errors.Is(err, ErrOutcomeUnknown) || errors.Is(err, ErrOrderNotPlaced) || ClassOf(err) != ClassCanceled {
		t.Fatalf("PlaceOrder: %v (class %v), want unknown, canceled", err, ClassOf(err))
	}
	var ue *UnresolvedOrderError
	if !errors.As(err, &ue) || ue.Lookups < 1 || ue.Err == nil || ue.LookupErr == nil ||
		ue.Order.ClientOrderID != "t-unknown" || ue.Order.Symbol != "BTCUSDT" || ue.Order.RecvWindow != defaultRecvWindow {
		t.Fatalf("PlaceOrder: %#v, want an *UnresolvedOrderError with the failures and the order", ue)
	}
	if got := sim.stats(t).Orders.Placed; got != 1 {
		t.Fatalf("simulator placed %d orders, want 1 (a 504 comes after executing)", got)
	}

	sim.setFaults(t, `{}`)
	waitUntil(t, "the breaker to let a lookup through", func() bool { return acct.BreakerStatus(p.Breaker).State != BreakerOpen })
	o, err := acct.ResolveOrder(ctxTimeout(t), p, ue.Order)
	if err != nil || !o.FoundByLookup || o.Status != binance.OrderStatusTypeFilled {
		t.Fatalf("ResolveOrder: %+v, %v; want the filled order", o, err)
	}
	if got := sim.stats(t).Orders.Placed; got != 1 {
		t.Fatalf("simulator placed %d orders, want 1", got)
	}
}

// countingTransport counts the requests it is handed, by method and path,
// whether or not they get anywhere.
type countingTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	n    map[string]int
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[req.Method+" "+req.URL.Path]++
	c.mu.Unlock()
	return c.base.RoundTrip(req)
}

func (c *countingTransport) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

// TestPlacementTransportFailures: how far a failed placement got decides
// what happens next. A refused dial never sent a byte: it is retried
// within the policy and reported as not placed, without a lookup. A
// connection dropped after the request was written, or a timeout waiting
// for the answer, leaves the outcome open: the order is looked up.
func TestPlacementTransportFailures(t *testing.T) {
	closedURL := func(t *testing.T) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return "http://" + addr
	}
	p := CallPolicy{Retry: RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond}}

	t.Run("dial refused", func(t *testing.T) {
		base := NewTransport(TransportOptions{})
		t.Cleanup(base.CloseIdleConnections)
		tr := &countingTransport{base: base}
		reg := newRegistry(t, RegistryOptions{Transport: tr})
		u := closedURL(t)
		acct := reg.Account(reg.Endpoint(URLs{REST: u, Stream: "ws" + u[len("http"):]}), demoCreds())

		_, err := acct.PlaceOrder(ctxTimeout(t), p, marketBuy("t-refused"))
		xe := errorOf(t, err)
		if !errors.Is(err, ErrOrderNotPlaced) || errors.Is(err, ErrOutcomeUnknown) || xe.delivery != notSent || xe.Class != ClassTransient {
			t.Fatalf("PlaceOrder: %v (delivery %v), want transient, never sent, not placed", err, xe.delivery)
		}
		if posts, gets := tr.count("POST "+pathOrder), tr.count("GET "+pathOrder); posts != 2 || gets != 0 {
			t.Fatalf("%d placements and %d lookups tried, want 2 (a retry of what never left) and none", posts, gets)
		}
		if st := acct.State(); st.Orders10s != 0 || st.Placed != 0 {
			t.Fatalf("account %+v: want the order budget given back, nothing placed", st)
		}
	})

	t.Run("dropped after the request was read", func(t *testing.T) {
		sim := startSim(t, nil)
		f := startFront(t, sim, executeThenDrop, 0)
		reg := newRegistry(t, RegistryOptions{})
		acct := reg.Account(reg.Endpoint(f.urls()), demoCreds())

		o, err := acct.PlaceOrder(ctxTimeout(t), p, marketBuy("t-dropped"))
		if err != nil || !o.FoundByLookup || o.Status != binance.OrderStatusTypeFilled {
			t.Fatalf("PlaceOrder: %+v, %v; want the filled order found by a lookup", o, err)
		}
		placings, lookups, _, _ := f.log()
		if len(placings) != 1 || len(lookups) != 1 || sim.stats(t).Orders.Placed != 1 {
			t.Fatalf("%d placements, lookups %+v, %d placed; want 1, one that found it, 1",
				len(placings), lookups, sim.stats(t).Orders.Placed)
		}
	})

	t.Run("timeout after writing", func(t *testing.T) {
		sim := startSim(t, nil)
		base := NewTransport(TransportOptions{})
		t.Cleanup(base.CloseIdleConnections)
		tr := &countingTransport{base: &faultsAfterOrder{base: base, then: func() { sim.setFaults(t, `{}`) }}}
		reg := newRegistry(t, RegistryOptions{Transport: tr, RequestTimeout: 300 * time.Millisecond})
		acct := reg.Account(reg.Endpoint(sim.urls()), demoCreds())
		ctx := ctxTimeout(t)
		if _, err := acct.Balances(ctx, p); err != nil {
			t.Fatal(err)
		}
		// The simulator waits before handling a request, and drops it when
		// the client gives up first: the order never reaches the engine.
		sim.setFaults(t, `{"restLatencyMs": 2000}`)
		req := marketBuy("t-timeout")
		req.RecvWindow = 300 * time.Millisecond

		_, err := acct.PlaceOrder(ctx, p, req)
		if !errors.Is(err, ErrOrderNotPlaced) || errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("PlaceOrder: %v, want not placed after the timeout", err)
		}
		if posts, gets := tr.count("POST "+pathOrder), tr.count("GET "+pathOrder); posts != 1 || gets < 1 {
			t.Fatalf("%d placements and %d lookups, want 1 (never repeated) and at least one", posts, gets)
		}
		if got := sim.stats(t).Orders.Placed; got != 0 {
			t.Fatalf("simulator placed %d orders, want 0", got)
		}
	})
}

// TestStampOf reads the timestamp and recvWindow a request was signed with.
func TestStampOf(t *testing.T) {
	ms := time.UnixMilli(1_780_000_000_123)
	tests := []struct {
		query string
		want  requestStamp
	}{
		{"symbol=BTCUSDT&timestamp=1780000000123&signature=ab", requestStamp{at: ms, window: defaultRecvWindow}},
		{"recvWindow=1500&timestamp=1780000000123", requestStamp{at: ms, window: 1500 * time.Millisecond}},
		{"timestamp=1780000000123456&recvWindow=2.5", requestStamp{at: time.UnixMicro(1_780_000_000_123_456), window: 2500 * time.Microsecond}},
		{"timestamp=x&recvWindow=nope", requestStamp{window: maxRecvWindow}},
		{"recvWindow=600000", requestStamp{window: maxRecvWindow}},
		{"", requestStamp{window: defaultRecvWindow}},
	}
	for _, tt := range tests {
		if got := stampOf(tt.query); !got.at.Equal(tt.want.at) || got.window != tt.want.window {
			t.Errorf("stampOf(%q) = %+v, want %+v", tt.query, got, tt.want)
		}
	}
	q := url.Values{"timestamp": {strconv.FormatInt(ms.UnixMilli(), 10)}}.Encode()
	if !stampOf(q).at.Equal(ms) {
		t.Errorf("stampOf(%q) lost the timestamp", q)
	}
}

// failingTransport fails every request without a word to httptrace, as a
// transport that is not net/http's might.
type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection reset")
}

// TestDeliveryOfSilentTransport: a failure from a transport that reports
// nothing about connections may have come after sending, so the order is
// looked up rather than called "not placed".
func TestDeliveryOfSilentTransport(t *testing.T) {
	reg := newRegistry(t, RegistryOptions{Transport: failingTransport{}})
	acct := reg.Account(reg.Endpoint(URLs{REST: "http://127.0.0.1:1", Stream: "ws://127.0.0.1:1"}), demoCreds())
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := acct.PlaceOrder(ctx, CallPolicy{Retry: RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond}}, marketBuy("t-silent"))
	var ue *UnresolvedOrderError
	if !errors.Is(err, ErrOutcomeUnknown) || errors.Is(err, ErrOrderNotPlaced) || !errors.As(err, &ue) || ue.Lookups < 1 {
		t.Fatalf("PlaceOrder: %v, want unknown after lookups", err)
	}
	var xe *Error
	if !errors.As(ue.Err, &xe) || xe.delivery != maybeSent {
		t.Fatalf("placement error %v, want delivery %v", ue.Err, maybeSent)
	}
}

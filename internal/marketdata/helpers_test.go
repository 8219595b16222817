package marketdata

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	binance "github.com/adshao/go-binance/v2"
	"github.com/coder/websocket"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// waitLimit only guards against a hung test; no assertion depends on it.
const waitLimit = 30 * time.Second

// testStart is the start of every test market: the start of a minute.
var testStart = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

// simClock runs from testStart at the speed of real time, plus whatever
// Advance adds; a frozen one moves only by Advance. The simulator's
// per-connection message window needs a clock that moves, so a frozen clock
// only suits clients that send next to nothing while the market is not
// stepped.
type simClock struct {
	mu        sync.Mutex
	realStart time.Time
	extra     time.Duration
	frozen    bool
}

func newSimClock() *simClock { return &simClock{realStart: time.Now()} }

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		return testStart.Add(c.extra)
	}
	return testStart.Add(c.extra + time.Since(c.realStart))
}

func (c *simClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.extra += d
	c.mu.Unlock()
}

// simEnv is the exchange simulator behind a loopback HTTP server. Tests
// drive its market with step.
type simEnv struct {
	t     testing.TB
	sim   *exchangesim.Simulator
	srv   *httptest.Server
	clock *simClock
	http  *http.Client
	wsURL string

	stepMu   sync.Mutex
	lastStep time.Time
}

func newSimEnv(t testing.TB, mutate func(*exchangesim.Config)) *simEnv {
	t.Helper()
	return newSimEnvWithClock(t, newSimClock(), mutate)
}

func newSimEnvWithClock(t testing.TB, clock *simClock, mutate func(*exchangesim.Config)) *simEnv {
	t.Helper()
	cfg := exchangesim.DefaultConfig()
	cfg.History = 2 * time.Hour
	cfg.Now = clock.Now
	if mutate != nil {
		mutate(&cfg)
	}
	sim, err := exchangesim.New(cfg)
	if err != nil {
		t.Fatalf("exchangesim.New: %v", err)
	}
	srv := httptest.NewServer(sim)
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	e := &simEnv{
		t: t, sim: sim, srv: srv, clock: clock,
		http:  &http.Client{Transport: tr, Timeout: waitLimit},
		wsURL: "ws" + strings.TrimPrefix(srv.URL, "http"),
	}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
		sim.Close()
	})
	return e
}

// step advances the market n times by d each and returns the time of the
// last step.
func (e *simEnv) step(n int, d time.Duration) time.Time {
	e.stepMu.Lock()
	defer e.stepMu.Unlock()
	for range n {
		e.clock.Advance(d)
		e.lastStep = e.clock.Now()
		e.sim.Step(e.lastStep)
	}
	return e.lastStep
}

// lastClosed is the open time of the newest closed kline of interval, as
// of the last step.
func (e *simEnv) lastClosed(interval string) time.Time {
	e.stepMu.Lock()
	defer e.stepMu.Unlock()
	width, _ := intervalWidth(interval)
	return e.lastStep.Truncate(width).Add(-width)
}

// waitClosedUpTo waits until c has the closed kline of stream opening at
// the newest closed one's time as of the last step. It keeps the market
// moving meanwhile, one second a poll, as a real one does: a closed kline
// lost in a resubscription is only noticed, and backfilled, when the next
// event arrives.
func waitClosedUpTo(t *testing.T, e *simEnv, c *collector, stream, interval string) {
	t.Helper()
	target := e.lastClosed(interval)
	deadline := time.Now().Add(waitLimit)
	for {
		closed := c.closedKlines(stream)
		if len(closed) > 0 && !closed[len(closed)-1].Kline.OpenTime.Before(target) {
			return
		}
		e.step(1, time.Second)
		if time.Now().After(deadline) {
			var seen []string
			for _, ev := range c.snapshot() {
				if ev.Stream == stream {
					seen = append(seen, describe(ev))
				}
			}
			t.Fatalf("gave up waiting for closed klines of %s up to %s; saw %v", stream, target.Format(time.TimeOnly), seen)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fault replaces the simulator's fault state.
func (e *simEnv) fault(f map[string]any) {
	e.t.Helper()
	body, _ := json.Marshal(f)
	res, err := e.http.Post(e.srv.URL+"/sim/v1/faults", "application/json", bytes.NewReader(body))
	if err != nil {
		e.t.Fatalf("POST faults: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		e.t.Fatalf("POST faults %s: %d", body, res.StatusCode)
	}
}

func (e *simEnv) wsStats() exchangesim.WebsocketStats { return e.sim.Stats().Websocket }

// rest is a go-binance client of the simulator, never using the library's
// process-wide settings.
func (e *simEnv) rest() *binance.Client {
	c := binance.NewClient("", "")
	c.BaseURL = e.srv.URL
	c.HTTPClient = e.http
	return c
}

// restFetcher is the test's KlineFetcher: go-binance's REST client against
// the simulator, as the exchange endpoint will provide in production. A
// go-binance client writes its UsedWeight field on every response without a
// lock, so each call gets its own client: backfills run concurrently.
type restFetcher struct {
	env   *simEnv
	calls atomic.Int64
}

func (f *restFetcher) Klines(ctx context.Context, symbol, interval string, start time.Time, limit int) ([]Kline, error) {
	f.calls.Add(1)
	rows, err := f.env.rest().NewKlinesService().Symbol(symbol).Interval(interval).
		StartTime(start.UnixMilli()).Limit(limit).Do(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Kline, 0, len(rows))
	for _, r := range rows {
		k, err := KlineFromBinance(symbol, interval, r)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// restKlines returns the simulator's klines opening in [from, to].
func (e *simEnv) restKlines(symbol, interval string, from, to time.Time) []Kline {
	e.t.Helper()
	f := &restFetcher{env: e}
	var out []Kline
	for start := from; !start.After(to); {
		page, err := f.Klines(context.Background(), symbol, interval, start, 1000)
		if err != nil {
			e.t.Fatalf("REST klines: %v", err)
		}
		if len(page) == 0 {
			break
		}
		for _, k := range page {
			if !k.OpenTime.After(to) {
				out = append(out, k)
			}
		}
		start = nextOpen(interval, page[len(page)-1].OpenTime)
	}
	return out
}

// gatedDial is a DialFunc that fails while closed, to hold a hub off the
// simulator for a while.
type gatedDial struct {
	closed atomic.Bool
	dials  atomic.Int64
}

var errGateClosed = errors.New("test: dialling is blocked")

func (g *gatedDial) dial(ctx context.Context, url string, opts *websocket.DialOptions) (*websocket.Conn, *http.Response, error) {
	if g.closed.Load() {
		return nil, nil, errGateClosed
	}
	g.dials.Add(1)
	return websocket.Dial(ctx, url, opts)
}

// testHub starts a hub with fast test timings, stopped at cleanup.
func testHub(t testing.TB, mutate func(*Options)) *Hub {
	t.Helper()
	opts := Options{
		ReconnectBase: 20 * time.Millisecond,
		ReconnectMax:  200 * time.Millisecond,
		DialTimeout:   5 * time.Second,
	}
	if mutate != nil {
		mutate(&opts)
	}
	h := NewHub(opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Start: %v", err)
		}
	})
	return h
}

// eventually polls cond until it holds; the limit only guards against a
// hung test.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// nextEvent reads one event; the limit only guards against a hung test.
func nextEvent(t testing.TB, sub *Subscription) Event {
	t.Helper()
	timer := time.NewTimer(waitLimit)
	defer timer.Stop()
	select {
	case ev, ok := <-sub.Events():
		if !ok {
			t.Fatal("Events closed")
		}
		return ev
	case <-timer.C:
		t.Fatal("gave up waiting for an event")
	}
	return Event{}
}

// collector reads a subscription's events on its own goroutine.
type collector struct {
	mu     sync.Mutex
	events []Event
	done   chan struct{}
}

func collect(sub *Subscription) *collector {
	c := &collector{done: make(chan struct{})}
	add := func(ev Event) {
		c.mu.Lock()
		c.events = append(c.events, ev)
		c.mu.Unlock()
	}
	go func() {
		defer close(c.done)
		if sub.Events() != nil {
			for ev := range sub.Events() {
				add(ev)
			}
			return
		}
		// Pull mode: drain on every wake-up until the subscription ends.
		for {
			select {
			case <-sub.Ready():
				for ev, ok := sub.Next(); ok; ev, ok = sub.Next() {
					add(ev)
				}
			case <-sub.Done():
				return
			}
		}
	}()
	return c
}

func (c *collector) snapshot() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events)
}

// count returns how many collected events satisfy keep.
func (c *collector) count(keep func(Event) bool) int {
	n := 0
	for _, ev := range c.snapshot() {
		if keep(ev) {
			n++
		}
	}
	return n
}

// closedKlines returns the closed klines of stream in arrival order.
func (c *collector) closedKlines(stream string) []Event {
	var out []Event
	for _, ev := range c.snapshot() {
		if ev.Stream == stream && ev.Kind == KindKline && ev.Kline.Closed {
			out = append(out, ev)
		}
	}
	return out
}

func (c *collector) gaps() []Event {
	var out []Event
	for _, ev := range c.snapshot() {
		if ev.Kind == KindGap {
			out = append(out, ev)
		}
	}
	return out
}

// checkKlinesMatchREST asserts that closed are consecutive, without
// duplicates, and equal to the simulator's REST klines for the same span.
func checkKlinesMatchREST(t *testing.T, e *simEnv, symbol, interval string, closed []Event) {
	t.Helper()
	if len(closed) < 2 {
		t.Fatalf("only %d closed klines", len(closed))
	}
	from, to := closed[0].Kline.OpenTime, closed[len(closed)-1].Kline.OpenTime
	want := e.restKlines(symbol, interval, from, to)
	if len(want) != len(closed) {
		t.Errorf("saw %d closed klines from %s to %s, REST has %d", len(closed), from.Format(time.TimeOnly), to.Format(time.TimeOnly), len(want))
	}
	for i := range min(len(want), len(closed)) {
		got, w := closed[i].Kline, want[i]
		if !got.OpenTime.Equal(w.OpenTime) || !got.Open.Equal(w.Open) || !got.High.Equal(w.High) ||
			!got.Low.Equal(w.Low) || !got.Close.Equal(w.Close) || !got.Volume.Equal(w.Volume) || got.Trades != w.Trades {
			t.Fatalf("kline %d (backfilled %v): got open %s %s/%s/%s/%s v%s n%d, REST open %s %s/%s/%s/%s v%s n%d", i,
				closed[i].Backfilled, got.OpenTime.Format(time.TimeOnly), got.Open, got.High, got.Low, got.Close, got.Volume, got.Trades,
				w.OpenTime.Format(time.TimeOnly), w.Open, w.High, w.Low, w.Close, w.Volume, w.Trades)
		}
	}
}

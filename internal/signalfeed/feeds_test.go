package signalfeed

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tradebot-operator/tradebot-operator/api/v1alpha1"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
	"github.com/tradebot-operator/tradebot-operator/internal/marketdata"
	"github.com/tradebot-operator/tradebot-operator/internal/signal"
)

// Feeds start goroutines: each must be gone when its test ends.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const waitTimeout = 40 * time.Second

// startFeeds runs the simulator over real HTTP and WebSocket, a hub on
// it, and a Feeds on the hub; it returns the Feeds and the stream URL.
func startFeeds(t *testing.T) (*Feeds, string) {
	t.Helper()
	cfg := exchangesim.DefaultConfig()
	cfg.Tick = 100 * time.Millisecond
	sim, err := exchangesim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	ctx, cancel := context.WithCancel(context.Background())
	simDone := make(chan struct{})
	go func() { defer close(simDone); _ = sim.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-simDone; srv.Close(); sim.Close() })

	hub := marketdata.NewHub(marketdata.Options{})
	hubCtx, stopHub := context.WithCancel(context.Background())
	hubDone := make(chan error, 1)
	go func() { hubDone <- hub.Start(hubCtx) }()
	t.Cleanup(func() {
		stopHub()
		if err := <-hubDone; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("hub: %v", err)
		}
	})
	fs := New(Options{Hub: hub})
	t.Cleanup(fs.Close)
	return fs, "ws" + strings.TrimPrefix(srv.URL, "http")
}

func smaKey(stream string, fast, slow int, minConfidence string) Key {
	cfg, err := signal.ConfigFromSpec(v1alpha1.StrategySpec{Type: v1alpha1.StrategySMACrossover,
		SMACrossover:  &v1alpha1.CrossoverParams{FastPeriod: int32(fast), SlowPeriod: int32(slow)},
		MinConfidence: v1alpha1.Decimal(minConfidence)})
	if err != nil {
		panic(err)
	}
	return Key{Stream: stream, Symbol: "BTCUSDT", Interval: "1s", Strategy: cfg}
}

// recorder is a subscriber that logs what it is called with, in order,
// into a log it may share with others.
type recorder struct {
	name    string
	log     *callLog
	panicOn int // panic on this Deliver (1-based); 0: never
	warmups atomic.Int64

	mu        sync.Mutex
	delivered []string // signal IDs
	calls     int
}

type callLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *callLog) add(s string) {
	l.mu.Lock()
	l.lines = append(l.lines, s)
	l.mu.Unlock()
}

func (l *callLog) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func (r *recorder) Deliver(d *Delivery, _ time.Time) Outcome {
	r.mu.Lock()
	r.calls++
	n := r.calls
	r.delivered = append(r.delivered, d.Signal.ID())
	r.mu.Unlock()
	if r.panicOn == n {
		panic("subscriber " + r.name + " fails")
	}
	if r.log != nil {
		r.log.add("deliver " + r.name + " " + d.Signal.ID())
	}
	return 1
}

func (r *recorder) Settle(d *Delivery, _ Outcome, _ time.Time) {
	if r.log != nil {
		r.log.add("settle " + r.name + " " + d.Signal.ID())
	}
}

func (r *recorder) WarmupFailed() { r.warmups.Add(1) }

func (r *recorder) ids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.delivered...)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSharedFeed: two subscribers of one strategy (their minConfidence
// apart) share one feed, get the same signals, each before either settles,
// and the feed stops with the last of them.
func TestSharedFeed(t *testing.T) {
	t.Parallel()
	fs, stream := startFeeds(t)
	log := &callLog{}
	a, b := &recorder{name: "a", log: log}, &recorder{name: "b", log: log}
	var warmups atomic.Int64
	// The warm-up fails once both have joined, so both hear of it.
	joined := make(chan struct{})
	warm := func(ctx context.Context, symbol, interval string, n int) ([]signal.Kline, error) {
		warmups.Add(1)
		select {
		case <-joined:
		case <-ctx.Done():
		}
		return nil, errors.New("no warm-up in this test")
	}
	subA, err := fs.Subscribe([]Key{smaKey(stream, 2, 3, "0.1")}, a, warm)
	if err != nil {
		t.Fatal(err)
	}
	subB, err := fs.Subscribe([]Key{smaKey(stream, 2, 3, "0.9")}, b, warm)
	if err != nil {
		t.Fatal(err)
	}
	close(joined)
	if n := fs.Active(); n != 1 {
		t.Fatalf("%d feeds for one strategy on one market, want 1", n)
	}
	other, err := fs.Subscribe([]Key{smaKey(stream, 2, 4, "0.1")}, &recorder{name: "c"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := fs.Active(); n != 2 {
		t.Fatalf("%d feeds for two strategies, want 2", n)
	}
	other.Close()

	waitFor(t, "three signals", func() bool { return len(b.ids()) >= 3 })
	subA.Close()
	subB.Close()
	if n := fs.Active(); n != 0 {
		t.Fatalf("%d feeds left after every subscriber left", n)
	}
	if n := warmups.Load(); n != 1 {
		t.Errorf("the shared feed warmed up %d times, want once", n)
	}
	if a.warmups.Load() != 1 || b.warmups.Load() != 1 {
		t.Errorf("warm-up failure reported %d and %d times, want once to each", a.warmups.Load(), b.warmups.Load())
	}

	// Both saw the same signals: the subscriber that joined second may have
	// missed none, since both joined before the first kline closed.
	ia, ib := a.ids(), b.ids()
	if strings.Join(ia[:3], ",") != strings.Join(ib[:3], ",") {
		t.Errorf("subscribers got different signals:\na %v\nb %v", ia, ib)
	}
	// For each signal, both deliveries come before either settle.
	lines := log.snapshot()
	for _, id := range ib[:3] {
		lastDeliver, firstSettle := -1, len(lines)
		for i, l := range lines {
			switch {
			case strings.HasPrefix(l, "deliver ") && strings.HasSuffix(l, " "+id):
				lastDeliver = i
			case strings.HasPrefix(l, "settle ") && strings.HasSuffix(l, " "+id) && i < firstSettle:
				firstSettle = i
			}
		}
		if lastDeliver < 0 || lastDeliver > firstSettle {
			t.Errorf("signal %s: a Settle ran before every Deliver:\n%s", id, strings.Join(lines, "\n"))
		}
	}
}

// TestPanickingSubscriber: a subscriber that panics loses its subscription;
// the others keep receiving signals.
func TestPanickingSubscriber(t *testing.T) {
	t.Parallel()
	fs, stream := startFeeds(t)
	bad, good := &recorder{name: "bad", panicOn: 1}, &recorder{name: "good"}
	key := smaKey(stream, 2, 3, "0.1")
	subBad, err := fs.Subscribe([]Key{key}, bad, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer subBad.Close()
	subGood, err := fs.Subscribe([]Key{key}, good, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer subGood.Close()

	select {
	case <-subBad.Done():
	case <-time.After(waitTimeout):
		t.Fatal("the panicking subscriber's subscription did not end")
	}
	if err := subBad.Err(); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("Err() = %v, want the panic", err)
	}
	waitFor(t, "signals after the panic", func() bool { return len(good.ids()) >= 3 })
	if n := len(bad.ids()); n != 1 {
		t.Errorf("the failed subscriber got %d deliveries, want only the one it panicked on", n)
	}
	if subGood.Err() != nil {
		t.Errorf("the good subscription ended: %v", subGood.Err())
	}
}

// TestCloseEndsSubscriptions: closing the Feeds ends what is still
// subscribed, and nothing can subscribe afterwards.
func TestCloseEndsSubscriptions(t *testing.T) {
	t.Parallel()
	fs, stream := startFeeds(t)
	sub, err := fs.Subscribe([]Key{smaKey(stream, 2, 3, "0.1")}, &recorder{name: "a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fs.Close()
	select {
	case <-sub.Done():
	default:
		t.Fatal("subscription still open after Close")
	}
	if !errors.Is(sub.Err(), ErrClosed) {
		t.Errorf("Err() = %v, want ErrClosed", sub.Err())
	}
	sub.Close() // harmless after the end
	if _, err := fs.Subscribe([]Key{smaKey(stream, 2, 3, "0.1")}, &recorder{name: "b"}, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Subscribe after Close: %v, want ErrClosed", err)
	}
}

// TestSubscribeRefusesBadInput: a bad strategy or stream is refused with
// the reason, and leaves no feed behind.
func TestSubscribeRefusesBadInput(t *testing.T) {
	t.Parallel()
	fs, stream := startFeeds(t)
	good := smaKey(stream, 2, 3, "0.1")
	bad := good
	bad.Strategy.SlowPeriod = 1
	if _, err := fs.Subscribe([]Key{good, bad}, &recorder{name: "a"}, nil); err == nil {
		t.Error("a strategy with slowPeriod 1 was accepted")
	}
	badInterval := good
	badInterval.Interval = "7s"
	if _, err := fs.Subscribe([]Key{badInterval}, &recorder{name: "a"}, nil); err == nil {
		t.Error("an unknown kline interval was accepted")
	}
	if _, err := fs.Subscribe(nil, &recorder{name: "a"}, nil); err == nil {
		t.Error("no keys was accepted")
	}
	if n := fs.Active(); n != 0 {
		t.Errorf("%d feeds left by refused subscriptions", n)
	}
}

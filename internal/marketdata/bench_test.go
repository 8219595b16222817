package marketdata

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	binance "github.com/adshao/go-binance/v2"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// The figures of `make bench` for the hub:
//
//	go test -run '^$' -bench '^BenchmarkHubFigures$' -benchtime 1x ./internal/marketdata/
//
// 1000 subscribers each want the 1m klines of the simulator's 8 symbols. The
// market is stepped in batches; a batch ends when every subscriber has seen
// the last event of every stream. Both paths do this in the same run, against
// the same simulator:
//
//   - the hub: one connection, each message decoded once (prices as
//     decimals) and fanned out to the 1000 subscriptions;
//   - go-binance's WsCombinedKlineServe, the way a process-per-bot design
//     uses it: one connection per subscriber, each decoding every message.
//
// Printed, as "name: value" lines:
//
//   - hub.msgs_per_sec: events received by the hub's subscribers per second
//     of wall time;
//   - hub.gobinance_msgs_per_sec: the same for the go-binance handlers;
//   - hub.speedup_vs_gobinance: the ratio of the two. The hub conflates
//     open-kline updates for a subscriber that is behind, so it delivers
//     fewer (never staler) events than go-binance, which only lowers its
//     figure;
//   - hub.conflated_share: the share of stream messages a hub subscriber did
//     not need to read because a newer value replaced them;
//   - hub.uptodate_speedup_vs_gobinance: how much sooner the hub brings every
//     subscriber up to date with the same stream messages (go-binance's wall
//     time divided by the hub's).
//
// MARKETDATA_BENCH_STEPS sets the market steps per path (default 200, in
// batches of 50).
func BenchmarkHubFigures(b *testing.B) {
	const subscribers, stepsPerBatch = 1000, 50
	steps := 200
	if v, err := strconv.Atoi(os.Getenv("MARKETDATA_BENCH_STEPS")); err == nil && v >= stepsPerBatch {
		steps = v
	}
	for range b.N {
		// A frozen clock puts every step, and so every event time, on a
		// whole second the barrier can wait for.
		e := newSimEnvWithClock(b, &simClock{frozen: true}, func(c *exchangesim.Config) { c.History = time.Hour })
		symbols := e.sim.SymbolNames()
		hub := benchHub(b, e, symbols, subscribers, steps/stepsPerBatch, stepsPerBatch)
		gb := benchGoBinance(b, e, symbols, subscribers, steps/stepsPerBatch, stepsPerBatch)
		fmt.Printf("hub.msgs_per_sec: %.0f\n", hub.rate())
		fmt.Printf("hub.gobinance_msgs_per_sec: %.0f\n", gb.rate())
		fmt.Printf("hub.speedup_vs_gobinance: %.1f\n", hub.rate()/gb.rate())
		fmt.Printf("hub.conflated_share: %.2f\n", 1-float64(hub.events)/float64(gb.events))
		fmt.Printf("hub.uptodate_speedup_vs_gobinance: %.1f\n", gb.elapsed.Seconds()/hub.elapsed.Seconds())
		b.ReportMetric(hub.rate(), "hub-msgs/s")
		b.ReportMetric(gb.rate(), "gobinance-msgs/s")
	}
}

// delivery is what one path achieved.
type delivery struct {
	events  int64
	elapsed time.Duration
}

func (d delivery) rate() float64 { return float64(d.events) / d.elapsed.Seconds() }

// barrier tracks, for every subscriber, the newest event time seen per
// stream, and counts subscribers that have seen the batch's last event on
// every stream.
type barrier struct {
	streams int
	target  atomic.Int64 // event time (ms) of the batch's last step
	reached atomic.Int64
	events  atomic.Int64
}

// seer is one subscriber's view; it is used by one goroutine only.
type seer struct {
	b        *barrier
	last     map[string]int64
	reported int64
	events   int64
}

func (b *barrier) newSeer() *seer { return &seer{b: b, last: make(map[string]int64, b.streams)} }

func (s *seer) see(stream string, eventMs int64) {
	s.events++
	if eventMs > s.last[stream] {
		s.last[stream] = eventMs
	}
	target := s.b.target.Load()
	if s.reported == target || len(s.last) < s.b.streams {
		return
	}
	for _, ms := range s.last {
		if ms < target {
			return
		}
	}
	s.reported = target
	s.b.events.Add(s.events)
	s.events = 0
	s.b.reached.Add(1)
}

// runBatches steps the market and measures the deliveries.
func runBatches(tb testing.TB, e *simEnv, b *barrier, subscribers, batches, stepsPerBatch int) delivery {
	tb.Helper()
	b.events.Store(0)
	start := time.Now()
	for range batches {
		b.reached.Store(0)
		last := e.clock.Now().Add(time.Duration(stepsPerBatch) * time.Second)
		b.target.Store(last.UnixMilli())
		if got := e.step(stepsPerBatch, time.Second); !got.Equal(last) {
			tb.Fatalf("the last step was at %s, want %s", got, last)
		}
		eventually(tb, "every subscriber to see the batch", func() bool { return b.reached.Load() == int64(subscribers) })
	}
	return delivery{events: b.events.Load(), elapsed: time.Since(start)}
}

func benchHub(tb testing.TB, e *simEnv, symbols []string, subscribers, batches, stepsPerBatch int) delivery {
	h := testHub(tb, nil)
	streams := make([]string, len(symbols))
	for i, s := range symbols {
		streams[i] = KlineStream(s, "1m")
	}
	b := &barrier{streams: len(streams)}
	var wg sync.WaitGroup
	subs := make([]*Subscription, subscribers)
	for i := range subs {
		sub, err := h.Subscribe(e.wsURL, streams, SubscribeOptions{})
		if err != nil {
			tb.Fatal(err)
		}
		subs[i] = sub
		s := b.newSeer()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ev := range sub.Events() {
				s.see(ev.Stream, ev.EventTime.UnixMilli())
			}
		}()
	}
	eventually(tb, "the hub's connection", func() bool { return e.wsStats().Streams == len(streams) })
	runBatches(tb, e, b, subscribers, 1, stepsPerBatch) // warm up
	d := runBatches(tb, e, b, subscribers, batches, stepsPerBatch)
	for _, sub := range subs {
		sub.Close()
	}
	wg.Wait()
	return d
}

func benchGoBinance(tb testing.TB, e *simEnv, symbols []string, subscribers, batches, stepsPerBatch int) delivery {
	// go-binance reads its WebSocket endpoint and keepalive from package
	// variables. Setting them is acceptable here, in a benchmark process,
	// and nowhere else; the keepalive would otherwise leave a goroutine
	// behind for ten minutes after every stop.
	oldURL, oldKeepalive := binance.BaseCombinedMainURL, binance.WebsocketKeepalive
	binance.BaseCombinedMainURL = e.wsURL + "/stream?streams="
	binance.WebsocketKeepalive = false
	defer func() { binance.BaseCombinedMainURL, binance.WebsocketKeepalive = oldURL, oldKeepalive }()

	pairs := make(map[string]string, len(symbols))
	for _, s := range symbols {
		pairs[s] = "1m"
	}
	b := &barrier{streams: len(symbols)}
	var errs atomic.Int64
	stops := make([]chan struct{}, 0, subscribers)
	dones := make([]chan struct{}, 0, subscribers)
	defer func() {
		for i := range stops {
			close(stops[i])
			<-dones[i]
		}
	}()
	// The simulator allows 300 connection attempts per 5 minutes per IP, on
	// its own clock: let 5 minutes pass between groups of dials, then wind
	// the clock back. The market is not stepped meanwhile, so it never sees
	// the jumps.
	var jumped time.Duration
	for i := range subscribers {
		if i > 0 && i%250 == 0 {
			e.clock.Advance(5*time.Minute + time.Second)
			jumped += 5*time.Minute + time.Second
		}
		s := b.newSeer()
		done, stop, err := binance.WsCombinedKlineServe(pairs, func(ev *binance.WsKlineEvent) {
			s.see(strings.ToLower(ev.Symbol)+"@kline_1m", ev.Time)
		}, func(error) { errs.Add(1) })
		if err != nil {
			tb.Fatalf("connection %d: %v", i, err)
		}
		stops, dones = append(stops, stop), append(dones, done)
	}
	e.clock.Advance(-jumped)
	eventually(tb, "every go-binance connection", func() bool { return e.wsStats().Connections == subscribers })
	runBatches(tb, e, b, subscribers, 1, stepsPerBatch) // warm up
	d := runBatches(tb, e, b, subscribers, batches, stepsPerBatch)
	if n := errs.Load(); n > 0 {
		tb.Fatalf("%d go-binance connection errors", n)
	}
	return d
}

package marketdata

import (
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

// Connections are replaced before their lifetime ends, the new one opened
// before the old one closes, so not a single kline needs backfilling.
func TestRotationBeforeLifetimeIsSeamless(t *testing.T) {
	e := newSimEnv(t, nil)
	fetcher := &restFetcher{env: e}
	h := testHub(t, func(o *Options) {
		o.MaxLifetime = 200 * time.Millisecond
		o.RotationOverlap = 2 * time.Second
		o.Backfill = func(string) KlineFetcher { return fetcher }
	})
	streams := []string{"btcusdt@kline_1m", "btcusdt@trade"}
	sub, err := h.Subscribe(e.wsURL, streams, SubscribeOptions{Buffer: 1 << 16})
	if err != nil {
		t.Fatal(err)
	}
	c := collect(sub)
	eventually(t, "four rotations", func() bool {
		e.step(1, time.Second)
		fs, _ := h.FeedStats(e.wsURL)
		return fs.Rotations >= 4
	})
	e.step(70, time.Second)
	waitClosedUpTo(t, e, c, streams[0], "1m")
	eventually(t, "the old connections to close", func() bool { return e.wsStats().Connections == 1 })

	checkKlinesMatchREST(t, e, "BTCUSDT", "1m", c.closedKlines(streams[0]))
	if g := c.gaps(); len(g) != 0 {
		t.Fatalf("gap markers: %+v", g[0].Gap)
	}
	fs, _ := h.FeedStats(e.wsURL)
	if fs.Reconnects != 0 || fs.Backfilled != 0 || fetcher.calls.Load() != 0 {
		t.Fatalf("rotations lost data: %+v, %d REST calls", fs, fetcher.calls.Load())
	}
	checkTradesConsecutive(t, c, streams[1])
}

// checkTradesConsecutive asserts that the trades of stream have
// consecutive ids, none missed or repeated.
func checkTradesConsecutive(t *testing.T, c *collector, stream string) {
	t.Helper()
	var last int64
	n := 0
	for _, ev := range c.snapshot() {
		if ev.Stream != stream || ev.Kind != KindTrade {
			continue
		}
		if n > 0 && ev.Trade.ID != last+1 {
			t.Fatalf("trade %d after %d", ev.Trade.ID, last)
		}
		last = ev.Trade.ID
		n++
	}
	if n < 10 {
		t.Fatalf("only %d trades", n)
	}
}

// The simulator ends connections at its lifetime with serverShutdown; the
// hub replaces them and backfills whatever closed meanwhile.
func TestServerShutdownRotates(t *testing.T) {
	e := newSimEnv(t, func(c *exchangesim.Config) { c.WSMaxLifetime = time.Second })
	fetcher := &restFetcher{env: e}
	h := testHub(t, func(o *Options) {
		o.Backfill = func(string) KlineFetcher { return fetcher }
	})
	const stream = "ethusdt@kline_1m"
	sub, err := h.Subscribe(e.wsURL, []string{stream}, SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := collect(sub)
	eventually(t, "three rotations", func() bool {
		e.step(1, time.Second)
		fs, _ := h.FeedStats(e.wsURL)
		return fs.Rotations >= 3
	})
	e.step(70, time.Second)
	waitClosedUpTo(t, e, c, stream, "1m")
	checkKlinesMatchREST(t, e, "ETHUSDT", "1m", c.closedKlines(stream))
	if g := c.gaps(); len(g) != 0 {
		t.Fatalf("gap markers: %+v", g[0].Gap)
	}
	if fs, _ := h.FeedStats(e.wsURL); fs.Reconnects != 0 {
		t.Fatalf("serverShutdown counted as a lost connection: %+v", fs)
	}
}

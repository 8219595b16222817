package marketdata

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim"
)

func TestDroppedConnectionsLoseNoKline(t *testing.T) {
	e := newSimEnv(t, nil)
	gate := &gatedDial{}
	fetcher := &restFetcher{env: e}
	metrics, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	h := testHub(t, func(o *Options) {
		o.Dial = gate.dial
		o.Backfill = func(string) KlineFetcher { return fetcher }
		o.Metrics = metrics
	})
	streams := []string{"btcusdt@kline_1m", "ethusdt@kline_1m"}
	sub, err := h.Subscribe(e.wsURL, streams, SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := collect(sub)
	connected := func() bool { fs, _ := h.FeedStats(e.wsURL); return fs.Connections == 1 && e.wsStats().Streams == 2 }
	eventually(t, "the connection", connected)
	e.step(150, time.Second)
	waitClosedUpTo(t, e, c, streams[0], "1m")

	// 1: five minutes of market pass while the hub cannot reconnect.
	gate.closed.Store(true)
	e.fault(map[string]any{"dropWebsockets": true})
	eventually(t, "the drop to be noticed", func() bool {
		fs, _ := h.FeedStats(e.wsURL)
		return fs.Connections == 0 && fs.Reconnects == 1
	})
	e.step(300, time.Second)
	gate.closed.Store(false)
	eventually(t, "the reconnect", connected)
	e.step(90, time.Second)
	waitClosedUpTo(t, e, c, streams[0], "1m")
	waitClosedUpTo(t, e, c, streams[1], "1m")
	if fetcher.calls.Load() == 0 {
		t.Fatal("five missed minutes were not backfilled")
	}

	// 2: drops while the market moves, reconnecting at once.
	for range 3 {
		before, _ := h.FeedStats(e.wsURL)
		e.fault(map[string]any{"dropWebsockets": true})
		e.step(70, time.Second)
		eventually(t, "the reconnect", func() bool {
			fs, _ := h.FeedStats(e.wsURL)
			return fs.Reconnects > before.Reconnects && connected()
		})
	}
	e.step(70, time.Second)
	waitClosedUpTo(t, e, c, streams[0], "1m")
	waitClosedUpTo(t, e, c, streams[1], "1m")

	for i, stream := range streams {
		closed := c.closedKlines(stream)
		checkKlinesMatchREST(t, e, []string{"BTCUSDT", "ETHUSDT"}[i], "1m", closed)
		backfilled := 0
		for _, ev := range closed {
			if ev.Backfilled {
				backfilled++
			}
		}
		if backfilled < 5 {
			t.Errorf("%s: %d backfilled klines, want at least the 5 minutes of the outage", stream, backfilled)
		}
	}
	if g := c.gaps(); len(g) != 0 {
		t.Fatalf("gap markers: %+v", g[0].Gap)
	}
	fs, _ := h.FeedStats(e.wsURL)
	if fs.Reconnects < 4 || fs.Backfilled < 10 {
		t.Fatalf("FeedStats = %+v", fs)
	}
	if st := sub.Stats(); st.Reconnects != fs.Reconnects || st.Dropped != 0 {
		t.Fatalf("subscription stats %+v, feed reconnects %d", st, fs.Reconnects)
	}
	// Once the last messages are in, the metrics agree with the stats.
	eventually(t, "every message sent to be decoded", func() bool {
		fs, _ := h.FeedStats(e.wsURL)
		return fs.Messages == e.wsStats().MessagesSent
	})
	fs, _ = h.FeedStats(e.wsURL)
	for name, pair := range map[string][2]float64{
		"reconnects_total":        {testutil.ToFloat64(metrics.reconnects.WithLabelValues(fs.URL)), float64(fs.Reconnects)},
		"backfilled_klines_total": {testutil.ToFloat64(metrics.backfilled.WithLabelValues(fs.URL)), float64(fs.Backfilled)},
		"messages_total":          {testutil.ToFloat64(metrics.messages.WithLabelValues(fs.URL)), float64(fs.Messages)},
		"connections":             {testutil.ToFloat64(metrics.connections.WithLabelValues(fs.URL)), 1},
		"streams":                 {testutil.ToFloat64(metrics.streams.WithLabelValues(fs.URL)), 2},
		"subscribers":             {testutil.ToFloat64(metrics.subscribers.WithLabelValues(fs.URL)), 1},
	} {
		if pair[0] != pair[1] {
			t.Errorf("metric %s = %v, want %v", name, pair[0], pair[1])
		}
	}
}

func TestBackfillDisabledReportsGap(t *testing.T) {
	e := newSimEnv(t, nil)
	gate := &gatedDial{}
	h := testHub(t, func(o *Options) { o.Dial = gate.dial })
	const stream = "btcusdt@kline_1m"
	sub, err := h.Subscribe(e.wsURL, []string{stream}, SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := collect(sub)
	connected := func() bool { fs, _ := h.FeedStats(e.wsURL); return fs.Connections == 1 && e.wsStats().Streams == 1 }
	eventually(t, "the connection", connected)
	e.step(90, time.Second)
	waitClosedUpTo(t, e, c, stream, "1m")
	before := c.closedKlines(stream)
	lastBefore := before[len(before)-1].Kline.OpenTime

	gate.closed.Store(true)
	e.fault(map[string]any{"dropWebsockets": true})
	eventually(t, "the drop", func() bool { fs, _ := h.FeedStats(e.wsURL); return fs.Connections == 0 })
	e.step(240, time.Second)
	gate.closed.Store(false)
	eventually(t, "the reconnect", connected)
	e.step(90, time.Second)
	waitClosedUpTo(t, e, c, stream, "1m")

	gaps := c.gaps()
	if len(gaps) != 1 {
		t.Fatalf("%d gap markers, want 1", len(gaps))
	}
	g := gaps[0].Gap
	if g.Reason != GapBackfillFailed || !g.From.Equal(lastBefore.Add(time.Minute)) || !g.To.After(g.From.Add(3*time.Minute)) {
		t.Fatalf("gap %+v after the kline opening %s", g, lastBefore.Format(time.TimeOnly))
	}
	// Around the gap the klines are still in order and without repeats.
	closed := c.closedKlines(stream)
	for i := 1; i < len(closed); i++ {
		prev, cur := closed[i-1].Kline.OpenTime, closed[i].Kline.OpenTime
		if !cur.After(prev) || (cur.Sub(prev) != time.Minute && !(prev.Equal(lastBefore) && cur.Equal(g.To))) {
			t.Fatalf("kline %s after %s", cur.Format(time.TimeOnly), prev.Format(time.TimeOnly))
		}
	}
}

// The hub answers the server's pings while no data flows, and counts them as
// signs of life: with pings every 300ms (pongs count against the five
// incoming messages a second), a 1s pong timeout at the server and a 1s idle
// timeout at the hub, either side would end the connection within a few
// pings if they were not answered or not seen.
func TestPingsKeepAQuietConnection(t *testing.T) {
	e := newSimEnv(t, func(c *exchangesim.Config) {
		c.WSPingInterval, c.WSPongTimeout = 300*time.Millisecond, time.Second
	})
	h := testHub(t, func(o *Options) { o.IdleTimeout = time.Second; o.StaleAfter = time.Hour })
	sub, err := h.Subscribe(e.wsURL, []string{"btcusdt@kline_1m"}, SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	eventually(t, "the connection", func() bool { fs, _ := h.FeedStats(e.wsURL); return fs.Connections == 1 })
	h.mu.Lock()
	f := h.feeds[e.wsURL]
	h.mu.Unlock()
	eventually(t, "12 pings", func() bool { return f.pings.Load() >= 12 })
	fs, _ := h.FeedStats(e.wsURL)
	if fs.Reconnects != 0 || fs.Connections != 1 || fs.Messages != 0 || e.wsStats().Connections != 1 {
		t.Fatalf("a quiet connection did not survive its pings: %+v", fs)
	}
}

package marketdata

import (
	"testing"
	"time"
)

// A subscriber that never reads loses only its own queued events, with a
// gap marker saying so; the fast subscriber of the same streams gets
// everything.
func TestSlowSubscriberDoesNotStallOthers(t *testing.T) {
	e := newSimEnv(t, nil)
	h := testHub(t, nil)
	streams := []string{"btcusdt@kline_1m", "btcusdt@ticker", "btcusdt@trade"}
	const slowBuffer = 8
	slow, err := h.Subscribe(e.wsURL, streams, SubscribeOptions{Buffer: slowBuffer})
	if err != nil {
		t.Fatal(err)
	}
	fastSub, err := h.Subscribe(e.wsURL, streams, SubscribeOptions{Buffer: 1 << 16})
	if err != nil {
		t.Fatal(err)
	}
	fast := collect(fastSub)
	eventually(t, "the connection", func() bool { return e.wsStats().Streams == 3 })
	e.step(300, time.Second)
	waitClosedUpTo(t, e, fast, streams[0], "1m")

	checkKlinesMatchREST(t, e, "BTCUSDT", "1m", fast.closedKlines(streams[0]))
	checkTradesConsecutive(t, fast, streams[2])
	if g := fast.gaps(); len(g) != 0 {
		t.Fatalf("the fast subscriber got gap markers: %+v", g[0].Gap)
	}

	// Once the last messages are in, nothing more can be dropped.
	eventually(t, "every message sent to be decoded", func() bool {
		fs, _ := h.FeedStats(e.wsURL)
		return fs.Messages == e.wsStats().MessagesSent
	})
	st := slow.Stats()
	if st.Dropped == 0 || st.Conflated == 0 || st.Gaps == 0 || st.Delivered != 0 {
		t.Fatalf("slow subscriber stats %+v", st)
	}
	if bound := 2*slowBuffer + 3*len(streams); st.Pending > bound {
		t.Fatalf("%d events pending, more than the bound %d", st.Pending, bound)
	}

	// Draining shows what was kept, in order, and the loss.
	drained := collect(slow)
	eventually(t, "the slow subscriber to drain", func() bool { return slow.Stats().Pending == 0 })
	var dropped int64
	tickers := 0
	for _, ev := range drained.snapshot() {
		switch {
		case ev.Kind == KindGap:
			if ev.Gap.Reason != GapOverflow || ev.Gap.Dropped == 0 || ev.Gap.To.Before(ev.Gap.From) {
				t.Fatalf("gap %+v", ev.Gap)
			}
			dropped += ev.Gap.Dropped
		case ev.Stream == streams[1]:
			tickers++
		}
	}
	if dropped != st.Dropped {
		t.Fatalf("gap markers report %d dropped events, stats %d", dropped, st.Dropped)
	}
	if tickers == 0 || tickers > 2 {
		t.Fatalf("%d tickers waited for the slow subscriber; conflation keeps one (two if sealed)", tickers)
	}
	fastSub.Close()
	slow.Close()
}

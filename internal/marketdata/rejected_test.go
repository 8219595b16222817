package marketdata

import (
	"testing"
	"time"
)

// A stream the exchange refuses (a symbol it does not list) is isolated and
// reported; the streams sharing its connection are unaffected.
func TestRefusedStreamIsIsolated(t *testing.T) {
	e := newSimEnv(t, nil)
	h := testHub(t, nil)
	const bad = "fooxusdt@trade"
	good := []string{"btcusdt@kline_1m", "ethusdt@ticker", "bnbusdt@bookTicker"}
	first, err := h.Subscribe(e.wsURL, append([]string{bad}, good...), SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := collect(first)
	eventually(t, "the good streams to flow and the bad one to be rejected", func() bool {
		e.step(1, time.Second)
		fs, _ := h.FeedStats(e.wsURL)
		for _, s := range good {
			if c.count(func(ev Event) bool { return ev.Stream == s }) == 0 {
				return false
			}
		}
		return fs.Rejected == 1 && e.wsStats().Streams == len(good)
	})
	rejected := func(c *collector) int {
		return c.count(func(ev Event) bool { return ev.Kind == KindGap && ev.Gap.Reason == GapRejected && ev.Stream == bad })
	}
	if n := rejected(c); n != 1 {
		t.Fatalf("%d Rejected gaps, want 1", n)
	}
	if st := first.Stats(); st.Rejected != 1 || st.Streams != 4 {
		t.Fatalf("subscription stats %+v", st)
	}

	// A later subscriber of the refused stream is told at once.
	second, err := h.Subscribe(e.wsURL, []string{bad}, SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c2 := collect(second)
	eventually(t, "the second subscriber to be told", func() bool { return rejected(c2) == 1 })

	// Another refused stream added to the live connection is isolated too.
	third, err := h.Subscribe(e.wsURL, []string{"barxusdt@kline_1m", "solusdt@kline_1m"}, SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c3 := collect(third)
	eventually(t, "solusdt to flow and barxusdt to be rejected", func() bool {
		e.step(1, time.Second)
		fs, _ := h.FeedStats(e.wsURL)
		return fs.Rejected == 2 && c3.count(func(ev Event) bool { return ev.Stream == "solusdt@kline_1m" }) > 0
	})

	// Reconnecting leaves the refused streams out.
	e.fault(map[string]any{"dropWebsockets": true})
	eventually(t, "the reconnect", func() bool {
		fs, _ := h.FeedStats(e.wsURL)
		return fs.Reconnects == 1 && fs.Connections == 1 && e.wsStats().Streams == len(good)+1
	})
	if fs, _ := h.FeedStats(e.wsURL); fs.Rejected != 2 || fs.Stale != 0 {
		t.Fatalf("FeedStats = %+v", fs)
	}
	if n := rejected(c); n != 1 {
		t.Fatalf("%d Rejected gaps after the reconnect, want still 1", n)
	}
	first.Close()
	second.Close()
	third.Close()
}

package marketdata

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The simulator closes a connection that sends more than five messages a
// second, as Binance does: a client that sends one SUBSCRIBE per stream is
// cut off.
func TestNaiveSubscribingIsCutOff(t *testing.T) {
	e := newSimEnv(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, e.wsURL+"/stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	for i, name := range klineStreams(30) {
		msg := fmt.Sprintf(`{"method":"SUBSCRIBE","params":["%s"],"id":%d}`, name, i+1)
		if err := ws.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			break // already closed
		}
	}
	for {
		if _, _, err := ws.Read(ctx); err != nil {
			if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
				t.Fatalf("closed with %v, want a policy violation", err)
			}
			return
		}
	}
}

// klineStreams returns n distinct kline streams of the simulator's symbols.
func klineStreams(n int) []string {
	var out []string
	for _, iv := range []string{"1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h"} {
		for _, sym := range []string{"btcusdt", "ethusdt", "bnbusdt", "solusdt", "xrpusdt", "adausdt", "dogeusdt", "ltcusdt"} {
			if len(out) == n {
				return out
			}
			out = append(out, KlineStream(sym, iv))
		}
	}
	return out
}

// Subscriptions changing faster than five a second are batched and paced,
// so the connection survives and ends with exactly the wanted streams.
func TestSubscriptionChurnIsPaced(t *testing.T) {
	e := newSimEnv(t, nil)
	reg := prometheus.NewRegistry()
	metrics, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	h := testHub(t, func(o *Options) { o.Metrics = metrics })
	names := klineStreams(31)
	keep, err := h.Subscribe(e.wsURL, names[:1], SubscribeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer keep.Close()
	eventually(t, "the connection", func() bool { return e.wsStats().Streams == 1 })

	// 30 streams subscribed at once, then each replaced one by one.
	var subs []*Subscription
	for _, name := range names[1:] {
		sub, err := h.Subscribe(e.wsURL, []string{name}, SubscribeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	replacements := klineStreams(31 + 30)[31:]
	for i, name := range replacements {
		sub, err := h.Subscribe(e.wsURL, []string{name}, SubscribeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		subs[i].Close()
		subs[i] = sub
		time.Sleep(20 * time.Millisecond)
	}
	eventually(t, "the simulator to carry the 31 wanted streams", func() bool {
		ws := e.wsStats()
		return ws.Streams == 31 && ws.Connections == 1
	})
	fs, _ := h.FeedStats(e.wsURL)
	if fs.Reconnects != 0 || fs.Streams != 31 || fs.Connections != 1 {
		t.Fatalf("FeedStats = %+v", fs)
	}
	controls := testutil.ToFloat64(metrics.controls.WithLabelValues(fs.URL))
	if controls < 3 || controls > 40 {
		t.Fatalf("%v control messages for 90 changes: want them batched, but paced over several", controls)
	}
	if got := testutil.ToFloat64(metrics.streams.WithLabelValues(fs.URL)); got != 31 {
		t.Fatalf("streams gauge %v", got)
	}
	for _, sub := range subs {
		sub.Close()
	}
	if _, err := NewMetrics(reg); err == nil {
		t.Fatal("registering the collectors twice succeeded")
	}
}

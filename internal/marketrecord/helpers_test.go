package marketrecord

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/streams"
	"github.com/tradebot-operator/tradebot-operator/internal/marketdata"
	"github.com/tradebot-operator/tradebot-operator/internal/recording"
	"github.com/tradebot-operator/tradebot-operator/internal/recording/influxtest"
)

// waitLimit only guards against a hung test; no assertion depends on it.
const waitLimit = 60 * time.Second

// env is the simulator's stream server on loopback, a running hub in
// front of it, a real influxd and a sink writing to it, all stopped when
// the test ends (the sink last, after delivering everything).
type env struct {
	srv    *streams.Server
	url    string // the stream URL
	hub    *marketdata.Hub
	influx *influxtest.Server
	sink   *recording.Sink
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{influx: influxtest.Start(t, influxtest.Options{})}
	sink, err := recording.NewSink(recording.SinkOptions{URL: e.influx.URL})
	if err != nil {
		t.Fatal(err)
	}
	e.sink = sink
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if lost, err := sink.Close(ctx); err != nil || lost != 0 {
			t.Errorf("closing the sink: %d points lost, %v", lost, err)
		}
	})
	e.srv = streams.New(streams.Config{SendBuffer: 1 << 16})
	hs := httptest.NewServer(e.srv)
	t.Cleanup(func() { hs.Close(); e.srv.Close() })
	e.url = "ws" + strings.TrimPrefix(hs.URL, "http")
	e.hub = marketdata.NewHub(marketdata.Options{})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.hub.Start(ctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("hub: %v", err)
		}
	})
	return e
}

// endpoint is the tag of the env's stream endpoint.
func (e *env) endpoint() string { return strings.TrimPrefix(e.url, "ws://") }

// waitSubscribed waits until the server has a subscriber of stream.
func (e *env) waitSubscribed(t testing.TB, stream string) {
	t.Helper()
	eventually(t, "the hub subscribing "+stream, func() bool { return e.srv.Subscribed(stream) })
}

// publishTrades sends n trades of symbol, ids from firstID on, all at the
// millisecond ms, as Binance's trade stream spells them.
func (e *env) publishTrades(symbol string, firstID int64, n int, ms int64) {
	stream := strings.ToLower(symbol) + "@trade"
	for i := range int64(n) {
		e.srv.Publish(stream, fmt.Appendf(nil,
			`{"e":"trade","E":%d,"s":"%s","t":%d,"p":"%d.5","q":"0.001","T":%d,"m":%t,"M":true}`,
			ms, symbol, firstID+i, 65000+i%100, ms, i%2 == 0))
	}
}

func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func flushSink(t testing.TB, e *env) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := e.sink.Flush(ctx); err != nil {
		t.Fatalf("flush: %v", err)
	}
}

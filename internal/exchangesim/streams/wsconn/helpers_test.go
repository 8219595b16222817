package wsconn

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tradebot-operator/tradebot-operator/internal/clock"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/internal/wstest"
)

// waitLimit only guards against a hung test; no assertion depends on it.
const waitLimit = wstest.WaitLimit

// newFakeClock is a manual clock at this package's test start time.
func newFakeClock() *clock.Fake { return clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) }

// testServer accepts connections with opts, echoes every message back through
// Send, and hands each Conn to the test.
type testServer struct {
	*httptest.Server
	conns chan *Conn
	wg    sync.WaitGroup
}

func newTestServer(t *testing.T, opts Options) *testServer {
	t.Helper()
	ts := &testServer{conns: make(chan *Conn, 16)}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Accept(w, r, opts)
		if err != nil {
			return
		}
		ts.wg.Add(1)
		defer ts.wg.Done()
		ts.conns <- c
		c.Serve(func(msg []byte) { c.Send(msg) })
	}))
	t.Cleanup(func() {
		ts.Server.Close()
		ts.wg.Wait()
	})
	return ts
}

func (ts *testServer) url() string { return "ws" + strings.TrimPrefix(ts.URL, "http") }

func (ts *testServer) dial(t *testing.T, opts *websocket.DialOptions) (*websocket.Conn, *Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	client, _, err := websocket.Dial(ctx, ts.url(), opts)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = client.CloseNow() })
	select {
	case c := <-ts.conns:
		return client, c
	case <-time.After(waitLimit):
		t.Fatal("server never accepted the connection")
		return nil, nil
	}
}

func waitDone(t *testing.T, c *Conn) {
	t.Helper()
	select {
	case <-c.Done():
	case <-time.After(waitLimit):
		t.Fatal("connection did not end")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) { t.Helper(); wstest.WaitFor(t, what, cond) }
func readText(t *testing.T, c *websocket.Conn) string     { t.Helper(); return wstest.Read(t, c) }
func readUntilError(t *testing.T, c *websocket.Conn) error {
	t.Helper()
	return wstest.ReadUntilError(t, c)
}

package streams

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tradebot-operator/tradebot-operator/internal/clock"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/internal/wstest"
)

// waitLimit only guards against a hung test; no assertion depends on it.
const waitLimit = wstest.WaitLimit

// newFakeClock is a manual clock at this package's test start time.
func newFakeClock() *clock.Fake { return clock.NewFake(time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)) }

// testEnv is a Server behind a real HTTP server.
type testEnv struct {
	srv  *Server
	http *httptest.Server
}

func newEnv(t testing.TB, cfg Config) *testEnv {
	t.Helper()
	if cfg.Symbols == nil {
		cfg.Symbols = []string{"BTCUSDT", "ETHUSDT"}
	}
	srv := New(cfg)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})
	return &testEnv{srv: srv, http: hs}
}

func (e *testEnv) url(path string) string {
	return "ws" + strings.TrimPrefix(e.http.URL, "http") + path
}

func (e *testEnv) dialOpts(t *testing.T, path string, opts *websocket.DialOptions) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, _, err := websocket.Dial(ctx, e.url(path), opts)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func (e *testEnv) dial(t *testing.T, path string) *websocket.Conn {
	t.Helper()
	return e.dialOpts(t, path, nil)
}

// dialStatus dials and returns the HTTP status of a refused upgrade.
func (e *testEnv) dialStatus(t *testing.T, path string) *http.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, e.url(path), nil)
	if err == nil {
		_ = c.CloseNow()
		t.Fatalf("dial %s succeeded, want a refusal", path)
	}
	if resp == nil {
		t.Fatalf("dial %s: no HTTP response: %v", path, err)
	}
	return resp
}

// request sends a control message and returns the reply.
func request(t *testing.T, c *websocket.Conn, msg string) string {
	t.Helper()
	send(t, c, msg)
	return readMsg(t, c)
}

func waitFor(t *testing.T, what string, cond func() bool) { t.Helper(); wstest.WaitFor(t, what, cond) }
func readMsg(t *testing.T, c *websocket.Conn) string      { t.Helper(); return wstest.Read(t, c) }
func send(t *testing.T, c *websocket.Conn, msg string)    { t.Helper(); wstest.Send(t, c, msg) }
func readUntilError(t *testing.T, c *websocket.Conn) error {
	t.Helper()
	return wstest.ReadUntilError(t, c)
}

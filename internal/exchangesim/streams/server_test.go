package streams

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestRawStreamFromPath(t *testing.T) {
	env := newEnv(t, Config{})
	c := env.dial(t, "/ws/btcusdt@trade/ethusdt@ticker")
	waitFor(t, "subscriptions", func() bool { return env.srv.Subscribed("ethusdt@ticker") })

	env.srv.Publish("btcusdt@trade", []byte(`{"e":"trade"}`))
	env.srv.Publish("btcusdt@ticker", []byte(`{"e":"not subscribed"}`))
	env.srv.Publish("ethusdt@ticker", []byte(`{"e":"24hrTicker"}`))
	for _, want := range []string{`{"e":"trade"}`, `{"e":"24hrTicker"}`} {
		if got := readMsg(t, c); got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	}
}

func TestCombinedStreamFromQuery(t *testing.T) {
	env := newEnv(t, Config{})
	c := env.dial(t, "/stream?streams=btcusdt@kline_1m/ethusdt@bookTicker")
	waitFor(t, "subscriptions", func() bool { return env.srv.Subscribed("ethusdt@bookTicker") })

	data := []byte(`{"u":1}`)
	env.srv.Publish("ethusdt@bookTicker", data)
	copy(data, "XXXXXXX") // Publish copied the event
	if got, want := readMsg(t, c), `{"stream":"ethusdt@bookTicker","data":{"u":1}}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestSubscribeUnsubscribeOverTheWire(t *testing.T) {
	env := newEnv(t, Config{})
	c := env.dial(t, "/ws")
	if got := request(t, c, `{"method":"SUBSCRIBE","params":["btcusdt@aggTrade","btcusdt@miniTicker"],"id":1}`); got != `{"result":null,"id":1}` {
		t.Fatalf("subscribe reply %s", got)
	}
	env.srv.Publish("btcusdt@aggTrade", []byte(`{"a":1}`))
	if got := readMsg(t, c); got != `{"a":1}` {
		t.Fatalf("event %s", got)
	}
	if got := request(t, c, `{"method":"UNSUBSCRIBE","params":["btcusdt@aggTrade"],"id":2}`); got != `{"result":null,"id":2}` {
		t.Fatalf("unsubscribe reply %s", got)
	}
	env.srv.Publish("btcusdt@aggTrade", []byte(`{"a":2}`))
	env.srv.Publish("btcusdt@miniTicker", []byte(`{"m":3}`))
	if got := readMsg(t, c); got != `{"m":3}` {
		t.Fatalf("after unsubscribe got %s, want only the miniTicker event", got)
	}
	if got := request(t, c, `{"method":"LIST_SUBSCRIPTIONS","id":3}`); got != `{"result":["btcusdt@miniTicker"],"id":3}` {
		t.Fatalf("list reply %s", got)
	}
}

func TestSetPropertyCombinedSwitchesWrapping(t *testing.T) {
	env := newEnv(t, Config{})
	c := env.dial(t, "/ws/btcusdt@trade")
	if got := request(t, c, `{"method":"GET_PROPERTY","params":["combined"],"id":1}`); got != `{"result":false,"id":1}` {
		t.Fatalf("raw connection reports %s", got)
	}
	if got := request(t, c, `{"method":"SET_PROPERTY","params":["combined",true],"id":2}`); got != `{"result":null,"id":2}` {
		t.Fatalf("set reply %s", got)
	}
	env.srv.Publish("btcusdt@trade", []byte(`{"t":1}`))
	if got, want := readMsg(t, c), `{"stream":"btcusdt@trade","data":{"t":1}}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestRefusedUpgrades(t *testing.T) {
	env := newEnv(t, Config{MaxStreamsPerConn: 2})
	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/ws/btcusdt@trade/dogeusdt@trade", http.StatusBadRequest, `{"code":2,"msg":"Invalid request: invalid stream"}`},
		{"/ws/BTCUSDT@trade", http.StatusBadRequest, `{"code":2,"msg":"Invalid request: invalid stream"}`},
		{"/ws/btcusdt@trade/", http.StatusBadRequest, `{"code":2,"msg":"Invalid request: invalid stream"}`},
		{"/stream?streams=btcusdt@depth", http.StatusBadRequest, `{"code":2,"msg":"Invalid request: invalid stream"}`},
		{"/stream?streams=btcusdt@trade/btcusdt@ticker/btcusdt@aggTrade", http.StatusBadRequest, `{"code":2,"msg":"Invalid request: too many streams"}`},
		{"/other", http.StatusNotFound, "404 page not found\n"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp := env.dialStatus(t, tt.path)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || string(body) != tt.body {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, body, tt.status, tt.body)
			}
		})
	}
	// Duplicates count once.
	c := env.dial(t, "/stream?streams=btcusdt@trade/btcusdt@trade/btcusdt@ticker")
	if got := request(t, c, `{"method":"LIST_SUBSCRIPTIONS","id":1}`); got != `{"result":["btcusdt@trade","btcusdt@ticker"],"id":1}` {
		t.Fatalf("list %s", got)
	}
}

func TestMaxStreamsPerConnection(t *testing.T) {
	env := newEnv(t, Config{MaxStreamsPerConn: 2})
	c := env.dial(t, "/ws/btcusdt@trade")
	if got := request(t, c, `{"method":"SUBSCRIBE","params":["ethusdt@trade"],"id":1}`); got != `{"result":null,"id":1}` {
		t.Fatalf("second stream refused: %s", got)
	}
	if got := request(t, c, `{"method":"SUBSCRIBE","params":["ethusdt@ticker"],"id":2}`); got != `{"error":{"code":2,"msg":"Invalid request: too many streams"},"id":2}` {
		t.Fatalf("third stream: %s", got)
	}
}

func TestConnectionAttemptsPerIP(t *testing.T) {
	clock := newFakeClock()
	env := newEnv(t, Config{MaxConnAttempts: 2, ConnAttemptWindow: time.Minute, Now: clock.Now})
	env.dial(t, "/ws")
	clock.Advance(20 * time.Second)
	env.dial(t, "/ws")
	resp := env.dialStatus(t, "/ws")
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "40" {
		t.Fatalf("third attempt: %d Retry-After %q, want 429 and 40", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	clock.Advance(40 * time.Second)
	env.dial(t, "/ws") // the first attempt has left the window
}

func TestPingsKeepClientsThatAnswer(t *testing.T) {
	env := newEnv(t, Config{PingInterval: 5 * time.Millisecond, PongTimeout: time.Minute, MaxIncomingPerSec: 1000})
	pings := make(chan struct{}, 16)
	c := env.dialOpts(t, "/ws/btcusdt@trade", &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool {
			select {
			case pings <- struct{}{}:
			default:
			}
			return true
		},
	})
	readCtx := c.CloseRead(context.Background()) // reading is what answers pings
	for i := range 3 {
		select {
		case <-pings:
		case <-readCtx.Done():
			t.Fatalf("closed after %d pings", i)
		case <-time.After(waitLimit):
			t.Fatalf("only %d pings", i)
		}
	}
	if n := env.srv.Stats().Connections; n != 1 {
		t.Fatalf("connections = %d, want 1", n)
	}
}

func TestNoPongWithinTimeoutCloses(t *testing.T) {
	env := newEnv(t, Config{PingInterval: 5 * time.Millisecond, PongTimeout: 20 * time.Millisecond})
	c := env.dialOpts(t, "/ws/btcusdt@trade", &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool { return false },
	})
	waitFor(t, "connection", func() bool { return env.srv.Stats().Connections == 1 })
	waitFor(t, "disconnect", func() bool { return env.srv.Stats().Connections == 0 })
	if err := readUntilError(t, c); err == nil {
		t.Fatal("client still connected")
	}
}

func TestTooManyIncomingMessagesCloses(t *testing.T) {
	clock := newFakeClock() // frozen, so all messages fall in one second
	env := newEnv(t, Config{MaxIncomingPerSec: 5, Now: clock.Now})
	c := env.dial(t, "/ws")
	for i := range 5 {
		if got := request(t, c, fmt.Sprintf(`{"method":"LIST_SUBSCRIPTIONS","id":%d}`, i)); got != fmt.Sprintf(`{"result":[],"id":%d}`, i) {
			t.Fatalf("reply %d: %s", i, got)
		}
	}
	send(t, c, `{"method":"LIST_SUBSCRIPTIONS","id":6}`)
	err := readUntilError(t, c)
	if got := websocket.CloseStatus(err); got != websocket.StatusPolicyViolation {
		t.Fatalf("close status %v (%v), want policy violation", got, err)
	}
}

func TestMaxLifetimeSendsServerShutdown(t *testing.T) {
	clock := newFakeClock()
	env := newEnv(t, Config{MaxLifetime: 20 * time.Millisecond, Now: clock.Now})
	ms := clock.Now().UnixMilli()
	tests := []struct{ path, want string }{
		{"/ws/btcusdt@trade", fmt.Sprintf(`{"e":"serverShutdown","E":%d}`, ms)},
		{"/stream?streams=btcusdt@trade", fmt.Sprintf(`{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":%d}}`, ms)},
	}
	for _, tt := range tests {
		c := env.dial(t, tt.path)
		if got := readMsg(t, c); got != tt.want {
			t.Fatalf("%s: got %s, want %s", tt.path, got, tt.want)
		}
		if got := websocket.CloseStatus(readUntilError(t, c)); got != websocket.StatusGoingAway {
			t.Fatalf("%s: close status %v, want going away", tt.path, got)
		}
	}
}

func TestSlowSubscriberIsDroppedOthersKeepUp(t *testing.T) {
	env := newEnv(t, Config{SendBuffer: 4})
	slow := env.dial(t, "/ws/btcusdt@trade")
	_ = slow // never reads
	fast := env.dial(t, "/ws/btcusdt@trade")
	fast.SetReadLimit(1 << 20)
	waitFor(t, "subscriptions", func() bool {
		st := env.srv.Stats()
		return st.Connections == 2 && st.Streams == 1
	})
	waitFor(t, "both subscribed", func() bool {
		env.srv.mu.RLock()
		defer env.srv.mu.RUnlock()
		return len(env.srv.topics["btcusdt@trade"]) == 2
	})

	payload := `{"p":"` + strings.Repeat("x", 64<<10) + `","n":%d}`
	for i := 0; ; i++ {
		if i == 5000 {
			t.Fatal("the slow subscriber was never dropped")
		}
		env.srv.Publish("btcusdt@trade", fmt.Appendf(nil, payload, i))
		var got struct{ N int }
		if err := json.Unmarshal([]byte(readMsg(t, fast)), &got); err != nil || got.N != i {
			t.Fatalf("fast subscriber got message %d (%v), want %d", got.N, err, i)
		}
		if env.srv.Stats().Connections == 1 {
			break // the slow one is gone; the fast one received everything
		}
	}
}

func TestStalledSendsNoDataButAnswers(t *testing.T) {
	env := newEnv(t, Config{PingInterval: 5 * time.Millisecond, PongTimeout: time.Minute, MaxIncomingPerSec: 1000})
	pings := make(chan struct{}, 1)
	c := env.dialOpts(t, "/ws/btcusdt@trade", &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool {
			select {
			case pings <- struct{}{}:
			default:
			}
			return true
		},
	})
	waitFor(t, "subscription", func() bool { return env.srv.Subscribed("btcusdt@trade") })
	env.srv.SetStalled(true)
	env.srv.Publish("btcusdt@trade", []byte(`{"during":"stall"}`))
	// Had the event been sent, it would arrive before this reply.
	if got := request(t, c, `{"method":"LIST_SUBSCRIPTIONS","id":1}`); got != `{"result":["btcusdt@trade"],"id":1}` {
		t.Fatalf("first message during the stall: %s", got)
	}

	// A pending read answers pings; the connection must stay up and quiet.
	type result struct {
		msg string
		err error
	}
	read := make(chan result, 1)
	go func() {
		_, msg, err := c.Read(context.Background())
		read <- result{string(msg), err}
	}()
	for range 2 { // the first may have been queued before the stall
		select {
		case <-pings:
		case r := <-read:
			t.Fatalf("during the stall: %q %v", r.msg, r.err)
		case <-time.After(waitLimit):
			t.Fatal("no ping during the stall")
		}
	}
	env.srv.SetStalled(false)
	env.srv.Publish("btcusdt@trade", []byte(`{"after":"stall"}`))
	select {
	case r := <-read:
		if r.err != nil || r.msg != `{"after":"stall"}` {
			t.Fatalf("after the stall: %q %v", r.msg, r.err)
		}
	case <-time.After(waitLimit):
		t.Fatal("nothing after the stall")
	}
}

func TestDropAllClosesEveryConnection(t *testing.T) {
	env := newEnv(t, Config{})
	a := env.dial(t, "/ws/btcusdt@trade")
	b := env.dial(t, "/stream?streams=ethusdt@trade")
	waitFor(t, "connections", func() bool { return env.srv.Stats().Connections == 2 })
	env.srv.DropAll()
	for _, c := range []*websocket.Conn{a, b} {
		if err := readUntilError(t, c); err == nil {
			t.Fatal("connection survived DropAll")
		}
	}
	waitFor(t, "cleanup", func() bool { s := env.srv.Stats(); return s.Connections == 0 && s.Streams == 0 })
	c := env.dial(t, "/ws")
	if got := request(t, c, `{"method":"LIST_SUBSCRIPTIONS","id":1}`); got != `{"result":[],"id":1}` {
		t.Fatalf("new connection after DropAll: %s", got)
	}
}

func TestStatsCountConnectionsStreamsMessages(t *testing.T) {
	env := newEnv(t, Config{})
	a := env.dial(t, "/ws/btcusdt@trade/btcusdt@ticker")
	b := env.dial(t, "/ws/btcusdt@trade")
	waitFor(t, "subscriptions", func() bool { return env.srv.Stats().Connections == 2 && env.srv.Stats().Streams == 2 })
	waitFor(t, "both on trade", func() bool {
		env.srv.mu.RLock()
		defer env.srv.mu.RUnlock()
		return len(env.srv.topics["btcusdt@trade"]) == 2
	})
	env.srv.Publish("btcusdt@trade", []byte(`{}`))
	readMsg(t, a)
	readMsg(t, b)
	// The counter moves just after the socket write, so it may trail the read.
	waitFor(t, "sent counter", func() bool { return env.srv.Stats().MessagesSent >= 2 })
	if got := env.srv.Stats(); got != (Stats{Connections: 2, Streams: 2, MessagesSent: 2}) {
		t.Fatalf("stats %+v", got)
	}
}

func TestCloseRefusesNewConnections(t *testing.T) {
	env := newEnv(t, Config{})
	c := env.dial(t, "/ws/btcusdt@trade")
	env.srv.Close()
	if err := readUntilError(t, c); err == nil {
		t.Fatal("connection survived Close")
	}
	resp := env.dialStatus(t, "/ws")
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("after Close: %d, want 503", resp.StatusCode)
	}
}

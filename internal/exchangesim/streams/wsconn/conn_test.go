package wsconn

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestSendDeliversEveryMessageInOrder(t *testing.T) {
	const n = 5000
	var sent atomic.Int64
	// The queue holds all n: whether the writer drains some of them while
	// they are queued depends on scheduling, which is not under test here.
	ts := newTestServer(t, Options{Sent: &sent, SendBuffer: n})
	client, conn := ts.dial(t, nil)

	for i := range n {
		if !conn.Send(fmt.Appendf(nil, "m%d", i)) {
			t.Fatalf("Send %d refused", i)
		}
	}
	for i := range n {
		if got, want := readText(t, client), fmt.Sprintf("m%d", i); got != want {
			t.Fatalf("message %d: got %q, want %q", i, got, want)
		}
	}
	// The counter moves just after the socket write, so it may trail the read.
	waitFor(t, "sent counter", func() bool { return sent.Load() >= n })
	if got := sent.Load(); got != n {
		t.Fatalf("Sent counter = %d, want %d", got, n)
	}
}

func TestHandleSeesClientMessagesInOrder(t *testing.T) {
	ts := newTestServer(t, Options{})
	client, _ := ts.dial(t, nil)
	ctx := context.Background()
	for _, m := range []string{"a", "b", "c"} {
		if err := client.Write(ctx, websocket.MessageText, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"a", "b", "c"} {
		if got := readText(t, client); got != want {
			t.Fatalf("echo: got %q, want %q", got, want)
		}
	}
}

func TestPingsContinueWhileClientAnswers(t *testing.T) {
	ts := newTestServer(t, Options{PingInterval: 5 * time.Millisecond, PongTimeout: time.Minute})
	pings := make(chan struct{}, 100)
	client, conn := ts.dial(t, &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool {
			select {
			case pings <- struct{}{}:
			default:
			}
			return true
		},
	})
	// coder/websocket answers pings only while a read is in progress.
	readCtx := client.CloseRead(context.Background())
	for i := range 3 {
		select {
		case <-pings:
		case <-readCtx.Done():
			t.Fatalf("connection closed after %d pings", i)
		case <-time.After(waitLimit):
			t.Fatalf("got only %d pings", i)
		}
	}
	select {
	case <-conn.Done():
		t.Fatal("server ended a connection whose client answers pings")
	default:
	}
}

func TestNoPongClosesConnection(t *testing.T) {
	ts := newTestServer(t, Options{PingInterval: 5 * time.Millisecond, PongTimeout: 20 * time.Millisecond})
	pinged := make(chan struct{}, 1)
	client, conn := ts.dial(t, &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool {
			select {
			case pinged <- struct{}{}:
			default:
			}
			return false // never answer
		},
	})
	readCtx := client.CloseRead(context.Background())
	waitDone(t, conn)
	select {
	case <-pinged:
	default:
		t.Fatal("connection ended without a ping")
	}
	select {
	case <-readCtx.Done(): // the client sees the connection go away
	case <-time.After(waitLimit):
		t.Fatal("client never saw the close")
	}
}

func TestMaxLifetimeSendsFarewellThenCloses(t *testing.T) {
	clock := newFakeClock()
	ts := newTestServer(t, Options{
		MaxLifetime: 20 * time.Millisecond,
		Now:         clock.Now,
		Farewell: func(now time.Time) []byte {
			return fmt.Appendf(nil, `{"e":"serverShutdown","E":%d}`, now.UnixMilli())
		},
	})
	client, _ := ts.dial(t, nil)
	want := fmt.Sprintf(`{"e":"serverShutdown","E":%d}`, clock.Now().UnixMilli())
	if got := readText(t, client); got != want {
		t.Fatalf("farewell: got %s, want %s", got, want)
	}
	err := readUntilError(t, client)
	if got := websocket.CloseStatus(err); got != websocket.StatusGoingAway {
		t.Fatalf("close status %v (%v), want %v", got, err, websocket.StatusGoingAway)
	}
}

func TestIncomingMessagesOverLimitCloseConnection(t *testing.T) {
	clock := newFakeClock() // frozen: every message falls in one second
	ts := newTestServer(t, Options{MaxIncomingPerSec: 3, Now: clock.Now})
	client, conn := ts.dial(t, nil)
	ctx := context.Background()
	for i := range 3 {
		if err := client.Write(ctx, websocket.MessageText, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if got := readText(t, client); got != "x" {
			t.Fatalf("echo %d: %q", i, got)
		}
	}
	clock.Advance(time.Second) // a new window: three more are fine
	for range 3 {
		if err := client.Write(ctx, websocket.MessageText, []byte("y")); err != nil {
			t.Fatal(err)
		}
		readText(t, client)
	}
	select {
	case <-conn.Done():
		t.Fatal("closed within the limit")
	default:
	}
	if err := client.Write(ctx, websocket.MessageText, []byte("z")); err != nil {
		t.Fatal(err)
	}
	err := readUntilError(t, client)
	if got := websocket.CloseStatus(err); got != websocket.StatusPolicyViolation {
		t.Fatalf("close status %v (%v), want policy violation", got, err)
	}
}

func TestPingFramesCountTowardIncomingLimit(t *testing.T) {
	clock := newFakeClock()
	ts := newTestServer(t, Options{MaxIncomingPerSec: 2, Now: clock.Now})
	client, conn := ts.dial(t, nil)
	readCtx := client.CloseRead(context.Background()) // lets the client's pings get their pongs
	for i := range 3 {
		ctx, cancel := context.WithTimeout(readCtx, waitLimit)
		err := client.Ping(ctx)
		cancel()
		if i < 2 && err != nil {
			t.Fatalf("ping %d within the limit failed: %v", i, err)
		}
	}
	waitDone(t, conn)
}

func TestFullQueueDropsSlowClientWithoutBlockingSender(t *testing.T) {
	ts := newTestServer(t, Options{SendBuffer: 8})
	client, conn := ts.dial(t, nil)
	_ = client // never reads: the socket buffers fill, then the queue
	payload := []byte(strings.Repeat("x", 64<<10))
	dropped := false
	for i := 0; i < 100000 && !dropped; i++ {
		dropped = !conn.Send(payload) // must return at once either way
	}
	if !dropped {
		t.Fatal("queue never overflowed")
	}
	waitDone(t, conn)
	if conn.Send([]byte("late")) {
		t.Fatal("Send accepted a message after the connection ended")
	}
}

func TestFinishWritesQueuedMessagesThenCloses(t *testing.T) {
	ts := newTestServer(t, Options{})
	client, conn := ts.dial(t, nil)
	conn.Send([]byte("one"))
	conn.Send([]byte("two"))
	conn.Finish(websocket.StatusPolicyViolation, "banned")
	if conn.Send([]byte("three")) {
		t.Fatal("Send accepted a message after Finish")
	}
	for _, want := range []string{"one", "two"} {
		if got := readText(t, client); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	err := readUntilError(t, client)
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.StatusPolicyViolation || ce.Reason != "banned" {
		t.Fatalf("close error %v, want policy violation \"banned\"", err)
	}
}

func TestDropClosesAtOnce(t *testing.T) {
	ts := newTestServer(t, Options{})
	client, conn := ts.dial(t, nil)
	conn.Drop()
	if err := readUntilError(t, client); err == nil {
		t.Fatal("want an error after Drop")
	}
}

func TestAcceptRefusesPlainHTTP(t *testing.T) {
	var acceptErr error
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		_, acceptErr = Accept(w, r, Options{})
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	<-done
	if acceptErr == nil || resp.StatusCode != http.StatusUpgradeRequired {
		t.Fatalf("status %d, err %v; want 426 and an error", resp.StatusCode, acceptErr)
	}
}

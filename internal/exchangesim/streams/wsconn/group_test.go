package wsconn

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// groupServer serves every request through one Group, echoing messages, and
// counts the attach and detach calls.
type groupServer struct {
	group              *Group
	http               *httptest.Server
	attached, detached atomic.Int64
}

func newGroupServer(t *testing.T) *groupServer {
	t.Helper()
	gs := &groupServer{group: NewGroup()}
	gs.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gs.group.Serve(w, r, Options{},
			func(c *Conn) func([]byte) {
				gs.attached.Add(1)
				return func(msg []byte) { c.Send(msg) }
			},
			func() { gs.detached.Add(1) })
	}))
	t.Cleanup(func() {
		gs.group.Close()
		gs.http.Close()
	})
	return gs
}

func (gs *groupServer) dial(t *testing.T) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(gs.http.URL, "http"), nil)
	if err == nil {
		t.Cleanup(func() { _ = c.CloseNow() })
	}
	return c, resp, err
}

func TestGroupServesAttachesAndDetaches(t *testing.T) {
	gs := newGroupServer(t)
	c, _, err := gs.dial(t)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Write(context.Background(), websocket.MessageText, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if got := readText(t, c); got != "hello" {
		t.Fatalf("echo through the attached handler: %q", got)
	}
	if n := len(gs.group.snapshot()); n != 1 {
		t.Fatalf("group holds %d connections, want 1", n)
	}
	_ = c.Close(websocket.StatusNormalClosure, "")
	waitFor(t, "detach", func() bool { return gs.detached.Load() == 1 })
	if n := len(gs.group.snapshot()); n != 0 || gs.attached.Load() != 1 {
		t.Fatalf("after the client left: %d connections, %d attached", n, gs.attached.Load())
	}
}

func TestGroupDropAllKeepsAccepting(t *testing.T) {
	gs := newGroupServer(t)
	a, _, _ := gs.dial(t)
	b, _, _ := gs.dial(t)
	waitFor(t, "two connections", func() bool { return len(gs.group.snapshot()) == 2 })
	gs.group.DropAll()
	for _, c := range []*websocket.Conn{a, b} {
		if err := readUntilError(t, c); websocket.CloseStatus(err) != -1 {
			t.Fatalf("dropped connection closed with a handshake: %v", err)
		}
	}
	waitFor(t, "both detached", func() bool { return gs.detached.Load() == 2 })
	c, _, err := gs.dial(t)
	if err != nil {
		t.Fatalf("dial after DropAll: %v", err)
	}
	if err := c.Write(context.Background(), websocket.MessageText, []byte("again")); err != nil {
		t.Fatal(err)
	}
	if got := readText(t, c); got != "again" {
		t.Fatalf("echo after DropAll: %q", got)
	}
}

func TestGroupCloseWaitsThenRefuses(t *testing.T) {
	gs := newGroupServer(t)
	c, _, _ := gs.dial(t)
	waitFor(t, "one connection", func() bool { return len(gs.group.snapshot()) == 1 })
	gs.group.Close()
	// Close has waited for Serve, so the detach has run.
	if gs.detached.Load() != 1 {
		t.Fatalf("Close returned before the connection was detached (%d)", gs.detached.Load())
	}
	if err := readUntilError(t, c); err == nil {
		t.Fatal("connection survived Close")
	}
	_, resp, err := gs.dial(t)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after Close: resp %v err %v, want 503", resp, err)
	}
	resp.Body.Close()
	if gs.attached.Load() != 1 {
		t.Fatalf("attach ran for a refused upgrade (%d)", gs.attached.Load())
	}
}

func TestGroupFailedUpgradeCallsNeither(t *testing.T) {
	gs := newGroupServer(t)
	resp, err := http.Get(gs.http.URL) // plain HTTP: Accept refuses it
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUpgradeRequired {
		t.Fatalf("plain GET: %d, want 426", resp.StatusCode)
	}
	if gs.attached.Load() != 0 || gs.detached.Load() != 0 {
		t.Fatalf("attach %d, detach %d after a failed upgrade, want 0 and 0", gs.attached.Load(), gs.detached.Load())
	}
}

func TestAdmitRefusesWithBinanceBody(t *testing.T) {
	clock := newFakeClock()
	l := NewAttemptLimiter(1, time.Minute, clock.Now)
	r := httptest.NewRequest(http.MethodGet, "/ws", nil)
	r.RemoteAddr = "10.0.0.9:4242"
	if w := httptest.NewRecorder(); !l.Admit(w, r) || w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("first attempt refused or answered: %d %q", w.Code, w.Body)
	}
	clock.Advance(15 * time.Second)
	w := httptest.NewRecorder()
	if l.Admit(w, r) {
		t.Fatal("second attempt admitted")
	}
	body, _ := io.ReadAll(w.Result().Body)
	want := `{"code":-1003,"msg":"Too many connection attempts; retry after 45 seconds."}`
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "45" || string(body) != want ||
		w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("refusal: %d Retry-After %q %s, want 429, 45 and %s", w.Code, w.Header().Get("Retry-After"), body, want)
	}
}

package wsconn

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"
)

// tooLargeServer echoes messages and answers an oversized one with
// "too large: <head length> <head prefix>".
func tooLargeServer(t *testing.T, readLimit, discardLimit int64) string {
	t.Helper()
	var wg sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var c *Conn
		opts := Options{ReadLimit: readLimit, DiscardLimit: discardLimit, TooLarge: func(head []byte) {
			c.Send([]byte("too large: " + strconv.Itoa(len(head)) + " " + string(head[:min(len(head), 4)])))
		}}
		c, err := Accept(w, r, opts)
		if err != nil {
			return
		}
		wg.Add(1)
		defer wg.Done()
		c.Serve(func(msg []byte) { c.Send(msg) })
	}))
	t.Cleanup(func() {
		srv.Close()
		wg.Wait()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func dialURL(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	client, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	client.SetReadLimit(-1)
	t.Cleanup(func() { _ = client.CloseNow() })
	return client
}

func write(t *testing.T, c *websocket.Conn, typ websocket.MessageType, msg string) {
	t.Helper()
	if err := c.Write(context.Background(), typ, []byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func TestTooLargeMessagesAreRefusedAndTheConnectionStays(t *testing.T) {
	client := dialURL(t, tooLargeServer(t, 100, 1000))
	steps := []struct {
		send string
		typ  websocket.MessageType
		want string
	}{
		{strings.Repeat("a", 100), websocket.MessageText, strings.Repeat("a", 100)}, // at the limit: handled
		{"bcde" + strings.Repeat("x", 97), websocket.MessageText, "too large: 100 bcde"},
		{"after", websocket.MessageText, "after"},
		{"fghi" + strings.Repeat("y", 996), websocket.MessageBinary, "too large: 100 fghi"}, // at the discard limit
		{"still open", websocket.MessageText, "still open"},
	}
	for _, s := range steps {
		write(t, client, s.typ, s.send)
		if got := readText(t, client); got != s.want {
			t.Fatalf("after %d bytes: got %q, want %q", len(s.send), got, s.want)
		}
	}
	// Beyond the discard limit the connection ends with 1009.
	write(t, client, websocket.MessageText, strings.Repeat("z", 1001))
	if err := readUntilError(t, client); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("1001 bytes: %v, want close status 1009", err)
	}
}

func TestTooLargeMessageWithoutCallbackCloses(t *testing.T) {
	ts := newTestServer(t, Options{ReadLimit: 100})
	client, _ := ts.dial(t, nil)
	write(t, client, websocket.MessageText, strings.Repeat("a", 100))
	if got := readText(t, client); len(got) != 100 {
		t.Fatalf("100 bytes echoed as %d", len(got))
	}
	write(t, client, websocket.MessageText, strings.Repeat("a", 101))
	err := readUntilError(t, client)
	if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("101 bytes: %v, want close status 1009", err)
	}
}

func TestDiscardLimitDefaults(t *testing.T) {
	if o := (Options{}).withDefaults(); o.DiscardLimit != DefaultDiscardLimit {
		t.Fatalf("default DiscardLimit = %d", o.DiscardLimit)
	}
	if o := (Options{ReadLimit: 2 << 20}).withDefaults(); o.DiscardLimit != 2<<20 {
		t.Fatalf("DiscardLimit below ReadLimit = %d, want ReadLimit", o.DiscardLimit)
	}
	if o := (Options{ReadLimit: 10, DiscardLimit: 5}).withDefaults(); o.DiscardLimit != 10 {
		t.Fatalf("DiscardLimit 5 with ReadLimit 10 = %d", o.DiscardLimit)
	}
}

// Package wstest holds the WebSocket test helpers shared by the
// simulator's streams, wsconn and wsapi tests: bounded reads and writes on
// a client connection and polling for a condition. Its limits only guard
// against a hung test; no assertion depends on them.
package wstest

import (
	"context"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// WaitLimit bounds every wait.
const WaitLimit = 10 * time.Second

// WaitFor polls cond until it holds, failing the test after WaitLimit.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(WaitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// Read reads one message or fails the test.
func Read(t testing.TB, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
	defer cancel()
	_, msg, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(msg)
}

// Send writes one text message or fails the test.
func Send(t testing.TB, c *websocket.Conn, msg string) {
	t.Helper()
	if err := c.Write(context.Background(), websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// ReadUntilError reads until the connection fails and returns that error;
// it fails the test if the connection stays open for WaitLimit.
func ReadUntilError(t testing.TB, c *websocket.Conn) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
	defer cancel()
	for {
		if _, _, err := c.Read(ctx); err != nil {
			if ctx.Err() != nil {
				t.Fatal("connection was never closed")
			}
			return err
		}
	}
}

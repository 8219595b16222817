package wsconn

import (
	"bytes"
	"net"
	"testing"
)

// recordingConn is a net.Conn that records each Write call.
type recordingConn struct {
	net.Conn
	writes [][]byte
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.writes = append(c.writes, bytes.Clone(p))
	return len(p), nil
}

func TestCorkedConnCoalescesWrites(t *testing.T) {
	rec := &recordingConn{}
	c := &corkedConn{Conn: rec}

	mustWrite(t, c, []byte("direct"))
	c.cork()
	mustWrite(t, c, []byte("a"))
	mustWrite(t, c, []byte("b"))
	if len(rec.writes) != 1 {
		t.Fatalf("corked writes reached the socket: %q", rec.writes)
	}
	if err := c.uncork(); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, c, []byte("after"))
	want := []string{"direct", "ab", "after"}
	if len(rec.writes) != len(want) {
		t.Fatalf("writes %q, want %q", rec.writes, want)
	}
	for i := range want {
		if string(rec.writes[i]) != want[i] {
			t.Fatalf("write %d = %q, want %q", i, rec.writes[i], want[i])
		}
	}
}

func TestCorkedConnFlushesPastLimit(t *testing.T) {
	rec := &recordingConn{}
	c := &corkedConn{Conn: rec}
	c.cork()
	chunk := bytes.Repeat([]byte("x"), corkLimit/2+1)
	mustWrite(t, c, chunk)
	mustWrite(t, c, chunk) // would exceed the limit: the first chunk goes out
	if len(rec.writes) != 1 || len(rec.writes[0]) != len(chunk) {
		t.Fatalf("want one write of %d bytes, got %d writes", len(chunk), len(rec.writes))
	}
	if err := c.uncork(); err != nil {
		t.Fatal(err)
	}
	if len(rec.writes) != 2 {
		t.Fatalf("uncork did not flush: %d writes", len(rec.writes))
	}
}

func mustWrite(t *testing.T, c *corkedConn, p []byte) {
	t.Helper()
	if _, err := c.Write(p); err != nil {
		t.Fatal(err)
	}
}

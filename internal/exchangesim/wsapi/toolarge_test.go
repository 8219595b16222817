package wsapi

import (
	"bytes"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/internal/wstest"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/limits"
)

const tooLargeError = `"status":400,"error":{"code":-1101,"msg":"Too many parameters sent for this endpoint."}}`

// padded is a request of exactly size bytes: id, method, then params with a
// long string, or with the id last when idLast.
func padded(t *testing.T, size int, id string, idLast bool) string {
	t.Helper()
	head, tail := `{"id":`+id+`,"method":"ping","params":{"pad":"`, `"}}`
	if idLast {
		head, tail = `{"method":"ping","params":{"pad":"`, `"},"id":`+id+`}`
	}
	n := size - len(head) - len(tail)
	if n < 0 {
		t.Fatalf("size %d too small", size)
	}
	return head + strings.Repeat("x", n) + tail
}

func TestIDFromHead(t *testing.T) {
	tests := []struct{ head, want string }{
		{`{"id":7,"method":"ping","params":{"a":"xxxx`, `7`},
		{`{"id":"abc-1","method":"ping","params":{"a":"xxxx`, `"abc-1"`},
		{` { "method" : "ping" , "id" : 12 , "params":{"a":"xxx`, `12`},
		{`{"params":{"nested":{"id":5}},"id":6,"method":"pi`, `6`},
		{`{"id":null,"params":`, `null`},
		{`{"method":"ping","params":{"a":"xxxx`, ``},
		{`{"id":"` + strings.Repeat("y", 37) + `","method":"ping"`, ``},
		{`{"id":{},"method":"ping"`, ``},
		{`{"id":1.5,"method":"ping"`, ``},
		{`{"id":12`, ``}, // the number may go on
		{`{"id":12 `, `12`},
		{`{"id":"ab"`, ``}, // cut before the next field: not trusted
		{`[{"id":1}`, ``},
		{`not json`, ``},
		{``, ``},
	}
	for _, tt := range tests {
		if got := string(idFromHead([]byte(tt.head))); got != tt.want {
			t.Errorf("idFromHead(%q) = %q, want %q", tt.head, got, tt.want)
		}
	}
}

func TestTooLargeRequestIsAnsweredAndTheConnectionStays(t *testing.T) {
	env := newEnv(t, Config{})
	c := env.dialOpts(t, "?returnRateLimits=false", nil)
	c.SetReadLimit(-1)

	// At the limit: served.
	if got := call(t, c, padded(t, MaxMessageSize, `"at"`, false)); got != `{"id":"at","status":200,"result":{}}` {
		t.Fatalf("message of MaxMessageSize: %s", got)
	}
	for _, tt := range []struct {
		name, msg, want string
	}{
		{"one byte over, id first", padded(t, MaxMessageSize+1, `"big-1"`, false), `{"id":"big-1",` + tooLargeError},
		{"numeric id", padded(t, 200_000, `42`, false), `{"id":42,` + tooLargeError},
		{"id after the padding", padded(t, 200_000, `"late"`, true), `{"id":null,` + tooLargeError},
		{"not JSON", strings.Repeat("{", MaxMessageSize+10), `{"id":null,` + tooLargeError},
		{"at the discard limit", padded(t, maxDiscardSize, `"max"`, false), `{"id":"max",` + tooLargeError},
	} {
		if got := call(t, c, tt.msg); got != tt.want {
			t.Fatalf("%s: got %s\nwant %s", tt.name, got, tt.want)
		}
		// The connection is still usable.
		if got := call(t, c, `{"id":"p","method":"ping"}`); got != `{"id":"p","status":200,"result":{}}` {
			t.Fatalf("ping after %s: %s", tt.name, got)
		}
	}

	// Beyond what the server reads to the end, the connection closes.
	wstest.Send(t, c, padded(t, maxDiscardSize+1, `"huge"`, false))
	if err := readUntilError(t, c); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Fatalf("message over maxDiscardSize: %v, want close status 1009", err)
	}
}

func TestTooLargeRequestCostsWeight(t *testing.T) {
	clock := newFakeClock()
	lim := limits.New(limits.Config{WeightPerMinute: 100, Now: clock.Now})
	env := newEnv(t, Config{Now: clock.Now, Limits: lim})
	c := env.dial(t)
	got := call(t, c, padded(t, MaxMessageSize+1, `"w"`, false))
	// Connecting cost 2, the refused request 1.
	want := `{"id":"w","status":400,"error":{"code":-1101,"msg":"Too many parameters sent for this endpoint."},` +
		`"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":100,"count":3}]}`
	if got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

// FuzzIDFromHead checks that an id found in a message's head is the id of
// the whole message.
func FuzzIDFromHead(f *testing.F) {
	for _, s := range []string{`{"id":123,"method":"ping"}`, `{"id":"a-b","method":"ping"}`, `{"method":"x","id":9}`,
		`{"id":null}`, `{"params":{"id":1},"id":2}`, `{"id":1e3}`, `{"id":12 , "x":1}`} {
		f.Add([]byte(s), uint16(len(s)/2))
	}
	f.Fuzz(func(t *testing.T, msg []byte, cut uint16) {
		head := msg[:min(int(cut), len(msg))]
		got := idFromHead(head)
		if got == nil {
			return
		}
		if !validID(got) {
			t.Fatalf("idFromHead(%q) = %s, not a valid id", head, got)
		}
		req, perr := parseRequest(msg)
		if perr != nil || req.id == nil || bytes.Contains(msg, []byte(`"id"`)) && strings.Count(string(msg), `"id"`) > 1 {
			return // only whole messages with one "id" key say what the id is
		}
		if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(req.id)) {
			t.Fatalf("idFromHead(%q) = %s, whole message %q has id %s", head, got, msg, req.id)
		}
	})
}

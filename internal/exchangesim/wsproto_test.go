package exchangesim

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/internal/wstest"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/wsapi"
)

func dialPath(t *testing.T, e *env, pathAndQuery string) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(e.srv.URL, "http")+pathAndQuery,
		&websocket.DialOptions{HTTPClient: e.http})
	if err != nil {
		t.Fatalf("dial %s: %v", pathAndQuery, err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return conn
}

// controlReply reads up to the next reply to a control message, skipping
// market events.
func controlReply(t *testing.T, conn *websocket.Conn) string {
	t.Helper()
	for {
		msg := wstest.Read(t, conn)
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(msg), &fields); err != nil {
			t.Fatalf("not JSON: %s", msg)
		}
		if _, ok := fields["id"]; ok {
			return msg
		}
	}
}

// Invalid JSON and unknown methods on a market-stream connection get an
// error reply, and the connection keeps working.
func TestMarketStreamControlErrorsOverTheWire(t *testing.T) {
	e := newEnv(t, nil)
	for _, path := range []string{"/ws/btcusdt@trade", "/stream?streams=btcusdt@trade"} {
		t.Run(path, func(t *testing.T) {
			conn := dialPath(t, e, path)

			wstest.Send(t, conn, `{"method":"SUBSCRIBE","params":["ethusdt@trade"],"id":3`)
			var invalid struct {
				Error struct {
					Code int    `json:"code"`
					Msg  string `json:"msg"`
				} `json:"error"`
				ID json.RawMessage `json:"id"`
			}
			got := controlReply(t, conn)
			decodeJSON(t, []byte(got), &invalid)
			if invalid.Error.Code != 3 || !strings.HasPrefix(invalid.Error.Msg, "Invalid JSON: ") || string(invalid.ID) != "null" {
				t.Fatalf("invalid JSON: %s", got)
			}

			wstest.Send(t, conn, `{"method":"SUBSCRIBEE","params":["ethusdt@trade"],"id":7}`)
			want := "{\"error\":{\"code\":2,\"msg\":\"Invalid request: unknown variant `SUBSCRIBEE`, expected one of " +
				"`SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`\"},\"id\":7}"
			if got := controlReply(t, conn); got != want {
				t.Fatalf("unknown method:\n got %s\nwant %s", got, want)
			}

			wstest.Send(t, conn, `{"method":"GET_PROPERTY","params":["colour"],"id":"p-1"}`)
			if got, want := controlReply(t, conn), `{"error":{"code":0,"msg":"Unknown property"},"id":"p-1"}`; got != want {
				t.Fatalf("unknown property:\n got %s\nwant %s", got, want)
			}

			wstest.Send(t, conn, `{"method":"LIST_SUBSCRIPTIONS","id":9}`)
			if got, want := controlReply(t, conn), `{"result":["btcusdt@trade"],"id":9}`; got != want {
				t.Fatalf("after the errors:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// An oversized WebSocket API request is answered, with its id, and the
// session goes on.
func TestWebSocketAPIOversizedRequestOverTheWire(t *testing.T) {
	e := newEnv(t, nil)
	conn := dialWSAPI(t, e)
	conn.SetReadLimit(-1)
	big := `{"id":"big","method":"ping","params":{"pad":"` + strings.Repeat("x", wsapi.MaxMessageSize) + `"}}`
	wstest.Send(t, conn, big)
	want := `{"id":"big","status":400,"error":{"code":-1101,"msg":"Too many parameters sent for this endpoint."}}`
	if got := wstest.Read(t, conn); got != want {
		t.Fatalf("oversized request:\n got %s\nwant %s", got, want)
	}
	// Still usable: a signed subscription works.
	ts := e.clock.Now().UnixMilli()
	wstest.Send(t, conn, subscribeMessage("sub", ts, ""))
	if got := wstest.Read(t, conn); got != `{"id":"sub","status":200,"result":{"subscriptionId":0}}` {
		t.Fatalf("subscribe after the oversized request: %s", got)
	}
}

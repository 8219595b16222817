package exchangesim

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	binance "github.com/adshao/go-binance/v2"
	"github.com/coder/websocket"
)

// userStream subscribes to the demo account's user data over the WebSocket API.
func userStream(t *testing.T, e *env) *websocket.Conn {
	t.Helper()
	url := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/ws-api/v3"
	conn, _, err := websocket.Dial(t.Context(), url, &websocket.DialOptions{HTTPClient: e.http})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	ts := strconv.FormatInt(e.clock.Now().UnixMilli(), 10)
	req := map[string]any{
		"id": "sub-1", "method": "userDataStream.subscribe.signature",
		"params": map[string]any{
			"apiKey": DemoAPIKey, "timestamp": ts,
			"signature": hmacHex(DemoSecretKey, "apiKey="+DemoAPIKey+"&timestamp="+ts),
		},
	}
	b, _ := json.Marshal(req)
	if err := conn.Write(t.Context(), websocket.MessageText, b); err != nil {
		t.Fatal(err)
	}
	var reply struct {
		ID     string `json:"id"`
		Status int    `json:"status"`
		Result struct {
			SubscriptionID int64 `json:"subscriptionId"`
		} `json:"result"`
	}
	readJSON(t, conn, &reply)
	if reply.ID != "sub-1" || reply.Status != 200 {
		t.Fatalf("subscribe reply %+v", reply)
	}
	return conn
}

func readJSON(t *testing.T, conn *websocket.Conn, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, msg, err := conn.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if err := json.Unmarshal(msg, v); err != nil {
		t.Fatalf("decode %s: %v", msg, err)
	}
}

// userEvent is the part of an executionReport the tests look at. Fields
// whose names differ only in case from these are listed too, since
// encoding/json matches names case-insensitively.
type userEvent struct {
	Event struct {
		Type              string `json:"e"`
		EventTime         int64  `json:"E"`
		ClientOrderID     string `json:"c"`
		OrigClientOrderID string `json:"C"`
		ExecType          string `json:"x"`
		Status            string `json:"X"`
	} `json:"event"`
}

// nextExecution skips account updates up to the next executionReport.
func nextExecution(t *testing.T, conn *websocket.Conn) userEvent {
	t.Helper()
	for {
		var ev userEvent
		readJSON(t, conn, &ev)
		if ev.Event.Type == "executionReport" {
			return ev
		}
	}
}

// untilFilled reads the executionReports of one order up to FILLED.
func untilFilled(t *testing.T, conn *websocket.Conn, clientID string) {
	t.Helper()
	for {
		ev := nextExecution(t, conn)
		if ev.Event.ClientOrderID != clientID {
			t.Fatalf("event of order %q while waiting for %q to fill", ev.Event.ClientOrderID, clientID)
		}
		if ev.Event.Status == "FILLED" {
			return
		}
	}
}

// pingThrough sends a WebSocket API ping, reads up to its reply and returns
// the user events that came before it.
func pingThrough(t *testing.T, conn *websocket.Conn) []userEvent {
	t.Helper()
	if err := conn.Write(t.Context(), websocket.MessageText, []byte(`{"id":"ping-1","method":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	var before []userEvent
	for {
		var msg struct {
			userEvent
			ID     string `json:"id"`
			Status int    `json:"status"`
		}
		readJSON(t, conn, &msg)
		if msg.ID == "ping-1" {
			if msg.Status != http.StatusOK {
				t.Fatalf("ping status %d", msg.Status)
			}
			return before
		}
		before = append(before, msg.userEvent)
	}
}

func TestUserDataEventsAndStall(t *testing.T) {
	e := newEnv(t, nil)
	conn := userStream(t, e)
	c := e.demo()
	buy := func(id string) {
		if _, err := c.NewCreateOrderService().Symbol("BTCUSDT").Side(binance.SideTypeBuy).Type(binance.OrderTypeMarket).
			Quantity("0.001").NewClientOrderID(id).Do(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	buy("first")
	if ev := nextExecution(t, conn); ev.Event.ClientOrderID != "first" || ev.Event.ExecType != "NEW" {
		t.Fatalf("first event %+v", ev)
	}
	untilFilled(t, conn, "first")

	// While streams are stalled, the connection stays open and answers, and
	// user events are dropped: neither sent nor delivered after the stall.
	pingThrough(t, conn) // past the account update that follows the fill
	e.mustAdmin(http.MethodPost, "/sim/v1/faults", Faults{StallStreams: true})
	buy("while-stalled")
	if evs := pingThrough(t, conn); len(evs) != 0 {
		t.Fatalf("events sent during the stall: %+v", evs)
	}
	e.mustAdmin(http.MethodPost, "/sim/v1/faults", Faults{})
	buy("after-stall")
	if ev := nextExecution(t, conn); ev.Event.ClientOrderID != "after-stall" {
		t.Fatalf("first event after the stall is %+v, want order after-stall", ev)
	}
	untilFilled(t, conn, "after-stall")
	// A client learns what the stall hid over REST.
	if o, err := c.NewGetOrderService().Symbol("BTCUSDT").OrigClientOrderID("while-stalled").Do(t.Context()); err != nil ||
		o.Status != binance.OrderStatusTypeFilled {
		t.Fatalf("order placed during the stall: %+v, %v; want FILLED", o, err)
	}

	// A resting order filled by a price move is reported too.
	if _, err := c.NewCreateOrderService().Symbol("ETHUSDT").Side(binance.SideTypeBuy).Type(binance.OrderTypeLimit).
		TimeInForce(binance.TimeInForceTypeGTC).Quantity("0.01").Price("3000").NewClientOrderID("resting").Do(t.Context()); err != nil {
		t.Fatal(err)
	}
	if ev := nextExecution(t, conn); ev.Event.ClientOrderID != "resting" || ev.Event.Status != "NEW" {
		t.Fatalf("resting order event %+v", ev)
	}
	e.mustAdmin(http.MethodPost, "/sim/v1/prices", map[string]string{"symbol": "ETHUSDT", "price": "2900"})
	if ev := nextExecution(t, conn); ev.Event.ClientOrderID != "resting" || ev.Event.ExecType != "TRADE" || ev.Event.Status != "FILLED" {
		t.Fatalf("fill event %+v", ev)
	}
}

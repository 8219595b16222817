package wsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	binance "github.com/adshao/go-binance/v2"
	bws "github.com/adshao/go-binance/v2/common/websocket"
	"github.com/coder/websocket"
	"github.com/shopspring/decimal"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/limits"
	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/matching"
)

// pushed is an event message of a subscription.
type pushed struct {
	SubscriptionID int64           `json:"subscriptionId"`
	Event          json.RawMessage `json:"event"`
}

func readPushed(t *testing.T, c *websocket.Conn) pushed {
	t.Helper()
	var p pushed
	msg := readMsg(t, c)
	if err := json.Unmarshal([]byte(msg), &p); err != nil || p.Event == nil {
		t.Fatalf("not an event: %s", msg)
	}
	return p
}

// subscribeVia subscribes c to account's events with an HMAC-signed request.
func subscribeVia(t *testing.T, c *websocket.Conn, now func() time.Time, id string, extra func(*testing.T) string) string {
	t.Helper()
	params := signedParams(now().UnixMilli(), "")
	if extra != nil {
		params = extra(t)
	}
	return call(t, c, fmt.Sprintf(`{"id":"%s","method":"userDataStream.subscribe.signature","params":%s}`, id, params))
}

func TestGoBinanceSignedSubscribeRequest(t *testing.T) {
	env := newEnv(t, Config{}) // real clock: go-binance stamps requests with time.Now
	c := env.dial(t)
	for _, tt := range []struct {
		name, apiKey, secret, keyType, want string
	}{
		{"HMAC", hmacAPIKey, hmacSecret, "HMAC", `{"id":"HMAC","status":200,"result":{"subscriptionId":0}}`},
		{"ED25519", edAPIKey, env.keys.edPEM, "ED25519", `{"id":"ED25519","status":200,"result":{"subscriptionId":1}}`},
	} {
		req, err := bws.CreateRequest(bws.NewRequestData(tt.name, tt.apiKey, tt.secret, 0, tt.keyType),
			bws.UserDataStreamSubscribeSignatureSpotWsApiMethod, map[string]any{})
		if err != nil {
			t.Fatal(err)
		}
		if got := call(t, c, string(req)); got != tt.want {
			t.Fatalf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestEventsReachTheAccountsSubscriptions(t *testing.T) {
	clock := newFakeClock()
	env := newEnv(t, Config{Now: clock.Now})
	eng := testEngine(t, clock.Now)
	alice := env.dial(t)
	bob := env.dial(t)
	if got := subscribeVia(t, alice, clock.Now, "a", nil); got != `{"id":"a","status":200,"result":{"subscriptionId":0}}` {
		t.Fatalf("alice: %s", got)
	}
	edSigned := func(t *testing.T) string {
		ts := clock.Now().UnixMilli()
		sig := subscribeRequest(t, "x", env.keys.ed, func(p string) string { return edSign(env.keys, p) }, ts)
		var req struct{ Params json.RawMessage }
		_ = json.Unmarshal([]byte(sig), &req)
		return string(req.Params)
	}
	// bob's session: an unrelated subscription first, so its id differs.
	if got := subscribeVia(t, bob, clock.Now, "b0", nil); !strings.Contains(got, `"subscriptionId":0`) {
		t.Fatalf("bob's first subscription: %s", got)
	}
	if got := subscribeVia(t, bob, clock.Now, "b1", edSigned); got != `{"id":"b1","status":200,"result":{"subscriptionId":1}}` {
		t.Fatalf("bob: %s", got)
	}

	d := decimal.RequireFromString
	_, _, events, err := eng.PlaceOrder("bob", matching.OrderRequest{Symbol: "BTCUSDT", Side: matching.SideSell,
		Type: matching.TypeLimit, TimeInForce: matching.GTC, Quantity: d("0.1"), Price: d("70000"), ClientOrderID: "bob-1"})
	if err != nil {
		t.Fatal(err)
	}
	env.srv.PublishEvents(events)
	p := readPushed(t, bob)
	ev := decodeLikeGoBinance(t, p.Event)
	if p.SubscriptionID != 1 || ev.OrderUpdate.ClientOrderId != "bob-1" || ev.OrderUpdate.ExecutionType != "NEW" {
		t.Fatalf("bob's event: subscription %d %+v", p.SubscriptionID, ev.OrderUpdate)
	}
	p = readPushed(t, bob)
	if ev := decodeLikeGoBinance(t, p.Event); p.SubscriptionID != 1 || ev.Event != "outboundAccountPosition" ||
		ev.AccountUpdate.WsAccountUpdates[0].Asset != "BTC" || ev.AccountUpdate.WsAccountUpdates[0].Locked != amt("0.1") {
		t.Fatalf("bob's balance event: %d %+v", p.SubscriptionID, ev.AccountUpdate)
	}
	// alice got none of it: her next message is the answer to a ping.
	if got := call(t, alice, `{"id":"p","method":"ping"}`); got != `{"id":"p","status":200,"result":{}}` {
		t.Fatalf("alice received %s", got)
	}

	// After unsubscribing, bob's events no longer arrive.
	if got := call(t, bob, `{"id":"u","method":"userDataStream.unsubscribe","params":{"subscriptionId":1}}`); got != `{"id":"u","status":200,"result":{}}` {
		t.Fatalf("unsubscribe: %s", got)
	}
	env.srv.PublishEvents(events)
	if got := call(t, bob, `{"id":"p","method":"ping"}`); got != `{"id":"p","status":200,"result":{}}` {
		t.Fatalf("bob after unsubscribing received %s", got)
	}
}

// While stalled, the session stays open and answers, and the events of that
// time are dropped; once the stall ends, new events flow again.
func TestStalledDropsEventsButAnswers(t *testing.T) {
	clock := newFakeClock()
	env := newEnv(t, Config{Now: clock.Now})
	eng := testEngine(t, clock.Now)
	c := env.dial(t)
	subscribeVia(t, c, clock.Now, "s", nil)
	place := func(id string) []matching.Event {
		t.Helper()
		d := decimal.RequireFromString
		_, _, events, err := eng.PlaceOrder("alice", matching.OrderRequest{Symbol: "BTCUSDT", Side: matching.SideBuy,
			Type: matching.TypeLimit, TimeInForce: matching.GTC, Quantity: d("0.001"), Price: d("60000"), ClientOrderID: id})
		if err != nil {
			t.Fatal(err)
		}
		return events
	}

	env.srv.SetStalled(true)
	env.srv.PublishEvents(place("during"))
	// Nothing was queued before the answer to this ping, and the stall does
	// not stop requests.
	if got := call(t, c, `{"id":"p","method":"ping"}`); got != `{"id":"p","status":200,"result":{}}` {
		t.Fatalf("during the stall received %s", got)
	}
	if got := call(t, c, `{"id":"l","method":"session.subscriptions"}`); got != `{"id":"l","status":200,"result":[{"subscriptionId":0}]}` {
		t.Fatalf("subscriptions during the stall: %s", got)
	}

	env.srv.SetStalled(false)
	env.srv.PublishEvents(place("after"))
	p := readPushed(t, c)
	if ev := decodeLikeGoBinance(t, p.Event); ev.OrderUpdate.ClientOrderId != "after" || ev.OrderUpdate.ExecutionType != "NEW" {
		t.Fatalf("first event after the stall: %+v, want order \"after\" NEW (the stalled one is dropped)", ev.OrderUpdate)
	}
}

func TestGoBinanceUserDataServeSignature(t *testing.T) {
	env := newEnv(t, Config{}) // real clock: go-binance stamps requests with time.Now
	eng := testEngine(t, time.Now)
	// go-binance reads its WebSocket API endpoint from a package variable.
	old := binance.BaseWsApiMainURL
	binance.BaseWsApiMainURL = env.url("")
	events := make(chan *binance.WsUserDataEvent, 64)
	done, _, err := binance.WsUserDataServeSignature(hmacAPIKey, hmacSecret, "HMAC", 0,
		func(e *binance.WsUserDataEvent) { events <- e }, func(error) {})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		env.srv.DropAll() // its stop channel leaves the socket open; dropping ends it
		<-done
		binance.BaseWsApiMainURL = old
	})
	waitFor(t, "subscription", func() bool {
		env.srv.mu.RLock()
		defer env.srv.mu.RUnlock()
		return len(env.srv.byAccount["alice"]) == 1
	})

	d := decimal.RequireFromString
	order, fills, evs, err := eng.PlaceOrder("alice", matching.OrderRequest{Symbol: "BTCUSDT", Side: matching.SideBuy,
		Type: matching.TypeMarket, QuoteOrderQty: d("1000"), ClientOrderID: "alice-q"})
	if err != nil {
		t.Fatal(err)
	}
	env.srv.PublishEvents(evs)
	if e := receive(t, events); e.OrderUpdate.ExecutionType != "NEW" || e.OrderUpdate.ClientOrderId != "alice-q" {
		t.Fatalf("first event %+v, want NEW", e.OrderUpdate)
	}
	for range fills {
		e := receive(t, events)
		if e.Event != binance.UserDataEventTypeExecutionReport || e.OrderUpdate.ClientOrderId != "alice-q" || e.OrderUpdate.ExecutionType != "TRADE" {
			t.Fatalf("event %+v", e)
		}
		if e.OrderUpdate.Status == "FILLED" && (e.OrderUpdate.QuoteVolume != amt("1000") || e.OrderUpdate.FilledVolume != amt(order.ExecutedQty.String())) {
			t.Fatalf("final fill %+v, order %+v", e.OrderUpdate, order)
		}
	}
	e := receive(t, events)
	if e.Event != binance.UserDataEventTypeOutboundAccountPosition || len(e.AccountUpdate.WsAccountUpdates) != 2 {
		t.Fatalf("balance event %+v", e)
	}
}

func receive(t *testing.T, events <-chan *binance.WsUserDataEvent) *binance.WsUserDataEvent {
	t.Helper()
	select {
	case e := <-events:
		return e
	case <-time.After(waitLimit):
		t.Fatal("no event")
		return nil
	}
}

func TestConnectingCostsWeightAndBansRefuseUpgrades(t *testing.T) {
	clock := newFakeClock()
	lim := limits.New(limits.Config{Now: clock.Now})
	env := newEnv(t, Config{Now: clock.Now, Limits: lim})
	c := env.dial(t)
	if got := lim.UsedWeight("127.0.0.1"); got != connectWeight {
		t.Fatalf("weight after connecting = %d, want %d", got, connectWeight)
	}
	if got := call(t, c, `{"id":1,"method":"time"}`); !strings.Contains(got, `"count":3`) {
		t.Fatalf("rate limits after one request: %s", got)
	}
	lim.Ban("127.0.0.1", time.Minute)
	resp := env.dialRefused(t)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTeapot || resp.Header.Get("Retry-After") != "60" || !strings.Contains(string(body), `"code":-1003`) {
		t.Fatalf("banned upgrade: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

func TestBannedSessionIsClosedAfterTheAnswer(t *testing.T) {
	clock := newFakeClock()
	lim := limits.New(limits.Config{WeightPerMinute: 4, Now: clock.Now})
	env := newEnv(t, Config{Now: clock.Now, Limits: lim})
	c := env.dial(t) // weight 2
	if got := call(t, c, `{"id":1,"method":"ping"}`); !strings.Contains(got, `"status":200`) {
		t.Fatalf("within the limit: %s", got)
	}
	if got := call(t, c, `{"id":2,"method":"session.subscriptions"}`); !strings.Contains(got, `"status":429`) {
		t.Fatalf("over the limit: %s", got)
	}
	if got := call(t, c, `{"id":3,"method":"ping"}`); !strings.Contains(got, `"status":418`) || !strings.Contains(got, "banned until") {
		t.Fatalf("during Retry-After: %s", got)
	}
	err := readUntilError(t, c)
	if got := websocket.CloseStatus(err); got != websocket.StatusPolicyViolation {
		t.Fatalf("close status %v (%v), want policy violation", got, err)
	}
}

func TestConnectionAttemptsPerIP(t *testing.T) {
	clock := newFakeClock()
	env := newEnv(t, Config{Now: clock.Now, MaxConnAttempts: 1, ConnAttemptWindow: time.Minute})
	env.dial(t)
	resp := env.dialRefused(t)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "60" {
		t.Fatalf("second attempt: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	clock.Advance(time.Minute)
	env.dial(t)
}

func TestLifetimeEndsWithServerShutdown(t *testing.T) {
	clock := newFakeClock()
	env := newEnv(t, Config{Now: clock.Now, MaxLifetime: 20 * time.Millisecond})
	c := env.dial(t)
	want := fmt.Sprintf(`{"event":{"e":"serverShutdown","E":%d}}`, clock.Now().UnixMilli())
	if got := readMsg(t, c); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if got := websocket.CloseStatus(readUntilError(t, c)); got != websocket.StatusGoingAway {
		t.Fatalf("close status %v", got)
	}
}

func TestNoPongCloses(t *testing.T) {
	env := newEnv(t, Config{PingInterval: 5 * time.Millisecond, PongTimeout: 20 * time.Millisecond})
	c := env.dialOpts(t, "", &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool { return false },
	})
	waitFor(t, "session", func() bool { return env.srv.Sessions() == 1 })
	waitFor(t, "disconnect", func() bool { return env.srv.Sessions() == 0 })
	if err := readUntilError(t, c); err == nil {
		t.Fatal("still connected")
	}
}

func TestReturnRateLimitsQueryParameter(t *testing.T) {
	clock := newFakeClock()
	env := newEnv(t, Config{Now: clock.Now, Limits: limits.New(limits.Config{Now: clock.Now})})
	c := env.dialOpts(t, "?returnRateLimits=false", nil)
	if got := call(t, c, `{"id":1,"method":"ping"}`); got != `{"id":1,"status":200,"result":{}}` {
		t.Fatalf("got %s", got)
	}
}

func TestDropAllAndClose(t *testing.T) {
	clock := newFakeClock()
	env := newEnv(t, Config{Now: clock.Now})
	a := env.dial(t)
	subscribeVia(t, a, clock.Now, "a", nil)
	env.srv.DropAll()
	if err := readUntilError(t, a); err == nil {
		t.Fatal("survived DropAll")
	}
	waitFor(t, "cleanup", func() bool {
		env.srv.mu.RLock()
		defer env.srv.mu.RUnlock()
		return len(env.srv.sessions) == 0 && len(env.srv.byAccount) == 0
	})
	b := env.dial(t)
	env.srv.Close()
	if err := readUntilError(t, b); err == nil {
		t.Fatal("survived Close")
	}
	resp := env.dialRefused(t)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("after Close: %d", resp.StatusCode)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

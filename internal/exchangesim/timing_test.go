package exchangesim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	binance "github.com/adshao/go-binance/v2"
	"github.com/coder/websocket"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/internal/wstest"
)

// newFrozenEnv is a simulator whose clock stands still 400 µs past a
// millisecond, so that millisecond and microsecond timestamps meet the
// server's time at known distances.
func newFrozenEnv(t *testing.T) *env {
	t.Helper()
	clock := newFrozenClock()
	clock.Advance(400 * time.Microsecond)
	e := newEnv(t, func(c *Config) { c.Now = clock.Now })
	e.clock = clock
	return e
}

// signedRaw sends GET /api/v3/account with the demo key, the given raw
// timestamp and recvWindow (omitted when empty) in the query, signed.
func (e *env) signedRaw(timestamp, recvWindow string) response {
	e.t.Helper()
	q := "timestamp=" + timestamp
	if recvWindow != "" {
		q = "recvWindow=" + url.QueryEscape(recvWindow) + "&" + q
	}
	q += "&signature=" + hmacHex(DemoSecretKey, q)
	return e.do(http.MethodGet, "/api/v3/account", q, "", http.Header{"X-Mbx-Apikey": {DemoAPIKey}})
}

const (
	msgOutsideWindow = "Timestamp for this request is outside of the recvWindow."
	msgAhead         = "Timestamp for this request was 1000ms ahead of the server's time."
	msgWindowTooBig  = "'recvWindow' contains unexpected value. Cannot be greater than 60000."
	msgTooPrecise    = "Parameter 'recvWindow' has too much precision."
)

func TestSignedRESTTimestampUnitsAndRecvWindow(t *testing.T) {
	e := newFrozenEnv(t)
	nowMs := e.clock.Now().UnixMilli()
	nowUs := e.clock.Now().UnixMicro()
	ms := func(d int64) string { return strconv.FormatInt(nowMs+d, 10) }
	us := func(d int64) string { return strconv.FormatInt(nowUs+d, 10) }
	illegalRecvWindow := "Illegal characters found in parameter 'recvWindow'; legal range is '" + decimalRange + "'."
	illegalTimestamp := "Illegal characters found in parameter 'timestamp'; legal range is '" + uintRange + "'."
	tests := []struct {
		name, timestamp, recvWindow string
		code                        int // 0: accepted
		msg                         string
	}{
		{"ms at the default window's edge", ms(-5000), "", 0, ""},
		{"ms past the default window", ms(-5001), "", -1021, msgOutsideWindow},
		{"ms 999 ahead", ms(999), "", 0, ""},
		{"ms 1000 ahead", ms(1000), "", -1021, msgAhead},
		{"ms with a fractional window: whole ms count", ms(-5001), "5000.999", -1021, msgOutsideWindow},
		{"ms with a fractional window's edge", ms(-5000), "5000.5", 0, ""},
		{"us at the default window's edge", us(-5_000_000), "", 0, ""},
		{"us past the default window", us(-5_000_001), "", -1021, msgOutsideWindow},
		{"us at a fractional window's edge", us(-5_000_500), "5000.5", 0, ""},
		{"us past a fractional window", us(-5_000_501), "5000.5", -1021, msgOutsideWindow},
		{"us at a three-decimal window's edge", us(-6_000_346), "6000.346", 0, ""},
		{"us past a three-decimal window", us(-6_000_347), "6000.346", -1021, msgOutsideWindow},
		{"us 999999 ahead", us(999_999), "", 0, ""},
		{"us 1s ahead", us(1_000_000), "", -1021, msgAhead},
		{"us at the largest window's edge", us(-60_000_000), "60000.000", 0, ""},
		{"seconds", strconv.FormatInt(nowMs/1000, 10), "", -1021, msgOutsideWindow},
		{"15 digits", ms(0) + "00", "", -1021, msgOutsideWindow},
		{"17 digits", us(0) + "0", "", -1021, msgAhead},
		{"beyond int64", "99999999999999999999", "", -1100, illegalTimestamp},
		{"21 digits", "100000000000000000000", "", -1100, illegalTimestamp},
		{"negative timestamp", "-" + ms(0), "", -1100, illegalTimestamp},
		{"timestamp with decimals", ms(0) + ".5", "", -1100, illegalTimestamp},
		{"zero timestamp", "0", "", -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed."},
		{"four decimals", ms(0), "5000.1234", -1111, msgTooPrecise},
		{"four decimals, all zero", ms(0), "5000.0000", -1111, msgTooPrecise},
		{"negative window", ms(0), "-1", -1100, illegalRecvWindow},
		{"window not a number", ms(0), "abc", -1100, illegalRecvWindow},
		{"window with a trailing dot", ms(0), "5000.", -1100, illegalRecvWindow},
		{"window in exponent form", ms(0), "5e3", -1100, illegalRecvWindow},
		{"window a microsecond over 60000", ms(0), "60000.001", -1102, msgWindowTooBig},
		{"window over 60000", ms(0), "60001", -1102, msgWindowTooBig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.signedRaw(tt.timestamp, tt.recvWindow)
			if tt.code == 0 {
				if r.status != http.StatusOK {
					t.Fatalf("status %d: %s", r.status, r.body)
				}
				return
			}
			code, msg := r.apiError(t)
			if r.status != http.StatusBadRequest || code != tt.code || msg != tt.msg {
				t.Fatalf("got %d %s, want 400 code %d %q", r.status, r.body, tt.code, tt.msg)
			}
		})
	}
}

// Order placement and cancel take the same timing parameters, wherever
// they are sent.
func TestSignedRESTOrdersWithMicrosecondTimestamps(t *testing.T) {
	e := newFrozenEnv(t)
	ts := strconv.FormatInt(e.clock.Now().UnixMicro()-59_999_999, 10)
	body := "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=30000&newClientOrderId=us-1" +
		"&recvWindow=59999.999&timestamp=" + ts
	r := e.do(http.MethodPost, "/api/v3/order", "signature="+hmacHex(DemoSecretKey, body), body,
		http.Header{"X-Mbx-Apikey": {DemoAPIKey}})
	if r.status != http.StatusOK {
		t.Fatalf("place with µs timestamp in the body: %d %s", r.status, r.body)
	}
	// A microsecond older is refused, as a failed order.
	stale := strings.Replace(body, "us-1", "us-2", 1)
	stale = strings.Replace(stale, ts, strconv.FormatInt(e.clock.Now().UnixMicro()-60_000_000, 10), 1)
	r = e.do(http.MethodPost, "/api/v3/order", "signature="+hmacHex(DemoSecretKey, stale), stale,
		http.Header{"X-Mbx-Apikey": {DemoAPIKey}})
	if code, msg := r.apiError(t); code != -1021 || msg != msgOutsideWindow {
		t.Fatalf("stale order: %d %s", r.status, r.body)
	}
	// Cancel with the timing parameters in the query and the rest in the DELETE body.
	query := "recvWindow=0.5&timestamp=" + strconv.FormatInt(e.clock.Now().UnixMicro()-500, 10)
	del := "symbol=BTCUSDT&origClientOrderId=us-1"
	r = e.do(http.MethodDelete, "/api/v3/order", query+"&signature="+hmacHex(DemoSecretKey, query+del), del,
		http.Header{"X-Mbx-Apikey": {DemoAPIKey}})
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"status":"CANCELED"`) {
		t.Fatalf("cancel with a 0.5 ms window: %d %s", r.status, r.body)
	}
}

// go-binance sends millisecond timestamps and whole-millisecond windows.
func TestGoBinanceSignedCallsWithRecvWindow(t *testing.T) {
	e := newEnv(t, nil)
	c := e.demo()
	if _, err := c.NewGetAccountService().Do(t.Context()); err != nil {
		t.Fatalf("account: %v", err)
	}
	c.TimeOffset += 50_000 // 50 s behind the server
	if _, err := c.NewGetAccountService().Do(t.Context()); binanceCode(err) != -1021 {
		t.Fatalf("50 s old with the default window: %v", err)
	}
	if _, err := c.NewGetAccountService().Do(t.Context(), binance.WithRecvWindow(60000)); err != nil {
		t.Fatalf("50 s old with a 60000 ms window: %v", err)
	}
	if _, err := c.NewCreateOrderService().Symbol("BTCUSDT").Side(binance.SideTypeBuy).Type(binance.OrderTypeMarket).
		Quantity("0.001").Do(t.Context(), binance.WithRecvWindow(60000)); err != nil {
		t.Fatalf("order 50 s old with a 60000 ms window: %v", err)
	}
	if _, err := c.NewGetAccountService().Do(t.Context(), binance.WithRecvWindow(60001)); binanceCode(err) != -1102 {
		t.Fatalf("window 60001: %v", err)
	}
}

// The WebSocket API's signed methods follow the same rules.
func TestWebSocketAPITimestampUnitsAndRecvWindow(t *testing.T) {
	e := newFrozenEnv(t)
	nowMs := e.clock.Now().UnixMilli()
	nowUs := e.clock.Now().UnixMicro()
	conn := dialWSAPI(t, e)
	tests := []struct {
		name      string
		timestamp int64
		window    string // JSON text; "" = not sent
		code      int    // 0: subscribed
		msg       string
	}{
		{"us past a fractional window", nowUs - 5_000_501, `"5000.5"`, -1021, msgOutsideWindow},
		{"us 1s ahead", nowUs + 1_000_000, "", -1021, msgAhead},
		{"ms past a fractional window", nowMs - 5001, "5000.999", -1021, msgOutsideWindow},
		{"four decimals", nowMs, `"5000.1234"`, -1111, msgTooPrecise},
		{"window too large", nowMs, "60000.001", -1102, msgWindowTooBig},
		{"negative window", nowMs, "-1", -1102, "Mandatory parameter 'recvWindow' was not sent, was empty/null, or malformed."},
		{"us at a fractional window's edge", nowUs - 5_000_500, "5000.5", 0, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "r" + strconv.Itoa(i)
			var reply struct {
				ID     string `json:"id"`
				Status int    `json:"status"`
				Error  struct {
					Code int    `json:"code"`
					Msg  string `json:"msg"`
				} `json:"error"`
			}
			wstest.Send(t, conn, subscribeMessage(id, tt.timestamp, tt.window))
			decodeJSON(t, []byte(wstest.Read(t, conn)), &reply)
			if reply.ID != id {
				t.Fatalf("reply to %q: %+v", id, reply)
			}
			if tt.code == 0 {
				if reply.Status != http.StatusOK {
					t.Fatalf("refused: %+v", reply)
				}
				return
			}
			if reply.Status != http.StatusBadRequest || reply.Error.Code != tt.code || reply.Error.Msg != tt.msg {
				t.Fatalf("got %+v, want code %d %q", reply, tt.code, tt.msg)
			}
		})
	}
}

func dialWSAPI(t *testing.T, e *env) *websocket.Conn {
	t.Helper()
	url := "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/ws-api/v3?returnRateLimits=false"
	conn, _, err := websocket.Dial(t.Context(), url, &websocket.DialOptions{HTTPClient: e.http})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return conn
}

// subscribeMessage is a signed userDataStream.subscribe.signature request
// for the demo account; window is recvWindow's JSON text, "" for none.
func subscribeMessage(id string, timestamp int64, window string) string {
	params := map[string]json.RawMessage{
		"apiKey":    json.RawMessage(strconv.Quote(DemoAPIKey)),
		"timestamp": json.RawMessage(strconv.FormatInt(timestamp, 10)),
	}
	payload := "apiKey=" + DemoAPIKey
	if window != "" {
		params["recvWindow"] = json.RawMessage(window)
		payload += "&recvWindow=" + strings.Trim(window, `"`)
	}
	payload += "&timestamp=" + strconv.FormatInt(timestamp, 10)
	params["signature"] = json.RawMessage(strconv.Quote(hmacHex(DemoSecretKey, payload)))
	b, _ := json.Marshal(params)
	return fmt.Sprintf(`{"id":%q,"method":"userDataStream.subscribe.signature","params":%s}`, id, b)
}

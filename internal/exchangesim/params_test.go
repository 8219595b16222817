package exchangesim

import (
	"net/http"
	"strings"
	"testing"
)

func TestParseParams(t *testing.T) {
	tests := []struct {
		name, query, body string
		want              map[string]string
		signature         string
		payload           string
		code              int
	}{
		{name: "query and body", query: "symbol=BTCUSDT&timestamp=1&signature=abc", body: "side=BUY&quantity=0.1",
			want:      map[string]string{"symbol": "BTCUSDT", "timestamp": "1", "side": "BUY", "quantity": "0.1"},
			signature: "abc", payload: "symbol=BTCUSDT&timestamp=1side=BUY&quantity=0.1"},
		{name: "query wins over body", query: "symbol=BTCUSDT", body: "symbol=ETHUSDT",
			want: map[string]string{"symbol": "BTCUSDT"}, payload: "symbol=BTCUSDTsymbol=ETHUSDT"},
		{name: "signature in the body", query: "timestamp=1", body: "a=1&signature=def&b=2",
			want: map[string]string{"timestamp": "1", "a": "1", "b": "2"}, signature: "def", payload: "timestamp=1a=1&b=2"},
		{name: "escapes decoded", query: "symbols=%5B%22BTCUSDT%22%5D&x=a+b",
			want: map[string]string{"symbols": `["BTCUSDT"]`, "x": "a b"}, payload: "symbols=%5B%22BTCUSDT%22%5D&x=a+b"},
		{name: "empty parts skipped", query: "&&a=1&", want: map[string]string{"a": "1"}, payload: "&&a=1&"},
		{name: "signature first", query: "signature=s&a=1", want: map[string]string{"a": "1"}, signature: "s", payload: "a=1"},
		{name: "value without =", query: "a", want: map[string]string{"a": ""}, payload: "a"},
		{name: "duplicate", query: "a=1&a=2", code: -1101},
		{name: "duplicate in body", body: "a=1&a=2", code: -1101},
		{name: "two signatures", query: "signature=a", body: "signature=b", code: -1101},
		{name: "bad escape in key", query: "%zz=1", code: -1100},
		{name: "bad escape in value", query: "a=%zz", code: -1100},
		{name: "empty key", query: "=1", code: -1100},
		{name: "control character", query: "a%00=1", code: -1100},
		{name: "too many", query: strings.Repeat("k=1&", 1) + manyParams(70), code: -1101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := parseParams(tt.query, tt.body)
			if tt.code != 0 {
				if err == nil || err.Code != tt.code {
					t.Fatalf("got %v, want code %d", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if len(p.vals) != len(tt.want) {
				t.Fatalf("vals = %v, want %v", p.vals, tt.want)
			}
			for k, v := range tt.want {
				if p.vals[k] != v {
					t.Fatalf("%s = %q, want %q", k, p.vals[k], v)
				}
			}
			if p.signature != tt.signature || p.signed != (tt.signature != "") {
				t.Fatalf("signature %q (signed %v), want %q", p.signature, p.signed, tt.signature)
			}
			if p.payload != tt.payload {
				t.Fatalf("payload %q, want %q", p.payload, tt.payload)
			}
		})
	}
}

func manyParams(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString("p")
		b.WriteString(strings.Repeat("x", i+1))
		b.WriteString("=1")
	}
	return b.String()
}

func TestParamValidators(t *testing.T) {
	valid := map[string][]string{
		"symbol":           {"BTCUSDT", "A", "1INCH-X_Y.Z", strings.Repeat("A", 20)},
		"symbols":          {`["BTCUSDT"]`, `["A","B"]`, `[]`},
		"quantity":         {"0", "1", "0.1", "12345678901234567890.12345678901234567890"},
		"limit":            {"0", "1000", "99999999999999999"},
		"newClientOrderId": {"a", "x-B3AUXNYV.1:2/3_4", strings.Repeat("z", 36)},
		"side":             {"BUY", "SELL"},
		"interval":         {"1s", "1m", "1M", "1w"},
		"timeZone":         {"0", "+00:00"},
	}
	invalid := map[string][]string{
		"symbol":           {"btcusdt", "BTC USDT", strings.Repeat("A", 21), "BTC/USDT"},
		"symbols":          {"BTCUSDT", `["btc"]`, `[1]`, `["A",]`, `{"a":1}`, `[`},
		"quantity":         {"-1", "1e5", ".5", "1.", "1.2.3", "0x10", " 1", "123456789012345678901"},
		"limit":            {"-1", "1.5", "abc", "99999999999999999999"},
		"newClientOrderId": {"has space", strings.Repeat("z", 37), "é"},
		"side":             {"buy", "HOLD"},
		"interval":         {"2m", "1Y", "m1"},
		"timeZone":         {"+08:00", "UTC"},
	}
	for name, values := range valid {
		for _, v := range values {
			if err := paramRules[name](name, v); err != nil {
				t.Errorf("%s=%q rejected: %v", name, v, err)
			}
		}
	}
	for name, values := range invalid {
		for _, v := range values {
			if err := paramRules[name](name, v); err == nil {
				t.Errorf("%s=%q accepted", name, v)
			}
		}
	}
}

func TestRESTParameterErrors(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name, method, path, query, body string
		signed, apiKey                  bool
		status, code                    int
		msg                             string
	}{
		{name: "lowercase symbol", path: "/api/v3/ticker/price", query: "symbol=btcusdt", code: -1100,
			msg: "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'."},
		{name: "duplicate parameter", path: "/api/v3/ticker/price", query: "symbol=BTCUSDT&symbol=ETHUSDT", code: -1101},
		{name: "unknown parameter", path: "/api/v3/ticker/price", query: "symbol=BTCUSDT&foo=1", code: -1104,
			msg: "Not all sent parameters were read; read '1' parameter(s) but was sent '2'."},
		{name: "signature on a public endpoint", path: "/api/v3/ping", query: "signature=abc", code: -1104},
		{name: "missing interval", path: "/api/v3/klines", query: "symbol=BTCUSDT", code: -1102,
			msg: "Mandatory parameter 'interval' was not sent, was empty/null, or malformed."},
		{name: "empty symbol", path: "/api/v3/depth", query: "symbol=", code: -1102},
		{name: "bad interval", path: "/api/v3/klines", query: "symbol=BTCUSDT&interval=2m", code: -1120, msg: "Invalid interval."},
		{name: "unknown symbol", path: "/api/v3/klines", query: "symbol=NOPE&interval=1m", code: -1121, msg: "Invalid symbol."},
		{name: "unknown symbol in list", path: "/api/v3/ticker/price", query: `symbols=["BTCUSDT","NOPE"]`, code: -1121},
		{name: "list not JSON", path: "/api/v3/ticker/price", query: "symbols=BTCUSDT,ETHUSDT", code: -1100},
		{name: "empty list", path: "/api/v3/ticker/24hr", query: "symbols=[]", code: -1102},
		{name: "symbol and symbols", path: "/api/v3/ticker/price", query: `symbol=BTCUSDT&symbols=["ETHUSDT"]`, code: -1128},
		{name: "limit not a number", path: "/api/v3/depth", query: "symbol=BTCUSDT&limit=ten", code: -1100},
		{name: "bad ticker type", path: "/api/v3/ticker/24hr", query: "symbol=BTCUSDT&type=HUGE", code: -1100},
		{name: "bad time zone", path: "/api/v3/klines", query: "symbol=BTCUSDT&interval=1m&timeZone=8", code: -1100},
		{name: "unknown path", path: "/api/v3/nothing", status: http.StatusNotFound, code: -1000},
		{name: "wrong method", method: http.MethodPost, path: "/api/v3/ping", status: http.StatusMethodNotAllowed, code: -1000},
		{name: "no API key", path: "/api/v3/account", status: http.StatusUnauthorized, code: -2014},
		{name: "no timestamp", path: "/api/v3/account", apiKey: true, code: -1102,
			msg: "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed."},
		{name: "stop price", method: http.MethodPost, path: "/api/v3/order", signed: true,
			body: "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&stopPrice=1", code: -1106,
			msg: "Parameter 'stopPrice' sent when not required."},
		{name: "quantity in exponent form", method: http.MethodPost, path: "/api/v3/order", signed: true,
			body: "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1e-3", code: -1100},
		{name: "bad time in force", method: http.MethodPost, path: "/api/v3/order", signed: true,
			body: "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTD&quantity=0.001&price=1", code: -1115},
		{name: "limit maker with time in force", method: http.MethodPost, path: "/api/v3/order", signed: true,
			body: "symbol=BTCUSDT&side=BUY&type=LIMIT_MAKER&timeInForce=GTC&quantity=0.001&price=1", code: -1106},
		{name: "market with both quantities", method: http.MethodPost, path: "/api/v3/order", signed: true,
			body: "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&quoteOrderQty=10", code: -1106},
		{name: "limit without price", method: http.MethodPost, path: "/api/v3/order", signed: true,
			body: "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001", code: -1102},
		{name: "bad response type", method: http.MethodPost, path: "/api/v3/order", signed: true,
			body: "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&newOrderRespType=ALL", code: -1100},
		{name: "price too precise", method: http.MethodPost, path: "/api/v3/order", signed: true,
			body: "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=1.000000001", code: -1111},
		{name: "order without id", path: "/api/v3/order", signed: true, query: "symbol=BTCUSDT", code: -1102,
			msg: "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"},
		{name: "history range over 24h", path: "/api/v3/allOrders", signed: true,
			query: "symbol=BTCUSDT&startTime=1000&endTime=90000000", code: -1127},
		{name: "cancel all without symbol", method: http.MethodDelete, path: "/api/v3/openOrders", signed: true, code: -1102},
		{name: "cancel all with none open", method: http.MethodDelete, path: "/api/v3/openOrders", signed: true,
			query: "symbol=BTCUSDT", code: -2011},
		{name: "recvWindow too large", path: "/api/v3/account", signed: true, query: "recvWindow=70000", code: -1102,
			msg: "'recvWindow' contains unexpected value. Cannot be greater than 60000."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			var r response
			if tt.signed {
				r = e.signed(method, tt.path, tt.query, tt.body)
			} else {
				var h http.Header
				if tt.apiKey {
					h = http.Header{"X-Mbx-Apikey": {DemoAPIKey}}
				}
				r = e.do(method, tt.path, tt.query, tt.body, h)
			}
			wantStatus := tt.status
			if wantStatus == 0 {
				wantStatus = http.StatusBadRequest
			}
			if r.header.Get("X-Mbx-Used-Weight-1m") == "" {
				t.Fatal("no X-MBX-USED-WEIGHT-1M header")
			}
			code, msg := r.apiError(t)
			if r.status != wantStatus || code != tt.code || (tt.msg != "" && msg != tt.msg) {
				t.Fatalf("got %d %s, want %d code %d %q", r.status, r.body, wantStatus, tt.code, tt.msg)
			}
		})
	}
}

func TestSignedParamsInDeleteBody(t *testing.T) {
	e := newEnv(t, nil)
	r := e.signed(http.MethodPost, "/api/v3/order", "",
		"symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=30000&newClientOrderId=del-1")
	if r.status != http.StatusOK {
		t.Fatalf("place: %d %s", r.status, r.body)
	}
	// Everything but timestamp and signature in the DELETE body.
	r = e.signed(http.MethodDelete, "/api/v3/order", "", "symbol=BTCUSDT&origClientOrderId=del-1&newClientOrderId=my-cancel")
	var c cancelJSON
	decodeJSON(t, r.body, &c)
	if r.status != http.StatusOK || c.Status != "CANCELED" || c.OrigClientOrderID != "del-1" || c.ClientOrderID != "my-cancel" {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}
	// A body the signature does not cover is refused.
	q := e.signedQuery("", "symbol=BTCUSDT", DemoSecretKey)
	r = e.do(http.MethodDelete, "/api/v3/openOrders", q, "symbol=ETHUSDT", http.Header{"X-Mbx-Apikey": {DemoAPIKey}})
	if code, _ := r.apiError(t); code != -1022 {
		t.Fatalf("tampered body: %d %s", r.status, r.body)
	}
}

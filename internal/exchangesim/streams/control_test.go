package streams

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestHandleControl(t *testing.T) {
	tests := []struct {
		name string
		msgs []string // sent in order on one subscriber; the last reply is checked
		want string
	}{
		{"subscribe", []string{`{"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@kline_1m"],"id":1}`}, `{"result":null,"id":1}`},
		{"list in subscription order", []string{
			`{"method":"SUBSCRIBE","params":["ethusdt@ticker","btcusdt@trade"],"id":1}`,
			`{"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@aggTrade"],"id":2}`,
			`{"method":"LIST_SUBSCRIPTIONS","id":3}`,
		}, `{"result":["ethusdt@ticker","btcusdt@trade","btcusdt@aggTrade"],"id":3}`},
		{"unsubscribe", []string{
			`{"method":"SUBSCRIBE","params":["ethusdt@ticker","btcusdt@trade"],"id":1}`,
			`{"method":"UNSUBSCRIBE","params":["ethusdt@ticker","ethusdt@trade"],"id":2}`,
			`{"method":"LIST_SUBSCRIPTIONS","id":3}`,
		}, `{"result":["btcusdt@trade"],"id":3}`},
		{"empty list", []string{`{"method":"LIST_SUBSCRIPTIONS","id":"abc-1"}`}, `{"result":[],"id":"abc-1"}`},
		{"null id", []string{`{"method":"LIST_SUBSCRIPTIONS","id":null}`}, `{"result":[],"id":null}`},
		{"all event kinds", []string{`{"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@aggTrade","btcusdt@ticker","btcusdt@miniTicker","btcusdt@bookTicker","btcusdt@kline_1s","btcusdt@kline_1M"],"id":9}`}, `{"result":null,"id":9}`},
		{"set combined", []string{
			`{"method":"SET_PROPERTY","params":["combined",true],"id":5}`,
			`{"method":"GET_PROPERTY","params":["combined"],"id":6}`,
		}, `{"result":true,"id":6}`},
		{"get combined default", []string{`{"method":"GET_PROPERTY","params":["combined"],"id":2}`}, `{"result":false,"id":2}`},

		{"not JSON", []string{`{"method":`}, `{"error":{"code":3,"msg":"Invalid JSON: unexpected end of JSON input at line 1 column 10"},"id":null}`},
		{"not JSON line and column", []string{"{\n \"id\": x}"}, `{"error":{"code":3,"msg":"Invalid JSON: invalid character 'x' looking for beginning of value at line 2 column 8"},"id":null}`},
		{"not an object", []string{`[1,2]`}, `{"error":{"code":2,"msg":"Invalid request: expected a JSON object"},"id":null}`},
		{"null message", []string{`null`}, `{"error":{"code":2,"msg":"Invalid request: expected a JSON object"},"id":null}`},
		{"missing id", []string{`{"method":"LIST_SUBSCRIPTIONS"}`}, `{"error":{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"},"id":null}`},
		{"float id", []string{`{"method":"LIST_SUBSCRIPTIONS","id":1.5}`}, `{"error":{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"},"id":null}`},
		{"object id", []string{`{"method":"LIST_SUBSCRIPTIONS","id":{}}`}, `{"error":{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"},"id":null}`},
		{"long string id", []string{`{"method":"LIST_SUBSCRIPTIONS","id":"` + strings.Repeat("a", 37) + `"}`}, `{"error":{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"},"id":null}`},
		{"missing method", []string{`{"id":7}`}, "{\"error\":{\"code\":2,\"msg\":\"Invalid request: missing field `method`\"},\"id\":7}"},
		{"method not a string", []string{`{"method":5,"id":7}`}, `{"error":{"code":2,"msg":"Invalid request: method must be a string"},"id":7}`},
		{"unknown method", []string{`{"method":"SUBSCRIB","id":7}`}, "{\"error\":{\"code\":2,\"msg\":\"Invalid request: unknown variant `SUBSCRIB`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`\"},\"id\":7}"},
		{"params not array", []string{`{"method":"SUBSCRIBE","params":"btcusdt@trade","id":7}`}, `{"error":{"code":2,"msg":"Invalid request: params must be an array"},"id":7}`},
		{"stream not string", []string{`{"method":"SUBSCRIBE","params":[1],"id":7}`}, `{"error":{"code":2,"msg":"Invalid request: stream name must be a string"},"id":7}`},
		{"unknown symbol", []string{`{"method":"SUBSCRIBE","params":["dogeusdt@trade"],"id":7}`}, `{"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":7}`},
		{"uppercase symbol", []string{`{"method":"SUBSCRIBE","params":["BTCUSDT@trade"],"id":7}`}, `{"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":7}`},
		{"unknown kind", []string{`{"method":"SUBSCRIBE","params":["btcusdt@depth"],"id":7}`}, `{"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":7}`},
		{"bad interval", []string{`{"method":"SUBSCRIBE","params":["btcusdt@kline_2m"],"id":7}`}, `{"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":7}`},
		{"no symbol", []string{`{"method":"SUBSCRIBE","params":["@trade"],"id":7}`}, `{"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":7}`},
		{"invalid stream subscribes nothing", []string{
			`{"method":"SUBSCRIBE","params":["btcusdt@trade","nope"],"id":1}`,
			`{"method":"LIST_SUBSCRIPTIONS","id":2}`,
		}, `{"result":[],"id":2}`},
		{"too many streams", []string{
			`{"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@ticker","btcusdt@aggTrade","btcusdt@miniTicker","btcusdt@bookTicker","btcusdt@kline_1m","btcusdt@kline_5m"],"id":1}`,
			`{"method":"SUBSCRIBE","params":["btcusdt@trade","ethusdt@trade"],"id":2}`,
		}, `{"error":{"code":2,"msg":"Invalid request: too many streams"},"id":2}`},
		{"resubscribing within the limit", []string{
			`{"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@ticker","btcusdt@aggTrade","btcusdt@miniTicker","btcusdt@bookTicker","btcusdt@kline_1m","btcusdt@kline_5m"],"id":1}`,
			`{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":2}`,
		}, `{"result":null,"id":2}`},
		{"list with params", []string{`{"method":"LIST_SUBSCRIPTIONS","params":["x"],"id":1}`}, `{"error":{"code":2,"msg":"Invalid request: too many parameters"},"id":1}`},
		{"unknown property", []string{`{"method":"SET_PROPERTY","params":["compressed",true],"id":1}`}, `{"error":{"code":0,"msg":"Unknown property"},"id":1}`},
		{"property value not bool", []string{`{"method":"SET_PROPERTY","params":["combined","yes"],"id":1}`}, `{"error":{"code":1,"msg":"Invalid value type: expected Boolean"},"id":1}`},
		{"property value null", []string{`{"method":"SET_PROPERTY","params":["combined",null],"id":1}`}, `{"error":{"code":1,"msg":"Invalid value type: expected Boolean"},"id":1}`},
		{"property name not string", []string{`{"method":"GET_PROPERTY","params":[1],"id":1}`}, `{"error":{"code":2,"msg":"Invalid request: property name must be a string"},"id":1}`},
		{"property too many params", []string{`{"method":"GET_PROPERTY","params":["combined",true],"id":1}`}, `{"error":{"code":2,"msg":"Invalid request: too many parameters"},"id":1}`},
		{"property missing params", []string{`{"method":"SET_PROPERTY","params":["combined"],"id":1}`}, `{"error":{"code":2,"msg":"Invalid request: missing parameters"},"id":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Config{Symbols: []string{"BTCUSDT", "ETHUSDT"}, MaxStreamsPerConn: 7})
			sub := newSubscriber(false)
			var got []byte
			for _, m := range tt.msgs {
				got = s.handleControl(sub, []byte(m))
			}
			if string(got) != tt.want {
				t.Fatalf("reply\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestControlKeepsRegistryConsistent(t *testing.T) {
	s := New(Config{Symbols: []string{"BTCUSDT"}})
	a, b := newSubscriber(false), newSubscriber(true)
	s.handleControl(a, []byte(`{"method":"SUBSCRIBE","params":["btcusdt@trade","btcusdt@ticker"],"id":1}`))
	s.handleControl(b, []byte(`{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1}`))
	if got := len(s.topics["btcusdt@trade"]); got != 2 {
		t.Fatalf("trade subscribers = %d, want 2", got)
	}
	s.handleControl(a, []byte(`{"method":"UNSUBSCRIBE","params":["btcusdt@trade","btcusdt@ticker"],"id":2}`))
	if !s.Subscribed("btcusdt@trade") || s.Subscribed("btcusdt@ticker") {
		t.Fatalf("after a's unsubscribe: trade=%v ticker=%v, want true false",
			s.Subscribed("btcusdt@trade"), s.Subscribed("btcusdt@ticker"))
	}
	s.mu.Lock()
	s.removeLocked(b)
	s.mu.Unlock()
	if len(s.topics) != 0 {
		t.Fatalf("topics left after every subscriber left: %v", s.topics)
	}
}

func TestValidStreamWithoutSymbolList(t *testing.T) {
	s := New(Config{})
	tests := []struct {
		name string
		want bool
	}{
		{"anycoin@trade", true},
		{"1000satsusdt@kline_15m", true},
		{"Anycoin@trade", false},
		{"any-coin@trade", false},
		{strings.Repeat("a", 21) + "@trade", false},
		{"btcusdt@kline_", false},
		{"btcusdt@trade@x", false},
		{"btcusdt", false},
	}
	for _, tt := range tests {
		if got := s.validStream(tt.name); got != tt.want {
			t.Errorf("validStream(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func FuzzControlMessage(f *testing.F) {
	seeds := []string{
		`{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1}`,
		`{"method":"UNSUBSCRIBE","params":["btcusdt@trade"],"id":"x"}`,
		`{"method":"LIST_SUBSCRIPTIONS","id":null}`,
		`{"method":"SET_PROPERTY","params":["combined",true],"id":5}`,
		`{"method":"GET_PROPERTY","params":["combined"],"id":2}`,
		`{"method":"SUBSCRIBE","params":[{"a":1}],"id":-9223372036854775808}`,
		`{"id":18446744073709551616}`, `[]`, `null`, `"x"`, `{`, "\xff", ``,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		s := New(Config{Symbols: []string{"BTCUSDT"}, MaxStreamsPerConn: 4})
		sub := newSubscriber(false)
		reply := s.handleControl(sub, msg)
		var parsed struct {
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Code int    `json:"code"`
				Msg  string `json:"msg"`
			} `json:"error"`
			ID json.RawMessage `json:"id"`
		}
		if err := json.Unmarshal(reply, &parsed); err != nil {
			t.Fatalf("reply %q to %q is not JSON: %v", reply, msg, err)
		}
		if parsed.ID == nil {
			t.Fatalf("reply %q has no id", reply)
		}
		if parsed.Error != nil {
			if parsed.Error.Code < 0 || parsed.Error.Code > 3 || parsed.Error.Msg == "" {
				t.Fatalf("bad error in %q", reply)
			}
		} else if parsed.Result == nil {
			t.Fatalf("reply %q has neither result nor error", reply)
		}
		if !utf8.Valid(reply) {
			t.Fatalf("reply is not UTF-8: %q", reply)
		}
		if n := len(sub.order); n > 4 {
			t.Fatalf("subscriber holds %d streams, over the limit", n)
		}
	})
}

package wsapi

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tradebot-operator/tradebot-operator/internal/exchangesim/limits"
)

func hmacSign(payload string) string {
	mac := hmac.New(sha256.New, []byte(hmacSecret))
	mac.Write([]byte(payload))
	return hex.EncodeToString(mac.Sum(nil))
}

// signedParams returns params JSON with a valid HMAC signature over the
// sorted name=value pairs of extra plus apiKey and timestamp.
func signedParams(ts int64, extra string) string {
	payload := "apiKey=" + hmacAPIKey
	if extra != "" {
		payload += "&" + extra
	}
	payload += "&timestamp=" + fmt.Sprint(ts)
	return fmt.Sprintf(`{"apiKey":"%s","timestamp":%d,"signature":"%s"}`, hmacAPIKey, ts, hmacSign(payload))
}

// windowParams is signedParams with a recvWindow, sent as the JSON text
// window (a number, or a string in quotes).
func windowParams(ts int64, window string) string {
	text := strings.Trim(window, `"`)
	payload := fmt.Sprintf("apiKey=%s&recvWindow=%s&timestamp=%d", hmacAPIKey, text, ts)
	return fmt.Sprintf(`{"apiKey":"%s","recvWindow":%s,"timestamp":%d,"signature":"%s"}`, hmacAPIKey, window, ts, hmacSign(payload))
}

func TestRequests(t *testing.T) {
	clock := newFakeClock()
	now := clock.Now().UnixMilli()
	sub := func(id string, params string) string {
		return fmt.Sprintf(`{"id":"%s","method":"userDataStream.subscribe.signature","params":%s}`, id, params)
	}
	tests := []struct {
		name string
		msgs []string // sent in order on one session; the last reply is checked
		want string
	}{
		{"ping", []string{`{"id":"p1","method":"ping"}`}, `{"id":"p1","status":200,"result":{}}`},
		{"ping with empty params", []string{`{"id":1,"method":"ping","params":{}}`}, `{"id":1,"status":200,"result":{}}`},
		{"versioned method", []string{`{"id":null,"method":"v3/ping"}`}, `{"id":null,"status":200,"result":{}}`},
		{"time", []string{`{"id":"t","method":"time"}`}, fmt.Sprintf(`{"id":"t","status":200,"result":{"serverTime":%d}}`, now)},
		{"subscribe", []string{sub("s1", signedParams(now, ""))}, `{"id":"s1","status":200,"result":{"subscriptionId":0}}`},
		{"subscribe microsecond timestamp", []string{sub("s1", signedParams(now*1000, ""))}, `{"id":"s1","status":200,"result":{"subscriptionId":0}}`},
		{"subscribe with recvWindow", []string{sub("s1", func() string {
			ts := now - 9000
			return fmt.Sprintf(`{"apiKey":"%s","recvWindow":10000.5,"timestamp":%d,"signature":"%s"}`, hmacAPIKey, ts,
				hmacSign(fmt.Sprintf("apiKey=%s&recvWindow=10000.5&timestamp=%d", hmacAPIKey, ts)))
		}())}, `{"id":"s1","status":200,"result":{"subscriptionId":0}}`},
		{"second subscription of an account", []string{sub("a", signedParams(now, "")), sub("b", signedParams(now, ""))},
			`{"id":"b","status":400,"error":{"code":-2035,"msg":"User Data Stream subscription already active."}}`},
		{"list subscriptions", []string{sub("a", signedParams(now, "")), `{"id":"l","method":"session.subscriptions"}`},
			`{"id":"l","status":200,"result":[{"subscriptionId":0}]}`},
		{"unsubscribe one", []string{sub("a", signedParams(now, "")), `{"id":"u","method":"userDataStream.unsubscribe","params":{"subscriptionId":0}}`},
			`{"id":"u","status":200,"result":{}}`},
		{"ids are not reused", []string{sub("a", signedParams(now, "")), `{"id":"u","method":"userDataStream.unsubscribe"}`, sub("b", signedParams(now, ""))},
			`{"id":"b","status":200,"result":{"subscriptionId":1}}`},
		{"unsubscribe all leaves none", []string{sub("a", signedParams(now, "")), `{"id":"u","method":"userDataStream.unsubscribe"}`, `{"id":"l","method":"session.subscriptions"}`},
			`{"id":"l","status":200,"result":[]}`},
		{"unsubscribe unknown id", []string{`{"id":"u","method":"userDataStream.unsubscribe","params":{"subscriptionId":3}}`},
			`{"id":"u","status":400,"error":{"code":-2036,"msg":"User Data Stream subscription not active."}}`},
		{"unsubscribe bad id", []string{`{"id":"u","method":"userDataStream.unsubscribe","params":{"subscriptionId":"x"}}`},
			`{"id":"u","status":400,"error":{"code":-1102,"msg":"Mandatory parameter 'subscriptionId' was not sent, was empty/null, or malformed."}}`},

		{"not JSON", []string{`{"id":`}, `{"id":null,"status":400,"error":{"code":-1135,"msg":"Invalid JSON Request"}}`},
		{"not an object", []string{`[]`}, `{"id":null,"status":400,"error":{"code":-1135,"msg":"Invalid JSON Request"}}`},
		{"missing id", []string{`{"method":"ping"}`}, `{"id":null,"status":400,"error":{"code":-1102,"msg":"Mandatory parameter 'id' was not sent, was empty/null, or malformed."}}`},
		{"object id", []string{`{"id":{},"method":"ping"}`}, `{"id":null,"status":400,"error":{"code":-1102,"msg":"Mandatory parameter 'id' was not sent, was empty/null, or malformed."}}`},
		{"long id", []string{`{"id":"` + strings.Repeat("x", 37) + `","method":"ping"}`}, `{"id":null,"status":400,"error":{"code":-1102,"msg":"Mandatory parameter 'id' was not sent, was empty/null, or malformed."}}`},
		{"missing method", []string{`{"id":5}`}, `{"id":5,"status":400,"error":{"code":-1102,"msg":"Mandatory parameter 'method' was not sent, was empty/null, or malformed."}}`},
		{"params not an object", []string{`{"id":5,"method":"ping","params":[1]}`}, `{"id":5,"status":400,"error":{"code":-1135,"msg":"Invalid 'params' in JSON request; expected an object."}}`},
		{"unsupported method", []string{`{"id":5,"method":"order.place","params":{}}`}, `{"id":5,"status":400,"error":{"code":-1020,"msg":"This operation is not supported."}}`},
		{"no apiKey", []string{sub("s", `{"timestamp":1,"signature":"x"}`)}, `{"id":"s","status":400,"error":{"code":-1102,"msg":"Mandatory parameter 'apiKey' was not sent, was empty/null, or malformed."}}`},
		{"no params", []string{`{"id":"s","method":"userDataStream.subscribe.signature"}`}, `{"id":"s","status":400,"error":{"code":-1102,"msg":"Mandatory parameter 'apiKey' was not sent, was empty/null, or malformed."}}`},
		{"no signature", []string{sub("s", `{"apiKey":"k","timestamp":1}`)}, `{"id":"s","status":400,"error":{"code":-1102,"msg":"Mandatory parameter 'signature' was not sent, was empty/null, or malformed."}}`},
		{"no timestamp", []string{sub("s", `{"apiKey":"k","signature":"x"}`)}, `{"id":"s","status":400,"error":{"code":-1102,"msg":"Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed."}}`},
		{"recvWindow with four decimals", []string{sub("s", `{"apiKey":"k","signature":"x","timestamp":1,"recvWindow":"1.2345"}`)}, `{"id":"s","status":400,"error":{"code":-1111,"msg":"Parameter 'recvWindow' has too much precision."}}`},
		{"negative recvWindow", []string{sub("s", `{"apiKey":"k","signature":"x","timestamp":1,"recvWindow":-5}`)}, `{"id":"s","status":400,"error":{"code":-1102,"msg":"Mandatory parameter 'recvWindow' was not sent, was empty/null, or malformed."}}`},
		{"recvWindow not a number", []string{sub("s", `{"apiKey":"k","signature":"x","timestamp":1,"recvWindow":"5s"}`)}, `{"id":"s","status":400,"error":{"code":-1102,"msg":"Mandatory parameter 'recvWindow' was not sent, was empty/null, or malformed."}}`},
		{"recvWindow in exponent form", []string{sub("s", `{"apiKey":"k","signature":"x","timestamp":1,"recvWindow":5e3}`)}, `{"id":"s","status":400,"error":{"code":-1102,"msg":"Mandatory parameter 'recvWindow' was not sent, was empty/null, or malformed."}}`},
		{"negative timestamp", []string{sub("s", `{"apiKey":"k","signature":"x","timestamp":-1}`)}, `{"id":"s","status":400,"error":{"code":-1102,"msg":"Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed."}}`},
		{"fractional timestamp", []string{sub("s", `{"apiKey":"k","signature":"x","timestamp":1.5}`)}, `{"id":"s","status":400,"error":{"code":-1102,"msg":"Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed."}}`},
		{"microseconds at a fractional window's edge", []string{sub("s", windowParams(now*1000-5_000_500, "5000.5"))}, `{"id":"s","status":200,"result":{"subscriptionId":0}}`},
		{"microseconds past a fractional window", []string{sub("s", windowParams(now*1000-5_000_501, `"5000.5"`))}, `{"id":"s","status":400,"error":{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}}`},
		{"milliseconds past a fractional window", []string{sub("s", windowParams(now-5001, "5000.999"))}, `{"id":"s","status":400,"error":{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}}`},
		{"microseconds just under 1s ahead", []string{sub("s", signedParams(now*1000+999_999, ""))}, `{"id":"s","status":200,"result":{"subscriptionId":0}}`},
		{"microseconds 1s ahead", []string{sub("s", signedParams(now*1000+1_000_000, ""))}, `{"id":"s","status":400,"error":{"code":-1021,"msg":"Timestamp for this request was 1000ms ahead of the server's time."}}`},
		{"timestamp in seconds", []string{sub("s", signedParams(now/1000, ""))}, `{"id":"s","status":400,"error":{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}}`},
		{"timestamp of 15 digits", []string{sub("s", signedParams(now*100, ""))}, `{"id":"s","status":400,"error":{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}}`},
		{"unknown key", []string{sub("s", fmt.Sprintf(`{"apiKey":"nobody","timestamp":%d,"signature":"x"}`, now))}, `{"id":"s","status":401,"error":{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}}`},
		{"old timestamp", []string{sub("s", signedParams(now-5001, ""))}, `{"id":"s","status":400,"error":{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}}`},
		{"future timestamp", []string{sub("s", signedParams(now+1001, ""))}, `{"id":"s","status":400,"error":{"code":-1021,"msg":"Timestamp for this request was 1000ms ahead of the server's time."}}`},
		{"recvWindow too large", []string{sub("s", fmt.Sprintf(`{"apiKey":"%s","timestamp":%d,"recvWindow":60001,"signature":"x"}`, hmacAPIKey, now))}, `{"id":"s","status":400,"error":{"code":-1102,"msg":"'recvWindow' contains unexpected value. Cannot be greater than 60000."}}`},
		{"recvWindow a microsecond too large", []string{sub("s", windowParams(now, "60000.001"))}, `{"id":"s","status":400,"error":{"code":-1102,"msg":"'recvWindow' contains unexpected value. Cannot be greater than 60000."}}`},
		{"bad signature", []string{sub("s", fmt.Sprintf(`{"apiKey":"%s","timestamp":%d,"signature":"%s"}`, hmacAPIKey, now, hmacSign("apiKey=x")))}, `{"id":"s","status":400,"error":{"code":-1022,"msg":"Signature for this request is not valid."}}`},
		{"unsigned extra param", []string{sub("s", strings.Replace(signedParams(now, ""), `{`, `{"recvWindow":6000,`, 1))}, `{"id":"s","status":400,"error":{"code":-1022,"msg":"Signature for this request is not valid."}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := newTestKeys(t)
			s := New(Config{Keys: keys.lookup, Now: clock.Now})
			sess := newSession("10.0.0.1", true)
			var got []byte
			for _, m := range tt.msgs {
				got, _ = s.handle(sess, []byte(m))
			}
			if string(got) != tt.want {
				t.Fatalf("reply\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestSubscribeWithEd25519Key(t *testing.T) {
	clock := newFakeClock()
	keys := newTestKeys(t)
	s := New(Config{Keys: keys.lookup, Now: clock.Now})
	sess := newSession("10.0.0.1", true)
	req := subscribeRequest(t, "e", keys.ed, func(p string) string {
		return base64.StdEncoding.EncodeToString(ed25519.Sign(keys.edPriv, []byte(p)))
	}, clock.Now().UnixMilli())
	if got, _ := s.handle(sess, []byte(req)); string(got) != `{"id":"e","status":200,"result":{"subscriptionId":0}}` {
		t.Fatalf("reply %s", got)
	}
	if accounts := s.byAccount["bob"]; len(accounts) != 1 {
		t.Fatalf("bob has %d subscriptions, want 1", len(accounts))
	}
}

func TestRateLimitsInResponses(t *testing.T) {
	clock := newFakeClock()
	lim := limits.New(limits.Config{WeightPerMinute: 4, Now: clock.Now})
	s := New(Config{Keys: newTestKeys(t).lookup, Now: clock.Now, Limits: lim})
	sess := newSession("10.0.0.9", true)
	quiet := newSession("10.0.0.9", false) // ?returnRateLimits=false

	reply, _ := s.handle(sess, []byte(`{"id":1,"method":"ping"}`))
	want := `{"id":1,"status":200,"result":{},"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":4,"count":1}]}`
	if string(reply) != want {
		t.Fatalf("got %s\nwant %s", reply, want)
	}
	if reply, _ = s.handle(quiet, []byte(`{"id":2,"method":"ping"}`)); string(reply) != `{"id":2,"status":200,"result":{}}` {
		t.Fatalf("quiet session: %s", reply)
	}
	if reply, _ = s.handle(quiet, []byte(`{"id":3,"method":"ping","params":{"returnRateLimits":true}}`)); !strings.Contains(string(reply), `"count":3`) {
		t.Fatalf("returnRateLimits=true in params: %s", reply)
	}
	// Weight 2 takes the IP to 5 > 4: 429 until the minute ends.
	reply, ban := s.handle(sess, []byte(`{"id":4,"method":"session.subscriptions"}`))
	var resp struct {
		Status int
		Error  struct {
			Code int
			Data struct{ ServerTime, RetryAfter int64 }
		}
	}
	if err := json.Unmarshal(reply, &resp); err != nil || ban || resp.Status != 429 || resp.Error.Code != -1003 {
		t.Fatalf("over the limit: %s (ban %v)", reply, ban)
	}
	nowMs := clock.Now().UnixMilli()
	if resp.Error.Data.ServerTime != nowMs || resp.Error.Data.RetryAfter <= nowMs {
		t.Fatalf("retry data %+v at %d", resp.Error.Data, nowMs)
	}
	// Another request before Retry-After: banned, and the session must end.
	reply, ban = s.handle(sess, []byte(`{"id":5,"method":"ping"}`))
	if !ban || !strings.Contains(string(reply), `"status":418`) {
		t.Fatalf("request during Retry-After: %s (ban %v)", reply, ban)
	}
	clock.Advance(time.Hour)
	if reply, ban = s.handle(sess, []byte(`{"id":6,"method":"ping"}`)); ban || !strings.Contains(string(reply), `"status":200`) {
		t.Fatalf("after the ban: %s", reply)
	}
}

func FuzzRequest(f *testing.F) {
	clock := newFakeClock()
	for _, s := range []string{
		`{"id":"p1","method":"ping"}`, `{"id":1,"method":"time","params":{}}`,
		`{"id":"s","method":"userDataStream.subscribe.signature","params":` + signedParams(clock.Now().UnixMilli(), "") + `}`,
		`{"id":"u","method":"userDataStream.unsubscribe","params":{"subscriptionId":0}}`,
		`{"id":"l","method":"session.subscriptions"}`, `{"id":[],"method":1}`, `null`, `{`, "\xff",
	} {
		f.Add([]byte(s))
	}
	keys := newTestKeys(f)
	f.Fuzz(func(t *testing.T, msg []byte) {
		s := New(Config{Keys: keys.lookup, Now: clock.Now, Limits: limits.New(limits.Config{Now: clock.Now})})
		sess := newSession("10.0.0.1", true)
		reply, _ := s.handle(sess, msg)
		var resp struct {
			ID     json.RawMessage  `json:"id"`
			Status int              `json:"status"`
			Result json.RawMessage  `json:"result"`
			Error  *json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(reply, &resp); err != nil {
			t.Fatalf("reply %q to %q is not JSON: %v", reply, msg, err)
		}
		if resp.ID == nil || resp.Status == 0 || (resp.Result == nil) == (resp.Error == nil) {
			t.Fatalf("malformed reply %s to %q", reply, msg)
		}
	})
}

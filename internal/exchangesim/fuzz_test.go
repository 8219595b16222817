package exchangesim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func FuzzParams(f *testing.F) {
	for _, seed := range [][2]string{
		{"symbol=BTCUSDT&timestamp=1&signature=abc", "side=BUY&quantity=0.1"},
		{`symbols=%5B%22BTCUSDT%22%2C%22ETHUSDT%22%5D`, ""},
		{"symbols=[\"A\",\"B\"]&limit=5", "limit=6"},
		{"a=%zz", ""},
		{"&&=&", "signature=&signature="},
		{"quantity=1.0000000000000000000001&price=99999999999999999999", "newClientOrderId=x-B3AUXNYV.1:2/3_4"},
		{"interval=1M&startTime=-1&endTime=18446744073709551616", "type=MINI"},
	} {
		f.Add(seed[0], seed[1])
	}
	sim, err := New(smallConfig(newFrozenClock()))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(sim.Close)
	f.Fuzz(func(t *testing.T, query, body string) {
		p, perr := parseParams(query, body)
		if perr != nil {
			if perr.Code != -1100 && perr.Code != -1101 {
				t.Fatalf("parse error with code %d: %v", perr.Code, perr)
			}
			return
		}
		if _, ok := p.vals[signatureParam]; ok {
			t.Fatal("the signature is among the parameters")
		}
		if len(p.payload) > len(query)+len(body) || strings.Contains(p.payload, "signature=") && !strings.Contains(query+body, "signature=") {
			t.Fatalf("payload %q not derived from %q + %q", p.payload, query, body)
		}
		for _, byMethod := range sim.routes {
			for _, rt := range byMethod {
				if err := validateParams(p, rt.accepted, rt.rules, rt.sec == secSigned); err == nil {
					if w := rt.weight(p); w < 0 {
						t.Fatalf("%s weight %d", rt.path, w)
					}
				} else if err.Code >= 0 || err.Msg == "" {
					t.Fatalf("%s: malformed error %+v", rt.path, err)
				}
			}
		}
	})
}

// FuzzREST sends arbitrary parameters to every endpoint through the real
// handler, half of them correctly signed so the handlers themselves see the
// fuzzed values. Every answer must be JSON: an object or array on 200, a
// Binance error otherwise.
func FuzzREST(f *testing.F) {
	f.Add(uint8(0), "symbol=BTCUSDT", "", true)
	f.Add(uint8(5), "symbol=BTCUSDT&interval=1m&limit=3", "", false)
	f.Add(uint8(11), "", "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001", true)
	f.Add(uint8(11), "", "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=IOC&quantity=0.00002&price=99999", true)
	f.Add(uint8(11), "", "symbol=ETHUSDT&side=BUY&type=MARKET&quoteOrderQty=12.5&newOrderRespType=RESULT", true)
	f.Add(uint8(13), "", "symbol=BTCUSDT&orderId=1", true)
	f.Add(uint8(17), "symbol=BTCUSDT&startTime=1&endTime=2&fromId=3&limit=0", "", true)

	clock := newFrozenClock()
	cfg := smallConfig(clock)
	cfg.WeightLimit = 1 << 30
	cfg.OrderLimit10s = 1 << 30
	cfg.OrderLimitDay = 1 << 30
	sim, err := New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(sim.Close)
	type endpoint struct{ method, path string }
	var endpoints []endpoint
	for path, byMethod := range sim.routes {
		for method := range byMethod {
			endpoints = append(endpoints, endpoint{method, path})
		}
	}
	sort.Slice(endpoints, func(i, j int) bool {
		return endpoints[i].path+endpoints[i].method < endpoints[j].path+endpoints[j].method
	})

	f.Fuzz(func(t *testing.T, which uint8, query, body string, sign bool) {
		ep := endpoints[int(which)%len(endpoints)]
		if sign {
			if query != "" {
				query += "&"
			}
			query += "timestamp=" + strconv.FormatInt(clock.Now().UnixMilli(), 10)
			query += "&signature=" + hmacHex(DemoSecretKey, query+body)
		}
		req := httptest.NewRequest(ep.method, "/", strings.NewReader(body))
		req.URL.Path, req.URL.RawQuery = ep.path, query
		req.Header.Set("X-MBX-APIKEY", DemoAPIKey)
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)

		if rec.Header().Get("X-Mbx-Used-Weight-1m") == "" {
			t.Fatalf("%s %s: no X-MBX-USED-WEIGHT-1M", ep.method, ep.path)
		}
		if rec.Code == http.StatusOK {
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s %s: 200 with invalid JSON %q", ep.method, ep.path, rec.Body.String())
			}
			return
		}
		var apiErr struct {
			Code int    `json:"code"`
			Msg  string `json:"msg"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &apiErr); err != nil || apiErr.Code >= 0 || apiErr.Msg == "" {
			t.Fatalf("%s %s?%s [%s]: status %d body %q", ep.method, ep.path, query, body, rec.Code, rec.Body.String())
		}
		if rec.Code >= 500 && apiErr.Code == -1000 {
			t.Fatalf("%s %s?%s [%s]: unexpected internal error %q", ep.method, ep.path, query, body, rec.Body.String())
		}
	})
}

package exchangesim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// benchEnv is a simulator over loopback with limits out of the way and a
// frozen clock, so one signed query stays valid for the whole run.
func benchEnv(b *testing.B) (*Simulator, *httptest.Server, *http.Client) {
	b.Helper()
	cfg := smallConfig(newFrozenClock())
	cfg.WeightLimit = 1 << 40
	cfg.RawRequestLimit = 1 << 40
	cfg.OrderLimit10s = 1 << 40
	cfg.OrderLimitDay = 1 << 40
	cfg.Accounts = []AccountSpec{{APIKey: "bench-key", SecretKey: "bench-secret", Balances: map[string]decimal.Decimal{
		"USDT": decimal.NewFromInt(1_000_000_000), "BTC": decimal.NewFromInt(10_000),
	}}}
	sim, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}
	b.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
		sim.Close()
	})
	return sim, srv, &http.Client{Transport: tr}
}

// send does one request and drains the response so the connection is reused.
func send(b *testing.B, c *http.Client, req *http.Request) {
	res, err := c.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b.Errorf("%s %s: status %d", req.Method, req.URL.Path, res.StatusCode)
	}
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkRESTPlaceOrder places signed MARKET orders (FULL responses,
// alternately buying and selling 0.0001 BTC) through the real handler over
// loopback.
func BenchmarkRESTPlaceOrder(b *testing.B) {
	sim, srv, client := benchEnv(b)
	ts := sim.serverNow().UnixMilli()
	bodies := [2]string{
		"symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.0001",
		"symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.0001",
	}
	var urls [2]string
	for i, body := range bodies {
		q := "timestamp=" + itoa(ts)
		urls[i] = srv.URL + "/api/v3/order?" + q + "&signature=" + hmacHex("bench-secret", q+body)
	}
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if i%20000 == 0 { // refresh the simulated book's liquidity
				price, _ := sim.market.Price("BTCUSDT")
				if err := sim.setPrice("BTCUSDT", price); err != nil {
					b.Error(err)
				}
			}
			req, _ := http.NewRequest(http.MethodPost, urls[i%2], strings.NewReader(bodies[i%2]))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-MBX-APIKEY", "bench-key")
			send(b, client, req)
		}
	})
	reportRate(b)
	if placed := sim.Stats().Orders.Placed; placed != int64(b.N) {
		b.Fatalf("placed %d orders, want %d", placed, b.N)
	}
}

// BenchmarkRESTTickerPrice asks for one symbol's price over loopback.
func BenchmarkRESTTickerPrice(b *testing.B) {
	_, srv, client := benchEnv(b)
	url := srv.URL + "/api/v3/ticker/price?symbol=BTCUSDT"
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			send(b, client, req)
		}
	})
	reportRate(b)
}

func itoa(n int64) string { return decimal.NewFromInt(n).String() }

var _ = time.Second

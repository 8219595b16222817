package exchangesim

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

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

// loadConn is a minimal HTTP/1.1 keep-alive client, in the spirit of wrk:
// it writes prebuilt requests and reads the responses, one at a time, so
// the benchmark's CPU goes to the server rather than to net/http's client.
// The server side is the real http.Server and handler.
type loadConn struct {
	conn net.Conn
	r    *bufio.Reader
}

func dialLoad(b *testing.B, srv *httptest.Server) *loadConn {
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	return &loadConn{conn: conn, r: bufio.NewReaderSize(conn, 16<<10)}
}

// rawRequest builds the bytes of one request.
func rawRequest(method, target, apiKey, body string) []byte {
	var sb strings.Builder
	sb.WriteString(method + " " + target + " HTTP/1.1\r\nHost: bench\r\n")
	if apiKey != "" {
		sb.WriteString("X-MBX-APIKEY: " + apiKey + "\r\n")
	}
	if body != "" {
		sb.WriteString("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n")
	}
	sb.WriteString("\r\n" + body)
	return []byte(sb.String())
}

// do sends one request and reads its response; it returns the status.
func (c *loadConn) do(req []byte) (int, error) {
	if _, err := c.conn.Write(req); err != nil {
		return 0, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 {
		return 0, fmt.Errorf("bad status line %q", line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, err
	}
	length := -1
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(h) <= 2 {
			break
		}
		if name, value, ok := bytes.Cut(h, []byte(":")); ok && bytes.EqualFold(name, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(value))); err != nil {
				return 0, err
			}
		}
	}
	if length < 0 {
		return 0, fmt.Errorf("response without Content-Length")
	}
	_, err = c.r.Discard(length)
	return status, err
}

func (c *loadConn) close() { c.conn.Close() }

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// runLoad sends requests from parallel connections until b.N are done;
// next picks each request.
func runLoad(b *testing.B, srv *httptest.Server, next func(i int64) []byte) {
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := dialLoad(b, srv)
		defer c.close()
		for pb.Next() {
			status, err := c.do(next(n.Add(1)))
			if err != nil || status != http.StatusOK {
				b.Errorf("status %d, err %v", status, err)
				return
			}
		}
	})
	reportRate(b)
}

// BenchmarkRESTPlaceOrder places signed MARKET orders (FULL responses,
// alternately buying and selling 0.0001 BTC) through the real server and
// handler over loopback.
func BenchmarkRESTPlaceOrder(b *testing.B) {
	sim, srv, _ := benchEnv(b)
	ts := strconv.FormatInt(sim.serverNow().UnixMilli(), 10)
	var reqs [2][]byte
	for i, side := range []string{"BUY", "SELL"} {
		body := "symbol=BTCUSDT&side=" + side + "&type=MARKET&quantity=0.0001"
		q := "timestamp=" + ts
		reqs[i] = rawRequest(http.MethodPost, "/api/v3/order?"+q+"&signature="+hmacHex("bench-secret", q+body), "bench-key", body)
	}
	runLoad(b, srv, func(i int64) []byte {
		if i%20000 == 0 { // refresh the simulated book's liquidity
			price, _ := sim.market.Price("BTCUSDT")
			if err := sim.setPrice("BTCUSDT", price); err != nil {
				b.Error(err)
			}
		}
		return reqs[i%2]
	})
	if placed := sim.Stats().Orders.Placed; placed != int64(b.N) {
		b.Fatalf("placed %d orders, want %d", placed, b.N)
	}
}

// BenchmarkRESTTickerPrice asks for one symbol's price over loopback.
func BenchmarkRESTTickerPrice(b *testing.B) {
	_, srv, _ := benchEnv(b)
	req := rawRequest(http.MethodGet, "/api/v3/ticker/price?symbol=BTCUSDT", "", "")
	runLoad(b, srv, func(int64) []byte { return req })
}

// BenchmarkRESTPlaceOrderNetHTTP is BenchmarkRESTPlaceOrder with net/http's
// client, as go-binance would send it; client and server share the CPUs.
func BenchmarkRESTPlaceOrderNetHTTP(b *testing.B) {
	sim, srv, client := benchEnv(b)
	ts := strconv.FormatInt(sim.serverNow().UnixMilli(), 10)
	body := "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.0001"
	q := "timestamp=" + ts
	url := srv.URL + "/api/v3/order?" + q + "&signature=" + hmacHex("bench-secret", q+body)
	var n atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if n.Add(1)%20000 == 0 {
				price, _ := sim.market.Price("BTCUSDT")
				_ = sim.setPrice("BTCUSDT", price)
			}
			req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-MBX-APIKEY", "bench-key")
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	reportRate(b)
}
